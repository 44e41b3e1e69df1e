"""The query page of ``ipkg serve`` in a real browser (Debian chromium, Python playwright), offline.

The real Oxigraph server holds the build, behind the real guard that serves the page. Every
request that is not to that loopback address (or data:/blob:) is aborted and counted: the page
must make none, and log no console error. Rows are read from the page's result table.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ipkg import examples, querypage, serve, vocab
from ipkg.guard import Guard
from pagewait import wait_until  # tests/ is on sys.path (pytest prepend mode)

CHROMIUM = Path(os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium"))
EXPECTED = Path(__file__).parent / "data" / "expected"
NAMES = [ex.name for ex in examples.list_examples()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(built_dist, tmp_path_factory):
    """``ipkg serve`` as it runs: Oxigraph on a private port, the guard (and page) in front."""
    store = serve.prepare_store(built_dist, tmp_path_factory.mktemp("qp") / "store")
    inner = _free_port()
    proc = serve.start_server(store, f"127.0.0.1:{inner}", timeout_s=20, quiet=True)
    guard = Guard(("127.0.0.1", 0), ("127.0.0.1", inner)).start()
    try:
        yield "http://%s:%d" % guard.address
    finally:
        guard.stop()
        serve.stop_server(proc)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# ------------------------------------------------------------------------- over plain HTTP


def test_page_and_assets_are_served_and_the_rest_reaches_oxigraph(site):
    status, headers, body = _get(site + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    html = body.decode("utf-8")
    assert "/querypage/yasgui.min.js" in html and "https://" not in html.split("<script type")[0].replace(
        "https://w3id.org", "")
    for name in querypage.ASSETS:
        status, _, data = _get(site + querypage.ASSET_PREFIX + name)
        assert status == 200 and data, name
    assert _get(site + querypage.ASSET_PREFIX + "..%2f..%2fguard.py")[0] == 404
    assert _get(site + querypage.ASSET_PREFIX + "nothing.js")[0] == 404
    # /query is still Oxigraph's SPARQL endpoint, through the guard
    q = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, _, data = _get(f"{site}/query?{q}")
    assert status == 200 and json.loads(data)["boolean"] is True


def test_vendored_yasgui_is_configured_offline():
    js = (querypage.STATIC / "querypage.js").read_text("utf-8")
    assert "prefixCcApi: null" in js and 'autocompleters = ["prefixes", "variables"]' in js
    yasgui = (querypage.STATIC / "yasgui.min.js").read_text("utf-8")
    assert "prefixCcApi:null" in yasgui  # the bundle's default: no prefix.cc lookup
    assert "sourceMappingURL" not in yasgui


def test_page_config_holds_every_example_and_the_project_prefixes():
    config = querypage.page_config()
    assert [e["name"] for e in config["examples"]] == NAMES
    assert config["prefixes"] == vocab.PREFIXES
    who = next(e for e in config["examples"] if e["name"] == "who-says")
    assert 'VALUES (?text) { ("13,486") }' in who["sparql"]  # the # param: default, bound


# ------------------------------------------------------------------------- in the browser

if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--headless", "--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking"])
        yield b
        b.close()


class Watched:
    """A page with the network blocked beyond the site, recording what it tried and logged."""

    def __init__(self, browser, site: str, path: str = "/"):
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []

        def route(r):
            url = r.request.url
            if url.startswith(site + "/") or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                self.outside.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(site + path)
        wait_until(self.page, "window.ipkgQueryPage !== undefined")

    def run(self, trigger) -> dict:
        """Click/press ``trigger`` and return the labelled SPARQL JSON the page then shows."""
        before = self.page.get_attribute("body", "data-result-ready")
        trigger()
        wait_until(self.page, f"document.body.getAttribute('data-result-ready') !== {json.dumps(before)}")
        return self.page.evaluate("window.ipkgQueryPage.result()")

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows of YASR's result table, as drawn."""
        head = self.page.eval_on_selector_all(".yasr table.dataTable thead th",
                                              "els => els.map(e => e.innerText.trim())")
        rows = self.page.eval_on_selector_all(
            ".yasr table.dataTable tbody tr",
            "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))")
        return head, rows

    def close(self):
        self.context.close()
        assert self.outside == [], f"requests outside the site: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"


def _expected(name):
    return json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))["rows"]


def test_gallery_lists_every_example_with_both_languages_and_the_prefixes(browser, site):
    w = Watched(browser, site)
    items = w.page.eval_on_selector_all(
        "#example-list li.example", "els => els.map(e => [e.dataset.name, e.querySelector('h3').innerText,"
        " e.querySelector('.zh').innerText, e.querySelector('pre').textContent])")
    assert [i[0] for i in items] == NAMES
    for (_name, title, title_zh, sparql), ex in zip(items, examples.list_examples()):
        assert title == ex.title and title_zh == ex.title_zh and sparql.strip()
    prefixes = w.page.eval_on_selector_all("#prefix-table tbody tr",
                                           "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")
    assert {p.rstrip(":"): ns.strip() for p, ns in prefixes} == vocab.PREFIXES
    w.page.screenshot(path=str(Path(os.environ.get("IPKG_SHOTS", "/tmp")) / "querypage.png"))
    w.close()


def test_run_an_example_and_read_its_rows_and_labels_from_the_table(browser, site):
    w = Watched(browser, site)
    doc = w.run(lambda: w.page.click("#example-establishments button.run"))
    expected = _expected("establishments")
    head, rows = w.table()
    assert "organisationLabel" in head and "establishedByLabel" in head
    assert len(rows) == len(expected)
    col = head.index("organisation")
    assert sorted(r[col] for r in rows) == sorted(e["organisation"] for e in expected)
    label = head.index("organisationLabel")
    by_iri = {r[col]: r[label] for r in rows}
    assert by_iri["iorg:spp-ipr-procuratorial-office"] == "IPR Procuratorial Office of the SPP"
    assert "organisationLabel" in doc["head"]["vars"]
    assert w.page.inner_text("#result-count").startswith(f"{len(expected)} rows")
    # Chinese labels on demand
    w.page.select_option("#label-lang", "zh")
    wait_until(w.page, "JSON.stringify(window.ipkgQueryPage.result()).includes('最高人民检察院')")
    w.close()


def test_curies_without_prefix_lines_run_on_the_page(browser, site):
    w = Watched(browser, site)
    w.page.evaluate("window.ipkgQueryPage.yasqe.setValue("
                    "'SELECT ?unit WHERE { ?unit org:unitOf iorg:spp ; ipkg:function ifn:civil }')")
    doc = w.run(lambda: w.page.evaluate("window.ipkgQueryPage.yasqe.query()"))
    units = sorted(b["unit"]["value"] for b in doc["results"]["bindings"])
    assert units and all(u.startswith(vocab.PREFIXES["iorg"]) for u in units)
    text = w.page.evaluate("window.ipkgQueryPage.yasqe.getValue()")
    assert text.splitlines()[0].startswith("PREFIX org: <http://www.w3.org/ns/org#>")
    assert "PREFIX iorg:" in text and "PREFIX ifn:" in text and "PREFIX skos:" not in text
    w.close()


def test_query_in_the_url_opens_in_the_editor(browser, site):
    text = "SELECT ?court WHERE { ?court a ipkg:Court } ORDER BY ?court"
    w = Watched(browser, site, "/?query=" + urllib.parse.quote(text))
    assert w.page.evaluate("window.ipkgQueryPage.yasqe.getValue()") == text
    doc = w.run(lambda: w.page.click(".yasqe .yasqe_queryButton"))
    assert [b["court"]["value"].rsplit("/", 1)[1] for b in doc["results"]["bindings"]] == \
        ["peoples-courts-nationwide", "shanghai-courts", "shanghai-high-court", "spc"]
    w.close()


def test_csv_and_json_downloads_hold_the_labelled_rows(browser, site):
    w = Watched(browser, site)
    doc = w.run(lambda: w.page.click("#example-units-under-spp button.run"))
    with w.page.expect_download() as info:
        w.page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert len(rows) == len(_expected("units-under-spp")) == len(doc["results"]["bindings"])
    assert any(r["memberLabel"] for r in rows) and "topLabel" in rows[0]
    with w.page.expect_download() as info:
        w.page.click("#download-json")
    assert json.loads(Path(info.value.path()).read_text("utf-8")) == doc
    w.close()


def test_every_example_runs_on_the_page_with_the_expected_row_count(browser, site):
    w = Watched(browser, site)
    for name in NAMES:
        doc = w.run(lambda: w.page.click(f"#example-{name} button.run"))  # noqa: B023 - called within this iteration
        expected = _expected(name)
        if name.startswith("ask-"):
            assert doc["boolean"] == expected[0]["boolean"], name
        elif examples.get_example(name).form == "construct":
            assert w.page.inner_text(".yasr").strip(), name
        else:
            assert len(doc["results"]["bindings"]) == len(expected), name
    w.close()


def test_a_refused_query_shows_the_servers_reason_and_leaks_nothing(browser, site):
    w = Watched(browser, site)
    w.page.evaluate("window.ipkgQueryPage.yasqe.setValue("
                    "'SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')")
    w.run(lambda: w.page.click(".yasqe .yasqe_queryButton"))
    assert w.page.get_attribute("body", "data-result-error") == "true"
    assert "SERVICE" in w.page.inner_text(".yasr")
    w.errors = [e for e in w.errors if "403" not in e]  # the browser logs the refused request itself
    w.close()
