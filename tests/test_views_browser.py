"""The view pages in a real browser (Debian chromium, driven by Python playwright), offline.

Every page is opened from file:// with all network blocked (anything that is not file: or
data: is aborted and counted); a page must make no such request, log no console error, draw
every node, and keep data strings as text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph

from ipkg.views import builders, render, site

from test_views import FIXTURE, IORG, PREFIXES  # tests/ is on sys.path (pytest prepend mode)

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
        page.wait_for_function("window.ipkgView && window.ipkgView.ready === true", timeout=30000)
        return Opened(page, outgoing, errors)

    yield _open
    for c in contexts:
        c.close()


@pytest.mark.parametrize("name", builders.VIEWS)
def test_curated_view_offline_no_errors_all_nodes_drawn(pages, open_page, name):
    out, expected = pages
    v = open_page(out / "views" / f"{name}.html")
    assert v.outgoing == []
    assert v.errors == []
    assert v.js("ipkgView.nodeCount") == expected[name]
    assert v.js("ipkgView.drawnNodeCount()") == expected[name]
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


def test_phone_layout_puts_panel_under_graph(pages, open_page):
    out, _ = pages
    v = open_page(out / "views" / "crimes.html", viewport=(390, 844))
    graph = v.page.locator("#graph-wrap").bounding_box()
    panel = v.page.locator("#panel").bounding_box()
    assert panel["y"] >= graph["y"] + graph["height"] - 1
    assert graph["width"] <= 390 and v.js("document.getElementById('legend').open") is False
    assert v.errors == []
