"""The project's RDF files, loaded into a pyoxigraph Store or an rdflib Graph for querying."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .. import paths, vocab
from ..errors import IpkgError


def project_files(root: Path | None = None) -> list[Path]:
    """The RDF files a query runs over: ``ontology/*`` and everything under ``graph/``.

    The same set ``ipkg.load.load_project`` merges (``Project.merged()``: ontology + data).
    """
    root = Path(root) if root else paths.data_root()
    files: list[Path] = []
    for folder in ("ontology", "graph"):
        base = root / folder
        if not base.is_dir():
            raise IpkgError(f"missing folder {folder}/", path=base,
                            hint="run from a checkout of the ipkg repository or set IPKG_DATA")
        from ..safety import refuse_non_turtle

        refuse_non_turtle(base, recursive=True)  # load_project reads only .ttl here: refuse, as it does
        files += sorted(p for p in base.rglob("*.ttl") if p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(base).parts)
                        and not vocab.is_prefix_file(p, root))
    return files


def load_oxigraph(root: Path | None = None, files: Sequence[Path] | None = None):
    """A pyoxigraph in-memory Store holding the project's ontology and graph files.

    Every file goes through ``ipkg.load`` (the same checks and ``path:line:col`` errors as
    ``ipkg build``: NUL bytes, UTF-8, empty files, XML, remote JSON-LD contexts); quads of
    TriG/N-Quads files go to the default graph.
    """
    import pyoxigraph as ox

    from ..load import _parse_quads

    store = ox.Store()
    for path in files if files is not None else project_files(root):
        quads, _ = _parse_quads(Path(path))
        store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return store


def load_rdflib(root: Path | None = None, files: Sequence[Path] | None = None):
    """An rdflib Graph holding the same files as :func:`load_oxigraph`.

    Uses ``ipkg.load.load_rdf_file`` (precise syntax errors).
    """
    from rdflib import Graph

    from ..load import load_rdf_file

    graph = Graph()
    for path in files if files is not None else project_files(root):
        part = load_rdf_file(path)
        for triple in (part.triples((None, None, None)) if not hasattr(part, "quads")
                       else (q[:3] for q in part.quads((None, None, None, None)))):
            graph.add(triple)
    return graph
