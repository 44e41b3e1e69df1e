"""The view pages in a real browser (Debian chromium, driven by Python playwright), offline.

Every page is opened from file:// with all network blocked (anything that is not file: or
data: is aborted and counted); a page must make no such request, log no console error, draw
every node (or count it on a closed badge), and keep data strings as text. Legibility is checked
on what vis-network holds (scale, bounding boxes, font sizes and colours): labels >= 10 CSS px at
the initial fit, contrast >= 4.5:1, no overlapping boxes, parents above children on the org chart;
expectations (counts, dates, links) come from the graph."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from rdflib import Graph

from ipkg.views import builders, render, site
from pagewait import wait_until  # tests/ is on sys.path (pytest prepend mode)
from test_views import FIXTURE, IORG, PREFIXES

CHROMIUM = Path(os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set IPKG_CHROMIUM)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

PROBE_SCRIPT = "</script><script>window.__pwned=1</script>"
PROBE_IMG = "<img src=x onerror=window.__pwned=1>"
EVIL = "https://w3id.org/ipkg/id/org/evil"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(project, tmp_path_factory):
    """The real site, plus pages drawn from the small fixture graph and from a probe graph."""
    out = tmp_path_factory.mktemp("views")
    merged = project.merged()
    ctx = builders.Context(merged)
    site.write_site(merged, out)
    expected = {name: builders.build(merged, name, ctx=ctx).number_of_nodes() for name in builders.VIEWS}

    small = Graph()
    small.parse(data=FIXTURE, format="turtle")
    render.write_view(builders.institutions(small), small, out / "small-institutions.html")
    render.write_view(builders.institutions(small, as_of="2021-12-31"), small, out / "small-institutions-2021.html")
    render.write_view(builders.whole(small), small, out / "small-all.html")

    evil = Graph()
    evil.parse(data=PREFIXES + f"""
        iorg:evil a ipkg:Procuratorate ; skos:prefLabel "{PROBE_SCRIPT}"@en , "{PROBE_IMG}"@zh ;
            skos:definition "{PROBE_IMG}"@en ; ipkg:evidence "{PROBE_SCRIPT}" ; dcterms:source isrc:doc .
    """, format="turtle")
    evil += small
    render.write_view(builders.whole(evil), evil, out / "probe.html")
    ego = builders.build(merged, "", entity="iorg:spp", depth=1, ctx=ctx)
    render.write_view(ego, merged, out / "views" / "ego-spp.html", ctx=ctx)
    expected["ego-spp"] = ego.number_of_nodes()
    return out, expected


class Opened:
    def __init__(self, page, outgoing, errors):
        self.page, self.outgoing, self.errors = page, outgoing, errors

    def js(self, expr, arg=None):
        return self.page.evaluate(expr, arg)


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(path: Path, viewport=(1280, 800)) -> Opened:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(ctx)
        page = ctx.new_page()
        outgoing, errors = [], []

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                outgoing.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("request", lambda req: None if req.url.startswith(("file:", "data:", "blob:")) else outgoing.append(req.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        wait_until(page, "window.ipkgView && window.ipkgView.ready === true")
        return Opened(page, outgoing, errors)

    yield _open
    for c in contexts:
        c.close()


@pytest.mark.parametrize("name", builders.VIEWS)
def test_curated_view_offline_no_errors_all_nodes_drawn(pages, open_page, name):
    """Every node of the view is either drawn or counted on a closed badge that stands for it."""
    out, expected = pages
    v = open_page(out / "views" / f"{name}.html")
    assert v.outgoing == []
    assert v.errors == []
    assert v.js("ipkgView.nodeCount") == expected[name]
    drawn = v.js("ipkgView.drawnNodeCount()")
    badges = v.js("ipkgView.badges()")
    folded = sum(b["count"] for b in badges if not b["open"])
    assert drawn - len(badges) + folded == expected[name]
    assert v.js("ipkgView.draws") >= 1
    legend = v.js("document.getElementById('legend-list').textContent")
    assert legend  # the legend lists the groups present


def test_index_page_offline(pages, open_page, browser):
    out, _ = pages
    ctx = browser.new_context()
    page = ctx.new_page()
    outgoing, errors = [], []
    page.on("request", lambda r: None if r.url.startswith("file:") else outgoing.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((out / "index.html").as_uri())
    links = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    ctx.close()
    assert outgoing == [] and errors == []
    assert all(f"views/{v}.html" in links for v in builders.VIEWS)


def test_search_chinese_label_selects_node(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "functions.html")
    crim = "https://w3id.org/ipkg/id/function/criminal"
    v.page.fill("#search", "刑事检察")
    v.page.click("#search-button")
    assert v.js("ipkgView.selected()") == [crim]
    assert v.page.text_content("#panel h2") == "criminal procuratorial work"
    assert v.errors == []


def test_language_toggle_switches_labels(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "functions.html")
    crim = "https://w3id.org/ipkg/id/function/criminal"
    assert v.js("id => ipkgView.label(id)", crim) == "criminal procuratorial work"
    assert v.page.text_content("#lang-toggle") == "中文"
    v.page.click("#lang-toggle")
    assert v.js("id => ipkgView.label(id)", crim) == "刑事检察"
    assert v.page.text_content("#view-title") == "四大检察职能"
    assert v.page.text_content("#lang-toggle") == "English"
    assert v.js("document.documentElement.lang") == "zh-Hans"
    v.page.click("#lang-toggle")
    assert v.js("id => ipkgView.label(id)", crim) == "criminal procuratorial work"
    assert v.errors == []


def test_as_of_map_hides_unit_founded_after_date(pages, open_page):
    out, _ = pages
    full = open_page(out / "small-institutions.html")
    then = open_page(out / "small-institutions-2021.html")
    has = "id => ipkgView.nodes.get(id) !== null"
    assert full.js(has, IORG + "new-unit") is True
    assert then.js(has, IORG + "new-unit") is False          # established 2022-05
    assert then.js(has, IORG + "old-unit") is True
    assert then.js(has, IORG + "undated-unit") is True
    assert then.js("ipkgView.drawnNodeCount()") == full.js("ipkgView.drawnNodeCount()") - 1


def test_script_probes_render_as_literal_text(pages, open_page):
    out, _ = pages
    v = open_page(out / "probe.html")
    assert v.errors == [] and v.outgoing == []
    assert v.js("typeof window.__pwned") == "undefined"
    assert v.js("id => ipkgView.label(id)", EVIL) == PROBE_SCRIPT
    assert v.js("document.querySelectorAll('img').length") == 0
    assert v.js("document.querySelectorAll('script').length") == 3
    v.page.fill("#search", PROBE_IMG)
    v.page.click("#search-button")
    assert v.js("ipkgView.selected()") == [EVIL]
    assert v.page.text_content("#panel h2") == PROBE_SCRIPT
    assert PROBE_IMG in v.page.text_content("#panel")
    v.page.click("#lang-toggle")                      # zh label is the <img> probe
    assert v.js("id => ipkgView.label(id)", EVIL) == PROBE_IMG
    assert v.page.text_content("#panel h2") == PROBE_IMG
    v.page.hover("#graph")
    assert v.js("document.querySelectorAll('img').length") == 0
    assert v.js("typeof window.__pwned") == "undefined"


def test_clicked_node_shows_its_source(pages, open_page):
    out, _ = pages
    v = open_page(out / "small-all.html")
    obs = "https://w3id.org/ipkg/id/obs/t-cases"
    v.js("id => ipkgView.network.focus(id, {scale: 1.5})", obs)
    box = v.page.locator("#graph canvas").bounding_box()
    pos = v.js("id => { const p = ipkgView.network.getPosition(id); return ipkgView.network.canvasToDOM(p); }", obs)
    v.page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    assert v.js("ipkgView.selected()") == [obs]
    panel = v.page.text_content("#panel")
    assert "A test source document" in panel       # source title
    assert "999_test.txt" in panel                 # its file
    assert "I.1" in panel and "accepted 42 cases" in panel  # locator and evidence phrase
    assert v.errors == []


def test_phone_layout_opens_panel_over_lower_part(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "crimes.html", viewport=(390, 844))
    graph = v.page.locator("#graph-wrap").bounding_box()
    assert graph["width"] <= 390
    assert v.page.locator("#panel").is_visible() is False       # the graph first
    v.js("id => ipkgView.select(id)", v.js("ipkgView.data.layout.hubs[0]"))
    panel = v.page.locator("#panel").bounding_box()
    assert panel["width"] <= 390 and panel["y"] > graph["y"] + graph["height"] * 0.3
    assert v.errors == []


# --------------------------------------------------------------------------------------------
# legibility: what vis-network itself holds for every drawn node (positions, boxes, font sizes
# and colours, the zoom), not what the page says about itself.

STATE_JS = """() => {
  const net = ipkgView.network, scale = net.getScale(), out = [];
  const canvas = document.querySelector('#graph canvas').getBoundingClientRect();
  for (const id of net.body.nodeIndices) {
    const n = net.body.nodes[id];
    if (n.options.hidden) continue;
    const bb = net.getBoundingBox(id);
    const tl = net.canvasToDOM({x: bb.left, y: bb.top}), br = net.canvasToDOM({x: bb.right, y: bb.bottom});
    out.push({id, shape: n.options.shape, font: n.options.font.size, fontColour: n.options.font.color,
              fill: n.options.color.background, label: n.options.label || '',
              labelWidth: n.labelModule.size.width, x: n.x, y: n.y,
              box: [bb.left, bb.top, bb.right, bb.bottom], dom: [tl.x, tl.y, br.x, br.y],
              behind: ipkgView.background(n.x, n.y)});
  }
  return {scale, nodes: out, width: canvas.width, height: canvas.height};
}"""

INSIDE = {"box", "ellipse", "database", "circle", "text"}


def _lum(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    chans = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255
        chans.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * chans[0] + 0.7152 * chans[1] + 0.0722 * chans[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_lum(a), _lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#595959", "#ffffff")


def legibility_problems(state: dict, min_px: float = 10.0) -> list[str]:
    problems = []
    s = state["scale"]
    nodes = state["nodes"]
    for n in nodes:
        if n["label"] and n["font"] * s < min_px:
            problems.append(f"{n['id']}: label drawn at {n['font'] * s:.1f} px")
        behind = n["fill"] if n["shape"] in INSIDE else n["behind"]
        if n["label"] and contrast(n["fontColour"], behind) < 4.5:
            problems.append(f"{n['id']}: contrast {contrast(n['fontColour'], behind):.2f} ({n['fontColour']} on {behind})")
        x0, y0, x1, y1 = n["dom"]
        if x0 < -1 or y0 < -1 or x1 > state["width"] + 1 or y1 > state["height"] + 1:
            problems.append(f"{n['id']}: outside the visible canvas {n['dom']}")
    boxes = sorted(nodes, key=lambda n: n["box"][0])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b["box"][0] >= a["box"][2]:
                break
            if a["box"][1] < b["box"][3] and b["box"][1] < a["box"][3]:
                problems.append(f"overlap: {a['id']} / {b['id']}")
    return problems


VIEWPORTS = [(1366, 768), (1920, 1080)]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
@pytest.mark.parametrize("name", [*builders.VIEWS, "ego-spp"])
def test_every_view_is_legible_at_first_sight(pages, open_page, name, viewport):
    out, expected = pages
    v = open_page(out / "views" / f"{name}.html", viewport=viewport)
    state = v.js(STATE_JS)
    assert len(state["nodes"]) >= min(expected[name], 5)
    assert legibility_problems(state) == []
    assert v.errors == []


def test_legibility_check_can_fail(pages, open_page):
    """The same check on the same page, zoomed out and with one node moved onto another."""
    out, _ = pages
    v = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    v.js("ipkgView.network.moveTo({scale: ipkgView.network.getScale() / 2})")
    assert any("label drawn at" in p for p in legibility_problems(v.js(STATE_JS)))
    v.js("() => { const ids = ipkgView.network.body.nodeIndices; const p = ipkgView.network.getPosition(ids[0]);"
         " ipkgView.network.moveNode(ids[1], p.x + 5, p.y + 5); }")
    assert any(p.startswith("overlap") for p in legibility_problems(v.js(STATE_JS)))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_org_chart_parents_above_children(pages, open_page, project, viewport):
    """Every org:unitOf / org:subOrganizationOf link of the graph between two bodies of the map
    points up: the parent's box ends above the child's box."""
    out, _ = pages
    rows = project.merged().query("""
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?child ?parent WHERE { { ?child org:unitOf ?parent } UNION { ?child org:subOrganizationOf ?parent } }""")
    links = {(str(c), str(p)) for c, p in rows}
    v = open_page(out / "views" / "institutions.html", viewport=viewport)
    state = {n["id"]: n for n in v.js(STATE_JS)["nodes"]}
    checked = 0
    for child, parent in links:
        if child in state and parent in state:
            assert state[parent]["box"][3] <= state[child]["box"][1], (child, parent)
            checked += 1
    assert checked == len([1 for c, p in links if c in state and p in state]) and checked >= 1
    # levels: every national body stands above every provincial one
    levels = dict(project.merged().query("""
        PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
        SELECT ?o ?n WHERE { ?o ipkg:level ?l . ?l <http://www.w3.org/2004/02/skos/core#notation> ?n }"""))
    ranks = {str(k): int(str(v)) for k, v in levels.items() if str(k) in state}
    for a, ra in ranks.items():
        for b, rb in ranks.items():
            if ra < rb:
                assert state[a]["box"][1] < state[b]["box"][1], (a, b)


def test_chinese_labels_are_drawn_with_width(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    v.js("ipkgView.setLang('zh')")
    v.page.wait_for_timeout(100)
    spp = "https://w3id.org/ipkg/id/org/spp"
    assert v.js("id => ipkgView.label(id)", spp).startswith("最高人民检察院")
    width = v.js("id => ipkgView.network.body.nodes[id].labelModule.size.width", spp)
    assert width > 0
    # the CJK glyphs come from a real CJK font, not from fallback boxes of the Latin font
    assert v.js("document.fonts.check('20px \\'Noto Sans CJK SC\\'', '最高人民检察院')") is True
    widths = v.js("""() => { const c = document.createElement('canvas').getContext('2d');
        c.font = '20px "Noto Sans CJK SC", sans-serif'; const a = c.measureText('最高人民检察院').width;
        c.font = '20px "Noto Sans CJK SC", sans-serif'; const b = c.measureText('知识产权检察厅').width; return [a, b]; }""")
    assert widths[0] > 100 and widths[1] > 100
    assert legibility_problems(v.js(STATE_JS)) == []


def test_as_of_control_changes_the_map(pages, open_page, project):
    out, _ = pages
    merged = project.merged()
    G = builders.build(merged, "institutions")
    founded = {n: builders.date_start(a["founded"]) for n, a in G.nodes(data=True) if a.get("founded")}
    undated = [n for n, a in G.nodes(data=True) if a.get("undated")]
    assert founded, "the graph has no founding date at all"
    latest = max(founded.values())
    day = (latest - datetime.timedelta(days=1)).isoformat()
    later = {n for n, d in founded.items() if d > latest - datetime.timedelta(days=1)}
    v = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    hidden = "() => ipkgView.nodes.get().filter(n => n.hidden).map(n => n.id)"
    assert v.js(hidden) == []
    assert str(len(undated)) in v.page.text_content("#asof-shown")
    v.page.fill("#asof-date", day)
    v.page.dispatch_event("#asof-date", "change")
    assert set(v.js(hidden)) == later
    assert v.page.url.endswith(f"#as-of={day}")
    assert all(v.js("id => !ipkgView.nodes.get(id).hidden", n) for n in undated)
    # the slider walks over the dated events; its leftmost position is the first founding date
    v.page.locator("#asof-slider").fill("0")
    first = min(founded.values())
    assert set(v.js(hidden)) == {n for n, d in founded.items() if d > first}
    # a link with the date opens the map at that date
    w = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    w.page.goto((out / "views" / "institutions.html").as_uri() + f"#as-of={day}")
    wait_until(w.page, "window.ipkgView && ipkgView.ready === true")
    assert set(w.js(hidden)) == later
    assert w.js("document.getElementById('asof-date').value") == day


def test_search_finds_alt_labels_exact_first(pages, open_page, project):
    out, _ = pages
    rows = list(project.merged().query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s WHERE { ?s skos:altLabel "最高检"@zh }"""))
    assert len(rows) == 1
    spp = str(rows[0][0])
    v = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    v.page.fill("#search", "最高检")
    v.page.click("#search-button")
    assert v.js("ipkgView.selected()") == [spp]
    dept = v.js("ipkgView.findNodes('IP Procuratorial Department')")
    assert dept[0] == "https://w3id.org/ipkg/id/org/spp-ip-procuratorial-department"
    # a word that many labels contain: a list of results, exact matches before partial ones
    v.page.fill("#search", "procuratorate")
    v.page.click("#search-button")
    listed = v.page.eval_on_selector_all("#results li button", "bs => bs.map(b => b.dataset.id)")
    assert len(listed) >= 5
    assert v.js("ipkgView.findNodes('Supreme People\\'s Procuratorate')")[0] == spp


def test_functions_view_is_four_columns_with_badges(pages, open_page, project):
    out, _ = pages
    fns = sorted(str(r[0]) for r in project.merged().query(
        "SELECT ?f WHERE { ?f a <https://w3id.org/ipkg/ontology#ProcuratorialFunction> }"))
    assert len(fns) == 4
    v = open_page(out / "views" / "functions.html", viewport=(1366, 768))
    pos = v.js("ids => ipkgView.network.getPositions(ids)", fns)
    boxes = {f: v.js("id => ipkgView.network.getBoundingBox(id)", f) for f in fns}
    xs = sorted(b["left"] for b in boxes.values())
    widths = [b["right"] - b["left"] for b in boxes.values()]
    assert all(xs[i + 1] - xs[i] >= max(widths) for i in range(3))     # four separate columns
    assert len({round(b["top"]) for b in boxes.values()}) == 1          # side by side, one row
    assert all(pos[f]["y"] < min(b["top"] for b in v.js("ipkgView.badges()") and [
        v.js("id => ipkgView.network.getBoundingBox(id)", x["id"]) for x in v.js("ipkgView.badges()") if x["hub"] == f]
    ) for f in fns)                                                     # each hub heads its column
    badges = v.js("ipkgView.badges()")
    figs = [b for b in badges if b["group"] == "figure"]
    assert figs and not any(b["open"] for b in figs)                    # figures start folded
    total_figs = sum(1 for n in v.js("ipkgView.data.nodes") if n["group"] == "figure")
    assert sum(b["count"] for b in figs) == total_figs
    # one click opens a badge: its members appear in its column, nothing overlaps
    big = max(figs, key=lambda b: b["count"])
    before = v.js("ipkgView.drawnNodeCount()")
    box = v.page.locator("#graph canvas").bounding_box()
    p = v.js("id => ipkgView.network.canvasToDOM(ipkgView.network.getPosition(id))", big["id"])
    v.page.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
    v.page.wait_for_timeout(400)
    assert v.js("ipkgView.drawnNodeCount()") == before + big["count"]
    state = v.js(STATE_JS)
    assert [p for p in legibility_problems(state, min_px=0) if p.startswith("overlap")] == []


def test_presentation_mode_and_export(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "functions.html", viewport=(1366, 768))
    before = v.js(STATE_JS)
    v.page.click("#present")
    v.page.wait_for_timeout(300)
    after = v.js(STATE_JS)
    assert v.page.locator("#legend").is_visible() is False
    assert v.page.locator("#panel").is_visible() is False
    assert min(n["font"] for n in after["nodes"]) * after["scale"] > min(n["font"] for n in before["nodes"]) * before["scale"]
    assert legibility_problems(after) == []
    v.page.click("#present")
    png = v.js("ipkgView.exportPNG()")
    assert png.startswith("data:image/png;base64,") and len(png) > 10000
    svg = v.js("ipkgView.exportSVG()")
    assert svg.startswith("<svg") and "criminal" in svg and "procuratorial" in svg
    assert svg.count("<rect") >= 10
    assert v.errors == [] and v.outgoing == []


@pytest.mark.parametrize("name", [*builders.VIEWS, "ego-spp"])
def test_every_view_is_legible_in_chinese(pages, open_page, name):
    out, _ = pages
    v = open_page(out / "views" / f"{name}.html", viewport=(1366, 768))
    v.js("ipkgView.setLang('zh')")
    v.page.wait_for_timeout(300)
    v.js("ipkgView.fit()")
    v.page.wait_for_timeout(100)
    state = v.js(STATE_JS)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in n["label"]) for n in state["nodes"])
    assert all(n["labelWidth"] > 0 for n in state["nodes"] if n["label"])
    assert legibility_problems(state) == []


@pytest.mark.parametrize("name", [n for n in builders.VIEWS if n != "institutions"])
def test_opening_every_badge_keeps_boxes_apart(pages, open_page, name):
    out, expected = pages
    v = open_page(out / "views" / f"{name}.html", viewport=(1366, 768))
    for b in v.js("ipkgView.badges()"):
        if not b["open"]:
            v.js("id => ipkgView.toggleBadge(id)", b["id"])
    v.page.wait_for_timeout(500)
    badges = v.js("ipkgView.badges()")
    assert all(b["open"] for b in badges)
    assert v.js("ipkgView.drawnNodeCount()") == expected[name] + len(badges)
    state = v.js(STATE_JS)
    # everything is open, so the whole view no longer fits at 10 px: only overlaps count here
    assert [p for p in legibility_problems(state, min_px=0) if p.startswith("overlap")] == []


def test_org_chart_marks_undated_and_shows_founding_dates(pages, open_page, project):
    out, _ = pages
    G = builders.build(project.merged(), "institutions")
    v = open_page(out / "views" / "institutions.html", viewport=(1366, 768))
    dashed = "id => (ipkgView.network.body.nodes[id].options.shapeProperties.borderDashes || false)"
    dated = {n: a["founded"] for n, a in G.nodes(data=True) if a.get("founded")}
    undated = [n for n, a in G.nodes(data=True) if a.get("undated")]
    assert dated and undated
    for n, d in dated.items():
        assert d in v.js("id => ipkgView.label(id)", n)
        assert v.js(dashed, n) is False
    for n in undated:
        assert v.js(dashed, n)
