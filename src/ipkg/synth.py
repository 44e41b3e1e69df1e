"""Synthetic case-level data shaped like the real graph, for scale tests (``ipkg synth``).

The curated graph holds a few hundred facts; the tools around it (loading, validation, queries,
the server) must also work at millions. :func:`write_synthetic` streams N-Triples describing
``n_cases`` synthetic :class:`ipkg:Case` nodes that point at the *real* organisations, crime types
(and through them the Criminal Law articles) and procuratorial functions of the graph, plus a
handful of synthetic district places, procuratorates and courts under the real national or
provincial bodies. Every synthetic node has an English and a Chinese ``skos:prefLabel`` and a
``dcterms:source`` pointing at one synthetic :class:`ipkg:SourceDocument` whose note says the data
are made up, so the SHACL shapes apply to it as to real data.

Design points:

* seeded and reproducible: the same seed, case count and graph give a byte-identical file
  (Python's :class:`random.Random`, whose ``random()``/``gauss`` streams are stable);
* streaming: cases are generated and written in fixed-size chunks, memory does not grow with N;
* atomic: written to a temp file in the target folder, then :func:`os.replace`;
* every IRI minted here lies under ``https://w3id.org/ipkg/id/synth/``.

Per case: type, two labels, charge, handling procuratorate, function, date, outcome, defendant
description, source (10 triples); a court when the outcome is a judgment; a concurrent non-IP
charge for a few; and for about one case in eight an amount-involved observation
(``qb:Observation`` ``ipkg:concerns`` the case, lognormal RMB value). That averages about 12
triples per case.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import replaced_file
from .errors import IpkgError

SYNTH = "https://w3id.org/ipkg/id/synth/"
IPKG = "https://w3id.org/ipkg/ontology#"
ID = "https://w3id.org/ipkg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
QB = "http://purl.org/linked-data/cube#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
#: case numbers grow over the years, as the real figures do
YEAR_WEIGHTS = (0.12, 0.14, 0.16, 0.17, 0.19, 0.22)

#: leaf crime types (slug, weight): trademark cases dominate, as in the white papers
CRIME_WEIGHTS = (
    ("selling-goods-with-counterfeit-trademarks", 0.34),
    ("counterfeiting-registered-trademark", 0.30),
    ("illegal-trademark-marks", 0.07),
    ("copyright-infringement", 0.12),
    ("selling-infringing-copies", 0.05),
    ("circumventing-technical-measures", 0.02),
    ("infringing-trade-secrets", 0.07),
    ("trade-secrets-for-overseas", 0.005),
    ("counterfeiting-patent", 0.005),
)
CONCURRENT = ("fraud", "infringing-personal-information", "illegal-intrusion-computer-systems")
FUNCTION_WEIGHTS = (
    ("criminal", 0.86),
    ("civil", 0.06),
    ("administrative", 0.03),
    ("public-interest-litigation", 0.05),
)
#: (outcome, weight, judged by a court)
CRIMINAL_OUTCOMES = (
    ("sentenced to fixed-term imprisonment", 0.50, True),
    ("sentenced to fixed-term imprisonment with probation", 0.24, True),
    ("sentenced to a fine only", 0.05, True),
    ("not prosecuted: circumstances minor", 0.11, False),
    ("not prosecuted: insufficient evidence", 0.04, False),
    ("returned for supplementary investigation", 0.05, False),
    ("acquitted", 0.01, True),
)
OTHER_OUTCOMES = {
    "civil": (("protest lodged and judgment revised", 0.35, True),
              ("procuratorial recommendation adopted", 0.45, False),
              ("supervision application rejected", 0.20, False)),
    "administrative": (("procuratorial recommendation adopted", 0.70, False),
                       ("administrative penalty transferred for prosecution", 0.30, False)),
    "public-interest-litigation": (("pre-litigation recommendation adopted", 0.65, False),
                                   ("public interest lawsuit filed and upheld", 0.35, True)),
}
AMOUNT_SHARE = 0.125  # cases that get an amount-involved observation
CONCURRENT_SHARE = 0.03
CHUNK = 5000  # cases per write


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _iri(value: str) -> str:
    return f"<{value}>"


@dataclass
class RealEntities:
    """The real nodes synthetic cases point at, read from the curated graph."""

    procuratorates: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (iri, level, jurisdiction)
    courts: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    provinces: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, en label, zh label)
    crimes: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)


def real_entities(graph=None) -> RealEntities:
    """Read the organisations, provinces, crime types and functions present in the graph."""
    if graph is None:
        graph = _load_graph()
    from rdflib import RDF, Literal, Namespace, URIRef

    ipkg = Namespace(IPKG)
    skos = Namespace(SKOS)
    out = RealEntities()
    level = URIRef(IPKG + "level")
    jur = URIRef(IPKG + "jurisdiction")

    def orgs(cls):
        rows = []
        for s in set(graph.subjects(RDF.type, cls)):
            if not isinstance(s, URIRef):
                continue
            lv = graph.value(s, level)
            jv = graph.value(s, jur)
            rows.append((str(s), str(lv) if lv else None, str(jv) if jv else None))
        return sorted(rows)

    out.procuratorates = orgs(ipkg.Procuratorate)
    out.courts = orgs(ipkg.Court)
    for s in set(graph.subjects(level, URIRef(ID + "level/provincial"))):
        if (s, RDF.type, ipkg.AdministrativeArea) not in graph:
            continue
        labels = {lit.language: str(lit) for lit in graph.objects(s, skos.prefLabel) if isinstance(lit, Literal)}
        if "en" in labels and "zh" in labels:
            out.provinces.append((str(s), labels["en"], labels["zh"]))
    out.provinces.sort()
    out.crimes = {str(s) for s in graph.subjects(RDF.type, ipkg.CrimeType)}
    out.functions = {str(s) for s in graph.subjects(RDF.type, ipkg.ProcuratorialFunction)}
    out.periods = {str(s) for s in graph.subjects(RDF.type, ipkg.Period)}
    return out


def _load_graph():
    """The curated data (graph/ folder) as one rdflib graph."""
    from .load import load_project

    return load_project().data


@dataclass
class SynthStats:
    cases: int = 0
    triples: int = 0
    amounts: int = 0
    planted: int = 0
    path: Path | None = None


def _cum(weights):
    total, acc = 0.0, []
    for w in weights:
        total += w
        acc.append(total)
    return [a / total for a in acc]


def _pick(r: float, cum: list[float]) -> int:
    for i, c in enumerate(cum):
        if r < c:
            return i
    return len(cum) - 1


def write_synthetic(
    n_cases: int,
    out: str | Path,
    seed: int = 1,
    *,
    entities: RealEntities | None = None,
    plant: int = 0,
    progress: Callable[[int], None] | None = None,
) -> SynthStats:
    """Write ``n_cases`` synthetic cases as N-Triples to ``out`` (atomically); return counts.

    ``plant`` cases (spread evenly) get a second English preferred label: a known number of
    SHACL violations (one English label per entity) for checking that validation at scale
    finds them.
    """
    if n_cases < 1:
        raise IpkgError("--cases must be at least 1", hint="e.g. ipkg synth --cases 1000 --out synth.nt")
    if plant < 0 or plant > n_cases:
        raise IpkgError("--plant must be between 0 and the number of cases")
    out = Path(out)
    if not out.parent.exists():
        raise IpkgError("the output folder does not exist", path=out.parent)
    ent = entities or real_entities()
    missing = [f"icrime:{c}" for c, _ in CRIME_WEIGHTS if ID + "crime/" + c not in ent.crimes]
    missing += [f"ifn:{f}" for f, _ in FUNCTION_WEIGHTS if ID + "function/" + f not in ent.functions]
    if missing:
        raise IpkgError("the graph lacks entities synthetic cases point at: " + ", ".join(missing))
    if not ent.procuratorates or not ent.courts:
        raise IpkgError("the graph has no ipkg:Procuratorate or no ipkg:Court to attach synthetic cases to")

    stats = SynthStats(path=out)
    with replaced_file(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            _generate(fh, n_cases, seed, ent, plant, stats, progress)
    return stats


def _generate(fh, n_cases, seed, ent: RealEntities, plant, stats: SynthStats, progress) -> None:
    rng = random.Random(seed)
    tag = f"s{seed}"
    src = _iri(f"{SYNTH}source/{tag}")
    dataset = _iri(f"{SYNTH}dataset/{tag}")
    indicator = _iri(f"{SYNTH}indicator/amount-involved")
    kind = _iri(f"{SYNTH}doc-kind/synthetic")
    periods: dict[int, str] = {}
    a = _iri(RDF_TYPE)
    pref = _iri(SKOS + "prefLabel")
    note = _iri(SKOS + "note")
    defn = _iri(SKOS + "definition")
    dsrc = _iri(DCT + "source")
    level_p = _iri(IPKG + "level")
    district_lvl = _iri(ID + "level/district")
    lines: list[str] = []

    def t(s, p, o):
        lines.append(f"{s} {p} {o} .\n")

    # --- the synthetic source, data set and indicator
    t(src, a, _iri(IPKG + "SourceDocument"))
    t(src, pref, _lit(f"Synthetic case data (ipkg synth, seed {seed}, {n_cases} cases)") + "@en")
    t(src, pref, _lit(f"合成案件数据（ipkg synth，种子 {seed}，{n_cases} 件）") + "@zh")
    t(src, note, _lit("SYNTHETIC: generated by 'ipkg synth' for scale testing; no fact here is real.") + "@en")
    t(src, note, _lit("合成数据：由 ipkg synth 生成，仅用于规模测试，内容均非真实。") + "@zh")
    t(src, _iri(DCT + "title"), _lit(f"Synthetic IP enforcement cases, seed {seed}") + "@en")
    # the 999_ prefix is reserved for synthetic data: no text in the seeds folder has it
    t(src, _iri(DCT + "identifier"), _lit(f"999_{seed & 0xFFFFFFFFFFFFFFFF:016x}.txt"))
    t(src, _iri(DCT + "type"), kind)
    t(src, _iri(DCT + "issued"), _lit("2024-12-31") + f"^^<{XSD}date>")
    t(src, _iri(DCT + "language"), _lit("en"))
    t(src, dsrc, src)
    t(kind, a, _iri(IPKG + "DocumentKind"))
    t(kind, pref, _lit("synthetic data (not a real source)") + "@en")
    t(kind, pref, _lit("合成数据（非真实来源）") + "@zh")
    t(kind, defn, _lit("Data generated by 'ipkg synth' for scale tests.") + "@en")
    t(kind, defn, _lit("由 ipkg synth 生成、用于规模测试的数据。") + "@zh")
    t(kind, _iri(SKOS + "inScheme"), _iri(ID + "scheme/document-kinds"))
    t(kind, dsrc, src)
    # periods: the graph's calendar years where it has them, synthetic ones otherwise
    for y in YEARS:
        if ID + f"period/{y}" in ent.periods:
            periods[y] = _iri(ID + f"period/{y}")
            continue
        per = periods[y] = _iri(f"{SYNTH}period/{y}")
        t(per, a, _iri(IPKG + "Period"))
        t(per, pref, _lit(f"calendar year {y}") + "@en")
        t(per, pref, _lit(f"{y}年") + "@zh")
        t(per, _iri(SKOS + "notation"), _lit(str(y)))
        t(per, _iri(SCHEMA + "startDate"), _lit(f"{y}-01-01") + f"^^<{XSD}date>")
        t(per, _iri(SCHEMA + "endDate"), _lit(f"{y}-12-31") + f"^^<{XSD}date>")
        t(per, dsrc, src)
    t(dataset, a, _iri(QB + "DataSet"))
    t(dataset, pref, _lit(f"Synthetic case amounts (seed {seed})") + "@en")
    t(dataset, pref, _lit(f"合成案件涉案金额（种子 {seed}）") + "@zh")
    t(dataset, dsrc, src)
    t(indicator, a, _iri(IPKG + "Indicator"))
    t(indicator, pref, _lit("amount involved in a synthetic case") + "@en")
    t(indicator, pref, _lit("合成案件涉案金额") + "@zh")
    t(indicator, defn, _lit("The money value involved in one synthetic case, in RMB.") + "@en")
    t(indicator, defn, _lit("单个合成案件的涉案金额（人民币）。") + "@zh")
    t(indicator, dsrc, src)

    # --- synthetic districts: a place, a procuratorate and a court each
    provinces = ent.provinces or []
    national_proc = [p for p in ent.procuratorates if p[1] == ID + "level/national"] or ent.procuratorates
    national_court = [c for c in ent.courts if c[1] == ID + "level/national"] or ent.courts
    n_districts = max(8, min(300, n_cases // 1000))
    district_proc, district_court = [], []
    for d in range(1, n_districts + 1):
        if provinces:
            prov_iri, prov_en, prov_zh = provinces[(d - 1) % len(provinces)]
        else:
            prov_iri, prov_en, prov_zh = ID + "place/china", "China", "中国"
        place = _iri(f"{SYNTH}place/district-{d:03d}")
        proc = _iri(f"{SYNTH}org/district-{d:03d}-procuratorate")
        court = _iri(f"{SYNTH}org/district-{d:03d}-court")
        # the real body above: the provincial one for that place if the graph has it, else national
        parent_p = next((p[0] for p in ent.procuratorates if p[2] == prov_iri and p[1] == ID + "level/provincial"),
                        national_proc[0][0])
        parent_c = next((c[0] for c in ent.courts if c[2] == prov_iri and c[1] == ID + "level/provincial"),
                        national_court[0][0])
        t(place, a, _iri(IPKG + "AdministrativeArea"))
        t(place, pref, _lit(f"Synthetic district {d:03d}, {prov_en}") + "@en")
        t(place, pref, _lit(f"{prov_zh}合成第{d:03d}区") + "@zh")
        t(place, level_p, district_lvl)
        t(place, _iri(SCHEMA + "containedInPlace"), _iri(prov_iri))
        t(place, dsrc, src)
        for node, cls, en, zh, parent in (
            (proc, "Procuratorate", "People's Procuratorate", "人民检察院", parent_p),
            (court, "Court", "People's Court", "人民法院", parent_c),
        ):
            t(node, a, _iri(IPKG + cls))
            t(node, pref, _lit(f"Synthetic District {d:03d} {en}, {prov_en}") + "@en")
            t(node, pref, _lit(f"{prov_zh}合成第{d:03d}区{zh}") + "@zh")
            t(node, level_p, district_lvl)
            t(node, _iri(IPKG + "jurisdiction"), place)
            t(node, _iri(ORG + "subOrganizationOf"), _iri(parent))
            t(node, dsrc, src)
        district_proc.append(proc)
        district_court.append(court)
    stats.triples += len(lines)
    fh.write("".join(lines))
    lines.clear()

    # handling bodies: district bodies by a Zipf-like weight, plus the real ones now and then
    proc_pool = district_proc + [_iri(p[0]) for p in ent.procuratorates]
    real_courts = [_iri(c[0]) for c in ent.courts]
    zipf = [1.0 / (k + 1) ** 0.8 for k in range(len(district_proc))]
    real_w = sum(zipf) * 0.04 / max(1, len(ent.procuratorates))
    proc_cum = _cum(zipf + [real_w] * len(ent.procuratorates))
    year_cum = _cum(YEAR_WEIGHTS)
    crimes = [_iri(ID + "crime/" + c) for c, _ in CRIME_WEIGHTS]
    crime_cum = _cum([w for _, w in CRIME_WEIGHTS])
    concurrent = [_iri(ID + "crime/" + c) for c in CONCURRENT]
    functions = [_iri(ID + "function/" + f) for f, _ in FUNCTION_WEIGHTS]
    fn_names = [f for f, _ in FUNCTION_WEIGHTS]
    fn_cum = _cum([w for _, w in FUNCTION_WEIGHTS])
    outcomes = {"criminal": CRIMINAL_OUTCOMES, **OTHER_OUTCOMES}
    out_lits = {k: [(_lit(o), court) for o, _, court in v] for k, v in outcomes.items()}
    out_cum = {k: _cum([w for _, w, _ in v]) for k, v in outcomes.items()}
    planted = set()
    if plant:
        step = n_cases / plant
        planted = {int(i * step + step / 2) for i in range(plant)}

    case_tpl = (
        "{c} " + a + " <" + IPKG + "Case> .\n"
        "{c} " + pref + ' "Synthetic case {y}-{n}"@en .\n'
        "{zh}"
        "{c} <" + IPKG + "charge> {crime} .\n"
        "{c} <" + IPKG + "handledBy> {proc} .\n"
        "{c} <" + IPKG + "function> {fn} .\n"
        "{c} <" + DCT + 'date> "{y}-{m:02d}-{d:02d}"^^<' + XSD + "date> .\n"
        "{c} <" + IPKG + "outcome> {outcome} .\n"
        "{c} <" + IPKG + 'defendantDescription> "{defs}" .\n'
        "{c} " + dsrc + " " + src + " .\n"
    )
    zh_tpl = "{c} " + pref + ' "合成案件 {y}-{n}"@zh .\n'
    dup_tpl = "{c} " + pref + ' "Synthetic case {y}-{n} (planted duplicate label)"@en .\n'
    court_tpl = "{c} <" + IPKG + "handledBy> {court} .\n"
    conc_tpl = "{c} <" + IPKG + "concurrentCharge> {crime} .\n"
    amount_tpl = (
        "{o} " + a + " <" + QB + "Observation> .\n"
        "{o} <" + QB + "dataSet> " + dataset + " .\n"
        "{o} " + pref + ' "Amount involved, synthetic case {y}-{n}"@en .\n'
        "{o} " + pref + ' "合成案件 {y}-{n} 涉案金额"@zh .\n'
        "{o} <" + IPKG + "indicator> " + indicator + " .\n"
        "{o} <" + SDMX_MEASURE + 'obsValue> "{v}"^^<' + XSD + "integer> .\n"
        "{o} <" + SDMX_ATTR + "unitMeasure> <" + ID + "uom/rmb> .\n"
        "{o} <" + SDMX_DIM + "refPeriod> {per} .\n"
        "{o} <" + IPKG + "concerns> {c} .\n"
        "{o} " + dsrc + " " + src + " .\n"
    )
    per_amount = 10
    rand = rng.random
    gauss = rng.gauss
    case_base = f"{SYNTH}case/{tag}-"
    obs_base = f"{SYNTH}obs/{tag}-amount-"
    mu, sigma = math.log(250_000), 1.7  # median 250k RMB, long right tail
    month_days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    buf: list[str] = []
    triples = 0
    for i in range(n_cases):
        n = f"{i + 1:07d}"
        c = f"<{case_base}{n}>"
        y = YEARS[_pick(rand(), year_cum)]
        m = 1 + int(rand() * 12)
        d = 1 + int(rand() * month_days[m - 1])
        fi = _pick(rand(), fn_cum)
        fname = fn_names[fi]
        oi = _pick(rand(), out_cum[fname])
        outcome, judged = out_lits[fname][oi]
        ndef = 1
        while ndef < 30 and rand() < 0.45:
            ndef += 1
        defs = "1 defendant" if ndef == 1 else f"{ndef} defendants"
        zh = zh_tpl.format(c=c, y=y, n=n)
        if i in planted:
            zh += dup_tpl.format(c=c, y=y, n=n)
            triples += 1
        pi = _pick(rand(), proc_cum)
        buf.append(case_tpl.format(
            c=c, y=y, n=n, m=m, d=d, zh=zh, crime=crimes[_pick(rand(), crime_cum)],
            proc=proc_pool[pi], fn=functions[fi], outcome=outcome, defs=defs))
        triples += 10
        if judged:
            # the court of the same district; a real court when a real procuratorate handled it
            court = district_court[pi] if pi < n_districts else real_courts[int(rand() * len(real_courts))]
            buf.append(court_tpl.format(c=c, court=court))
            triples += 1
        if fname == "criminal" and rand() < CONCURRENT_SHARE:
            buf.append(conc_tpl.format(c=c, crime=concurrent[int(rand() * len(concurrent))]))
            triples += 1
        if rand() < AMOUNT_SHARE:
            v = int(math.exp(gauss(mu, sigma))) + 1000
            buf.append(amount_tpl.format(o=f"<{obs_base}{n}>", c=c, y=y, n=n, v=v, per=periods[y]))
            triples += per_amount
            stats.amounts += 1
        if (i + 1) % CHUNK == 0:
            fh.write("".join(buf))
            buf.clear()
            if progress:
                progress(i + 1)
    fh.write("".join(buf))
    if progress:
        progress(n_cases)
    stats.cases = n_cases
    stats.triples += triples
    stats.planted = len(planted)
