"""What issue 14 asked of the data model, checked on the shipped graph: periods, units,
precision of derived figures, relations as triples, the hierarchy, labels and retired IRIs."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

IPKG = "https://w3id.org/ipkg/ontology#"
ID = "https://w3id.org/ipkg/id/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
VALUE = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
PERIOD = URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
UNIT = URIRef("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure")


def n(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    base = {"iobs": ID + "obs/", "iorg": ID + "org/", "iper": ID + "period/", "iuom": ID + "uom/",
            "iev": ID + "event/", "icamp": ID + "campaign/", "idoc": ID + "doc/", "icase": ID + "case/",
            "iq": ID + "qualifier/", "ipkg": IPKG, "iind": ID + "indicator/"}[prefix]
    return URIRef(base + local)


def test_stocks_are_dated_as_instants_and_campaign_figures_have_their_own_period(project):
    g = project.data
    for o in ("spp2025-talent-pool-members", "spp2025-regional-liaison-offices", "spp2025-technical-investigators"):
        period = g.value(n("iobs:" + o), PERIOD)
        start, end = g.value(period, URIRef(SCHEMA + "startDate")), g.value(period, URIRef(SCHEMA + "endDate"))
        assert start == end == Literal("2025-04-23", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")), o
    month = [o for o in g.subjects(URIRef(IPKG + "concerns"), n("icamp:shanghai-ip-protection-thematic-month-2023"))
             if g.value(o, VALUE) is not None]
    assert len(month) == 4
    assert {g.value(o, PERIOD) for o in month} == {n("iper:sh2023-ip-protection-thematic-month")}
    # so Shanghai persons prosecuted in calendar 2023 does not return the one-month figure
    rows = list(g.query("""SELECT ?o WHERE { ?o <%s> ?i ; <%s> <%s> ; <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <%s> . }"""
                        % (IPKG + "indicator", PERIOD, n("iper:2023"), ID + "place/shanghai")))
    assert not {r.o for r in rows} & set(month)


def test_review_figures_keep_the_sources_unspecified_unit(project):
    g = project.data
    for o in ("spp2025-arrest-reviews-accepted", "spp2025-indictment-reviews-accepted"):
        node = n("iobs:" + o)
        assert g.value(node, UNIT) == n("iuom:unspecified")
        assert any("whether it counts cases or persons" in str(x) for x in g.objects(node, SKOS.note))
        zh = [str(l) for l in g.objects(node, SKOS.prefLabel) if l.language == "zh"]
        assert zh and "案件数" not in zh[0]


def test_derived_values_keep_the_precision_of_their_inputs(project):
    g = project.data
    base = n("iobs:wr2025-ip-cases-concluded-2023-derived")
    assert g.value(base, VALUE).toPython() == 490000 and g.value(base, URIRef(IPKG + "qualifier")) == n("iq:about")
    assert str(g.value(n("iobs:sh2023-average-handling-days-2022-derived"), VALUE)) == "80.3"
    # no derived figure carries more significant digits than the growth rate it comes from allows
    for o in g.subjects(RDF.type, URIRef(IPKG + "DerivedObservation")):
        v = g.value(o, VALUE)
        if v is not None and "." in str(v):
            assert len(str(v).split(".")[1]) <= 1, o


def test_relations_once_only_in_notes_are_triples(project):
    g = project.data
    t = lambda s, p, o: (n(s), URIRef(p), n(o)) in g  # noqa: E731
    assert t("iev:g60-nine-cities-procuratorates-conference", SCHEMA + "attendee", "iorg:g60-nine-cities-procuratorates")
    for f in ("forum-ip-time-honoured-enterprises", "forum-coordinated-regional-ip-protection", "forum-geographical-marks-modern-agriculture"):
        assert t("iev:" + f, SCHEMA + "superEvent", "icamp:shanghai-ip-protection-thematic-month-2023")
    assert t("iorg:shanghai-procuratorates", IPKG + "actsUnder", "iorg:cpc-shanghai-municipal-committee")
    assert t("idoc:spp-work-report-2025", DCT + "references", "icase:spp-trade-secret-prosecution-2025-report")
    assert t("idoc:spc-work-report-2025", DCT + "references", "icase:ev-trade-secret-640m")
    for o in ("sh2023-spp-guiding-cases-selected", "sh2023-spp-typical-cases-selected"):
        assert t("iobs:" + o, IPKG + "selectedBy", "iorg:spp")
    for o in ("ar2024-persons-approved-for-arrest", "ar2024-arrests-approved"):
        assert t("iobs:" + o, IPKG + "concerns", "iorg:procuratorial-organs-nationwide")
    creators = set(g.objects(n("idoc:guidelines-technological-measures-digital-copyright"), URIRef(DCT + "creator")))
    assert {n("iorg:shanghai-regulatory-departments"), n("iorg:industry-associations")} <= creators
    # every node these triples point at carries an evidence phrase from its source
    for node in (n("iorg:g60-nine-cities-procuratorates"), n("iorg:procuratorial-organs-nationwide"),
                 n("iorg:shanghai-regulatory-departments"), n("iorg:industry-associations")):
        assert g.value(node, URIRef(IPKG + "evidence")) is not None, node


def test_every_state_body_reaches_the_top_of_its_hierarchy(project):
    g = project.data
    tops = {n("iorg:spp"), n("iorg:spc"), n("iorg:state-council")}
    up = [URIRef(ORG + "unitOf"), URIRef(ORG + "subOrganizationOf")]
    kinds = [URIRef(IPKG + k) for k in ("Procuratorate", "Court", "Department", "Office", "ServiceStation", "Team",
                                        "TalentPool", "CaseHandlingOrganization", "ResearchBase",
                                        "PublicSecurityAuthority", "AdministrativeAuthority")]
    bodies = {s for k in kinds for s in g.subjects(RDF.type, k)} - tops
    assert len(bodies) > 25
    stranded = []
    for b in sorted(bodies):
        seen, todo = set(), [b]
        while todo:
            x = todo.pop()
            seen.add(x)
            todo += [y for p in up for y in g.objects(x, p) if y not in seen]
        if not seen & tops:
            stranded.append(str(b))
    assert not stranded
    # the six Shanghai units are found under the SPP by the example query
    from ipkg import query

    rows = query.normalised_rows(query.run_query("units-under-spp", engine="oxigraph"))
    under = {r["member"] for r in rows}
    assert {f"iorg:shanghai-{u}" for u in ("ip-procuratorial-service-stations", "malicious-litigation-special-teams",
                                          "ip-procuratorial-offices", "investigation-supervision-collaboration-office",
                                          "ip-protection-procuratorial-centres", "ip-procuratorial-research-bases")} <= under


def test_zh_labels_carry_no_translation_notes_or_role_tags_and_no_label_is_shared(project):
    g = project.data
    labels = {}
    for p in (SKOS.prefLabel, SKOS.altLabel):
        for s, o in g.subject_objects(p):
            if isinstance(o, Literal) and not g.value(s, OWL.deprecated):
                labels.setdefault((str(o), o.language), set()).add(s)
                assert not re.search(r"据英文.{2}意译|群组|未具名", str(o)), (s, str(o))
                assert not re.search(r"\((group|nationwide, group|unnamed)\)", str(o)), (s, str(o))
    shared = {k: v for k, v in labels.items() if len(v) > 1}
    assert not shared, shared
    guideline = n("idoc:spp-ipr-procuratorial-work-guideline-2022")
    zh = [str(o) for o in g.objects(guideline, SKOS.prefLabel) if o.language == "zh"][0]
    assert "《" not in zh and not zh.endswith("指引（2022年）")


def test_retired_iris_are_deprecated_and_replaced(project):
    g = project.data
    retired = set(g.subjects(OWL.deprecated, Literal(True)))
    assert {n("iobs:sh2023-ip-criminal-cases-by-crime-type-derived"), n("iobs:sh2023-ip-criminal-persons-by-crime-type-derived"),
            n("iobs:sh2023-supervision-cases-by-function-derived"), n("iobs:sh2023-pil-clues-by-source-derived")} <= retired
    for r in retired:
        new = g.value(r, URIRef(DCT + "isReplacedBy"))
        assert new is not None and not g.value(new, OWL.deprecated), r
        assert g.value(r, VALUE) is None, r  # a retired copy is no longer a figure


def test_every_organisation_has_a_level_or_says_why_not(project):
    g = project.data
    kinds = [URIRef(IPKG + k) for k in ("Procuratorate", "Court", "Department", "Office", "ServiceStation", "Team",
                                        "CaseHandlingOrganization", "ResearchBase", "PublicSecurityAuthority")]
    missing = []
    for k in kinds:
        for s in g.subjects(RDF.type, k):
            if g.value(s, URIRef(IPKG + "level")) is None and g.value(s, URIRef(ORG + "unitOf")) is None \
                    and not any("level" in str(x) for x in g.objects(s, SKOS.note)):
                missing.append(str(s))
    units = {s for k in kinds for s in g.subjects(RDF.type, k) if g.value(s, URIRef(ORG + "unitOf")) is not None}
    for u in units:
        if g.value(u, URIRef(IPKG + "level")) is None and not any("ipkg:level" in str(x) for x in g.objects(u, SKOS.note)):
            missing.append(str(u))
    assert not missing, missing
