"""The small static site ``ipkg build`` writes: ``views/<name>.html`` for each curated view plus
``index.html`` linking them (and the institutions map at an earlier date, ``#as-of=`` in the link),
the ontology documentation, the
downloads and the example queries that exist in the output folder. No script, no request: the
index has a CSP that allows nothing but its own inline style."""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

from rdflib import Graph

from ..safety import NO_SCRIPT_CSP
from .builders import VIEWS, Context, build
from .render import render_data, view_data, write_text_atomic

TEMPLATES = Path(__file__).parent / "templates"
#: the index page's links (label in English and Chinese), each shown when its file was written
LINKS: dict[str, list[dict[str, str]]] = tomllib.loads((TEMPLATES / "index.toml").read_text(encoding="utf-8"))
DOWNLOADS = tuple((d["href"], d["en"], d["zh"]) for d in LINKS["downloads"])
#: pages of the browsable site (ipkg.site), linked when the build wrote them
SITE_PAGES = tuple((d["href"], d["en"], d["zh"]) for d in LINKS["site_pages"])


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


def write_site(graph: Graph, outdir: Path, pages: set[str] | None = None, ctx: Context | None = None) -> list[Path]:
    """Write ``outdir/views/*.html`` and ``outdir/index.html``; return the paths written.

    ``pages``: the site's pages (relative paths, :func:`ipkg.site.pages_of`) when the site step
    writes them at the same time in another process; by default the views link to the pages
    found in ``outdir``. ``ctx``: the lookups of ``graph`` when the caller has them already
    (the build shares them with the site)."""
    outdir = Path(outdir)
    ctx = ctx if ctx is not None else Context(graph)
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
    """The index page (``templates/index.html.j2``): the views in ``entries`` (path, graph and an
    optional ``#fragment``) and the links of ``templates/index.toml`` whose files exist (site pages:
    those in ``pages`` when given, since the other build process may still be writing them)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["h"] = _e
    views = []
    for path, G, *fragment in entries:
        views.append({"href": path.relative_to(outdir).as_posix() + (fragment[0] if fragment else ""),
                      **{k: G.graph.get(k, "") for k in ("title_en", "title_zh", "description_en", "description_zh")},
                      "nodes": G.number_of_nodes(), "edges": G.number_of_edges()})
    qdir = outdir / "queries"
    queries = [d for d in LINKS["examples"] if (outdir / d["href"]).exists()]
    if qdir.is_dir():
        queries += [{"href": f"queries/{rq.name}", "en": "", "zh": ""} for rq in sorted(qdir.glob("*.rq"))]
    return env.get_template("index.html.j2").render(
        csp=NO_SCRIPT_CSP,
        css=(TEMPLATES / "index.css").read_text(encoding="utf-8"),
        views=views,
        site_pages=[d for d in LINKS["site_pages"]
                    if (d["href"] in pages if pages is not None else (outdir / d["href"]).exists())],
        ontology=(outdir / "ontology" / "index.html").exists(),
        downloads=[d for d in LINKS["downloads"] if (outdir / d["href"]).exists()],
        queries=queries,
    )
