"""The educator views: networkx builders, HTML rendering, site, CLI and snapshots.

Snapshots of each curated view built from the real graph live in tests/snapshots/views/; after
a deliberate change to the graph or to ontology/views.toml, regenerate them with
``IPKG_UPDATE_SNAPSHOTS=1 pytest tests/test_views.py`` and review the diff.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from ipkg.errors import IpkgError
from ipkg.views import builders, render, site
from ipkg.views.builders import Context

SNAPSHOTS = Path(__file__).parent / "snapshots" / "views"
UPDATE = os.environ.get("IPKG_UPDATE_SNAPSHOTS") == "1"

PREFIXES = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix iorg: <https://w3id.org/ipkg/id/org/> .
@prefix iest: <https://w3id.org/ipkg/id/establishment/> .
@prefix ifn: <https://w3id.org/ipkg/id/function/> .
@prefix isrc: <https://w3id.org/ipkg/id/source/> .
@prefix iobs: <https://w3id.org/ipkg/id/obs/> .
@prefix iuom: <https://w3id.org/ipkg/id/uom/> .
@prefix iper: <https://w3id.org/ipkg/id/period/> .
@prefix icrime: <https://w3id.org/ipkg/id/crime/> .
@prefix icase: <https://w3id.org/ipkg/id/case/> .
@prefix imeas: <https://w3id.org/ipkg/id/measure/> .
"""

#: A small graph with every kind of date, a hub and an ambiguous label.
FIXTURE = PREFIXES + """
isrc:doc a ipkg:SourceDocument ; skos:prefLabel "Test source"@en , "测试来源"@zh ;
    dcterms:title "A test source document"@en ; dcterms:identifier "999_test.txt" ; dcterms:source isrc:doc .
ifn:criminal a ipkg:ProcuratorialFunction ; skos:prefLabel "criminal procuratorial work"@en , "刑事检察"@zh ;
    dcterms:source isrc:doc .
iorg:proc a ipkg:Procuratorate ; skos:prefLabel "Test Procuratorate"@en , "测试检察院"@zh ;
    skos:altLabel "TP"@en ; schema:foundingDate "2019"^^xsd:gYear ; dcterms:source isrc:doc .
iorg:old-unit a ipkg:Department ; skos:prefLabel "Old Department"@en , "老部门"@zh ;
    org:unitOf iorg:proc ; schema:foundingDate "2020-03-01"^^xsd:date ; ipkg:function ifn:criminal ;
    dcterms:source isrc:doc .
iorg:new-unit a ipkg:Office ; skos:prefLabel "New Office"@en , "新办公室"@zh ;
    org:unitOf iorg:proc ; ipkg:function ifn:criminal ; dcterms:source isrc:doc .
iest:new-unit-2022 a ipkg:Establishment ; skos:prefLabel "establishing the New Office"@en , "设立新办公室"@zh ;
    org:resultingOrganization iorg:new-unit ; prov:wasAssociatedWith iorg:proc ;
    dcterms:date "2022-05"^^xsd:gYearMonth ; dcterms:source isrc:doc ;
    ipkg:locator "II.3" ; ipkg:evidence "set up the new office in May 2022" .
iorg:undated-unit a ipkg:Team ; skos:prefLabel "Undated Team"@en , "无日期专班"@zh ;
    org:unitOf iorg:proc ; dcterms:source isrc:doc .
iorg:other-proc a ipkg:Procuratorate ; skos:prefLabel "Second Procuratorate"@en , "第二检察院"@zh ;
    skos:altLabel "TP"@en ; org:subOrganizationOf iorg:proc ; dcterms:source isrc:doc .
icrime:secrets a ipkg:CrimeType ; skos:prefLabel "infringing trade secrets"@en , "侵犯商业秘密罪"@zh ;
    dcterms:source isrc:doc .
icase:c1 a ipkg:Case ; skos:prefLabel "A trade-secret case"@en , "商业秘密案"@zh ;
    ipkg:charge icrime:secrets ; ipkg:handledBy iorg:other-proc ; ipkg:function ifn:criminal ;
    dcterms:source isrc:doc .
iobs:t-cases a qb:Observation ; skos:prefLabel "Test: cases accepted"@en , "测试：受理案件数"@zh ;
    sdmx-measure:obsValue 42 ; sdmx-attribute:unitMeasure iuom:cases ; ipkg:function ifn:criminal ;
    ipkg:crimeType icrime:secrets ; ipkg:reportingBody iorg:proc ; dcterms:source isrc:doc ;
    ipkg:locator "I.1" ; ipkg:evidence "accepted 42 cases" .
iuom:cases a ipkg:UnitOfMeasure ; skos:prefLabel "cases"@en , "件（案件）"@zh ; dcterms:source <https://w3id.org/ipkg/ontology> .
imeas:m1 a ipkg:Measure ; skos:prefLabel "A measure"@en , "一项举措"@zh ; ipkg:adoptedBy iorg:proc ;
    dcterms:source isrc:doc .
iobs:t-measure a qb:Observation ; skos:prefLabel "Test: measure result"@en , "测试：举措成效"@zh ;
    sdmx-measure:obsValue 7 ; ipkg:concerns imeas:m1 ; dcterms:source isrc:doc .
"""

IORG = "https://w3id.org/ipkg/id/org/"


@pytest.fixture(scope="module")
def small() -> Graph:
    g = Graph()
    g.parse(data=FIXTURE, format="turtle")
    return g


@pytest.fixture(scope="module")
def merged(project) -> Graph:
    return project.merged()


# ----------------------------------------------------------------------------- builders


def test_institutions_as_of_hides_unit_founded_after_date(small):
    full = builders.institutions(small)
    assert {IORG + "old-unit", IORG + "new-unit", IORG + "undated-unit", IORG + "proc"} <= set(full)
    assert full.nodes[IORG + "new-unit"]["established"] == "2022-05"
    assert full.nodes[IORG + "undated-unit"]["undated"] is True
    assert full.nodes[IORG + "old-unit"]["undated"] is False

    before = builders.institutions(small, as_of="2021-12-31")
    assert IORG + "new-unit" not in before            # established 2022-05
    assert IORG + "old-unit" in before                # founded 2020-03-01
    assert IORG + "undated-unit" in before            # undated entities stay ...
    assert before.nodes[IORG + "undated-unit"]["undated"] is True  # ... marked undated
    assert before.has_edge(IORG + "old-unit", IORG + "proc", key="org:unitOf")
    assert before.graph["as_of"] == "2021-12-31"

    # a partial date counts from its first day; a partial --as-of means the end of the period
    assert IORG + "new-unit" in builders.institutions(small, as_of="2022-05")
    assert IORG + "new-unit" not in builders.institutions(small, as_of="2022-04-30")
    assert IORG + "proc" not in builders.institutions(small, as_of="2018")


@pytest.mark.parametrize("bad", ["2021-13", "yesterday", "2021/01/01", "2021-02-30"])
def test_as_of_rejects_bad_dates(small, bad):
    with pytest.raises(IpkgError) as exc:
        builders.institutions(small, as_of=bad)
    assert exc.value.exit_code == 2


def test_functions_view_links_units_cases_figures_to_functions(small):
    G = builders.functions(small)
    crim = "https://w3id.org/ipkg/id/function/criminal"
    linked = {s for s, o, k in G.in_edges(crim, keys=True) if k == "ipkg:function"}
    assert linked == {IORG + "old-unit", IORG + "new-unit",
                      "https://w3id.org/ipkg/id/case/c1", "https://w3id.org/ipkg/id/obs/t-cases"}
    assert G.nodes[crim]["group"] == "function"
    assert G.nodes[crim]["label_zh"] == "刑事检察"
    edge = G.get_edge_data(IORG + "old-unit", crim, key="ipkg:function")
    assert edge == {"predicate": "ipkg:function", "label_en": "procuratorial function", "label_zh": "检察职能"}
    assert G.nodes[IORG + "old-unit"]["functions"] == "ifn:criminal"
    assert G.nodes[IORG + "old-unit"]["class"] == "ipkg:Department"
    assert G.nodes[IORG + "old-unit"]["group"] == "unit"  # via rdfs:subClassOf org:OrganizationalUnit


def test_crimes_and_campaigns_views(small):
    C = builders.crimes(small)
    secrets = "https://w3id.org/ipkg/id/crime/secrets"
    assert C.has_edge("https://w3id.org/ipkg/id/case/c1", secrets, key="ipkg:charge")
    assert C.has_edge("https://w3id.org/ipkg/id/obs/t-cases", secrets, key="ipkg:crimeType")
    assert C.nodes["https://w3id.org/ipkg/id/obs/t-cases"]["value"] == "42"
    M = builders.campaigns(small)
    m1 = "https://w3id.org/ipkg/id/measure/m1"
    assert M.has_edge(m1, IORG + "proc", key="ipkg:adoptedBy")
    assert M.has_edge("https://w3id.org/ipkg/id/obs/t-measure", m1, key="ipkg:concerns")
    assert "https://w3id.org/ipkg/id/obs/t-cases" not in M


def test_ego_depth(small):
    one = builders.ego(small, "iorg:new-unit", depth=1)
    assert set(one) == {IORG + "new-unit", IORG + "proc", "https://w3id.org/ipkg/id/function/criminal",
                        "https://w3id.org/ipkg/id/source/doc", "https://w3id.org/ipkg/id/establishment/new-unit-2022"}
    assert one.nodes[IORG + "new-unit"]["depth"] == 0
    assert one.nodes[IORG + "proc"]["depth"] == 1
    two = builders.ego(small, "iorg:new-unit", depth=2)
    assert set(one) < set(two)
    assert two.nodes[IORG + "old-unit"]["depth"] == 2       # via the procuratorate
    # hubs (function, source) are not expanded through: the case is reached only via them
    assert "https://w3id.org/ipkg/id/case/c1" not in two
    zero = builders.ego(small, "iorg:new-unit", depth=0)
    assert list(zero) == [IORG + "new-unit"]


@pytest.mark.parametrize("text", [
    "iorg:proc", IORG + "proc", "proc", "test procuratorate", "测试检察院", "  TEST PROCURATORATE ",
])
def test_resolve_entity(small, text):
    assert str(builders.resolve_entity(small, text)) == IORG + "proc"


def test_resolve_entity_ambiguous_and_unknown(small):
    with pytest.raises(IpkgError) as exc:
        builders.resolve_entity(small, "TP")
    assert exc.value.exit_code == 2 and "ambiguous" in exc.value.message
    assert "iorg:proc" in exc.value.hint and "iorg:other-proc" in exc.value.hint
    with pytest.raises(IpkgError) as exc:
        builders.resolve_entity(small, "Test Procuratorat")
    assert exc.value.exit_code == 2 and "iorg:proc" in exc.value.hint  # suggestion
    with pytest.raises(IpkgError):
        builders.resolve_entity(small, "ipkg:Procuratorate")  # a class is not an entity


def _scalar_attrs(G):
    for _, a in G.nodes(data=True):
        yield from a.values()
    for *_, a in G.edges(keys=True, data=True):
        yield from a.values()
    yield from G.graph.values()


def test_attributes_are_graphml_safe_and_round_trip(small, tmp_path):
    from ipkg.views import export_graph

    for G in (builders.whole(small), builders.institutions(small, as_of="2021"), builders.ego(small, "proc", 2)):
        assert all(isinstance(v, (str, int, float, bool)) for v in _scalar_attrs(G))
        out = export_graph(G, "graphml", tmp_path / f"{G.graph['name']}.graphml")
        back = nx.read_graphml(out, force_multigraph=True)
        assert set(back) == set(G)
        assert back.number_of_edges() == G.number_of_edges()
        n = IORG + "proc"
        assert back.nodes[n]["label_zh"] == G.nodes[n]["label_zh"]
        gexf = export_graph(G, "gexf", tmp_path / f"{G.graph['name']}.gexf")
        back = nx.read_gexf(gexf)
        assert set(back) == set(G)
        assert back.nodes[n]["label"] == G.nodes[n]["label_en"]


# ----------------------------------------------------------------------------- rendering


def test_safe_json_cannot_break_out():
    nasty = {"a": "</script><script>alert(1)</script>", "b": "<img src=x onerror=alert(1)>",
             "c": "&amp; \u2028\u2029 <!-- -->"}
    text = render.safe_json(nasty)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == nasty


def test_page_is_self_contained_with_strict_csp(small):
    G = builders.ego(small, "proc", 2)
    page = render.render_html(G, small)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    policy = m.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in policy and "img-src data:" in policy
    # every executable script is allowed by its hash, nothing else
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 2
    for s in scripts:
        digest = base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-eval" not in policy and "script-src 'unsafe-inline'" not in policy
    # nothing is loaded from elsewhere
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=""", page)
    assert "sourceMappingURL" not in page
    data = json.loads(re.search(r'<script type="application/json" id="ipkg-data">(.*?)</script>', page, re.S).group(1))
    assert data["view"]["name"] == "ego-proc"
    assert len(data["nodes"]) == G.number_of_nodes()
    new = data["details"][IORG + "new-unit"]
    assert new["sources"][0]["identifier"] == "999_test.txt"
    assert {"locator": "II.3", "evidence": "set up the new office in May 2022"}.items() <= new["statements"][0].items()


def test_script_probes_in_labels_stay_data(small, tmp_path):
    g = Graph()
    g.parse(data=PREFIXES + """
        iorg:evil a ipkg:Procuratorate ; skos:prefLabel "</script><script>window.__pwned=1</script>"@en ,
            "<img src=x onerror=window.__pwned=1>"@zh ; dcterms:source isrc:doc .
    """, format="turtle")
    page = render.render_html(builders.whole(g + small), g + small)
    assert "</script><script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert page.count("</script>") == 3  # data block + two scripts


def test_write_site(small, tmp_path):
    (tmp_path / "ipkg.ttl").write_text("")  # a download that exists
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "q1.rq").write_text("SELECT * {}")
    paths = site.write_site(small, tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert names == sorted(["index.html", *(f"views/{v}.html" for v in builders.VIEWS)])
    index = (tmp_path / "index.html").read_text()
    assert 'href="views/institutions.html#as-of=2021-12-31"' in index   # the map at an earlier date
    for v in builders.VIEWS:
        assert f'href="views/{v}.html"' in index
    assert 'href="ipkg.ttl"' in index and 'href="ipkg.nt"' not in index  # only what exists
    assert 'href="queries/q1.rq"' in index
    assert 'href="ontology/index.html"' not in index
    assert "<script" not in index and "default-src 'none'" in index.replace("&#x27;", "'")
    assert "http://" not in index and "https://" not in index
    assert 'href="../index.html"' in (tmp_path / "views" / "crimes.html").read_text()


# ----------------------------------------------------------------------------- CLI


def test_cli_view_and_export(tmp_path, capsys, monkeypatch):
    from ipkg.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["view", "institutions", "--as-of", "2020", "--lang", "zh"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "institutions-2020-12-31.html" and (tmp_path / out).exists()
    assert '<html lang="zh-Hans">' in (tmp_path / out).read_text()
    assert main(["view", "iorg:spp", "--depth", "1", "--out", str(tmp_path / "spp.html")]) == 0
    assert (tmp_path / "spp.html").exists()
    assert main(["view", "no-such-entity-anywhere"]) == 2
    err = capsys.readouterr().err
    assert "no entity matches" in err and "Traceback" not in err
    assert main(["view", "crimes", "--as-of", "2020"]) == 2
    assert main(["export", "--format", "graphml", "--view", "crimes", "--out", str(tmp_path / "c.graphml")]) == 0
    G = nx.read_graphml(tmp_path / "c.graphml", force_multigraph=True)
    assert any(d.get("predicate") == "ipkg:charge" or d.get("predicate") == "ipkg:crimeType"
               for *_, d in G.edges(data=True))


# ----------------------------------------------------------------------------- snapshots


def _snapshot(name: str, G) -> None:
    path = SNAPSHOTS / f"{name}.json"
    got = json.dumps(builders.to_json(G), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; create it with IPKG_UPDATE_SNAPSHOTS=1 and review it")
    want = path.read_text(encoding="utf-8")
    if got != want:
        import difflib

        diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                 f"snapshot/{name}.json", "built", n=2))[:80])
        pytest.fail(f"view {name!r} differs from its snapshot (IPKG_UPDATE_SNAPSHOTS=1 to accept):\n{diff}")


@pytest.mark.parametrize("name", builders.VIEWS)
def test_view_snapshot(merged, name):
    ctx = Context(merged)
    G = builders.build(merged, name, ctx=ctx)
    assert G.number_of_nodes() > 0
    _snapshot(name, G)


def test_real_graph_views_have_content(merged):
    ctx = Context(merged)
    F = builders.functions(merged, ctx=ctx)
    fns = [n for n, a in F.nodes(data=True) if a["group"] == "function"]
    assert len(fns) == 4 and F.number_of_edges() > 0
    I = builders.institutions(merged, ctx=ctx)
    spp = IORG + "spp"
    assert spp in I and I.nodes[spp]["label_zh"] == "最高人民检察院"
    S = builders.sources(merged, ctx=ctx)
    assert sum(1 for _, a in S.nodes(data=True) if a["group"] == "source") == 5


def test_large_view_layout_is_cached_and_identical(tmp_path, monkeypatch):
    """The precomputed layout comes back byte-for-byte the same from the cache."""
    import networkx as nx

    from ipkg.views.render import _positions

    monkeypatch.setenv("IPKG_CACHE_DIR", str(tmp_path))
    G = nx.MultiDiGraph()
    G.add_edges_from((f"n{i}", f"n{(i * 7) % 40}") for i in range(40))
    first = _positions(G, seed=42)
    files = list(tmp_path.glob("layout-*.json"))
    assert len(files) == 1
    assert _positions(G, seed=42) == first
    G.add_edge("n1", "n2")  # another structure, another entry
    _positions(G, seed=42)
    assert len(list(tmp_path.glob("layout-*.json"))) == 2


# ----------------------------------------------------------------------------- org chart layout


def test_org_chart_layout_levels_lanes_and_no_overlap(merged):
    """The build-time layout on the real graph: every parent above its children, national above
    provincial, lanes left to right in views.toml order, no two estimated boxes overlapping."""
    from ipkg.views import layout

    ctx = Context(merged)
    G = builders.build(merged, "institutions", ctx=ctx)
    chart = layout.org_chart(G, ctx)
    pos = chart["positions"]
    assert set(pos) == set(G.nodes)
    bw = chart["box"]["width"]
    heights = {n: layout.box_height([a["label_en"], a["label_zh"]], box_w=bw) for n, a in G.nodes(data=True)}
    for child, parent in chart["parents"].items():
        assert pos[parent][1] + heights[parent] / 2 < pos[child][1] - heights[child] / 2, (child, parent)
    levels = {str(s): int(str(n)) for s, n in merged.query(
        "SELECT ?s ?n WHERE { ?s <https://w3id.org/ipkg/ontology#level> ?l . ?l <http://www.w3.org/2004/02/skos/core#notation> ?n }")
        if str(s) in pos}
    for a, la in levels.items():
        for b, lb in levels.items():
            if la < lb:
                assert pos[a][1] < pos[b][1]
    keys = [ln["key"] for ln in chart["lanes"]]
    order = [ln["key"] for ln in ctx.cfg["views"]["institutions"]["lanes"]] + ["other"]
    assert keys == [k for k in order if k in keys]
    boxes = [(x - bw / 2, y - heights[n] / 2, x + bw / 2, y + heights[n] / 2) for n, (x, y) in pos.items()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # every box inside the chart's size (what the page fits to the screen)
    w, h = chart["size"]
    assert all(-1 <= x0 and x1 <= w + 1 and y1 <= h + 1 for x0, _, x1, y1 in boxes)


def test_org_chart_is_shaped_for_a_projector(merged):
    """wrap = 0: of the arrangements tried, the one drawn largest on a 1366x768 projector; on the
    real graph its type comes out at 10 px or more there (the browser tests measure the drawing),
    and no fixed arrangement of those tried is drawn larger."""
    from ipkg.views import layout

    ctx = Context(merged)
    G = builders.build(merged, "institutions", ctx=ctx)

    def px(chart):
        w, h = chart["size"]
        sw, sh = layout.TARGET_SCREEN
        return layout.FONT * min(sw / (w + 32), sh / (h + 52))

    chosen = layout.org_chart(G, ctx)
    best = px(chosen)
    assert best >= 10.0
    tried = [layout.org_chart(G, ctx, wrap=w, box_w=bw, abreast=ab)
             for bw in layout.BOX_WIDTHS for ab in layout.ABREAST_TRIED for w in (1, 3, 6)]
    # no word broken mid-word ("litigatio / n") when some arrangement avoids it; of those, the largest
    assert chosen["broken_words"] == min(c["broken_words"] for c in tried) == 0
    assert any(c["broken_words"] for c in tried)  # the rule matters on this graph
    assert best >= max(px(c) for c in tried if c["broken_words"] == 0) - 1e-6
    assert px(layout.org_chart(G, ctx, wrap=2, box_w=190, abreast=2)) < best  # one fixed choice: smaller


def test_org_chart_draws_a_group_without_level_at_its_jurisdictions(merged):
    """A body with no ipkg:level of its own under a national one (the procuratorates in Shanghai,
    a group spanning three levels) is drawn in the band of its jurisdiction, not its parent's."""
    from ipkg.views import layout

    ctx = Context(merged)
    G = builders.build(merged, "institutions", ctx=ctx)
    chart = layout.org_chart(G, ctx)
    org = "https://w3id.org/ipkg/id/org/"
    band = {b["label"]["en"]: b for b in chart["bands"]}
    y = chart["positions"][org + "shanghai-procuratorates"][1]
    assert band["provincial"]["y0"] < y < band["provincial"]["y1"]
    assert chart["positions"][org + "shanghai-procuratorate"][1] > band["provincial"]["y0"]


def test_org_chart_puts_units_under_their_body_in_the_fixture(small):
    from ipkg.views import layout

    ctx = Context(small)
    G = builders.institutions(small, ctx=ctx)
    chart = layout.org_chart(G, ctx)
    pos = chart["positions"]
    proc = "https://w3id.org/ipkg/id/org/proc"
    for unit in ("old-unit", "new-unit", "undated-unit", "other-proc"):
        assert chart["parents"]["https://w3id.org/ipkg/id/org/" + unit] == proc
        assert pos["https://w3id.org/ipkg/id/org/" + unit][1] > pos[proc][1]


def test_text_lines_wraps_like_a_box():
    from ipkg.views.layout import text_lines

    assert text_lines("SPP") == 1
    assert text_lines("a\nb") == 2
    assert text_lines("word " * 40) > 3
    assert text_lines("最高人民检察院知识产权检察厅" * 2) >= 3     # Chinese wraps between characters


def test_graph_index_gives_what_rdflib_gives_in_its_order(merged):
    """The views' index (Context.index) answers objects/predicate_objects as rdflib does,
    in rdflib's order (which label is "the first met" depends on it), for every subject."""
    from rdflib import URIRef

    ctx = Context(merged)
    index = ctx.index
    subjects = set(merged.subjects())
    assert subjects and set(index.out) == subjects
    for s in subjects:
        assert list(index.predicate_objects(s)) == list(merged.predicate_objects(s))
        for p in {p for p, _ in merged.predicate_objects(s)}:
            assert list(ctx.objects(s, p)) == list(merged.objects(s, p))
    for p in set(merged.predicates()):
        assert sorted(index.subject_objects(p)) == sorted(merged.subject_objects(p))
    missing = URIRef("https://example.org/not-in-the-graph")
    assert list(ctx.objects(missing, missing)) == [] and list(index.predicate_objects(missing)) == []


def test_context_remembers_details_once(merged):
    ctx = Context(merged)
    made = []
    first = ctx.remembered("details", "x", lambda: made.append(1) or {"a": 1})
    again = ctx.remembered("details", "x", lambda: made.append(1) or {"a": 2})
    assert first is again and first == {"a": 1} and made == [1]
    node = next(iter(sorted(merged.subjects(), key=str)))
    assert render.node_details(ctx, str(node)) == render.node_details(Context(merged), str(node))
