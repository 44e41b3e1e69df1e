"""The browsable site ``ipkg build`` writes beside the data: a page for every entity and every
ontology term, charts of the figures, a query gallery and a search page.

* ``id/<kind>/<slug>.html`` (+ ``.ttl`` and ``.jsonld``) for every typed ``https://w3id.org/ipkg/id/…``
  IRI, ``ontology/class/<Term>.html`` and ``ontology/property/<term>.html`` for the ontology's
  terms (:mod:`ipkg.site.paths`); ``ontology/index.ttl``/``.jsonld`` for the whole ontology;
* ``stats/index.html`` (charts of every indicator and every breakdown, :mod:`ipkg.site.charts`),
  ``queries/index.html`` (the example queries with their rows, :mod:`ipkg.site.gallery`),
  ``browse.html`` (search over labels and alternative labels, English and Chinese, and every page
  by class), ``.htaccess`` (content negotiation, :mod:`ipkg.site.conneg`);
* ``static/``: the site's CSS and JS, Observable Plot and d3 (vendored, ISC licence).

Pages are rendered from Jinja2 templates with autoescape on; every page has a
Content-Security-Policy that allows scripts, styles and images only from the site itself and no
connection at all, so nothing on a page makes a request beyond the site's own files; links are
relative, so the site works from ``file://`` and from any static host.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..atomic import write_staged
from .paths import page_href, page_path, page_stem

__all__ = ["write_pages", "pages_of", "page_path", "page_href", "page_stem", "link_view_nodes", "CSP"]

#: the Content-Security-Policy of every page
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
    "worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'"
)

STATIC = ("site.css", "site.js", "charts.js", "search.js", "d3.min.js", "plot.umd.min.js",
          "d3.LICENSE-ISC", "plot.LICENSE-ISC")


def _bytecode_cache():
    """Jinja2's own cache of compiled templates (keyed by template name, checked against a hash
    of the template's source) in ``<ipkg cache>/jinja2``; None when that folder cannot be made."""
    import jinja2

    from ..cache import cache_dir

    folder = cache_dir() / "jinja2"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ipkg.site", "templates"),
        bytecode_cache=_bytecode_cache(),
        auto_reload=False,  # one build renders each template hundreds of times; none changes meanwhile
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    from ..views.render import safe_json

    env.filters["json"] = lambda data: Markup(safe_json(data))
    env.globals.update(CSP=CSP, t=t, ref=ref)
    return env


def t(d: dict) -> Markup:
    """Both languages of a label; the page's CSS shows one (html[data-lang])."""
    en = d.get("en", "")
    return _t(en, d.get("zh") or en)


@lru_cache(maxsize=65536)
def _t(en: str, zh: str) -> Markup:
    return Markup(f'<span class="en" lang="en">{escape(en)}</span><span class="zh" lang="zh-Hans">{escape(zh)}</span>')


def ref(r: dict) -> Markup:
    """A link to the page of an IRI (labels in both languages), or the labels alone."""
    label = t(r["label"])
    if r.get("href"):
        return Markup(f'<a href="{escape(r["href"])}">{label}</a>')
    return Markup(f'<span title="{escape(r["iri"])}">{label}</span>')


def _entity_triples(project) -> dict[str, list]:
    """Subject IRI → its sorted, distinct pyoxigraph triples (ontology and graph files)."""
    from ..export import _sort_key

    by_subject: dict[str, set] = {}
    for path in project.files:
        if project.kind(path) == "shapes":
            continue
        for q in project.quads[path]:
            s = q.subject
            if hasattr(s, "value") and page_stem(s.value):
                by_subject.setdefault(s.value, set()).add(q.triple)
    return {s: sorted(ts, key=_sort_key) for s, ts in by_subject.items()}


#: the site's own pages besides one per entity (:func:`pages_of`)
SITE_PAGES = ("browse.html", "stats/index.html", "queries/index.html")

#: the two halves of the site: ``data`` needs only the graph (RDF per entity, the query gallery,
#: search, static files), ``pages`` also the validation report (entity pages, charts)
PARTS = ("data", "pages")


def pages_of(graph) -> set[str]:
    """The HTML pages the site writes for ``graph`` (relative paths), known before it writes
    them, so that the views (:mod:`ipkg.views.site`) can link to them from another process."""
    from rdflib import RDF, URIRef

    stems = {page_stem(s) for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
    return {stem + ".html" for stem in stems if stem} | set(SITE_PAGES)


def write_pages(project, outdir: Path, *, report=None, home: str | None = "index.html",
                parts: tuple[str, ...] = PARTS, validated: bool | None = None,
                take: Callable[[], int | None] | None = None, ctx=None,
                report_later: Callable[[], Any] | None = None) -> list[Path]:
    """Write the site into ``outdir`` (the build's staging folder); return the files written.

    ``report``: the build's validation report (its arithmetic warnings are marked on the charts);
    ``home``: the start page, relative to the root (None when the build writes none);
    ``parts``: which halves to write (:data:`PARTS`: ``pages``, what shows the validation report,
    and ``data``, what does not); ``validated``: whether the build validates (default: whether
    ``report`` is given); ``take``: where this process gets the numbers of its jobs from, one at
    a time, None when done (the jobs of the parts asked for, ``pages`` first: with both parts
    :data:`PAGE_JOBS` + :data:`DATA_JOBS` of them) – the two build processes share them out this
    way; by default every job runs here; ``report_later``: when the report is not known yet,
    what returns it (called before the first page job this process takes: the other process
    validates meanwhile); ``ctx``: the views' lookups of the merged graph
    (:class:`ipkg.views.builders.Context`: its index and labels), when the caller shares one.
    """
    from .model import SiteModel

    outdir = Path(outdir)
    written: list[Path] = []

    made: set[Path] = set()

    def write(rel: str, data: str | bytes) -> None:
        # Straight into the build's staging folder (swapped in as a whole when the build
        # succeeds), so one temp file and rename per page would buy nothing.
        path = outdir / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        written.append(write_staged(path, data.encode("utf-8") if isinstance(data, str) else data))

    env = _env()
    model = SiteModel(project.merged(), report, ctx=ctx)
    nav = {"home": home, "validated": report is not None if validated is None else validated}

    def ready() -> None:
        if report_later is not None:
            model.report = report_later()

    jobs: list[Callable[[], None]] = []
    if "pages" in parts:
        jobs += _page_jobs(model, env, nav, write, ready)
    if "data" in parts:
        jobs += _data_jobs(project, model, env, nav, write)
    assert len(jobs) == PAGE_JOBS * ("pages" in parts) + DATA_JOBS * ("data" in parts), "the job counts"
    if take is None:
        for job in jobs:
            job()
    else:
        while (i := take()) is not None:
            jobs[i]()
    return written


#: the entity pages are rendered in this many jobs (entities in turn)
PAGE_CHUNKS = 8
#: the jobs of the site's ``pages`` part (:func:`_page_jobs`)
PAGE_JOBS = PAGE_CHUNKS + 1


def _page_jobs(model, env, nav, write, ready: Callable[[], None]) -> list[Callable[[], None]]:
    """The pages the validation report shows up in, as independent jobs: the entity pages in
    :data:`PAGE_CHUNKS` parts and the statistics page (charts). ``ready()`` runs before the
    first of them that this process runs (it may have to wait for the report)."""
    from .charts import breakdown_charts, indicator_charts
    from .pages import entity_page

    state: dict[str, Any] = {}

    def prepared() -> dict[str, Any]:
        if not state:
            ready()
            charts = indicator_charts(model) + breakdown_charts(model)
            shows: dict[str, list[str]] = {}
            for c in charts:
                shows.setdefault(c["about"], []).append(c["id"])
                for b in c["bars"]:
                    if b["page"]:
                        shows.setdefault(page_iri(b["page"]), []).append(c["id"])
            state.update(charts=charts, by_id={c["id"]: c for c in charts}, shows=shows,
                         tpl=env.get_template("entity.html.j2"))
        return state

    def entities(part: int) -> None:
        s = prepared()
        for iri, e in list(model.entities.items())[part::PAGE_CHUNKS]:
            ids = list(dict.fromkeys(s["shows"].get(iri, [])))
            page = entity_page(model, e, {iri: ids})
            page["chart_specs"] = {i: s["by_id"][i] for i in ids}
            write(e.stem + ".html", s["tpl"].render(page=page, nav=nav, root=page["root"]))

    def statistics() -> None:
        charts, by_id = prepared()["charts"], prepared()["by_id"]
        groups = [
            ("breakdowns", {"en": "Breakdowns: parts and subsets of a figure", "zh": "分项：数字的组成部分与子集"},
             [c for c in charts if c["kind"] != "indicator"]),
            ("indicators", {"en": "Every indicator", "zh": "全部统计指标"},
             [c for c in charts if c["kind"] == "indicator"]),
        ]
        flagged: dict = {}  # each warning once, with the charts that show it
        for c in charts:
            for n in c["notes"]:
                flagged.setdefault((n["focus"], n["en"]), {"note": n, "charts": []})["charts"].append(c)
        write("stats/index.html", env.get_template("stats.html.j2").render(
            groups=groups, flagged=[flagged[k] for k in sorted(flagged)], specs=by_id, nav=nav, root="../"))

    return [*(lambda part=part: entities(part) for part in range(PAGE_CHUNKS)), statistics]


#: per-entity Turtle and JSON-LD are written in this many jobs (entities in turn)
RDF_CHUNKS = 8
#: the jobs of the site's ``data`` part (:func:`_data_jobs`)
DATA_JOBS = RDF_CHUNKS + 4


def _data_jobs(project, model, env, nav, write) -> list[Callable[[], None]]:
    """Everything of the site that the validation report does not change, as independent jobs
    (each writes its own files; the longest first): the query gallery, the RDF of each entity
    in :data:`RDF_CHUNKS` parts, the ontology as a whole, search and browse, static files."""
    from ..export import _sort_key, _used_prefixes, serialize_jsonld, serialize_turtle
    from ..views.render import safe_json
    from .conneg import htaccess
    from .gallery import run_examples, serve_origin

    prefixes = project.prefixes
    entity_triples: list[dict] = []  # built by the first RDF job this process runs

    # ---------------------------------------------------------------- RDF per entity
    def rdf(part: int) -> None:
        if not entity_triples:
            entity_triples.append(_entity_triples(project))
        triples = entity_triples[0]
        for iri, e in list(model.entities.items())[part::RDF_CHUNKS]:
            ts = triples.get(iri, [])
            used = _used_prefixes(ts, prefixes)
            write(e.stem + ".ttl", serialize_turtle(ts, prefixes, used))
            write(e.stem + ".jsonld", serialize_jsonld(ts, prefixes, context_ref=used))

    # ---------------------------------------------------------------- the ontology as a whole
    def ontology() -> None:
        onto = sorted({q.triple for p in project.ontology_files for q in project.quads[p]}, key=_sort_key)
        used = _used_prefixes(onto, prefixes)
        write("ontology/index.ttl", serialize_turtle(onto, prefixes, used))
        write("ontology/index.jsonld", serialize_jsonld(onto, prefixes, context_ref=used))

    # ---------------------------------------------------------------- query gallery
    def gallery() -> None:
        examples = run_examples(project, model)
        write("queries/index.html", env.get_template("gallery.html.j2").render(
            examples=examples, nav=nav, root="../", serve=serve_origin()))

    # ---------------------------------------------------------------- search and index
    def search() -> None:
        index, by_class = [], {}
        for iri, e in model.entities.items():
            kind = model.kind_of(e.iri)
            kind_label = model.kind_label(kind)
            alt = [a["text"] for a in model.alt_labels(iri)]
            index.append({"p": e.stem + ".html", "en": e.label["en"], "zh": e.label["zh"], "alt": alt,
                          "c": e.curie, "k": kind_label})
            by_class.setdefault((kind_label["en"], str(kind)), {"label": kind_label, "entries": []})["entries"].append(
                {"href": e.stem + ".html", "label": e.label, "curie": e.curie})
        classes = [by_class[k] for k in sorted(by_class, key=lambda k: (k[0].casefold(), k[1]))]
        for c in classes:
            c["entries"].sort(key=lambda i: (i["label"]["en"].casefold(), i["curie"]))

        write("static/search-index.js", "window.IPKG_SEARCH = " + safe_json(index) + ";\n")
        write("browse.html", env.get_template("browse.html.j2").render(
            classes=classes, total=len(index), nav=nav, root=""))

    # ---------------------------------------------------------------- static files, conneg
    def static() -> None:
        folder = resources.files("ipkg.site") / "static"
        for name in STATIC:
            write("static/" + name, (folder / name).read_bytes())
        write(".htaccess", htaccess())

    return [gallery, *(lambda part=part: rdf(part) for part in range(RDF_CHUNKS)), ontology, search, static]


def link_view_nodes(nodes: list[dict], outdir: Path, from_dir: str = "views",
                    pages: set[str] | None = None) -> None:
    """Give every view node (``{"id": iri, …}``) whose page exists in ``outdir`` (or, when
    given, is one of ``pages``: :func:`pages_of`) a relative ``page`` link, for the side panel
    of the view pages (:mod:`ipkg.views.site`)."""
    from .paths import relative

    for n in nodes:
        path = page_path(n.get("id", ""))
        if path and (path in pages if pages is not None else (Path(outdir) / path).is_file()):
            n["page"] = relative(path, from_dir)


def page_iri(page: str) -> str:
    """The IRI whose page is ``page`` (``id/org/spp.html`` → ``https://w3id.org/ipkg/id/org/spp``)."""
    from .paths import BASE, ONTOLOGY_NS

    stem = page[: -len(".html")]
    if stem.startswith("ontology/"):
        return ONTOLOGY_NS + stem.rsplit("/", 1)[-1]
    return BASE + stem
