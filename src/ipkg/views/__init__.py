"""Views for educators: networkx graphs of parts of the knowledge graph, drawn as
self-contained, offline HTML pages (vis-network), and exported for Gephi.

* :mod:`ipkg.views.builders` – one networkx builder per view (functions, institutions, crimes,
  campaigns, sources, the ego view of any entity, and the whole graph);
* :mod:`ipkg.views.render` – one HTML page per view;
* :mod:`ipkg.views.site` – ``write_site(graph, outdir)``: every view plus ``index.html``.

Drawing hints (edges per view, colours, shapes, legend labels) are in ``ontology/views.toml``.
"""

from __future__ import annotations

from pathlib import Path

from .builders import VIEWS, Context, build, ego, resolve_entity, to_json
from .render import render_html, write_view
from .site import write_site

__all__ = [
    "VIEWS",
    "Context",
    "build",
    "ego",
    "resolve_entity",
    "to_json",
    "render_html",
    "write_view",
    "write_site",
    "load_graph",
    "export_graph",
]


def load_graph(root: Path | None = None):
    """The project's ontology + data as one rdflib Graph (via :func:`ipkg.load.load_project`)."""
    from ..load import load_project

    return load_project(root).merged()


def export_graph(G, fmt: str, out: Path) -> Path:
    """Write a view graph as GraphML or GEXF: :func:`ipkg.export.write_network`."""
    from ..export import write_network

    return write_network(G, fmt, out)
