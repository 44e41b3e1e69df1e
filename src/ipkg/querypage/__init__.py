"""The query page of ``ipkg serve``: YASGUI (vendored, offline) with the example gallery.

``GET /`` answers one HTML page; ``GET /querypage/<asset>`` its files (``static/``). Everything
else (``/query``, ``/store`` …) stays with the Oxigraph server behind :mod:`ipkg.guard`, which
calls :func:`handle` first. The page

* offers every example query (``queries/*.rq``): English and Chinese question, description, the
  SPARQL (with its ``# param:`` default bound in a ``VALUES`` block, as ``ipkg query`` binds it
  for an endpoint), "open in editor" and "run";
* declares the project prefixes (``ontology/prefixes.ttl``) for a query that uses them without
  declaring them – the missing ``PREFIX`` lines are added to the editor before the query is sent,
  the same rule as :func:`ipkg.vocab.with_prefixes` – and lists them;
* adds a ``<var>Label`` column after each column of IRIs, with the label rule of
  :mod:`ipkg.query` (skos:prefLabel, else rdfs:label, in the chosen language, else English);
* downloads the labelled result as CSV or SPARQL JSON (made in the browser; no request);
* opens ``/?query=<urlencoded SPARQL>`` in the editor;
* makes no request outside its own origin: YASGUI's prefix.cc lookup is off (``prefixCcApi``
  null), its LOV-based class/property completion is not loaded, the endpoint list holds only
  this server, and a Content-Security-Policy limits every fetch to ``'self'``.

YASGUI is ``@zazuko/yasgui`` (MIT; see ``static/yasgui.LICENSE-MIT``).
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from pathlib import Path

STATIC = Path(__file__).parent / "static"
ASSET_PREFIX = "/querypage/"
ASSETS = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "querypage.js": "text/javascript; charset=utf-8",
    "querypage.css": "text/css; charset=utf-8",
    "yasgui.LICENSE-MIT": "text/plain; charset=utf-8",
}
#: Every fetch, script, style and image from this server only (data:/blob: for YASR's icons and
#: the download links made in the page).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def gallery() -> list[dict]:
    """The example queries as the page shows them (name, titles, descriptions, SPARQL)."""
    from ..examples import _query_body, list_examples
    from ..query import bind_values, parse_params

    items = []
    for ex in list_examples():
        body = _query_body(ex.query)
        params = parse_params(ex.params) if ex.params else {}
        sparql = bind_values(body, params) if params else body
        if params:  # keep the binding readable: VALUES on its own line
            sparql = sparql.replace(" VALUES (", "\n  VALUES (", 1).replace(") } ", ") }\n", 1)
        items.append({"name": ex.name, "title": ex.title, "title_zh": ex.title_zh,
                      "description": ex.description, "description_zh": ex.description_zh,
                      "params": ex.params, "form": ex.form, "sparql": sparql})
    return items


def page_config() -> dict:
    """What the page's script needs: examples, prefixes, the label query and the languages a label
    falls back to (:mod:`ipkg.labels`), the endpoint path."""
    from ..labels import FALLBACK
    from ..query import LABEL_QUERY
    from ..vocab import MARK, PREFIXES

    return {"endpoint": "/query", "examples": gallery(), "prefixes": PREFIXES,
            "prefixMark": MARK, "labelQuery": LABEL_QUERY, "labelFallback": list(FALLBACK)}


def _script_json(data) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</`` can end the element)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


@functools.lru_cache(maxsize=1)
def page_html() -> bytes:
    """The page (built once per process; the examples are read from ``queries/``)."""
    config = page_config()
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipkg – SPARQL query page · SPARQL 查询</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{ASSET_PREFIX}yasgui.min.css">
<link rel="stylesheet" href="{ASSET_PREFIX}querypage.css">
</head>
<body>
<header>
  <div class="title-block">
    <h1>ipkg SPARQL <span lang="zh">查询</span></h1>
    <p>Ask the knowledge graph of China's IP enforcement · <span lang="zh">查询中国知识产权保护知识图谱</span>.
       Endpoint: <code id="endpoint-url">/query</code></p>
  </div>
  <label class="lang">Labels · <span lang="zh">标签</span>
    <select id="label-lang"><option value="en">English</option><option value="zh">中文</option></select>
  </label>
</header>
<main>
  <aside id="gallery" aria-label="Example queries">
    <h2>Examples · <span lang="zh">示例查询</span> (<span id="example-count">{len(config["examples"])}</span>)</h2>
    <input id="example-filter" type="search" placeholder="filter · 筛选" aria-label="filter examples">
    <ol id="example-list"></ol>
  </aside>
  <section id="workspace">
    <div id="yasgui"></div>
    <div id="result-tools" hidden>
      <span id="result-count"></span>
      <button type="button" id="download-csv">CSV</button>
      <button type="button" id="download-json">JSON</button>
    </div>
    <details id="prefixes">
      <summary>Project prefixes – declared for every query that does not declare them ·
        <span lang="zh">项目前缀（查询未声明时自动声明）</span></summary>
      <table id="prefix-table"><thead><tr><th>prefix</th><th>namespace</th></tr></thead><tbody></tbody></table>
    </details>
  </section>
</main>
<script type="application/json" id="ipkg-config">{_script_json(config)}</script>
<script src="{ASSET_PREFIX}yasgui.min.js"></script>
<script src="{ASSET_PREFIX}querypage.js"></script>
</body>
</html>
"""
    return html.encode("utf-8")


def response_for(method: str, path: str) -> tuple[int, dict[str, str], bytes] | None:
    """``(status, headers, body)`` when the request is for the page or an asset, else None."""
    if method not in ("GET", "HEAD"):
        return None
    route = urllib.parse.urlsplit(path).path
    if route in ("/", "/index.html"):
        return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP,
                     "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}, page_html()
    if route.startswith(ASSET_PREFIX):
        name = route[len(ASSET_PREFIX):]
        if name not in ASSETS:  # a fixed list: no path from the URL ever reaches the file system
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n"
        return 200, {"Content-Type": ASSETS[name], "Cache-Control": "max-age=3600",
                     "X-Content-Type-Options": "nosniff"}, (STATIC / name).read_bytes()
    return None


def handle(handler) -> bool:
    """Answer ``handler``'s request (an ``http.server`` handler) if it is for the page."""
    answer = response_for(handler.command, handler.path)
    if answer is None:
        return False
    status, headers, body = answer
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)
    return True


__all__ = ["handle", "response_for", "page_html", "page_config", "gallery"]
