"""Render a view (an ``nx.MultiDiGraph`` from :mod:`ipkg.views.builders`) as ONE self-contained
HTML file.

* vis-network 10 (standalone UMD build, vendored under ``static/`` with its licences) and our own
  CSS and JS are inlined; there is no CDN, no Bootstrap, no font, no image file: nothing on the
  page makes a request. A strict Content-Security-Policy says so to the browser too:
  ``default-src 'none'``; scripts only by their SHA-256 hashes; ``style-src 'unsafe-inline'``
  (vis-network injects its own stylesheet); ``img-src data:``.
* The data travel as JSON in a ``<script type="application/json">`` block, with ``<``, ``>``,
  ``&``, U+2028 and U+2029 escaped so no label can end the block; the page reads it with
  ``JSON.parse`` and puts every data string into the DOM with ``textContent`` only.
* Our own template rather than pyvis's: pyvis's template pulls Bootstrap and vis-network from
  CDNs even in its "in_line" mode, and builds tooltips from HTML strings.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ..atomic import write_bytes
from .builders import DCT, IPKG, Context

if TYPE_CHECKING:  # imported where a view is laid out (the site's pages need none of it)
    import networkx as nx

_TITLE = URIRef(DCT + "title")
_IDENTIFIER = URIRef(DCT + "identifier")
_SOURCE = URIRef(DCT + "source")
_DATE = URIRef(DCT + "date")
_LOCATOR = URIRef(IPKG + "locator")
_EVIDENCE = URIRef(IPKG + "evidence")
_INDICATOR = URIRef(IPKG + "indicator")

_SKIP_FACTS = {
    RDF.type,
    SKOS.prefLabel,
    _SOURCE,
    _LOCATOR,
    _EVIDENCE,
    URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue"),  # shown as "value" with its unit
}

#: Interface strings, English and Chinese.
UI = {
    "en": {
        "search_label": "Find a node by its English or Chinese name",
        "search_placeholder": "Search English / 中文 …",
        "search_button": "Find",
        "no_match": "Nothing in this view is called “{q}”.",
        "other_language": "中文",
        "switch_language": "切换到中文",
        "fit": "Show all",
        "home": "All views",
        "legend": "Legend",
        "click_hint": "Click a box to see what the graph says about it, where that comes from and its links; "
                      "click a count badge to open or fold it. Drag to move, scroll or pinch to zoom.",
        "counts": "{n} nodes, {e} links in this view.",
        "empty": "This view is empty: the graph has nothing of this kind yet.",
        "class": "Kind",
        "iri": "Identifier",
        "full_iri": "IRI",
        "value": "Value",
        "founded": "Founded",
        "undated": "no date in the sources",
        "undated_legend": "dashed border: no founding date in the sources",
        "depth": "Steps from centre",
        "facts": "Facts",
        "sources": "Sources",
        "no_sources": "No source recorded.",
        "statement": "Statement",
        "locator": "Section",
        "evidence": "Evidence",
        "source": "Source",
        "connections": "Links in this view",
        "since": "since {d}",
        "click_open": "Click to show them",
        "click_close": "Click to fold them away",
        "col_several": "Linked to several",
        "col_none": "Not linked to one",
        "col_further": "Further away",
        "also": "Also called",
        "results": "{n} found for “{q}” (exact matches first):",
        "asof_label": "Map as of",
        "asof_field": "Date (YYYY-MM-DD)",
        "asof_today": "All dates",
        "asof_all": "All {n} shown;",
        "asof_shown": "{d}: {n} of {t} shown;",
        "asof_undated": "{u} without a date (dashed), shown at every date.",
        "asof_undated_long": "Bodies and units whose founding date the sources do not give have a dashed border; "
                             "they are shown at every date.",
        "present": "Present",
        "present_off": "Exit presentation",
        "export_png": "Save the current view as a PNG image",
        "export_svg": "Save the current view as an SVG drawing",
        "close": "Close",
        "help": "What this view shows and how to use it",
        "badge_legend": "count badge: click to open",
    },
    "zh": {
        "search_label": "按中文或英文名称查找节点",
        "search_placeholder": "搜索 中文 / English …",
        "search_button": "查找",
        "no_match": "本视图中没有名为“{q}”的节点。",
        "other_language": "English",
        "switch_language": "Switch to English",
        "fit": "显示全部",
        "home": "全部视图",
        "legend": "图例",
        "click_hint": "点击方框，查看图谱中关于它的事实、来源及其关联；"
                      "点击计数标记可展开或收起。拖动可移动，滚动或双指缩放。",
        "counts": "本视图共 {n} 个节点、{e} 条关联。",
        "empty": "本视图为空：图谱中尚无此类数据。",
        "class": "类型",
        "iri": "标识符",
        "full_iri": "IRI",
        "value": "数值",
        "founded": "设立",
        "undated": "来源未给出日期",
        "undated_legend": "虚线边框：来源未给出设立日期",
        "depth": "与中心的距离",
        "facts": "事实",
        "sources": "来源",
        "no_sources": "未记录来源。",
        "statement": "陈述",
        "locator": "章节",
        "evidence": "证据原文",
        "source": "来源",
        "connections": "本视图中的关联",
        "since": "{d} 设立",
        "click_open": "点击展开",
        "click_close": "点击收起",
        "col_several": "关联多个",
        "col_none": "未直接关联",
        "col_further": "间接关联",
        "also": "又称",
        "results": "“{q}”共找到 {n} 个（完全匹配在前）：",
        "asof_label": "截至日期",
        "asof_field": "日期（年-月-日）",
        "asof_today": "全部日期",
        "asof_all": "显示全部 {n} 个；",
        "asof_shown": "截至 {d}：显示 {n} / {t} 个；",
        "asof_undated": "{u} 个无设立日期（虚线边框），任何日期下都显示。",
        "asof_undated_long": "来源未给出设立日期的机构和内设部门以虚线边框标出，在任何日期下都显示。",
        "present": "演示模式",
        "present_off": "退出演示",
        "export_png": "将当前视图保存为 PNG 图片",
        "export_svg": "将当前视图保存为 SVG 矢量图",
        "close": "关闭",
        "help": "本视图的内容和用法",
        "badge_legend": "计数标记：点击展开",
    },
}

_TEMPLATES = resources.files("ipkg.views") / "templates"
_STATIC = resources.files("ipkg.views") / "static"


@cache
def _asset(kind: str, name: str) -> str:
    base = _TEMPLATES if kind == "templates" else _STATIC
    text = (base / name).read_text(encoding="utf-8")
    if name.endswith(".js"):
        # A source-map comment would make DevTools fetch a file; drop it.
        text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)
        text = text.replace("</script", "<\\/script")
    return text


def safe_json(data) -> str:
    """JSON that cannot end or confuse the <script> block it is embedded in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def csp(scripts: list[str]) -> str:
    """The page's Content-Security-Policy: nothing may be fetched; only our scripts run."""
    return (
        "default-src 'none'; "
        f"script-src {' '.join(_sha256(s) for s in scripts)}; "
        "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
        "media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; "
        "manifest-src 'none'; base-uri 'none'; form-action 'none'"
    )


# --------------------------------------------------------------------------------------------
# what the side panel shows


def _value(ctx: Context, o) -> dict | None:
    if isinstance(o, Literal):
        return {"text": str(o), "lang": o.language or ""}
    if isinstance(o, URIRef):
        return {"en": ctx.label(o, "en"), "zh": ctx.label(o, "zh"), "ref": str(o)}
    return None


def _source(ctx: Context, s) -> dict:
    title_en = ctx._lang_value((ctx.index,), s, (_TITLE,), "en")
    title = ctx.labels(s)
    if title_en:
        title = {"en": title_en, "zh": title["zh"]}
    ident = next((str(i) for i in ctx.objects(s, _IDENTIFIER)), "")
    return {"title": title, "identifier": ident, "iri": str(s)}


def _statements(ctx: Context, subject, about=None) -> list[dict]:
    locs = sorted(str(x) for x in ctx.objects(subject, _LOCATOR))
    evs = sorted(str(x) for x in ctx.objects(subject, _EVIDENCE))
    srcs = sorted(ctx.objects(subject, _SOURCE), key=str)
    out = []
    for i in range(max(len(locs), len(evs))):
        st = {}
        if about:
            st["about"] = about
        if i < len(locs):
            st["locator"] = locs[i]
        if i < len(evs):
            st["evidence"] = evs[i]
        if len(srcs) == 1:
            st["source"] = _source(ctx, srcs[0])["title"]
        out.append(st)
    return out


def node_details(ctx: Context, iri: str) -> dict:
    """Class, properties, dates and sources of one node, for the side panel."""
    node = URIRef(iri)
    cls = ctx.class_of(node)
    facts: dict = {}
    for p, o in ctx.index.predicate_objects(node):
        if p in _SKIP_FACTS:
            continue
        v = _value(ctx, o)
        if v is not None:
            facts.setdefault(p, []).append(v)
    fact_list = [
        {"p": ctx.labels(p),
         "v": sorted(vs, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)) if len(vs) > 1 else vs}
        for p, vs in facts.items()
    ]
    fact_list.sort(key=lambda f: f["p"]["en"].casefold())
    sources = [_source(ctx, s) for s in sorted(ctx.objects(node, _SOURCE), key=str)]
    statements = _statements(ctx, node)
    for est in ctx.establishments(node):
        dates = sorted(str(d) for d in ctx.objects(est, _DATE))
        about = {
            "en": "establishment" + (f" ({', '.join(dates)})" if dates else ""),
            "zh": "设立" + (f"（{'、'.join(dates)}）" if dates else ""),
        }
        sts = _statements(ctx, est, about) or [{"about": about}]
        for st in sts:
            if "source" not in st:
                srcs = sorted(ctx.objects(est, _SOURCE), key=str)
                if srcs:
                    st["source"] = _source(ctx, srcs[0])["title"]
        statements += sts
    return {
        "curie": ctx.curie(node),
        "class_label": ctx.labels(cls) if cls is not None else {"en": "", "zh": ""},
        "facts": fact_list,
        "sources": sources,
        "statements": statements,
    }


# --------------------------------------------------------------------------------------------
# layout and page


def _positions(G: nx.MultiDiGraph, seed: int) -> dict:
    """Seeded spring layout for a large view, cached by the view's structure (see ipkg.cache):
    the layout depends only on the nodes, edges and seed, and costs most of a build's view step."""
    import json

    from .. import cache

    nodes = sorted(G.nodes)
    edges = sorted({(s, o) for s, o in G.edges() if s != o})
    name = "layout-" + cache.key(f"spring-v1 seed={seed}", json.dumps([nodes, edges])) + ".json"

    def compute() -> bytes:
        import networkx as nx

        simple = nx.Graph()
        simple.add_nodes_from(nodes)
        simple.add_edges_from(edges)
        n = max(simple.number_of_nodes(), 1)
        # Fruchterman-Reingold is O(n^2) per iteration: fewer iterations for big graphs.
        try:
            pos = nx.spring_layout(simple, seed=seed, iterations=60 if n <= 1000 else 30)
        except ImportError as exc:  # networkx needs scipy for graphs of 500+ nodes
            from ..errors import IpkgError

            raise IpkgError(f"laying out a view of {n:,} nodes needs scipy, which is not "
                            f"installed ({exc})", hint="pip install scipy") from None
        scale = 95 * math.sqrt(n)
        out = {k: [round(float(x) * scale, 1), round(float(y) * scale, 1)] for k, (x, y) in pos.items()}
        return json.dumps(out, sort_keys=True).encode()

    return {k: tuple(v) for k, v in json.loads(cache.cached_bytes(name, compute)).items()}


def _alt_labels(ctx: Context, iri: str) -> list[str]:
    """skos:altLabel and skos:notation of a node (both languages), for the page's search."""
    node = URIRef(iri)
    out = sorted({str(o) for p in (SKOS.altLabel, SKOS.notation) for o in ctx.objects(node, p)})
    return out


def _hubs(G: nx.MultiDiGraph, spec: dict, ctx: Context) -> tuple[list[str], dict[str, list[str]]]:
    """The overview's hubs (nodes of ``spec['hubs']`` groups; broader before narrower, siblings
    in order of skos:notation, then by label) and, for every other node, the hubs it is linked to."""
    hub_groups = spec.get("hubs", [])
    hubs = [n for n in G.nodes if G.nodes[n].get("group") in hub_groups]
    graph_notations = {n: [str(o) for o in ctx.objects(URIRef(n), SKOS.notation)] for n in hubs}
    parent: dict = {}
    for s, o, k in G.edges(keys=True):
        if s in hubs and o in hubs and k == "skos:broader":
            parent.setdefault(s, o)

    def notation(n):
        for o in graph_notations.get(n, []):
            try:
                return float(o)
            except ValueError:
                pass
        return float("inf")

    def path(n):
        # root first, then down to n; siblings by skos:notation (article, function number), then label
        seen, out = set(), []
        while n is not None and n not in seen:
            seen.add(n)
            out.append((notation(n), G.nodes[n].get("label_en", "").casefold()))
            n = parent.get(n)
        return list(reversed(out))

    order = {g: i for i, g in enumerate(hub_groups)}
    hubs.sort(key=lambda n: (order[G.nodes[n]["group"]], path(n), n))
    hubset = set(hubs)
    links: dict[str, list[str]] = {}
    for s, o in G.edges():
        for a, b in ((s, o), (o, s)):
            if a not in hubset and b in hubset and b not in links.setdefault(a, []):
                links[a].append(b)
    rank = {h: i for i, h in enumerate(hubs)}
    return hubs, {n: sorted(v, key=rank.get) for n, v in links.items()}


def view_data(G: nx.MultiDiGraph, graph: Graph, *, lang: str = "en", ctx: Context | None = None) -> dict:
    """Everything the page needs, as plain JSON-ready data."""
    from .layout import org_chart

    ctx = ctx or Context(graph)
    cfg_layout = ctx.cfg.get("layout", {})
    seed = int(cfg_layout.get("seed", 42))
    n = G.number_of_nodes()
    base = str(G.graph.get("name", "")).split("-as-of")[0]
    if base.startswith("institutions"):
        base = "institutions"
    spec = ctx.cfg.get("views", {}).get(base, {}) if base in ctx.cfg.get("views", {}) else {}
    mode = spec.get("layout", "force") if n else "force"
    layout: dict = {"mode": mode, "seed": seed, "iterations": 150 if n <= 120 else 100}
    pos: dict = {}
    hub_links: dict = {}
    if mode == "orgchart":
        chart = org_chart(G, ctx)
        pos = {k: tuple(v) for k, v in chart["positions"].items()}
        layout.update({k: chart[k] for k in ("bands", "lanes", "box", "size")})
        layout["hierarchy"] = sorted([c, p] for c, p in chart["parents"].items())
    elif G.graph.get("centre") in G:
        # the view of one entity: the entity on top, its neighbours grouped by kind
        ego_spec = ctx.cfg.get("ego", {})
        mode = layout["mode"] = "overview"
        centre = G.graph["centre"]
        import networkx as nx

        hub_links = {nb: [centre] for nb in nx.all_neighbors(G, centre) if nb != centre}
        layout.update({"hubs": [centre], "open_groups": ego_spec.get("open_groups", []),
                       "open_upto": int(ego_spec.get("open_upto", 4)), "columns": 0, "split": True})
    if mode == "overview" and "hubs" not in layout:
        hubs, hub_links = _hubs(G, spec, ctx)
        layout.update({"hubs": hubs, "open_groups": spec.get("open_groups", []),
                       "open_upto": int(spec.get("open_upto", 0)), "columns": int(spec.get("columns", 0))})
    precomputed = mode == "orgchart" or n == 0 or (mode == "force" and n > int(cfg_layout.get("precompute_above", 300)))
    if mode == "force" and precomputed and n:
        pos = _positions(G, seed)
    layout["precomputed"] = precomputed
    unit_labels: dict = {}
    nodes = []
    for nid in sorted(G.nodes):
        a = G.nodes[nid]
        item = {
            "id": nid,
            "curie": ctx.curie(nid),
            "label_en": a.get("label_en", ""),
            "label_zh": a.get("label_zh", ""),
            "group": a.get("group", "other"),
            "class": a.get("class", ""),
        }
        alt = _alt_labels(ctx, nid)
        if alt:
            item["alt"] = alt
        if a.get("value"):
            item["value"] = a["value"]
            if a.get("unit"):
                u = a["unit"].split()[0]
                if u not in unit_labels:
                    unit_labels[u] = ctx.labels(ctx.expand(u)) if ":" in u else {"en": u, "zh": u}
                item["unit"] = unit_labels[u]
        ind = next(iter(sorted(ctx.objects(URIRef(nid), _INDICATOR), key=str)), None)
        if ind is not None:  # figures of one indicator are listed together when a badge opens
            item["indicator"] = ctx.labels(ind)
        if a.get("undated"):
            item["undated"] = True
        if a.get("founded"):
            item["founded"] = a["founded"]
        if "depth" in a:
            item["depth"] = a["depth"]
            item["centre"] = a["depth"] == 0
        if nid in hub_links:
            item["hubs"] = hub_links[nid]
        if nid in pos:
            item["x"], item["y"] = pos[nid]
        nodes.append(item)
    edges = [
        {"from": s, "to": o, "predicate": d.get("predicate", k),
         "label": {"en": d.get("label_en", k), "zh": d.get("label_zh", k)}}
        for s, o, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))
    ]
    date_props = {c.partition(":")[2]: c for c in ctx.cfg.get("dates", {}).get("properties", [])}
    details = {}
    for nid in sorted(G.nodes):
        # a node is in several views: its details (from the graph alone) are read once
        d = dict(ctx.remembered("details", nid, lambda nid=nid: node_details(ctx, nid)))
        a = G.nodes[nid]
        d["dates"] = [
            {"p": ctx.labels(ctx.expand(curie)), "v": a[local]} for local, curie in date_props.items() if a.get(local)
        ]
        if a.get("established"):
            d["dates"].append({"p": {"en": "established", "zh": "设立"}, "v": a["established"]})
        details[nid] = d
    groups = ctx.cfg.get("groups", {})
    return {
        "lang": lang,
        "view": {
            "name": G.graph.get("name", "view"),
            "as_of": G.graph.get("as_of", ""),
            "title": {"en": G.graph.get("title_en", ""), "zh": G.graph.get("title_zh", "")},
            "description": {"en": G.graph.get("description_en", ""), "zh": G.graph.get("description_zh", "")},
        },
        "groups": {
            k: {"colour": v["colour"], "shape": v["shape"], "label": v["label"], "font": int(v.get("font", 16)),
                **({"plural": v["plural"]} if "plural" in v else {})}
            for k, v in groups.items()
        },
        "group_order": list(groups),
        "nodes": nodes,
        "edges": edges,
        "details": details,
        "ui": UI,
        "layout": layout,
    }


def render_data(data: dict, *, home: str | None = None) -> str:
    """The HTML page for :func:`view_data`'s output. ``home``: a relative link back to the site."""
    vis_js = _asset("static", "vis-network.min.js")
    app_js = _asset("templates", "view.js")
    title = data["view"]["title"].get(data.get("lang", "en")) or data["view"]["title"].get("en", "")
    if not data["nodes"]:
        data = dict(data, ui={k: dict(v, click_hint=v["empty"]) for k, v in data["ui"].items()})
    values = {
        "LANG": "zh-Hans" if data.get("lang") == "zh" else "en",
        "CSP": html.escape(csp([vis_js, app_js]), quote=True),
        "TITLE": html.escape(title + " — ipkg"),
        "CSS": _asset("templates", "view.css").replace("</style", "<\\/style"),
        "DATA": safe_json(data),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
        "HOME": (f'<a id="home" class="button" href="{html.escape(home, quote=True)}"></a>' if home else ""),
    }
    template = _asset("templates", "view.html")
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)


def render_html(G: nx.MultiDiGraph, graph: Graph, *, lang: str = "en", ctx: Context | None = None,
                home: str | None = None) -> str:
    return render_data(view_data(G, graph, lang=lang, ctx=ctx), home=home)


def write_text_atomic(path: Path, text: str) -> Path:
    return write_bytes(Path(path), text.encode("utf-8"))


def write_view(G: nx.MultiDiGraph, graph: Graph, out: Path, *, lang: str = "en", ctx: Context | None = None,
               home: str | None = None) -> Path:
    """Write one view page to ``out`` (atomically) and return the path."""
    return write_text_atomic(Path(out), render_html(G, graph, lang=lang, ctx=ctx, home=home))
