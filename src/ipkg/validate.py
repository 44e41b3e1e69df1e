"""Validate the graph (or a user's files) against the SHACL shapes, plus the hygiene checks.

* :func:`validate_project` — the repository graph (``project.data``), or, with ``extra_files``,
  the user's files checked together with the repository ontology, shapes and reference graph
  (so their data can point at existing entities); only results about the user's own subjects
  are reported then.
* :func:`validate_graph` — any data graph with given shapes and ontology.

The data graph handed to pyshacl is ontology + data, so ``sh:targetClass`` and ``sh:class`` see
``rdfs:subClassOf`` without RDFS inference (``inference='none'``: the ontology's subclass triples
are all pyshacl needs, and inference would copy and expand the graph for nothing).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from .errors import IpkgError
from .report import ValidationReport, default_prefixes
from .load import to_rdflib

#: extensions ``ipkg validate PATH`` picks up inside folders
DATA_EXTENSIONS = (".ttl", ".trig", ".nt", ".nq", ".jsonld")


SH = "http://www.w3.org/ns/shacl#"


class _ParameterList(list):
    """pyshacl's list of constraint parameters with a hashed ``in`` (see :func:`_speed_up_pyshacl`)."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self._set = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._set


def _speed_up_pyshacl() -> None:
    """pyshacl (0.2x–0.40) tests each shape predicate for ``in`` a *list* of ~40 constraint
    parameters on every shape evaluation, nested ones included; with rdflib's slow term
    ``__eq__`` that was half of validation time on the ipkg graph (bench/bench_validate.py).
    Give it the same list with a hashed ``in``. Behaviour is unchanged; if pyshacl's internals
    differ, nothing is patched."""
    try:
        import pyshacl.shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:  # pragma: no cover
        return
    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if current and isinstance(current[0], _ParameterList):
        return
    shape_module.CONSTRAINT_PARAMS = (_ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


def _pyshacl_validate(data_graph, shapes_graph, fast: bool = True):
    import pyshacl

    if fast:
        _speed_up_pyshacl()

    conforms, report_graph, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
    )
    return report_graph


def split_sparql_shapes(shapes):
    """``(core, handled)``: the shapes graph without the ``sh:sparql`` constraints that
    :func:`run_sparql_constraints` runs, and the targeted shapes it runs them for (their own and
    their property shapes' constraints). SPARQL constraints of shapes reached only through
    ``sh:node`` & co stay with pyshacl."""
    from rdflib import Graph, URIRef

    from .sparql_constraints import shape_checks
    from .store_validate import _targeted_shapes

    sparql_p = URIRef(SH + "sparql")
    if (None, sparql_p, None) not in shapes:
        return shapes, []
    handled = sorted((s for s in _targeted_shapes(shapes, strict=False)
                      if any(c.constraint is not None for _, checks in shape_checks(shapes, s) for c in checks)),
                     key=str)
    owners = set(handled) | {ps for s in handled for ps in shapes.objects(s, URIRef(SH + "property"))}
    core = Graph()
    for p, ns in shapes.namespaces():
        core.bind(p, ns)
    for t in shapes:
        if not (t[1] == sparql_p and t[0] in owners):
            core.add(t)
    return core, handled


def run_sparql_constraints(store, shapes, handled, report_graph, focus_filter=None) -> int:
    """Run the ``sh:sparql`` constraints of the ``handled`` shapes (see :func:`split_sparql_shapes`)
    on a pyoxigraph ``store`` with :mod:`ipkg.sparql_constraints` (the runner ``ipkg validate
    --store`` uses too) and add their results to ``report_graph``. Data in the store's default
    graph, the ontology in ``GRAPH <urn:ipkg:ontology>`` (read for ``rdfs:subClassOf`` of class
    targets). Returns the number of results added."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from .shacl_sparql import focus_pattern
    from .sparql_constraints import Focus, ShapesDataset, run
    from .store_validate import _class_closure, _Converter, _targeted_shapes

    report_node = next(iter(report_graph.subjects(RDF.type, URIRef(SH + "ValidationReport"))))
    targeted = _targeted_shapes(shapes, strict=False)
    # rdfs:subClassOf of the data and the ontology, for the class targets
    sub = Graph()
    for row in store.query("SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?o }",
                           use_default_graph_as_union=True):
        sub.add((to_rdflib(row["s"]), URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), to_rdflib(row["o"])))
    conv = _Converter()
    keep = (lambda f: f in focus_filter) if focus_filter is not None else None
    triples: list = []
    top: list = []
    dataset = ShapesDataset(store, shapes, union=False)
    try:
        for shape in handled:
            t = targeted[shape]
            pattern = focus_pattern(_class_closure((sub, shapes), t.classes), t.nodes, t.subjects_of, t.objects_of)
            if pattern is None:
                continue
            focus = Focus(pattern, lambda pattern=pattern: [
                r["this"] for r in store.query(f"SELECT DISTINCT ?this WHERE {{ {pattern} }}")])
            run(store, shapes, shape, focus, triples, conv=conv, union=False, keep=keep, top=top, only_sparql=True,
                shapes_dataset=dataset)
    finally:
        dataset.close()
    for t in triples:
        report_graph.add(t)
    for r in top:
        report_graph.add((report_node, URIRef(SH + "result"), r))
    return len(top)


def validate_graph(data, shapes, ontology, origins=None, *, checks: bool = True, prefixes=None,
                   merged=None, report_focus: set | None = None, store=None) -> ValidationReport:
    """Validate ``data`` (rdflib Graph) against ``shapes`` with ``ontology`` merged in.

    Core constraints run in pyshacl on ontology + data; SHACL-SPARQL constraints and the
    hygiene checks run on a pyoxigraph store of the same triples (see bench/results/validate.md
    for why). ``origins`` (:class:`ipkg.origins.Origins`) gives each result its ``path:line``;
    ``merged`` is ``ontology + data`` if the caller already has it; ``store`` a pyoxigraph store
    with the data in the default graph and the ontology in ``GRAPH <urn:ipkg:ontology>``;
    ``report_focus``, when given, keeps only results whose focus node is in that set.
    """
    from .checks import make_store, run_checks

    started = time.perf_counter()
    if merged is None:
        merged = ontology + data
    core, pairs = split_sparql_shapes(shapes)
    report_graph = _pyshacl_validate(merged, core)
    if report_focus is not None:
        _keep_only(report_graph, report_focus)
    if store is None:
        store = make_store(data, ontology)
    run_sparql_constraints(store, shapes, pairs, report_graph, report_focus)
    report = ValidationReport.from_results_graph(report_graph, shapes, merged, origins, prefixes or default_prefixes())
    if checks:
        report.check_results, report.checks_run = run_checks(data, ontology, compact=report.compact,
                                                             origins=origins, store=store)
    report.seconds = time.perf_counter() - started
    return report


def _keep_only(report_graph, focus_nodes: set) -> None:
    """Drop results (and their nested triples) whose focus node is not in ``focus_nodes``."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    sh = "http://www.w3.org/ns/shacl#"
    report = next(iter(report_graph.subjects(RDF.type, URIRef(sh + "ValidationReport"))), None)
    drop = [r for r in report_graph.subjects(RDF.type, URIRef(sh + "ValidationResult"))
            if report_graph.value(r, URIRef(sh + "focusNode")) not in focus_nodes]
    for r in drop:
        if report is not None:
            report_graph.remove((report, URIRef(sh + "result"), r))
        _remove_tree(report_graph, r)


def _remove_tree(g, node) -> None:
    from rdflib import BNode

    for _, _, o in list(g.triples((node, None, None))):
        if isinstance(o, BNode):
            _remove_tree(g, o)
    g.remove((node, None, None))


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """The RDF files named by ``paths`` (files as given; folders searched recursively)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in DATA_EXTENSIONS and f.is_file())
            if not found:
                raise IpkgError("no RDF files (.ttl .trig .nt .nq .jsonld) in this folder", path=p)
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise IpkgError("no such file or folder", path=p)
    return out


def _project_origins(project, extra: Iterable[Path] = ()):
    from .origins import Origins

    origins = Origins()
    for path in list(extra) + [p for p in project.files if project.kind(p) != "shapes"]:
        origins.add_file(path)
    return origins


def _project_store(project):
    """A pyoxigraph store straight from the quads ipkg.load parsed (no rdflib round trip):
    graph/ files in the default graph, ontology/ files in ``GRAPH <urn:ipkg:ontology>``."""
    quads = getattr(project, "quads", None)
    if not quads:
        return None
    import pyoxigraph as ox

    from .checks import ONTOLOGY_GRAPH

    store = ox.Store()
    default, onto = ox.DefaultGraph(), ox.NamedNode(ONTOLOGY_GRAPH)
    batch = []
    for path, qs in quads.items():
        kind = project.kind(path)
        if kind == "shapes":
            continue
        g = onto if kind == "ontology" else default
        batch.extend(ox.Quad(q.subject, q.predicate, q.object, g) for q in qs)
    store.extend(batch)
    return store


def validate_project(project=None, extra_files=(), *, checks: bool = True) -> ValidationReport:
    """Validate the repository graph, or (with ``extra_files``) the user's files against it.

    ``project`` is an :class:`ipkg.load.Project` (loaded when None). Raises
    :class:`IpkgError` (exit 2) when a file cannot be read or the shapes are missing.
    """
    from .load import load_project, load_rdf_file

    if project is None:
        project = load_project()
    shapes = project.shapes
    if len(shapes) == 0:
        raise IpkgError("no shapes to validate against", path=Path(project.root) / "shapes",
                        hint="the shapes/*.ttl files are missing or empty")
    prefixes = dict(default_prefixes())
    prefixes.update({p: ns for p, ns in getattr(project, "prefixes", {}).items() if p and ns})
    extra_files = [Path(p) for p in extra_files]
    if not extra_files:
        origins = _project_origins(project)
        report = validate_graph(project.data, shapes, project.ontology, origins, checks=checks,
                                prefixes=prefixes, merged=project.merged(), store=_project_store(project))
        report.files = [str(project.relpath(p)) for p in project.files if project.kind(p) == "graph"]
        return report

    started = time.perf_counter()
    from rdflib import Graph

    user = Graph()
    for path in extra_files:
        g = load_rdf_file(path)
        for t in g:
            user.add(t)
        for p, ns in g.namespaces():
            if p and p not in prefixes and str(ns) not in prefixes.values():
                prefixes[p] = str(ns)
    reference = Graph()
    for path in project.data_files:
        if project.relpath(path).parts[:2] == ("graph", "reference"):
            for t in project.files[path]:
                reference.add(t)
    merged = project.ontology + reference
    for t in user:
        merged.add(t)
    origins = _project_origins(project, extra_files)
    focus = set(user.subjects())
    report = validate_graph(user, shapes, project.ontology, origins, checks=False, prefixes=prefixes,
                            merged=merged, report_focus=focus)
    if checks:
        from .checks import run_checks

        report.check_results, report.checks_run = run_checks(
            user, project.ontology, compact=report.compact, origins=origins
        )
        # the ontology-labels check is about the repository ontology, not the user's files
        report.check_results = [r for r in report.check_results if r.check != "ontology-labels"]
    report.files = [str(p) for p in extra_files]
    report.seconds = time.perf_counter() - started
    return report
