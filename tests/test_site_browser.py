"""The site in a real browser (Debian chromium via Python playwright), opened from file:// with
every non-file request aborted: entity pages of every class, the statistics page, the query
gallery and the search page. No request may leave a page, no console error may occur, every
fact shows its evidence, and the charts draw what the data say."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ipkg.query import run_query
from ipkg.site.paths import page_path
from pagewait import wait_until  # tests/ is on sys.path (pytest prepend mode)

CHROMIUM = Path(os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set IPKG_CHROMIUM)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

KINDS = """
SELECT ?kind (MIN(STR(?s)) AS ?sample) (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?kind .
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/ipkg/id/") || STRSTARTS(STR(?s), "https://w3id.org/ipkg/ontology#"))
} GROUP BY ?kind ORDER BY ?kind"""

EVIDENCE = """
PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?s ?ev WHERE { { ?s ipkg:evidence ?ev } UNION { ?e org:resultingOrganization ?s ; ipkg:evidence ?ev } }"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


class Opened:
    def __init__(self, page, outgoing, errors):
        self.page, self.outgoing, self.errors = page, outgoing, errors


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(path: Path, query: str = "") -> Opened:
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
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
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri() + query)
        page.wait_for_load_state("load")
        return Opened(page, outgoing, errors)

    yield _open
    for c in contexts:
        c.close()


def samples() -> list[tuple[str, str]]:
    """(class, one instance) for every class that has typed IRIs of ours: every kind of page."""
    return [(r["kind"], r["sample"]) for r in run_query(KINDS).plain_rows()]


def test_sample_covers_every_class():
    kinds = {k for k, _ in samples()}
    for must in ("Procuratorate", "Department", "CrimeType", "Article", "Case", "Campaign", "Measure",
                 "Indicator", "DerivedObservation", "SourceDocument", "PressConference", "Establishment"):
        assert "https://w3id.org/ipkg/ontology#" + must in kinds
    assert "http://purl.org/linked-data/cube#Observation" in kinds
    assert "https://schema.org/Person" in kinds


@pytest.mark.parametrize("kind,iri", samples())
def test_entity_page_offline_with_evidence_for_each_fact(built_dist, open_page, kind, iri):
    opened = open_page(built_dist / page_path(iri))
    page = opened.page
    phrases = {r["ev"] for r in run_query(EVIDENCE).plain_rows() if r["s"] == iri}
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('tr.fact')).map(tr => {
        const prov = tr.querySelector('td.prov');
        const ev = Array.from(prov.querySelectorAll('q.evidence')).filter(q => q.getBoundingClientRect().height > 0);
        return {prov: prov.innerText.trim(), evidence: ev.map(q => q.textContent),
                visible: prov.getBoundingClientRect().height > 0};
    })""")
    assert rows, "no facts table"
    for row in rows:
        assert row["visible"] and row["prov"], row
        if phrases:
            assert row["evidence"] and set(row["evidence"]) <= phrases, row
    if page.locator("[data-chart]").count():
        wait_until(page, "() => Array.from(document.querySelectorAll('[data-chart]')).every(b => b.querySelector('svg'))")
    assert page.locator("h1 .en").inner_text().strip()
    assert opened.outgoing == []
    assert opened.errors == []


def _chart_specs(page) -> dict:
    return json.loads(page.locator("#ipkg-charts").text_content())


def test_stats_page_draws_every_chart_with_linked_labelled_bars(built_dist, open_page):
    opened = open_page(built_dist / "stats/index.html")
    page = opened.page
    specs = _chart_specs(page)
    wait_until(page, "() => Array.from(document.querySelectorAll('[data-chart]')).every(b => b.querySelector('svg'))")
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]')).map(box => {
        const svg = box;
        const bars = Array.from(svg.querySelectorAll('a rect')).map(r => ({
            href: r.closest('a').getAttribute('href'), h: r.getBoundingClientRect().height,
            stroke: getComputedStyle(r).stroke, fill: r.getAttribute('fill') || getComputedStyle(r).fill}));
        const texts = Array.from(svg.querySelectorAll('text')).map(t => t.textContent);
        return {id: box.getAttribute('data-chart'), bars: bars, texts: texts};
    })""")
    assert len(drawn) == len(specs) > 100
    red = "rgb(192, 0, 0)"
    for d in drawn:
        spec = specs[d["id"]]
        hrefs = {b["href"] for b in d["bars"]}
        for bar in spec["bars"]:
            assert "../" + bar["page"] in hrefs  # each bar opens the figure's page
            assert any(bar["text"] in t for t in d["texts"]), (d["id"], bar["text"])  # and shows its value
            if bar["flag"]:
                assert any(b["href"] == "../" + bar["page"] and b["stroke"] == red for b in d["bars"]), d["id"]
        assert all(b["stroke"] != red for b in d["bars"] if not any(
            s["flag"] and "../" + s["page"] == b["href"] for s in spec["bars"]))
    # heights follow the values: the parts of the Shanghai comprehensive-performance cases
    parts = next(d for d in drawn if d["id"] == "parts-sh2023-comprehensive-cases")
    spec = specs["parts-sh2023-comprehensive-cases"]
    by_href = {}
    for b in parts["bars"]:
        by_href.setdefault(b["href"], b["h"])
    values = {"../" + b["page"]: b["value"] for b in spec["bars"]}
    big = max(values, key=values.get)
    for href, v in values.items():
        assert abs(by_href[href] / by_href[big] - v / values[big]) < 0.02
    # the stated whole is drawn and marked: a red dashed rule, the warning sign in its label
    assert any("129" in t and "⚠" in t and "130" in t for t in parts["texts"])
    assert opened.outgoing == [] and opened.errors == []


def test_chart_relabels_in_chinese(built_dist, open_page):
    opened = open_page(built_dist / "id/indicator/ip-criminal-cases-accepted.html", "?lang=zh")
    page = opened.page
    wait_until(page, "() => document.querySelectorAll('[data-chart] svg').length > 0")
    texts = " ".join(page.locator("[data-chart] svg text").all_text_contents())
    assert re.search(r"[\u4e00-\u9fff]", texts)
    assert page.locator("h1 .zh").is_visible() and not page.locator("h1 .en").is_visible()
    assert opened.outgoing == [] and opened.errors == []


def test_gallery_offline(built_dist, open_page):
    from ipkg.examples import list_examples

    opened = open_page(built_dist / "queries/index.html")
    page = opened.page
    assert page.locator("section.example").count() == len(list_examples())
    assert page.locator("section.example table.rows tbody tr").count() > 100
    assert opened.outgoing == [] and opened.errors == []


def test_search_finds_chinese_alt_label_and_language_toggle(built_dist, open_page):
    opened = open_page(built_dist / "browse.html", "?q=" + "上海市检察院")
    page = opened.page
    first = page.locator("#hits li a").first
    assert first.get_attribute("href") == "id/org/shanghai-procuratorate.html"
    page.fill("#bq", "punitive damages")
    assert page.locator("#hits li").count() >= 2
    page.goto((built_dist / "id/org/shanghai-procuratorate.html").as_uri())
    assert page.locator("h1").inner_text().strip() == "Shanghai Municipal People's Procuratorate"
    page.click("#lang")
    assert page.locator("h1").inner_text().strip() == "上海市人民检察院"
    assert opened.outgoing == [] and opened.errors == []


def test_view_panel_links_to_the_entity_page(built_dist, open_page):
    opened = open_page(built_dist / "views/institutions.html")
    page = opened.page
    wait_until(page, "window.ipkgView && window.ipkgView.ready === true")
    page.evaluate("window.ipkgView.select('https://w3id.org/ipkg/id/org/spp')")
    link = page.locator("#panel a.page-link")
    assert link.get_attribute("href") == "../id/org/spp.html"
    assert opened.outgoing == [] and opened.errors == []
