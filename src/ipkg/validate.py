"""Validate the graph (or a user's files) against the SHACL shapes, plus the hygiene checks.

* :func:`validate_project` — the repository graph (``project.data``), or, with ``extra_files``,
  the user's files checked together with the whole repository graph, ontology and shapes (so
  their data can point at any existing entity); only results about the user's files are
  reported then (see :func:`validate_project`). Ill-formed literals
  (:func:`ipkg.load.ill_formed_literals`) are violations in both modes.
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
from .terms import to_rdflib

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
    # pyshacl does not declare this module-level table; we patch it in place
    shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _ParameterList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


def _memo_graph_class():
    """:class:`rdflib.Graph` whose lookups by subject (and by subject and predicate) are
    memoised until the graph changes. pyshacl reads every shape's parameters from the shapes
    graph again each time it evaluates the shape on a focus node (sh:property, sh:node, sh:or
    …): on the curated graph that was ~40 % of its time (bench/bench_validate.py). Any change
    (add, remove, set, …) clears the memo, so what a reader sees is what the graph holds."""
    from rdflib import Graph

    class MemoGraph(Graph):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._memo: dict = {}

        def _changed(self) -> None:
            self._memo.clear()

        def add(self, triple):
            self._changed()
            return super().add(triple)

        def addN(self, quads):  # noqa: N802 - rdflib's name
            self._changed()
            return super().addN(quads)

        def remove(self, triple):
            self._changed()
            return super().remove(triple)

        def predicate_objects(self, subject=None, unique=False):
            if subject is None or unique:
                return super().predicate_objects(subject, unique)
            key = ("po", subject)
            found = self._memo.get(key)
            if found is None:
                found = self._memo[key] = list(super().predicate_objects(subject))
            return iter(found)

        def objects(self, subject=None, predicate=None, unique=False):
            if subject is None or predicate is None or unique:
                return super().objects(subject, predicate, unique)
            key = ("o", subject, predicate)
            found = self._memo.get(key)
            if found is None:
                found = self._memo[key] = list(super().objects(subject, predicate))
            return iter(found)

    return MemoGraph


def memo_copy(graph):
    """A copy of ``graph`` (triples and prefixes) as a :func:`_memo_graph_class` graph."""
    g = _memo_graph_class()()
    for prefix, ns in graph.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    g.addN((s, p, o, g) for s, p, o in graph)
    return g


def _pyshacl_validate(data_graph, shapes_graph, fast: bool = True):
    import pyshacl

    if fast:
        _speed_up_pyshacl()
        shapes_graph = memo_copy(shapes_graph)  # read, never changed, by pyshacl

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

    from .shacl_sparql import _targeted_shapes
    from .sparql_constraints import shape_checks

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
    graph, the ontology in ``GRAPH <urn:ipkg:ontology>``; the queries see both as their data
    graph (``union=True``), as pyshacl sees ontology + data when given ``ont_graph`` (so a rule
    may read an axis label or a code list from the ontology). Returns the number of results added."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from .shacl_sparql import _class_closure, _targeted_shapes, focus_pattern
    from .sparql_constraints import Focus, ShapesDataset, _Converter, run

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
    dataset = ShapesDataset(store, shapes, union=True)
    try:
        for shape in handled:
            t = targeted[shape]
            pattern = focus_pattern(_class_closure((sub, shapes), t.classes), t.nodes, t.subjects_of, t.objects_of)
            if pattern is None:
                continue
            focus = Focus(pattern, lambda pattern=pattern: [
                r["this"] for r in store.query(f"SELECT DISTINCT ?this WHERE {{ {pattern} }}")])
            run(store, shapes, shape, focus, triples, conv=conv, union=True, keep=keep, top=top, only_sparql=True,
                shapes_dataset=dataset)
    finally:
        dataset.close()
    for t in triples:
        report_graph.add(t)
    for r in top:
        report_graph.add((report_node, URIRef(SH + "result"), r))
    return len(top)


def shacl_report_graph(merged, shapes, store=None, data=None, ontology=None):
    """The SHACL report graph of ``merged`` (ontology + data): core constraints in pyshacl,
    SHACL-SPARQL constraints on a pyoxigraph ``store`` of the same triples (built from ``data``
    and ``ontology`` when not given). Unfiltered: every result of every focus node."""
    from .checks import make_store

    core, pairs = split_sparql_shapes(shapes)
    report_graph = _pyshacl_validate(merged, core)
    if pairs:
        if store is None:
            store = make_store(data, ontology)
        run_sparql_constraints(store, shapes, pairs, report_graph)
    return report_graph


def cached_report_graph(cache_key: str | None, compute, merged, shapes):
    """``compute()`` (a SHACL report graph of ``merged`` against ``shapes``), or the same graph
    from the cache (:mod:`ipkg.cache`) under ``cache_key`` – a hash of everything the report
    depends on: the parsed text of every ontology, graph and shapes file and the code
    (:func:`ipkg.cache.code_fingerprint`). None: no cache.

    A report that names a blank node of the data or the shapes is not cached: blank nodes are
    renamed on every parse, so a stored copy could not point at them again."""
    from rdflib import BNode, Graph

    from .cache import read_entry, store_entry

    if cache_key is None:
        return compute()
    name = f"reports/{cache_key}.nt"
    payload = read_entry(name)
    if payload is not None:
        g = Graph()
        g.parse(data=payload, format="nt")
        return g
    report_graph = compute()
    own = {t for triple in report_graph for t in triple if isinstance(t, BNode)}
    if not any(t in own for graph in (merged, shapes) for triple in graph for t in triple):
        store_entry(name, report_graph.serialize(format="nt", encoding="utf-8"))
    return report_graph


def report_cache_key(project) -> str | None:
    """The cache key of the SHACL report of ``project`` validated alone (None: not cacheable)."""
    from .cache import code_fingerprint, key

    files = project.content_key("ontology", "graph", "shapes")
    return key("shacl-report-1", code_fingerprint(), *files) if files else None


def validate_graph(data, shapes, ontology, origins=None, *, checks: bool = True, prefixes=None,
                   merged=None, report_focus: set | None = None, store=None,
                   cache_key: str | None = None) -> ValidationReport:
    """Validate ``data`` (rdflib Graph) against ``shapes`` with ``ontology`` merged in.

    Core constraints run in pyshacl on ontology + data; SHACL-SPARQL constraints and the
    hygiene checks run on a pyoxigraph store of the same triples (see bench/results/validate.md
    for why). ``origins`` (:class:`ipkg.origins.Origins`) gives each result its ``path:line``;
    ``merged`` is ``ontology + data`` if the caller already has it; ``store`` a pyoxigraph store
    with the data in the default graph and the ontology in ``GRAPH <urn:ipkg:ontology>``;
    ``report_focus``, when given, keeps only results whose focus node is in that set;
    ``cache_key`` (:func:`report_cache_key`) names the report in the cache. ``data`` and
    ``ontology`` may be None when both ``merged`` and ``store`` are given.
    """
    from .checks import make_store, run_checks
    from .safety import refuse_service_in_shapes

    started = time.perf_counter()
    refuse_service_in_shapes(shapes)  # pyshacl and the SPARQL runner would follow SERVICE
    if merged is None:
        merged = ontology + data
    if store is None:
        store = make_store(data, ontology)
    report_graph = cached_report_graph(cache_key, lambda: shacl_report_graph(merged, shapes, store), merged, shapes)
    if report_focus is not None:
        _keep_only(report_graph, report_focus)
    report = ValidationReport.from_results_graph(report_graph, shapes, merged, origins, prefixes or default_prefixes())
    if checks:
        report.check_results, report.checks_run = run_checks(data, ontology, compact=report.compact,
                                                             origins=origins, store=store)
    report.seconds = time.perf_counter() - started
    return report


def _keep_only(report_graph, focus_nodes) -> None:
    """Drop results (and their nested triples) whose focus node is not in ``focus_nodes`` (a
    set, or a function of the result node that says whether to keep it)."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    sh = "http://www.w3.org/ns/shacl#"
    keep = focus_nodes if callable(focus_nodes) else (
        lambda r: report_graph.value(r, URIRef(sh + "focusNode")) in focus_nodes)
    report = next(iter(report_graph.subjects(RDF.type, URIRef(sh + "ValidationReport"))), None)
    top = set(report_graph.objects(report, URIRef(sh + "result"))) if report is not None else None
    drop = [r for r in report_graph.subjects(RDF.type, URIRef(sh + "ValidationResult"))
            if (top is None or r in top) and not keep(r)]
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
    batch: list = []
    for path, qs in quads.items():
        kind = project.kind(path)
        if kind == "shapes":
            continue
        g = onto if kind == "ontology" else default
        batch.extend(ox.Quad(q.subject, q.predicate, q.object, g) for q in qs)
    store.extend(batch)
    return store


#: the name of the built-in well-formedness check (ill-formed literals), as reports show it
LITERAL_CHECK = "ill-formed-literal"


def literal_results(problems, data=None) -> list:
    """:class:`ipkg.report.Result` violations for ill-formed literals
    (:class:`ipkg.load.LiteralProblem`), each at the file and line the literal is written on."""
    from rdflib import URIRef

    from .origins import display_path
    from .report import CHECKS_NS, Result, _label
    from .terms import to_rdflib, to_text

    out = []
    for problem in problems:
        focus = to_rdflib(problem.subject)
        r = Result(
            severity="Violation",
            focus=to_text(focus),
            message_en=problem.describe(),
            message_zh=problem.describe("zh"),
            file=display_path(problem.path),
            line=problem.line,
            result_path=problem.predicate.value,
            value=problem.object.value,
            source_shape=CHECKS_NS + LITERAL_CHECK,
            component="DatatypeConstraintComponent",
            kind="check",
            check=LITERAL_CHECK,
        )
        r._value_term = to_rdflib(problem.object)  # type: ignore[attr-defined]  # typed, for the report graph
        if data is not None and isinstance(focus, URIRef):
            r.focus_label, r.focus_label_zh = _label(data, focus, "en"), _label(data, focus, "zh")
        out.append(r)
    return out


def validate_project(project=None, extra_files=(), *, checks: bool = True) -> ValidationReport:
    """Validate the repository graph, or (with ``extra_files``) the user's files in its context.

    ``project`` is an :class:`ipkg.load.Project` (loaded when None). Ill-formed literals are
    violations in both modes (they are checked even with ``checks=False``). Raises
    :class:`IpkgError` (exit 2) when a file cannot be read or the shapes are missing.

    With ``extra_files`` the user's triples are validated **together with the whole project
    graph** (so references to entities defined anywhere in graph/ resolve), and a result is
    reported only when it is about the user's files: its focus node is a subject in them, or
    its triple (focus, path, value) is one of theirs, or its focus node is a project node the
    user's triples point at and the result is new — absent when the project is validated
    alone (e.g. a sum that stops adding up because the user added a part). Each result is
    placed at the line of the user's file that defines or mentions its focus node.
    """
    from .load import load_project

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
        store = _project_store(project)
        # with the merged graph and the store, validate_graph needs no separate rdflib graphs of
        # the data and the ontology (building them costs more than parsing the files)
        data, ontology = (None, None) if store is not None else (project.data, project.ontology)
        report = validate_graph(data, shapes, ontology, origins, checks=checks,
                                prefixes=prefixes, merged=project.merged(), store=store,
                                cache_key=report_cache_key(project))
        _add_literal_results(report, getattr(project, "literal_problems", []), project.merged())
        report.files = [str(project.relpath(p)) for p in project.files if project.kind(p) == "graph"]
        return report
    return _validate_user_files(project, extra_files, shapes, prefixes, checks)


def _add_literal_results(report: ValidationReport, problems, data) -> None:
    report.check_results = literal_results(problems, data) + report.check_results
    report.checks_run = [LITERAL_CHECK] + [c for c in report.checks_run if c != LITERAL_CHECK]


def _validate_user_files(project, extra_files, shapes, prefixes, checks: bool) -> ValidationReport:
    from rdflib import BNode, Literal, URIRef

    from .checks import make_store, run_checks
    from .load import _Converter, _graph_from_quads, _parse_quads, ill_formed_literals
    from .origins import Origins

    started = time.perf_counter()
    conv = getattr(project, "_conv", None) or _Converter()
    user_quads, problems = [], []
    for path in extra_files:
        quads, file_prefixes = _parse_quads(path)
        user_quads += quads
        problems += ill_formed_literals(path, quads)
        for p, ns in file_prefixes.items():
            if p and p not in prefixes and str(ns) not in prefixes.values():
                prefixes[p] = str(ns)
    user = _graph_from_quads(user_quads, {}, conv)
    project_quads = [q for p in project.files if project.kind(p) == "graph" for q in project.quads[p]]
    onto_quads = [q for p in project.files if project.kind(p) == "ontology" for q in project.quads[p]]
    data = _graph_from_quads(project_quads + user_quads, prefixes, conv)
    merged = _graph_from_quads(onto_quads + project_quads + user_quads, prefixes, conv)
    store = _project_store(project)
    if store is None:
        store = make_store(data, project.ontology)
    else:
        import pyoxigraph as ox

        store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in user_quads])

    subjects = set(user.subjects())
    objects = {o for o in user.objects() if not isinstance(o, Literal)} - subjects
    sh = lambda n: URIRef(SH + n)  # noqa: E731
    report_graph = shacl_report_graph(merged, shapes, store)

    baseline: list = []  # the project's own results, computed when first needed

    def key(g, node):
        def t(term):
            return "_" if isinstance(term, BNode) else term
        return (t(g.value(node, sh("focusNode"))), t(g.value(node, sh("resultPath"))), t(g.value(node, sh("value"))),
                t(g.value(node, sh("sourceShape"))), t(g.value(node, sh("sourceConstraint"))),
                g.value(node, sh("sourceConstraintComponent")), frozenset(g.objects(node, sh("resultMessage"))))

    def in_baseline(node) -> bool:
        if not baseline:
            alone = shacl_report_graph(project.merged(), shapes, _project_store(project),
                                       project.data, project.ontology)
            baseline.append({key(alone, r) for r in alone.subjects(sh("focusNode"), None)})
        return key(report_graph, node) in baseline[0]

    def keep(node) -> bool:
        g = report_graph
        focus = g.value(node, sh("focusNode"))
        if focus in subjects:
            return True
        path, value = g.value(node, sh("resultPath")), g.value(node, sh("value"))
        if isinstance(path, URIRef) and value is not None and (focus, path, value) in user:
            return True
        inverse = g.value(path, sh("inversePath")) if isinstance(path, BNode) else None
        if inverse is not None and value is not None and (value, inverse, focus) in user:
            return True
        return focus in objects and not in_baseline(node)

    _keep_only(report_graph, keep)
    origins = Origins.from_files(extra_files)
    report = ValidationReport.from_results_graph(report_graph, shapes, merged, origins, prefixes)
    if checks:
        results, report.checks_run = run_checks(data, project.ontology, compact=report.compact,
                                                origins=origins, store=store)
        # the ontology-labels check is about the repository ontology, not the user's files
        def node(focus: str):
            return BNode(focus[2:]) if focus.startswith("_:") else URIRef(focus)

        report.check_results = [r for r in results if r.check != "ontology-labels" and node(r.focus) in subjects]
    _add_literal_results(report, problems, merged)
    report.files = [str(p) for p in extra_files]
    report.seconds = time.perf_counter() - started
    return report
