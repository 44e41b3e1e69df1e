"""HTML documentation of the ontology with pyLODE, cached by the ontology's content hash.

pyLODE's output for a given input is deterministic, and it takes about a second, so the HTML is
cached under ``$IPKG_CACHE_DIR`` (default ``$XDG_CACHE_HOME/ipkg`` or ``~/.cache/ipkg``) keyed
by the SHA-256 of the ontology files plus the pyLODE and ipkg versions. A cache that cannot be
read or written is simply not used.

The page is made safe to open: every literal is HTML-escaped before pyLODE renders it
(pyLODE does not escape comments and definitions) and the page carries the views'
Content-Security-Policy (no script runs, nothing is fetched).

pyLODE 3.4.1 (the newest release) cannot be imported from a wheel install: its
``pylode/version.py`` reads a ``pyproject.toml`` that the wheel does not ship
(RDFLib/pyLODE#260, fixed upstream after that release). :func:`_import_ontpub` works around it
by providing ``pylode.version`` from the installed package metadata before importing pyLODE.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import types
from pathlib import Path

from . import __version__, cache
from .atomic import write_bytes
from .errors import IpkgError
from .load import Project


def _import_ontpub():
    try:
        import pylode.version  # noqa: F401
    except FileNotFoundError:
        for name in [m for m in sys.modules if m == "pylode" or m.startswith("pylode.")]:
            del sys.modules[name]
        shim = types.ModuleType("pylode.version")
        shim.__version__ = importlib.metadata.version("pylode")  # type: ignore[attr-defined]  # a new module
        sys.modules["pylode.version"] = shim
    except ImportError as exc:
        raise IpkgError(f"pyLODE is not installed ({exc})", hint="pip install pylode") from None
    from pylode import OntPub

    return OntPub


#: bump when render_html changes what it gives pyLODE (the cache is keyed on it)
RENDERING = "bilingual-labels-escaped-csp-2"


def _escape_literals(graph) -> None:
    """Escape ``& < >`` in every literal before pyLODE sees it.

    pyLODE 3.4 writes ``rdfs:comment``, ``skos:definition``, ``skos:note`` … into the page as
    HTML (some through Markdown), unescaped: a ``<script>`` or ``<img onerror>`` in the ontology
    would run in the page. Escaped here, they reach the page as text. The fields pyLODE does
    escape come out escaped twice; :func:`_unescape_twice` puts those back to once.
    """
    import html

    from rdflib import Literal

    for s, p, o in list(graph):
        if isinstance(o, Literal) and any(c in str(o) for c in "&<>"):
            graph.remove((s, p, o))
            graph.add((s, p, Literal(html.escape(str(o), quote=False), lang=o.language,
                                     datatype=o.datatype)))


def _unescape_twice(page: str) -> str:
    return page.replace("&amp;lt;", "&lt;").replace("&amp;gt;", "&gt;").replace("&amp;amp;", "&amp;")


_URL_ATTR = __import__("re").compile(r"""\b(href|src)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", __import__("re").I)
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "data:image/")


def _neutralise_urls(page: str) -> str:
    """``href``/``src`` values with a scheme other than http(s), mailto and data images (pyLODE
    turns ``[x](javascript:…)`` in a comment into a link) become ``#``."""
    import html

    def fix(m):
        value = m.group(2).strip("\"'")
        plain = "".join(ch for ch in html.unescape(value) if ch > " ").lower()
        scheme = plain.split(":", 1)[0] if ":" in plain.split("/", 1)[0] else None
        if scheme is None or plain.startswith(_SAFE_SCHEMES):
            return m.group(0)
        return f'{m.group(1)}="#"'

    return _URL_ATTR.sub(fix, page)


def _with_csp(page: str) -> str:
    """The views' Content-Security-Policy as the first element of ``<head>``: no script runs."""
    import re

    from .safety import NO_SCRIPT_CSP

    meta = f'<meta http-equiv="Content-Security-Policy" content="{NO_SCRIPT_CSP}">'
    m = re.search(r"<head[^>]*>", page, re.IGNORECASE)
    if m is None:
        raise IpkgError("pyLODE's page has no <head>; cannot add the Content-Security-Policy")
    return page[:m.end()] + "\n" + meta + page[m.end():]


def _bilingual(graph) -> None:
    """pyLODE prints every label of a term run together ("court人民法院"): give it one label per
    term, "English · 中文", and one title for the ontology."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

    for prop in (RDFS.label, DCTERMS.title):
        for subject in set(graph.subjects(prop, None)):
            by_lang = {o.language: str(o) for o in graph.objects(subject, prop)
                       if isinstance(o, Literal)}
            if "en" in by_lang and "zh" in by_lang:
                graph.remove((subject, prop, None))
                graph.add((subject, prop, Literal(f"{by_lang['en']} · {by_lang['zh']}")))
    for onto in graph.subjects(RDF.type, OWL.Ontology):
        if isinstance(onto, URIRef) and (onto, DCTERMS.title, None) in graph:
            graph.remove((onto, RDFS.label, None))  # the title already names it


def _cache_key(project: Project) -> str:
    try:
        pylode_version = importlib.metadata.version("pylode")
    except importlib.metadata.PackageNotFoundError:
        pylode_version = "none"
    parts: list[bytes | str] = [f"ipkg {__version__}\npylode {pylode_version}\n{RENDERING}"]
    for path in project.ontology_files:
        parts += [project.relpath(path).as_posix(), path.read_bytes()]
    return cache.key(*parts)


def render_html(project: Project) -> str:
    """pyLODE's HTML for the project's ontology (uncached)."""
    OntPub = _import_ontpub()
    from .load import _graph_from_quads

    # a fresh graph: pyLODE adds inferred triples to the graph it is given
    graph = _graph_from_quads(
        [q for p in project.ontology_files for q in project.quads[p]], project.prefixes
    )
    _bilingual(graph)
    _escape_literals(graph)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # pyLODE logs progress at INFO on the root logger
    try:
        return _with_csp(_neutralise_urls(_unescape_twice(OntPub(ontology=graph).make_html())))
    finally:
        root.setLevel(level)


def write_ontology_docs(project: Project, outdir: Path) -> Path:
    """Write ``outdir/ontology/index.html``; returns its path."""
    target = Path(outdir) / "ontology" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    html = cache.cached_bytes(f"ontology-{_cache_key(project)}.html",
                              lambda: render_html(project).encode("utf-8"))
    return write_bytes(target, html)
