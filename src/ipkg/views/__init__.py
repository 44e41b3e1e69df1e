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
    """Write a view graph as GraphML or GEXF (atomically). GEXF also gets Gephi colours."""
    import networkx as nx

    from ..atomic import replaced_file
    from ..errors import IpkgError

    out = Path(out)
    if fmt not in ("graphml", "gexf"):
        raise IpkgError(f"unknown export format {fmt!r}", hint="use graphml or gexf")
    with replaced_file(out) as tmp:
        if fmt == "graphml":
            nx.write_graphml(G, tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)
        else:
            H = G.copy()
            for _, a in H.nodes(data=True):
                a["label"] = a.get("label_en", "")
                colour = a.get("colour", "#757575").lstrip("#")
                a["viz"] = {"color": {"r": int(colour[0:2], 16), "g": int(colour[2:4], 16), "b": int(colour[4:6], 16), "a": 1.0}}
            for s, o, k, a in H.edges(keys=True, data=True):
                a["label"] = a.get("label_en", k)
            nx.write_gexf(H, tmp, encoding="utf-8", prettyprint=True)
    return out
