"""The browsable site (ipkg.site): a page per entity and term, RDF beside each page, facts with
their evidence, content negotiation, the query gallery, search index, charts and safety.

Uses the session build (``built_dist``: a full ``ipkg build``) and, for the escaping test, a
project copy with hostile labels."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from ipkg.query import run_query
from ipkg.site import conneg
from ipkg.site.paths import page_path, page_stem

IPKG = "https://w3id.org/ipkg/ontology#"
EVIDENCE = URIRef(IPKG + "evidence")

TYPED = """
SELECT DISTINCT ?s WHERE {
  ?s a ?class .
  FILTER(isIRI(?s) && (STRSTARTS(STR(?s), "https://w3id.org/ipkg/id/")
                       || STRSTARTS(STR(?s), "https://w3id.org/ipkg/ontology#")))
}"""


@pytest.fixture(scope="module")
def typed() -> list[str]:
    """Every typed entity and ontology term, by SPARQL over the project (Oxigraph)."""
    return sorted(r["s"] for r in run_query(TYPED).plain_rows())


def html_pages(out: Path) -> list[Path]:
    return sorted(list((out / "id").rglob("*.html"))
                  + [p for d in ("class", "property") for p in (out / "ontology" / d).glob("*.html")])


# --------------------------------------------------------------------------- pages and paths


def test_one_page_per_typed_entity_and_term(built_dist, typed):
    pages = html_pages(built_dist)
    assert len(typed) > 600
    assert len(pages) == len(typed)
    expected = {page_path(iri) for iri in typed}
    assert None not in expected  # every typed IRI of ours maps to a page
    assert {p.relative_to(built_dist).as_posix() for p in pages} == expected


def test_page_paths_mirror_the_iri_scheme():
    assert page_path("https://w3id.org/ipkg/id/org/spp") == "id/org/spp.html"
    assert page_path("https://w3id.org/ipkg/ontology#Indicator") == "ontology/class/Indicator.html"
    assert page_path("https://w3id.org/ipkg/ontology#indicator") == "ontology/property/indicator.html"
    assert page_path("https://schema.org/Person") is None
    assert page_path("https://w3id.org/ipkg/id/org/../../etc") is None


def test_no_two_pages_differ_only_in_case(typed):
    paths = [page_path(i) for i in typed]
    assert len({p.lower() for p in paths}) == len(paths)


def test_ontology_folders_follow_the_naming_convention(project, typed):
    """Upper-case terms are classes, lower-case ones properties (what the two folders say)."""
    from rdflib import OWL, RDF, RDFS

    g = project.merged()
    for iri in typed:
        if not iri.startswith(IPKG):
            continue
        types = set(g.objects(URIRef(iri), RDF.type))
        is_class = bool(types & {OWL.Class, RDFS.Class})
        assert is_class == ("/class/" in page_path(iri)), iri


# --------------------------------------------------------------------------- RDF beside each page


@pytest.mark.parametrize("iri", [
    "https://w3id.org/ipkg/id/org/shanghai-procuratorate",
    "https://w3id.org/ipkg/id/obs/sh2023-comprehensive-cases",
    "https://w3id.org/ipkg/ontology#Indicator",
])
def test_turtle_and_jsonld_hold_the_entitys_triples(built_dist, project, iri):
    merged = project.merged()
    expected = {(URIRef(iri), p, o) for p, o in merged.predicate_objects(URIRef(iri))}
    assert len(expected) > 3
    stem = built_dist / page_stem(iri)
    ttl = Graph().parse(stem.with_suffix(".ttl"), format="turtle")
    assert set(ttl) == expected
    jsonld = Graph().parse(data=stem.with_suffix(".jsonld").read_text("utf-8"), format="json-ld")
    assert set(jsonld) == expected


def test_every_page_links_its_turtle_and_jsonld(built_dist):
    for page in html_pages(built_dist)[::25]:
        text = page.read_text("utf-8")
        name = page.stem
        assert f'href="{name}.ttl"' in text and f'href="{name}.jsonld"' in text
        assert page.with_suffix(".ttl").is_file() and page.with_suffix(".jsonld").is_file()


# --------------------------------------------------------------------------- facts and evidence

_ROW = re.compile(r'<tr class="fact">(.*?)</tr>', re.S)


def test_each_fact_shows_the_evidence_of_its_statement(built_dist, project, typed):
    """Every fact row of every entity that carries ipkg:evidence quotes one of its phrases."""
    g = project.merged()
    checked = 0
    for iri in typed:
        phrases = {str(e) for e in g.objects(URIRef(iri), EVIDENCE)}
        if not phrases:
            continue
        text = (built_dist / page_path(iri)).read_text("utf-8")
        rows = _ROW.findall(text)
        assert rows, iri
        for row in rows:
            quoted = {html.unescape(q) for q in re.findall(r'<q class="evidence">(.*?)</q>', row, re.S)}
            assert quoted, f"{iri}: a fact without evidence: {row[:200]}"
            checked += 1
    assert checked > 1000


def test_founding_date_cites_the_establishment_event(built_dist, project):
    q = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
    PREFIX schema: <https://schema.org/>
    SELECT ?org ?ev WHERE { ?e org:resultingOrganization ?org ; ipkg:evidence ?ev . ?org schema:foundingDate ?d }"""
    rows = run_query(q).plain_rows()
    assert rows
    for r in rows:
        text = html.unescape((built_dist / page_path(r["org"])).read_text("utf-8"))
        row = next(x for x in _ROW.findall(text) if "schema:foundingDate" in x)
        assert r["ev"] in html.unescape(row)


def test_derived_figure_pages_show_formula_and_inputs(built_dist):
    q = """PREFIX ipkg: <https://w3id.org/ipkg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?o ?m ?i WHERE { ?o a ipkg:DerivedObservation ; ipkg:derivationMethod ?m ; prov:wasDerivedFrom ?i }"""
    rows = run_query(q).plain_rows()
    assert len({r["o"] for r in rows}) >= 10
    for r in rows:
        text = html.unescape((built_dist / page_path(r["o"])).read_text("utf-8"))
        section = text.split('id="derivation"', 1)[1].split("</section>", 1)[0]
        assert r["m"] in section
        assert page_stem(r["i"]).rsplit("/", 1)[-1] + ".html" in section


def test_what_links_here_lists_incoming_links(built_dist):
    text = (built_dist / "id/org/spp.html").read_text("utf-8")
    here = text.split('id="links-here"', 1)[1].split("</section>", 1)[0]
    for q in run_query("""PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?u WHERE { ?u org:unitOf <https://w3id.org/ipkg/id/org/spp> }""").plain_rows():
        assert page_path(q["u"]).rsplit("/", 1)[-1] in here


# --------------------------------------------------------------------------- content negotiation


def _rules(text: str):
    """(conditions, pattern, substitution, flags) for each RewriteRule of an .htaccess."""
    rules, conds = [], []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "RewriteCond":
            assert parts[1] == "%{HTTP_ACCEPT}" and parts[3] == "[NC]"
            conds.append(parts[2])
        elif parts[0] == "RewriteRule":
            rules.append((conds, parts[1], parts[2], parts[3]))
            conds = []
    return rules


def resolve(htaccess: str, path: str, accept: str) -> str | None:
    """What Apache mod_rewrite does with these rules (conditions, first matching rule, [L])."""
    for conds, pattern, subst, _flags in _rules(htaccess):
        if not all(re.search(c, accept, re.I) for c in conds):
            continue
        m = re.match(pattern, path)
        if m:
            return re.sub(r"\$(\d)", lambda g: m.group(int(g.group(1))), subst)  # noqa: B023 - called within this iteration
    return None


ACCEPTS = {
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": ".html",
    "text/turtle": ".ttl",
    "text/turtle;q=1.0, application/n-triples;q=0.5": ".ttl",
    "application/ld+json": ".jsonld",
    "application/ld+json, text/turtle;q=0.5": ".jsonld",
    "*/*": ".html",
}


def test_htaccess_maps_each_kind_of_iri_and_accept_to_an_existing_file(built_dist, typed):
    text = (built_dist / ".htaccess").read_text("utf-8")
    assert text == conneg.htaccess()
    samples = {}
    for iri in typed:  # one IRI per folder: every kind of entity, classes and properties
        samples.setdefault(page_stem(iri).rsplit("/", 1)[0], iri)
    assert len(samples) > 20
    for iri in samples.values():
        path = iri[len("https://w3id.org/ipkg/"):].replace("ontology#", page_stem(iri).rsplit("/", 1)[0] + "/")
        for accept, ext in ACCEPTS.items():
            target = resolve(text, path, accept)
            assert target == page_stem(iri) + ext, (path, accept, target)
            assert (built_dist / target).is_file()
    for accept, ext in ACCEPTS.items():  # the ontology IRI itself (…/ontology#Term: no fragment sent)
        target = resolve(text, "ontology", accept)
        assert target == "ontology/index" + ext and (built_dist / target).is_file()
    assert resolve(text, "ipkg.ttl", "text/turtle") is None  # files are served as they are


def test_w3id_rules_redirect_to_the_host(built_dist):
    target = "https://example.org/ipkg-site/"
    text = conneg.htaccess(target)
    assert "[R=303,L]" in text
    url = resolve(text, "id/org/spp", "text/turtle")
    assert url == target + "id/org/spp.ttl"
    assert (built_dist / url[len(target):]).is_file()


# --------------------------------------------------------------------------- gallery, search, charts


def test_gallery_has_every_example_with_its_rows(built_dist):
    from ipkg.examples import list_examples
    from ipkg.site.gallery import MAX_ROWS

    text = (built_dist / "queries/index.html").read_text("utf-8")
    examples = list_examples()
    assert len(examples) > 30
    for ex in examples:
        section = text.split(f'<section class="example" id="{ex.name}">', 1)[1].split("</section>", 1)[0]
        assert ex.title in html.unescape(section) and ex.title_zh in html.unescape(section)
        result = run_query(ex.name)
        if result.kind == "ask":
            assert f"<strong>{'true' if result.boolean else 'false'}</strong>" in section
            continue
        body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in section else ""
        assert body.count("<tr>") == min(len(result.rows), MAX_ROWS), ex.name
        link = re.search(r'<a class="serve" data-serve href="([^"]+)"', section).group(1)
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(html.unescape(link))
        assert parts.scheme == "http" and parts.netloc == "127.0.0.1:7878" and parts.path == "/"
        assert parse_qs(parts.query)["query"] == [ex.query]


def test_search_index_has_labels_and_alt_labels_in_both_languages(built_dist, project, typed):
    text = (built_dist / "static/search-index.js").read_text("utf-8")
    index = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    assert len(index) == len(typed)
    spp = next(d for d in index if d["p"] == "id/org/shanghai-procuratorate.html")
    assert spp["zh"] == "上海市人民检察院"
    g = project.merged()
    from rdflib.namespace import SKOS

    alts = {str(a) for a in g.objects(URIRef("https://w3id.org/ipkg/id/org/shanghai-procuratorate"), SKOS.altLabel)}
    assert alts and set(spp["alt"]) == alts


def _specs(page: Path) -> dict:
    text = page.read_text("utf-8")
    return json.loads(re.search(r'<script type="application/json" id="ipkg-charts">(.*?)</script>', text, re.S).group(1))


def test_stats_page_has_a_chart_per_indicator_and_breakdown(built_dist):
    specs = _specs(built_dist / "stats/index.html")
    rows = run_query("""PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
        PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
        SELECT DISTINCT ?i WHERE { ?o ipkg:indicator ?i ; sdmx-measure:obsValue ?v }""").plain_rows()
    about = {s["about"] for s in specs.values() if s["kind"] == "indicator"}
    assert about == {r["i"] for r in rows}
    wholes = run_query("""PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
        SELECT DISTINCT ?w WHERE { ?p ipkg:partOf ?w }""").plain_rows()
    assert {r["w"] for r in wholes} <= {s["about"] for s in specs.values() if s["kind"] == "parts"}
    for s in specs.values():
        for b in s["bars"]:
            assert b["page"] and (built_dist / b["page"]).is_file()
            assert float(b["text"].lstrip("><≈≲≥")) == b["value"]  # the label is the value


def test_contradictions_flagged_by_validation_are_marked(built_dist, project):
    from ipkg.validate import validate_project

    report = validate_project(project)
    focus = {r.focus for r in report.all_results if r.component == "SPARQLConstraintComponent"}
    assert len(focus) >= 4  # the Shanghai white paper's self-contradictions
    specs = _specs(built_dist / "stats/index.html")
    flagged = set()
    for s in specs.values():
        for b in s["bars"] + ([s["total"]] if s["total"] else []):
            if b["flag"]:
                flagged.add("https://w3id.org/ipkg/id/obs/" + b["key"].split(":", 1)[1])
    assert focus <= flagged
    # the whole of the sum that does not add up: its breakdown chart carries the warning
    chart = specs["parts-sh2023-comprehensive-cases"]
    assert chart["total"]["flag"] and chart["sum"] != chart["total"]["value"]
    assert any("130" in n["en"] for n in chart["notes"])


# --------------------------------------------------------------------------- safety


def test_every_page_has_a_csp_and_requests_nothing_external(built_dist):
    for page in [*html_pages(built_dist)[::10], built_dist / "stats/index.html",
                 built_dist / "queries/index.html", built_dist / "browse.html"]:
        text = page.read_text("utf-8")
        csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1))
        assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "script-src 'self';" in csp
        for attr in re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="([^"]+)"', text):
            assert "://" not in attr and not attr.startswith("//"), (page, attr)


def test_hostile_labels_are_escaped(project_copy, tmp_path):
    from ipkg.load import load_project
    from ipkg.site import write_pages

    probe = "</script><script>window.__pwned=1</script><img src=x onerror=alert(1)>"
    (project_copy / "graph" / "reference" / "zz-probe.ttl").write_text(
        '@prefix ipkg: <https://w3id.org/ipkg/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
        '@prefix dcterms: <http://purl.org/dc/terms/> .\n'
        f'<https://w3id.org/ipkg/id/org/probe> a ipkg:Company ; skos:prefLabel "{probe}"@en , "探针"@zh ;\n'
        f'  skos:altLabel "{probe}"@en ; ipkg:evidence "{probe}" ;\n'
        '  dcterms:source <https://w3id.org/ipkg/id/source/spp-new-phase-2025> .\n', encoding="utf-8")
    out = tmp_path / "site"
    write_pages(load_project(project_copy), out)
    page = (out / "id/org/probe.html").read_text("utf-8")
    assert probe not in page and "<script>window.__pwned" not in page
    assert html.escape(probe, quote=True) in page or html.escape(probe, quote=False) in page
    index = (out / "static/search-index.js").read_text("utf-8")
    assert "</script" not in index and "<img" not in index


# --------------------------------------------------------------------------- build integration


def test_no_site_skips_the_step(tmp_path):
    from ipkg.build import build

    result = build(tmp_path / "out", docs=False, views=False, site=False, validate=False)
    assert "site" not in [name for name, _ in result.timings]
    assert not (tmp_path / "out" / "id").exists() and (tmp_path / "out" / "ipkg.ttl").is_file()


def test_start_page_and_view_panels_link_the_site(built_dist):
    index = (built_dist / "index.html").read_text("utf-8")
    for href in ("browse.html", "stats/index.html", "queries/index.html"):
        assert f'href="{href}"' in index and (built_dist / href).is_file()
    view = (built_dist / "views/institutions.html").read_text("utf-8")
    links = re.findall(r'"page":"([^"]+)"', view)
    assert '../id/org/spp.html' in links
    assert all((built_dist / "views" / link).resolve().is_file() for link in links)


def test_literal_values_are_shown(built_dist):
    text = html.unescape((built_dist / "id/obs/sh2023-comprehensive-cases.html").read_text("utf-8"))
    assert '<span class="num">129</span>' in text
