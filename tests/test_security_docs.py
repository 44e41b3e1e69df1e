"""The ontology documentation page (pyLODE, dist/ontology/index.html) with script injected into
every documented field, opened in a real browser (issue #18, item 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

PAYLOADS = [
    "</script><script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "[link](javascript:window.__pwned='md')",
    "<a href=\"javascript:window.__pwned='a'\" id=evil-link>x</a>",
]
FIELDS = ["rdfs:label", "rdfs:comment", "skos:definition", "skos:note", "skos:scopeNote",
          "skos:example", "skos:editorialNote", "skos:historyNote", "skos:altLabel",
          "dcterms:description", "dcterms:title", "dcterms:source", "owl:versionInfo",
          "vann:preferredNamespacePrefix", "dcterms:creator", "rdfs:seeAlso"]


def _evil_ttl() -> str:
    def objects(i):
        return " , ".join('"%s %d"@en' % (p.replace("\\", "\\\\").replace('"', '\\"'), i)
                          for p in PAYLOADS)

    lines = ["@prefix owl: <http://www.w3.org/2002/07/owl#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
             "@prefix dcterms: <http://purl.org/dc/terms/> .",
             "@prefix vann: <http://purl.org/vocab/vann/> .",
             "@prefix ipkg: <https://w3id.org/ipkg/ontology#> ."]
    for subject, kind in (("<https://w3id.org/ipkg/ontology>", None), ("ipkg:EvilClass", "owl:Class"),
                          ("ipkg:evilProperty", "owl:ObjectProperty")):
        body = [f"a {kind}"] if kind else []
        for i, field in enumerate(FIELDS):
            body.append(f"{field} {objects(i)}")
        lines.append(subject + " " + " ;\n    ".join(body) + " .")
    return "\n".join(lines) + "\n"


def test_script_in_every_documented_field_does_not_run(project_copy, tmp_path):
    from ipkg.load import load_project
    from ipkg.ontodocs import render_html

    (project_copy / "ontology" / "evil.ttl").write_text(_evil_ttl(), encoding="utf-8")
    page = render_html(load_project(project_copy))
    out = tmp_path / "index.html"
    out.write_text(page, encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page[:2000]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            pg = browser.new_page()
            pg.goto(out.as_uri())
            pg.wait_for_timeout(300)
            for link in pg.query_selector_all("a[href^='javascript:']"):
                link.click()
            pg.wait_for_timeout(200)
            pwned = pg.evaluate("window.__pwned || null")
            # independent of the CSP: the markup itself carries no injected element
            injected = pg.evaluate("""() => ({
                scripts: [...document.querySelectorAll('script')].filter(
                    s => s.type !== 'application/ld+json').length,
                handlers: document.querySelectorAll('[onerror],[onload]').length,
                svgs: document.querySelectorAll('svg[onload]').length,
                jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
                text: document.body.innerText,
                ldjson: [...document.querySelectorAll('script[type="application/ld+json"]')]
                    .map(s => s.textContent).join('\\n'),
            })""")
            pg.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
        finally:
            browser.close()
    assert pwned is None
    assert injected["scripts"] == 0 and injected["handlers"] == 0 and injected["svgs"] == 0
    assert injected["jsLinks"] == 0
    assert "</script" not in injected["ldjson"]
    # the payloads are shown as text, not lost
    assert "<img src=x onerror=" in injected["text"]
    assert "window.__pwned='script'</script>" in injected["text"]
