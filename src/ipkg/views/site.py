"""The small static site ``ipkg build`` writes: ``views/<name>.html`` for each curated view plus
``index.html`` linking them (and the institutions map at an earlier date, ``#as-of=`` in the link),
the ontology documentation, the
downloads and the example queries that exist in the output folder. No script, no request: the
index has a CSP that allows nothing but its own inline style."""

from __future__ import annotations

import html
from pathlib import Path

from rdflib import Graph

from ..safety import NO_SCRIPT_CSP
from .builders import VIEWS, Context, build
from .render import render_data, view_data, write_text_atomic

DOWNLOADS = (
    ("ipkg.ttl", "Turtle", "Turtle"),
    ("ipkg.nt", "N-Triples", "N-Triples"),
    ("ipkg.jsonld", "JSON-LD", "JSON-LD"),
    ("context.jsonld", "JSON-LD context", "JSON-LD 上下文"),
    ("ipkg.trig", "TriG (one named graph per source)", "TriG（每个来源一个命名图）"),
    ("void.ttl", "VoID / DCAT description", "VoID / DCAT 数据集描述"),
    ("statements.csv", "CSV for spreadsheets: every statement with its source", "电子表格 CSV：每条陈述及其来源"),
)

#: pages of the browsable site (ipkg.site), linked when the build wrote them
SITE_PAGES = (
    ("browse.html", "Search and browse: a page for every entity, with the source of each fact",
     "搜索与浏览：每个实体一个页面，每条事实注明来源"),
    ("stats/index.html", "The figures as charts", "统计数字图表"),
    ("queries/index.html", "Example queries with their questions and results", "查询示例：问题、语句与结果"),
)

INDEX_CSS = """
:root { font-size: 18px; }
* { box-sizing: border-box; }
body { margin: 0; color: #111; background: #fff; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
header { background: #13294b; color: #fff; padding: 1rem 1.5rem; }
header h1 { margin: 0; font-size: 1.6rem; }
header p { margin: .3rem 0 0; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #c8c8c8; margin-top: 2rem; }
.zh { color: #333; }
header .zh { color: #dfe6f0; }
ul.cards { list-style: none; padding: 0; display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); }
ul.cards li { border: 2px solid #c8c8c8; border-radius: 8px; padding: .8rem 1rem; }
ul.cards a { font-weight: 600; font-size: 1.1rem; color: #0b5394; }
ul.cards p { margin: .3rem 0; font-size: .9rem; }
.count { color: #555; font-size: .85rem; }
ul.plain li { margin: .3rem 0; }
a { color: #0b5394; }
a:focus-visible { outline: 3px solid #f9a825; }
footer { color: #555; font-size: .85rem; margin-top: 3rem; }
@media (max-width: 600px) { :root { font-size: 16px; } main, header { padding-left: 1rem; padding-right: 1rem; } }
@media (min-width: 1800px) { :root { font-size: 22px; } }
"""


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def as_of_example(ctx: Context, G) -> str | None:
    """An as-of date that shows the institutions view changing: the end of the year before the
    latest founding year, when that hides something and keeps something dated."""
    from rdflib import URIRef

    founded = [d for d in (ctx.founded_on(URIRef(n)) for n in G.nodes) if d]
    if len(set(founded)) < 2:
        return None
    year = max(founded).year - 1
    cutoff = f"{year}-12-31"
    before = [d for d in founded if d.isoformat() <= cutoff]
    return cutoff if before and len(before) < len(founded) else None


def _link_pages(data: dict, outdir: Path, pages: set[str] | None = None) -> dict:
    """Side-panel links to the entity pages the site step wrote (ipkg.site), when it ran."""
    from ..site import link_view_nodes

    link_view_nodes(data["nodes"], outdir, "views", pages)
    return data


def write_site(graph: Graph, outdir: Path, pages: set[str] | None = None) -> list[Path]:
    """Write ``outdir/views/*.html`` and ``outdir/index.html``; return the paths written.

    ``pages``: the site's pages (relative paths, :func:`ipkg.site.pages_of`) when the site step
    writes them at the same time in another process; by default the views link to the pages
    found in ``outdir``."""
    outdir = Path(outdir)
    ctx = Context(graph)
    written: list[Path] = []
    entries = []
    for name in VIEWS:
        G = build(graph, name, ctx=ctx)
        data = _link_pages(view_data(G, graph, ctx=ctx), outdir, pages)
        path = write_text_atomic(outdir / "views" / f"{name}.html", render_data(data, home="../index.html"))
        written.append(path)
        entries.append((path, G, ""))
        if name == "institutions":
            cutoff = as_of_example(ctx, G)
            if cutoff:
                # the same page, opened at an earlier date by its as-of control
                Ga = build(graph, name, as_of=cutoff, ctx=ctx)
                entries.append((path, Ga, f"#as-of={cutoff}"))
    written.append(write_text_atomic(outdir / "index.html", index_html(outdir, entries, pages)))
    return written


def index_html(outdir: Path, entries, pages: set[str] | None = None) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(NO_SCRIPT_CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        "<title>ipkg — China IP enforcement knowledge graph · 中国知识产权执法知识图谱</title>",
        f"<style>{INDEX_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>ipkg: China’s intellectual-property enforcement as a knowledge graph</h1>",
        '<p lang="zh-Hans">ipkg：中国知识产权执法与司法保护知识图谱</p>',
        "<p>Interactive views for teaching, the data to download and example queries. "
        "Every page works offline. "
        '<span lang="zh-Hans" class="zh">供教学使用的交互视图、可下载的数据和示例查询。'
        "所有页面均可离线使用。</span></p>",
        "</header>",
        "<main>",
        '<h2>Views <span lang="zh-Hans" class="zh">视图</span></h2>',
        '<ul class="cards">',
    ]
    for path, G, *fragment in entries:
        rel = path.relative_to(outdir).as_posix() + (fragment[0] if fragment else "")
        parts.append(
            "<li>"
            f'<a href="{_e(rel)}">{_e(G.graph.get("title_en", ""))}</a>'
            f'<p lang="zh-Hans" class="zh">{_e(G.graph.get("title_zh", ""))}</p>'
            f'<p>{_e(G.graph.get("description_en", ""))}</p>'
            f'<p lang="zh-Hans" class="zh">{_e(G.graph.get("description_zh", ""))}</p>'
            f'<p class="count">{G.number_of_nodes()} nodes · {G.number_of_edges()} links '
            f'<span lang="zh-Hans">（{G.number_of_nodes()} 个节点，{G.number_of_edges()} 条关联）</span></p>'
            "</li>"
        )
    parts.append("</ul>")
    parts.append(
        "<p>Any entity can be drawn with its neighbourhood: <code>ipkg view iorg:spp --depth 2</code>. "
        '<span lang="zh-Hans" class="zh">任一实体均可生成其关联网络视图，'
        "例如 <code>ipkg view 最高人民检察院 --depth 2</code>。</span></p>"
    )

    site_pages = [(href, en, zh) for href, en, zh in SITE_PAGES
                  if (href in pages if pages is not None else (outdir / href).exists())]
    if site_pages:
        parts.append('<h2>Browse the graph <span lang="zh-Hans" class="zh">浏览图谱</span></h2><ul class="plain">')
        for href, en, zh in site_pages:
            parts.append(f'<li><a href="{_e(href)}">{_e(en)}</a> <span lang="zh-Hans" class="zh">{_e(zh)}</span></li>')
        parts.append("</ul>")

    onto = outdir / "ontology" / "index.html"
    if onto.exists():
        parts += [
            '<h2>Ontology <span lang="zh-Hans" class="zh">本体</span></h2>',
            '<ul class="plain"><li><a href="ontology/index.html">Ontology documentation</a> '
            '<span lang="zh-Hans" class="zh">本体文档</span></li></ul>',
        ]
    downloads = [(f, en, zh) for f, en, zh in DOWNLOADS if (outdir / f).exists()]
    if downloads:
        parts.append('<h2>Downloads <span lang="zh-Hans" class="zh">下载</span></h2><ul class="plain">')
        for f, en, zh in downloads:
            parts.append(f'<li><a href="{_e(f)}" download>{_e(f)}</a> — {_e(en)} '
                         f'<span lang="zh-Hans" class="zh">{_e(zh)}</span></li>')
        parts.append("</ul>")
    qdir = outdir / "queries"
    queries = []
    if (qdir / "examples.ttl").exists():
        queries.append(("queries/examples.ttl", "all example queries as RDF (sh:SPARQLExecutable)",
                        "全部示例查询（RDF 格式）"))
    if qdir.is_dir():
        for rq in sorted(qdir.glob("*.rq")):
            queries.append((f"queries/{rq.name}", "", ""))
    if queries:
        parts.append('<h2>Example queries <span lang="zh-Hans" class="zh">示例查询</span></h2><ul class="plain">')
        for href, en, zh in queries:
            extra = f' — {_e(en)} <span lang="zh-Hans" class="zh">{_e(zh)}</span>' if en else ""
            parts.append(f'<li><a href="{_e(href)}">{_e(href.rsplit("/", 1)[-1])}</a>{extra}</li>')
        parts.append("</ul>")
    parts += [
        "<footer><p>Data: CC BY 4.0. Views drawn with vis-network (MIT / Apache-2.0). "
        '<span lang="zh-Hans">数据采用 CC BY 4.0 许可。</span></p></footer>',
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
