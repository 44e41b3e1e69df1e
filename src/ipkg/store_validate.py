"""SHACL validation of an on-disk Oxigraph store in bounded memory (``ipkg validate --store``).

Plain pyshacl needs the whole data graph in an rdflib graph: fine for the curated graph, hopeless
for tens of millions of triples. :func:`validate_store` instead

1. compiles the SHACL Core constraints of the property shapes into whole-store SPARQL queries
   (:mod:`ipkg.shacl_sparql`, one query per property shape and constraint) and runs them on
   Oxigraph; not those of closed shapes (``sh:closed`` reads the property paths) nor of shapes
   another shape uses (``sh:node``, ``sh:qualifiedValueShape``, ``sh:and``/``or``/``xone``/``not``),
   which pyshacl must see whole;
2. for what the compiler cannot translate (and, with ``compile=False``, for everything) pages
   through the focus nodes of the shapes concerned in batches (default 20,000), extracts for each
   batch the subgraph the shapes can see and runs pyshacl on it in worker processes, for the
   batch's own focus nodes only. The subgraph is every triple within as many hops of the focus
   nodes as the shapes read (:func:`_need`: path lengths, nested shapes; unbounded for ``*``/``+``
   paths and recursive shapes, where the whole reachable part of the store is taken), incoming
   triples for the predicates paths walk backwards, the types of the nodes reached last, the
   store's and the ontology's ``rdfs:subClassOf`` triples and the ontology;
3. validates the nodes the ontology describes (which the store queries cannot see) with pyshacl
   and all shapes;
4. runs the SHACL-SPARQL constraints and SPARQL-based constraint components of the targeted
   shapes and their property shapes with :mod:`ipkg.sparql_constraints` (the runner of
   ``ipkg validate`` too): once for all focus nodes where that gives the pre-binding answer,
   else once per focus node;
5. merges all results into one ``sh:ValidationReport`` graph (nested results stay under
   ``sh:detail``; blank-node shapes, paths and values are described) and wraps it in the
   project's :class:`ipkg.report.ValidationReport`.

What a large store costs, and the forms the queries take for it: Oxigraph decodes a term (a
dictionary look-up for every IRI or string longer than 15 bytes) each time an expression reads
it, while joining, counting and grouping work on the encoded terms. So the label constraints of a
path are checked by one fused scan that reads each value's language once
(:func:`ipkg.shacl_sparql.fused_label_query`), a "has no value" check looks each focus node up
(``FILTER NOT EXISTS``) rather than hashing every subject of the path, and ``sh:not [ sh:in ]``
looks the banned values up in the index. The store queries are tasks that two processes take in
turn, the costliest first, so that both cores stay busy to the end.

Measured on the W3C SHACL test suite (tests/test_w3c_shacl.py): every core and SHACL-SPARQL test
with an expected report passes but one, ``core/property/datatype-ill-formed``: an Oxigraph store
keeps integer-derived literals as ``xsd:integer`` (and canonical lexical forms of numbers, booleans,
dates: ``"01"^^xsd:integer`` is stored as ``"1"``), so checks on lexical forms see the store's form.

Known limits: SHACL-AF ``sh:target`` is refused; SHACL-SPARQL in a shape used only through
``sh:node`` & co is refused (its query could read any part of the store, which no batch holds);
a SPARQL constraint about a node described only in the ontology is not evaluated. Speed:
bench/results/scale.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IpkgError
from .results import copy_result as _copy_result
from .shacl_sparql import _class_closure, _targeted_shapes, _Targets
from .sparql_constraints import _Converter
from .terms import ToRdflib, sparql, to_oxigraph

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: constraint parameters that look at value nodes' own descriptions
DEEP = ("node", "qualifiedValueShape", "or", "and", "xone", "not")


@dataclass
class StoreValidationStats:
    shapes: int = 0
    focus_nodes: int = 0
    batches: int = 0
    sparql_constraints: int = 0
    seconds: float = 0.0
    per_shape: dict[str, int] = field(default_factory=dict)
    compiled_constraints: int = 0
    compiled_results: int = 0
    pyshacl_shapes: int = 0
    uncompiled: dict[str, str] = field(default_factory=dict)
    #: grouped label scans that narrowed several constraints on one path to their candidates
    fused_scans: int = 0
    #: seconds of each named step (summed over both processes where two share the store queries)
    phase_seconds: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- shapes analysis


def _sh(name: str):
    from rdflib import URIRef

    return URIRef(SH + name)


INF = float("inf")
#: parameters whose value is a shape evaluated on the same node (node shape) or the value nodes
NESTED = ("node", "qualifiedValueShape", "not")
NESTED_LISTS = ("and", "or", "xone")
#: node-level parameters that read the node's own triples
OWN_TRIPLES = ("closed", "equals", "disjoint", "lessThan", "lessThanOrEquals")


def _path_length(shapes, path) -> float:
    """How many hops a SHACL path walks (INF for * and +)."""
    from rdflib import RDF, BNode
    from rdflib.collection import Collection

    if not isinstance(path, BNode):
        return 1
    # the longest of every reading a (possibly malformed) path node allows
    n = 0.0
    for key in ("inversePath", "zeroOrOnePath"):
        for inner in shapes.objects(path, _sh(key)):
            n = max(n, _path_length(shapes, inner))
    for alt in shapes.objects(path, _sh("alternativePath")):
        n = max([n, *(_path_length(shapes, i) for i in Collection(shapes, alt))])
    if (path, _sh("zeroOrMorePath"), None) in shapes or (path, _sh("oneOrMorePath"), None) in shapes:
        return INF
    if (path, RDF.first, None) in shapes:
        n = max(n, sum(_path_length(shapes, i) for i in Collection(shapes, path)))
    return n


def _need(shapes, shape, stack=frozenset()) -> float:
    """How many hops from a focus node the triples the shape reads lie (INF when unbounded:
    recursive shapes, * and + paths, SPARQL, custom components). The focus node's own triples are
    hop 1; value nodes' rdf:type triples come with the last hop."""
    from rdflib.collection import Collection

    if shape in stack:
        return INF
    stack = stack | {shape}
    n = 0.0
    path = shapes.value(shape, _sh("path"))
    own = 0.0
    if path is not None:
        own = _path_length(shapes, path)
    preds = {str(p) for p in shapes.predicates(shape)}
    if any(SH + k in preds for k in OWN_TRIPLES):
        n = max(n, 1)
    if SH + "sparql" in preds:
        return INF
    nested = []
    for k in NESTED:
        nested += list(shapes.objects(shape, _sh(k)))
    for k in NESTED_LISTS:
        for head in shapes.objects(shape, _sh(k)):
            nested += list(Collection(shapes, head))
    inner = max((_need(shapes, x, stack) for x in nested), default=0)
    for ps in shapes.objects(shape, _sh("property")):
        inner = max(inner, _need(shapes, ps, stack))
    return max(n, own + inner)


def _inverse_predicates(shapes) -> set:
    """Every predicate that some path walks backwards (inside sequences and alternatives too)."""
    from rdflib import URIRef

    out = set()
    todo = list(shapes.objects(None, _sh("inversePath")))
    seen = set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        if isinstance(t, URIRef):
            out.add(t)
        else:
            todo.extend(shapes.objects(t, None))
    return {p for p in out if not str(p).startswith(SH) and str(p) != "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"}


# --------------------------------------------------------------------------- store access


def _focus_query(targets: _Targets, class_closure: set) -> str | None:
    parts = []
    if class_closure:
        values = " ".join(sparql(c) for c in sorted(class_closure))
        parts.append(f"{{ VALUES ?c {{ {values} }} ?this <{RDF_TYPE}> ?c }}")
    for p in sorted(targets.subjects_of):
        parts.append(f"{{ ?this {sparql(p)} ?o }}")
    for p in sorted(targets.objects_of):
        parts.append(f"{{ ?s {sparql(p)} ?this }}")
    if not parts:
        return None
    return "SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " }"


def _iter_focus(store, ontology, targets: _Targets, class_closure: set) -> Iterator:
    """Focus nodes (rdflib terms) of one shape in the store and the ontology, without repeats."""
    from rdflib import RDF, BNode, URIRef

    conv = _Converter()
    # the ontology is part of the validated data (as pyshacl's ont_graph): a small set
    onto_focus = set()
    for c in class_closure:
        onto_focus.update(ontology.subjects(RDF.type, c))
    for p in targets.subjects_of:
        onto_focus.update(ontology.subjects(p, None))
    for p in targets.objects_of:
        onto_focus.update(o for o in ontology.objects(None, p) if isinstance(o, (URIRef, BNode)))
    onto_focus.update(targets.nodes)
    query = _focus_query(targets, class_closure)
    if query:
        for row in store.query(query, use_default_graph_as_union=True):
            node = conv(row[0])
            if node not in onto_focus:
                yield node
    yield from sorted(onto_focus, key=str)


def _batches(it: Iterator, size: int) -> Iterator[list]:
    batch = []
    for x in it:
        batch.append(x)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _extract(store, conv: ToRdflib, focus: list, *, depth: float, inverse: set, ontology, extra=()):
    """The subgraph a batch of focus nodes needs: ``depth`` hops (see :func:`_need`) of outgoing
    triples, and of incoming ones for the predicates paths walk backwards, the rdf:type triples of
    the nodes reached last, the ontology and ``extra`` (the store's rdfs:subClassOf triples)."""
    import pyoxigraph as ox
    from rdflib import Graph

    g = Graph()
    add = g.add
    rdf_type = ox.NamedNode(RDF_TYPE)
    inverse_ox = [to_oxigraph(p) for p in inverse]
    frontier = {to_oxigraph(node) for node in focus}
    seen = set(frontier)
    level = 0
    many = getattr(store, "quads_for_subjects", None)  # an endpoint: one request for many nodes
    while frontier and level < depth:
        nxt = set()
        if many is not None:
            for q in many([n for n in frontier if not isinstance(n, ox.Literal)]):
                add((conv(q.subject), conv(q.predicate), conv(q.object)))
                if q.object not in seen:
                    nxt.add(q.object)
        for node in frontier:
            if many is None and not isinstance(node, ox.Literal):
                for q in store.quads_for_pattern(node, None, None, None):
                    add((conv(q.subject), conv(q.predicate), conv(q.object)))
                    if q.object not in seen:
                        nxt.add(q.object)
            for p in inverse_ox:
                for q in store.quads_for_pattern(None, p, node, None):
                    add((conv(q.subject), conv(q.predicate), conv(q.object)))
                    if q.subject not in seen:
                        nxt.add(q.subject)
        seen |= nxt
        frontier = nxt
        level += 1
    last = [n for n in frontier if not isinstance(n, ox.Literal)]
    # the types of the nodes reached last (sh:class, class targets)
    for q in (many(last, rdf_type) if many is not None else
              (q for node in last for q in store.quads_for_pattern(node, rdf_type, None, None))):
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    for t in ontology:
        add(t)
    for t in extra:
        add(t)
    return g


def _has_constraints(shapes, shape) -> bool:
    """Whether a shape (in the pyshacl shapes graph) still has anything to check."""
    from .shacl_sparql import META

    for p in shapes.predicates(shape):
        name = str(p)[len(SH):] if str(p).startswith(SH) else None
        if name == "property" or (name is not None and name not in META):
            return True
    return False


def _referenced_shapes(shapes) -> set:
    """Shapes another shape uses as a value shape (sh:node, sh:qualifiedValueShape, sh:not, the
    members of sh:and/or/xone): pyshacl must see them whole."""
    from rdflib.collection import Collection

    out = set()
    for k in NESTED:
        out.update(shapes.objects(None, _sh(k)))
    for k in NESTED_LISTS:
        for head in shapes.objects(None, _sh(k)):
            out.update(Collection(shapes, head))
    return out


def _batch_shapes(shapes, handled: set):
    """The shapes graph pyshacl gets for the batches: without the sh:sparql constraints of the
    ``handled`` shapes and without the SPARQL-based constraint components (both run on the whole
    store with :mod:`ipkg.sparql_constraints`). A SPARQL constraint or custom component elsewhere
    (in a shape used through sh:node & co) could read any part of the store, which no batch
    holds: refused rather than answered differently."""
    from rdflib import RDF, Graph

    from .sparql_constraints import _checks, component_parameters, components

    comps = set(components(shapes))
    params = component_parameters(shapes)
    g = Graph()
    for t in shapes:
        if t[1] == _sh("sparql") and t[0] in handled:
            continue
        if t[0] in comps and t[1] in (RDF.type, _sh("parameter")):
            continue  # pyshacl no longer sees a component here
        if t[1] == _sh("sparql") or (t[1] in params and t[0] not in handled
                                     and _checks(shapes, t[0], shapes.value(t[0], _sh("path")))):
            raise IpkgError(f"store validation cannot evaluate SHACL-SPARQL in a shape used through "
                            f"sh:node, sh:and & co ({t[0]}): validate the data in memory instead",
                            hint="ipkg validate FILE runs the reference engine on the whole graph")
        g.add(t)
    for prefix, ns in shapes.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    return g


# --------------------------------------------------------------------------- workers

_W: dict = {}


def warm_page_cache(store_dir: str | Path, *, chunk: int = 8 << 20) -> int:
    """Read the store's files once, front to back, so that the page cache holds them before the
    queries start; the bytes read (0 when they would take more than half the memory available).

    The queries read the store in index order and look literals up by hash, all over the files:
    from a cold page cache (after a reboot, or once the kernel has reclaimed the pages of files
    left idle) each such read is a random read from disk. Read sequentially first, the same
    bytes come in at the disk's streaming speed: at 2×10⁶ cases (3.4 GB) a few seconds."""
    files = [f for f in Path(store_dir).iterdir() if f.suffix == ".sst" and f.is_file()]
    total = sum(f.stat().st_size for f in files)
    try:
        with open("/proc/meminfo") as fh:
            avail = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return 0
    if total > avail // 2:
        return 0
    buf = bytearray(chunk)
    done = 0
    for f in files:
        try:
            fd = os.open(f, os.O_RDONLY)
        except OSError:
            continue
        try:
            offset = 0
            while n := os.preadv(fd, [buf], offset):
                offset += n
            done += offset
        except OSError:
            pass
        finally:
            os.close(fd)
    return done


def _open(where):
    """The store to read: an on-disk store's path, an :class:`ipkg.endpoint_store.EndpointStore`
    (used as it is) or its ``spec()`` (in a worker process)."""
    from .endpoint_store import EndpointStore, open_endpoint
    from .store import open_store

    if isinstance(where, EndpointStore):
        return where
    if isinstance(where, dict):
        return open_endpoint(where)
    return open_store(where)


def _worker_init(store_path, shapes_triples, ontology_triples, extra_triples, depth: float, inverse,
                 options: dict):
    from rdflib import Graph

    shapes, ontology = Graph(), Graph()
    for t in shapes_triples:
        shapes.add(t)
    for t in ontology_triples:
        ontology.add(t)
    try:  # the validation helper's hashed-parameter patch for pyshacl (same results, faster)
        from .validate import _speed_up_pyshacl

        _speed_up_pyshacl()
    except ImportError:  # pragma: no cover
        pass
    _W.update(store=_open(store_path), shapes=shapes, ontology=ontology, extra=list(extra_triples),
              depth=depth, inverse=set(inverse), options=options, conv=_Converter())


#: while set, pyshacl's shapes take only these nodes as focus nodes (see :func:`_restrict_targets`)
_ONLY: set | None = None


def _restrict_targets() -> None:
    """Let pyshacl validate only the focus nodes of the batch: the batch's subgraph also holds the
    nodes they point to, which the shapes may target too but which are described only in part
    there (each is validated in its own batch). Filtering pyshacl's results by focus node would not
    do: results of nested property shapes name value nodes as their focus nodes. pyshacl
    (0.2x-0.40) computes a shape's targets in ``Shape.focus_nodes``; with :data:`_ONLY` unset the
    method answers as before."""
    import pyshacl.shape as shape_module

    orig = shape_module.Shape.focus_nodes
    if getattr(orig, "_ipkg_restricted", False):
        return

    def focus_nodes(self, data_graph, debug=False):
        found = orig(self, data_graph, debug=debug)
        return found if _ONLY is None else {n for n in found if n in _ONLY}

    focus_nodes._ipkg_restricted = True  # type: ignore[attr-defined]
    shape_module.Shape.focus_nodes = focus_nodes  # type: ignore[method-assign]


def _pyshacl_on(g, shapes, options, focus) -> tuple[list, list]:
    """pyshacl on ``g`` for the focus nodes ``focus`` only; (triples, top-level result nodes)."""
    global _ONLY
    import pyshacl
    from rdflib import Graph

    _restrict_targets()
    _ONLY = set(focus)
    try:
        _, results, _ = pyshacl.validate(g, shacl_graph=shapes, allow_warnings=False, allow_infos=False, **options)
    finally:
        _ONLY = None
    out = Graph()
    top = []
    for report in results.subjects(_rdf_type(), _sh("ValidationReport")):
        for r in results.objects(report, _sh("result")):
            _copy_result(results, r, out)
            top.append(r)
    return list(out), top


def _validate_batch(focus: list):
    """pyshacl on one batch's subgraph; only results about the batch's own focus nodes are kept.

    The subgraph also holds nodes the focus nodes point to, and the ontology, so pyshacl finds some
    of those nodes as focus nodes too; their results (made without their full description) are
    dropped: each is validated in its own batch.
    """
    g = _extract(_W["store"], _W["conv"], focus, depth=_W["depth"], inverse=_W["inverse"],
                 ontology=_W["ontology"], extra=_W["extra"])
    triples, top = _pyshacl_on(g, _W["shapes"], _W["options"], set(focus))
    return triples, top, len(g)


def _rdf_type():
    from rdflib import RDF

    return RDF.type


def _describe_blank_nodes(report, shapes, store, conv) -> None:
    """Blank-node shapes, constraints and paths a result names, copied from the shapes graph, and
    blank-node values and focus nodes from the store, as pyshacl does (a report that names a
    blank node without describing it says nothing)."""
    import pyoxigraph as ox
    from rdflib import BNode

    def from_store(node, seen):
        if node in seen:
            return
        seen.add(node)
        for q in store.quads_for_pattern(ox.BlankNode(str(node)), None, None, None):
            o = conv(q.object)
            report.add((node, conv(q.predicate), o))
            if isinstance(o, BNode):
                from_store(o, seen)

    for p in ("sourceShape", "sourceConstraint", "resultPath", "value", "focusNode"):
        for o in set(report.objects(None, _sh(p))):
            if isinstance(o, BNode) and (o, None, None) not in report:
                if (o, None, None) in shapes:
                    _copy_result(shapes, o, report)
                elif p in ("value", "focusNode"):
                    try:
                        from_store(o, set())
                    except ValueError:  # not a blank node id of the store
                        pass


# --------------------------------------------------------------------------- main entry


def validate_store(path: str | Path, shapes_graph, ontology_graph, **kwargs):
    """Validate the store at ``path`` in bounded memory; the project's ValidationReport.

    Keyword arguments are those of :func:`validate_store_graph`.
    """
    report_graph = validate_store_graph(path, shapes_graph, ontology_graph, **kwargs)
    return _make_report(report_graph, shapes_graph)


def validate_store_graph(
    path: str | Path,
    shapes_graph,
    ontology_graph,
    *,
    batch_size: int = 20_000,
    workers: int | None = None,
    inference: str = "none",
    progress: Callable[[str, int, int], None] | None = None,
    stats: StoreValidationStats | None = None,
    compile: bool = True,
    parallel: bool | None = None,
):
    """Validate the store at ``path`` against ``shapes_graph``; a ``sh:ValidationReport`` graph.

    See the module docstring for the method. The named steps: :func:`_plan` (what runs where),
    :class:`_Batches` (pyshacl on batches of focus nodes, in ``workers`` processes, default the
    number of CPUs, at most 2 batches in flight per worker), :func:`_run_queries` (the fused label
    scans, the compiled constraints and the SPARQL constraints: whole-store queries, shared out
    between this process and, with ``parallel`` (default: when there are 2 CPUs or more), a second
    one reading the same store), the nodes the ontology describes, and :func:`_build_report`.
    ``stats.phase_seconds`` gets the seconds of each step.
    """
    from .safety import refuse_service_in_shapes

    started = time.monotonic()
    stats = stats if stats is not None else StoreValidationStats()
    phases = _Phases(stats, progress)
    with phases.step("planning"):
        plan = _plan(path, shapes_graph, ontology_graph, compile=compile, inference=inference, stats=stats)
    out = _Results()
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1
    with _Batches(plan, out, stats, workers=workers or os.cpu_count() or 1, batch_size=batch_size) as batches, \
            _Queries(plan, phases, parallel=parallel) as queries:
        queries.start()  # two processes begin with the store's own queries (label scans, compiled)
        warming = _warm(path, phases, background=queries.ctx is not None)
        with phases.step("checking the shapes for SERVICE"):
            refuse_service_in_shapes(shapes_graph)  # before any SPARQL of the shapes runs
        queries.allow_sparql()
        with phases.step("pyshacl: submitting batches of focus nodes"):
            batches.start(phases.progress)
        queries.finish(out)
        if warming is not None:
            warming.join()
        with phases.step("nodes the ontology describes (pyshacl)"):
            _run_ontology_nodes(plan, out)
        with phases.step("pyshacl: waiting for the last batches"):
            batches.finish()
    with phases.step("writing the report"):
        report = _build_report(plan, out)
    stats.seconds = time.monotonic() - started
    if progress:
        progress("done", 0, -1)
    return report


def _warm(path, phases: _Phases, *, background: bool):
    """:func:`warm_page_cache` for a store folder: in a thread (returned, to join) while the query
    processes already run, or here and now. The main process idles while they run; reading
    3.5 GB first took 0.3-4.8 s (cached - cold) before any query began at 2x10^6 cases."""
    import threading

    if not isinstance(path, (str, Path)):
        return None

    def run() -> None:  # its seconds only: a progress line from this thread would mix with the others
        t = time.monotonic()
        warm_page_cache(path)
        phases.add("reading the store files into the page cache", time.monotonic() - t)

    if not background:
        with phases.step("reading the store files into the page cache"):
            warm_page_cache(path)
        return None
    thread = threading.Thread(target=run, name="ipkg-warm-page-cache", daemon=True)
    thread.start()
    return thread


class _Phases:
    """The named steps of a validation: a progress line when each starts, its seconds in
    ``stats.phase_seconds`` (summed when a step runs more than once, or in both processes)."""

    def __init__(self, stats: StoreValidationStats, progress):
        self.stats, self.progress = stats, progress

    @contextmanager
    def step(self, name: str):
        if self.progress:
            self.progress(name, 0, 0)
        t = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - t)

    def add(self, name: str, seconds: float) -> None:
        self.stats.phase_seconds[name] = self.stats.phase_seconds.get(name, 0.0) + seconds


@dataclass
class _Results:
    """Result triples and the top-level result nodes, as they come."""

    triples: list = field(default_factory=list)
    top: list = field(default_factory=list)

    def take(self, triples, nodes) -> None:
        self.triples.extend(triples)
        self.top.extend(nodes)


@dataclass
class _Plan:
    """What the steps share: the store, the shapes split between the compiled queries, the SPARQL
    runner and pyshacl, and the focus-node targets."""

    where: Any  # the store's path, or the EndpointStore
    remote: bool
    store: Any
    conv: Any
    shapes: Any
    ontology: Any
    targeted: dict
    sparql_shapes: set
    handled: set
    batch_shapes: Any
    inverse: set
    store_sub: Any
    class_graphs: tuple
    options: dict
    compiled: list = field(default_factory=list)
    pyshacl_shapes: dict = field(default_factory=dict)
    depth: float = 1
    union: _Targets = field(default_factory=_Targets)
    full: _Targets = field(default_factory=_Targets)
    onto_nodes: frozenset = frozenset()


def _plan(path, shapes_graph, ontology_graph, *, compile: bool, inference: str, stats) -> _Plan:
    """Open the store and decide what runs where (see the module docstring)."""
    from rdflib import Graph, URIRef

    from .sparql_constraints import shape_checks

    store = _open(path)
    conv = _Converter()
    targeted = _targeted_shapes(shapes_graph)
    sparql_shapes = {s for s in targeted if shape_checks(shapes_graph, s)}
    handled = sparql_shapes | {ps for s in sparql_shapes for ps in shapes_graph.objects(s, _sh("property"))}
    # rdfs:subClassOf from the ontology, the shapes and the store itself
    store_sub = Graph()
    for q in store.quads_for_pattern(None, to_oxigraph(URIRef(RDFS_SUBCLASS)), None, None):
        store_sub.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    plan = _Plan(where=path, remote=not isinstance(path, (str, Path)), store=store, conv=conv,
                 shapes=shapes_graph, ontology=ontology_graph, targeted=targeted, sparql_shapes=sparql_shapes,
                 handled=handled, batch_shapes=_batch_shapes(shapes_graph, handled),
                 inverse=_inverse_predicates(shapes_graph), store_sub=store_sub,
                 class_graphs=(ontology_graph, shapes_graph, store_sub), options={"inference": inference})
    stats.shapes = len(targeted)
    if compile:
        _compile(plan, stats)
    plan.pyshacl_shapes = {s: t for s, t in targeted.items() if _has_constraints(plan.batch_shapes, s)}
    stats.compiled_constraints = len(plan.compiled)
    stats.pyshacl_shapes = len(plan.pyshacl_shapes)
    plan.depth = max(1, max((_need(plan.batch_shapes, s) for s in plan.pyshacl_shapes), default=1))
    # every node any remaining shape targets, once: pyshacl validates each batch against all shapes
    plan.union = _union_targets(plan.pyshacl_shapes.values(), plan.class_graphs)
    plan.inverse |= plan.union.objects_of  # so that pyshacl sees the triple that makes a node a target
    plan.full = _union_targets(targeted.values(), plan.class_graphs)
    if plan.compiled:
        plan.onto_nodes = _ontology_nodes(ontology_graph, plan.full)
    return plan


def _compile(plan: _Plan, stats) -> None:
    """The property shapes the compiler translates run as whole-store SPARQL queries; not those of
    closed shapes (sh:closed reads the property paths) or of shapes used as value shapes. Their
    constraints leave the shapes graph pyshacl gets."""
    from rdflib import RDF, Literal

    from .shacl_sparql import compile_shapes

    shapes, closure_cache = plan.shapes, {}

    def closure_of(classes) -> set:
        key = frozenset(classes)
        if key not in closure_cache:
            closure_cache[key] = _class_closure(plan.class_graphs, classes)
        return closure_cache[key]

    def onto_typed(closure) -> set:
        return {s for c in closure for s in plan.ontology.subjects(RDF.type, c)}

    def closed(s) -> bool:
        value = shapes.value(s, _sh("closed"))
        return isinstance(value, Literal) and value.toPython() is True

    referenced = _referenced_shapes(shapes)
    compilable = {s: t for s, t in plan.targeted.items() if s not in referenced and not closed(s)}
    comp = compile_shapes(shapes, compilable, closure_of, onto_typed, plan.ontology)
    stats.uncompiled = {f"{ns} {ps}": why for (ns, ps), why in comp.uncompiled.items()}
    done_pairs = {(ns, ps) for ns in compilable for ps in shapes.objects(ns, _sh("property"))
                  if (ns, ps) not in comp.uncompiled and ps not in referenced}
    for ns, ps in done_pairs:
        plan.batch_shapes.remove((ns, _sh("property"), ps))
    plan.compiled = [c for c in comp.constraints if (c.node_shape, c.prop_shape) in done_pairs]


def _union_targets(all_targets, class_graphs) -> _Targets:
    union = _Targets()
    for targets in all_targets:
        union.classes |= _class_closure(class_graphs, targets.classes)
        union.nodes |= targets.nodes
        union.subjects_of |= targets.subjects_of
        union.objects_of |= targets.objects_of
    return union


def _ontology_nodes(ontology, full: _Targets) -> frozenset:
    """Nodes the ontology describes or makes focus nodes: the compiled queries see only the store,
    so these few get plain pyshacl with all shapes (ontology included), in this process."""
    from rdflib import RDF, Literal

    nodes = {s for s in ontology.subjects() if not isinstance(s, Literal)}
    for c in full.classes:
        nodes.update(ontology.subjects(RDF.type, c))
    for p in full.subjects_of:
        nodes.update(ontology.subjects(p, None))
    for p in full.objects_of:
        nodes.update(o for o in ontology.objects(None, p) if not isinstance(o, Literal))
    nodes.update(n for n in full.nodes if not isinstance(n, Literal) and (n, None, None) in ontology)
    return frozenset(nodes)


class _Batches:
    """pyshacl on batches of focus nodes in worker processes, for the shapes left uncompiled:
    :meth:`start` submits every batch (at most 2 in flight per worker, so it returns when the
    last ones are under way), :meth:`finish` waits for them."""

    def __init__(self, plan: _Plan, out: _Results, stats, *, workers: int, batch_size: int):
        self.plan, self.out, self.stats, self.workers, self.batch_size = plan, out, stats, workers, batch_size
        self.pool: ProcessPoolExecutor | None = None
        self.pending: set = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        return False

    def start(self, progress=None) -> None:
        plan = self.plan
        if not plan.pyshacl_shapes:
            return
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers, initializer=_worker_init,
            initargs=(plan.store.spec() if plan.remote else str(plan.where), list(plan.batch_shapes),
                      list(plan.ontology), list(plan.store_sub), plan.depth, list(plan.inverse), plan.options))
        count = 0
        stats = self.stats
        for batch in _batches(_iter_focus(plan.store, plan.ontology, plan.union, plan.union.classes), self.batch_size):
            count += len(batch)
            stats.batches += 1
            self.pending.add(self.pool.submit(_validate_batch, batch))
            self._drain(2 * self.workers)
            if progress:
                progress(f"pyshacl on batches: {count:,} focus nodes submitted", 0, 0)
        stats.focus_nodes = count

    def finish(self) -> None:
        self._drain(0)

    def _drain(self, block_until: int) -> None:
        from rdflib import Graph

        onto_nodes = self.plan.onto_nodes
        while len(self.pending) > block_until:
            done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            for fut in done:
                triples, nodes, _ = fut.result()
                if onto_nodes:
                    g = Graph()
                    for t in triples:
                        g.add(t)
                    nodes = [r for r in nodes if g.value(r, _sh("focusNode")) not in onto_nodes]
                self.out.take(triples, nodes)


def _run_ontology_nodes(plan: _Plan, out: _Results) -> None:
    """pyshacl with all shapes (but what the SPARQL runner does) on the nodes the ontology
    describes, with the part of the store around them."""
    if not plan.onto_nodes:
        return
    onto_shapes = _batch_shapes(plan.shapes, plan.handled)
    g = _extract(plan.store, plan.conv, sorted(plan.onto_nodes, key=str),
                 depth=max([1, *(_need(onto_shapes, s) for s in plan.targeted)]),
                 inverse=_inverse_predicates(plan.shapes) | plan.full.objects_of, ontology=plan.ontology,
                 extra=list(plan.store_sub))
    out.take(*_pyshacl_on(g, onto_shapes, plan.options, plan.onto_nodes))


def _count_focus_nodes(plan: _Plan, store) -> int:
    """How many nodes were validated: the focus nodes of all shapes, in the store and the ontology
    (one of the store query tasks; ``store``: that process's handle)."""
    from .shacl_sparql import focus_pattern

    full = plan.full
    fp = focus_pattern(full.classes, full.nodes, full.subjects_of, full.objects_of)
    n_store = 0
    if fp:
        row = next(iter(store.query(f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {fp} }}",
                                    use_default_graph_as_union=True)))
        n_store = int(row["n"].value)
    return n_store + len(plan.onto_nodes)


def _build_report(plan: _Plan, out: _Results):
    """One sh:ValidationReport graph of every result, with the blank nodes they name described."""
    from rdflib import RDF, BNode, Graph, Literal

    report = Graph()
    for prefix, ns in plan.shapes.namespaces():
        report.bind(prefix, ns, override=True, replace=True)
    root = BNode()
    report.add((root, RDF.type, _sh("ValidationReport")))
    for t in out.triples:
        report.add(t)
    for r in out.top:
        report.add((root, _sh("result"), r))
    _describe_blank_nodes(report, plan.shapes, plan.store, plan.conv)
    report.add((root, _sh("conforms"), Literal(len(set(out.top)) == 0)))
    return report


# --------------------------------------------------------------------------- the store queries
#
# Three kinds of task, all whole-store queries: a fused label scan (with the constraints it
# narrows), one compiled constraint, the SHACL-SPARQL constraints of one shape. They are
# independent, so two processes share them out from one queue (the costliest first): this one and
# a forked second one that opens the same store read-only and sends its results back.


@dataclass
class _Task:
    kind: str  # "fused", "fused-missing", "count", "compiled" or "sparql"
    what: Any  # the fused-scan group, the compiled constraint or the shape
    label: str


def _tasks(plan: _Plan, stats) -> list[_Task]:
    """Every store query task, the costliest kinds first (fused scans, then SPARQL shapes)."""
    groups = _plan_label_scans(plan.compiled, plan.sparql_shapes, plan.shapes, plan.targeted, plan.class_graphs)
    in_groups = {id(c) for g in groups for c in g["compiled"]}
    grouped_shapes = {s for g in groups for s in g["sparql"]}
    tasks = [_Task("fused", g, f"fused label scan of {_short(g['path'])} ({len(g['compiled']) + len(g['sparql'])} "
                               "constraints)") for g in groups]
    tasks += [_Task("fused-missing", g, f"nodes without {_short(g['path'])} ({_count(len(g['sparql']), 'shape')})")
              for g in groups if g["sparql"]]
    if not plan.pyshacl_shapes:  # else the batches count them
        tasks.append(_Task("count", None, "counting the focus nodes"))
    tasks += [_Task("sparql", s, f"{_short(s)} SPARQL") for s in sorted(plan.sparql_shapes - grouped_shapes, key=str)]
    tasks += [_Task("compiled", c, f"{_short(c.prop_shape)} {c.component.replace('ConstraintComponent', '')}")
              for c in plan.compiled if id(c) not in in_groups]
    stats.sparql_constraints = sum(len(c) for s in plan.sparql_shapes for _, c in _shape_checks(plan.shapes, s))
    return tasks


def _count(n: int, noun: str) -> str:
    """``1 shape``, ``2 shapes``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _shape_checks(shapes, shape):
    from .sparql_constraints import shape_checks

    return shape_checks(shapes, shape)


class _Worker:
    """Runs store query tasks in one process; its results and counts go back to the caller."""

    def __init__(self, plan: _Plan, store, conv, gate=None):
        from .sparql_constraints import ShapesDataset

        #: ``gate``: an event set once the shapes' SPARQL is known to be free of SERVICE
        self.plan, self.store, self.conv, self.gate = plan, store, conv, gate
        self.out = _Results()
        self.counts = {"compiled_results": 0, "fused_scans": 0, "focus_nodes": 0}
        self.seconds: dict = {}
        self.dataset = ShapesDataset(store, plan.shapes, union=True, path=None if plan.remote else plan.where)

    def close(self) -> None:
        self.dataset.close()

    def run(self, task: _Task) -> None:
        t = time.monotonic()
        if task.kind == "fused":
            self._fused(task.what)
            phase = "fused label scans"
        elif task.kind == "fused-missing":
            self._fused_missing(task.what)
            phase = "fused label scans"
        elif task.kind == "compiled":
            self._compiled(task.what)
            phase = "compiled constraints"
        elif task.kind == "count":
            self.counts["focus_nodes"] += _count_focus_nodes(self.plan, self.store)
            phase = "counting the focus nodes"
        else:
            self._sparql(task.what, None)
            phase = "SPARQL constraints"
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.monotonic() - t

    def _compiled(self, c) -> None:
        """One compiled constraint; with a candidates query (a constraint on each node's own values),
        that query first: on clean data it answers nothing and the focus nodes are never computed;
        else the exact query runs for the focus nodes among the candidates (or, when there are very
        many, for all focus nodes)."""
        from .shacl_sparql import is_covered, run_compiled

        if c.covered is not None and is_covered(self.store, c.covered):
            return
        if c.candidates is not None:
            nodes = self._candidates(c.candidates, c.node_shape)
            if nodes is not None:
                if not nodes:
                    return
                c = _narrowed(c, nodes)
        results = self.out.triples
        before = len(results)
        self.counts["compiled_results"] += run_compiled(self.store, c, self.plan.shapes, self.conv, results,
                                                        skip_focus=self.plan.onto_nodes)
        self.out.top.extend(t[0] for t in results[before:]
                            if t[1] == _rdf_type() and t[2] == _sh("ValidationResult"))

    def _candidates(self, query: str, shape) -> list | None:
        """The focus nodes of ``shape`` among the answers of ``query`` (IRIs, as pyoxigraph
        terms), or None when the exact queries must run on all focus nodes: more than
        :data:`MAX_NARROWED` answers, or a blank node (VALUES cannot hold one)."""
        import pyoxigraph as ox

        nodes: list = []
        for r in self.store.query(query, use_default_graph_as_union=True):
            node = r["this"]
            if len(nodes) >= MAX_NARROWED or not isinstance(node, ox.NamedNode):
                return None
            nodes.append(node)
        return _focus_members(self.store, self.conv, nodes, self.plan.targeted[shape], self.plan.class_graphs)

    def _sparql(self, shape, narrowed: list | None, restrict: str = "") -> None:
        """The SHACL-SPARQL constraints of ``shape``: for the ``narrowed`` focus nodes only, or
        (None) for all of them, those ``restrict`` (a filter on ?this) keeps."""
        from .shacl_sparql import focus_pattern
        from .sparql_constraints import Focus
        from .sparql_constraints import run as run_sparql

        plan, store = self.plan, self.store
        if self.gate is not None:
            self.gate.wait()
        targets = plan.targeted[shape]
        fp = focus_pattern(_class_closure(plan.class_graphs, targets.classes), targets.nodes,
                           targets.subjects_of, targets.objects_of)
        if fp is None:
            return
        if restrict:
            fp = f"{{ {{ {fp} }} {restrict} }}"
        focus = Focus(fp, lambda: [r["this"] for r in store.query(
            f"SELECT DISTINCT ?this WHERE {{ {fp} }}", use_default_graph_as_union=True)])
        if narrowed is not None:
            if not narrowed:
                return
            focus = Focus("VALUES ?this { " + " ".join(str(n) for n in narrowed) + " }", lambda: narrowed)
        run_sparql(store, plan.shapes, shape, focus, self.out.triples, conv=self.conv, union=True,
                   top=self.out.top, shapes_dataset=self.dataset)

    def _fused(self, group: dict) -> None:
        """One grouped label scan over the path's values finds the nodes with a value that may
        violate any of the group's constraints (sh:uniqueLang, sh:languageIn, the "has a label in
        language X" SPARQL rules); the exact queries then run for the focus nodes among them only
        (none, on clean data), or, when there are very many, for all focus nodes with a value.
        The focus nodes with no value are :meth:`_fused_missing`'s (a task of its own, so that
        the two processes share the work): the two sets never meet."""
        from .shacl_sparql import fused_label_query

        scan = fused_label_query(group["path"], unique=group["unique"], language_in=group["language_in"],
                                 required=group["required"])
        nodes = self._candidates(scan, group["shape"])
        self.counts["fused_scans"] += 1
        for c in group["compiled"]:  # a node with no value breaks none of these
            if nodes is None:
                self._compiled(c)
            elif nodes:
                self._compiled(_narrowed(c, nodes))
        for shape in group["sparql"]:
            self._sparql(shape, nodes, restrict=f"FILTER EXISTS {{ ?this <{group['path']}> ?__fv }}")

    def _fused_missing(self, group: dict) -> None:
        """The group's SPARQL rules for the focus nodes with no value of the path: none when two
        counts prove that every focus node has one (:func:`ipkg.shacl_sparql.covered_query`),
        else for those found by one look-up per focus node."""
        from .shacl_sparql import covered_query, is_covered, no_value_query

        has_value = f"?this <{group['path']}> ?__v"
        if is_covered(self.store, covered_query(group["focus"], has_value)):
            return
        nodes = self._candidates(no_value_query(group["focus"], has_value), group["shape"])
        for shape in group["sparql"]:
            self._sparql(shape, nodes, restrict=f"FILTER NOT EXISTS {{ ?this <{group['path']}> ?__fv }}")


class _Queries:
    """The store query tasks (:func:`_tasks`). With ``parallel``, :meth:`start` forks two processes
    that take them from one shared counter, each on its own read-only handle of the store, and
    :meth:`finish` shows their progress as it comes and gathers their results; a SPARQL constraint
    of the shapes waits for :meth:`allow_sparql` (the SERVICE check). Without, :meth:`finish` runs
    them all here. An error in a process stops the others and is raised here."""

    def __init__(self, plan: _Plan, phases: _Phases, *, parallel: bool):
        import multiprocessing as mp

        self.plan, self.phases = plan, phases
        self.tasks = _tasks(plan, phases.stats)
        self.ctx = mp.get_context("fork") if (parallel and len(self.tasks) > 1
                                              and "fork" in mp.get_all_start_methods()) else None
        self.procs: list = []
        self.answers: list = []
        self.started = time.monotonic()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            if proc.is_alive():  # interrupted or failed: stop them
                proc.terminate()
            proc.join()
        return False

    def start(self) -> None:
        global _SIDE
        self.started = time.monotonic()
        if self.ctx is None:
            return
        self.counter, self.messages, self.gate = self.ctx.Value("i", 0), self.ctx.SimpleQueue(), self.ctx.Event()
        _SIDE = (self.plan, self.tasks, self.counter, self.messages, self.gate)
        try:
            self.procs = [self.ctx.Process(target=_side_main, daemon=True) for _ in range(2)]
            for proc in self.procs:
                proc.start()
        finally:
            _SIDE = None

    def allow_sparql(self) -> None:
        if self.ctx is not None:
            self.gate.set()

    def finish(self, out: _Results) -> None:
        if self.ctx is None:
            self._run_here(out)
        else:
            self._gather(out)
        self.phases.add("store queries (wall)", time.monotonic() - self.started)

    def _run_here(self, out: _Results) -> None:
        worker = _Worker(self.plan, self.plan.store, self.plan.conv)
        try:
            for i, task in enumerate(self.tasks):
                if self.phases.progress:
                    self.phases.progress(task.label, i + 1, len(self.tasks))
                worker.run(task)
        finally:
            worker.close()
        out.take(worker.out.triples, worker.out.top)
        _add_counts(self.phases.stats, self.phases, worker.counts, worker.seconds)

    def _gather(self, out: _Results) -> None:
        done, progress = 0, self.phases.progress
        while len(self.answers) < len(self.procs):
            if self.messages.empty():
                if not any(p.is_alive() for p in self.procs) and self.messages.empty():
                    codes = ", ".join(str(p.exitcode) for p in self.procs)
                    raise IpkgError(f"a validation process stopped (exit codes {codes}) before it answered")
                time.sleep(0.02)
                continue
            kind, payload = self.messages.get()
            if kind == "task":
                done += 1
                if progress:
                    progress(payload, done, len(self.tasks))
            elif kind == "error":
                raise IpkgError(**payload)
            else:
                self.answers.append(payload)
        for triples, top, counts, seconds in self.answers:
            out.take(triples, top)
            _add_counts(self.phases.stats, self.phases, counts, seconds)


def _counter_taker(counter, total: int):
    """The next task's index from a counter the processes share (None when all are taken)."""

    def take():
        with counter.get_lock():
            i = counter.value
            if i >= total:
                return None
            counter.value = i + 1
        return i

    return take


def _add_counts(stats, phases: _Phases, counts: dict, seconds: dict) -> None:
    stats.compiled_results += counts["compiled_results"]
    stats.focus_nodes += counts["focus_nodes"]
    stats.fused_scans += counts["fused_scans"]
    for name, s in seconds.items():
        phases.add(name, s)


#: what the forked second process works from (set only while it is being forked)
_SIDE: tuple | None = None


def _side_main() -> None:
    """A forked query process: take tasks from the shared counter until none is left, saying
    which one it starts; send back the results (or the error)."""
    assert _SIDE is not None
    plan, tasks, counter, messages, gate = _SIDE
    try:
        store = _open(plan.store.spec() if plan.remote else plan.where)
        worker = _Worker(plan, store, _Converter(), gate)
        take = _counter_taker(counter, len(tasks))
        try:
            while (i := take()) is not None:
                messages.put(("task", tasks[i].label))
                worker.run(tasks[i])
        finally:
            worker.close()
        messages.put(("done", (worker.out.triples, worker.out.top, worker.counts, worker.seconds)))
    except IpkgError as exc:
        messages.put(("error", {"message": exc.message, "path": exc.path, "line": exc.line, "col": exc.col,
                                "hint": exc.hint, "exit_code": exc.exit_code}))
    except Exception as exc:  # noqa: BLE001 - carried back to the parent, which reports it
        messages.put(("error", {"message": f"a validation process failed: {type(exc).__name__}: {exc}"}))


#: the most candidate focus nodes a fused scan hands on as a VALUES list (beyond, the exact queries
#: run on all focus nodes as before)
MAX_NARROWED = 5_000


def _plan_label_scans(compiled, sparql_shapes, shapes, targeted, class_graphs) -> list[dict]:
    """The fused label scans worth running: per (focus nodes, path), the label constraints of a
    shape (sh:uniqueLang, sh:languageIn, the "has a label in language X" SPARQL rules) when there
    are two or more of them, each group a dict (focus, path, unique, language_in, required, and
    the ``compiled`` constraints and ``sparql`` shapes it narrows)."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    from .shacl_sparql import FUSABLE, focus_pattern, fusable_range, label_rule
    from .sparql_constraints import shape_checks

    groups: dict = {}  # (focus pattern, path) -> plan

    def group(focus, path, shape) -> dict:
        return groups.setdefault((focus, path), {"focus": focus, "path": path, "shape": shape, "compiled": [],
                                                 "unique": False, "language_in": [], "required": [], "sparql": []})

    head = "{ SELECT DISTINCT ?this WHERE { "
    for c in compiled:
        if c.component not in FUSABLE or not isinstance(c.path, URIRef) or not c.focus_group.startswith(head):
            continue
        g = group(c.focus_group[len(head):-len(" } }")], str(c.path), c.node_shape)
        g["compiled"].append(c)
        if c.component == "UniqueLangConstraintComponent":
            g["unique"] = True
        else:
            for lst in shapes.objects(c.prop_shape, _sh("languageIn")):
                g["language_in"].append([str(x) for x in Collection(shapes, lst)])
    for shape in sorted(sparql_shapes, key=str):
        owners = shape_checks(shapes, shape)
        checks = [ch for _, cs in owners for ch in cs]
        rules = [label_rule(ch.select, ch.prefixes) if ch.select and ch.constraint is not None
                 and owner == shape and ch.path is None else None
                 for owner, cs in owners for ch in cs]
        found = [r for r in rules if r is not None]
        if not checks or len(found) < len(rules) or len({r[0] for r in found}) != 1:
            continue
        t = targeted[shape]
        fp = focus_pattern(_class_closure(class_graphs, t.classes), t.nodes, t.subjects_of, t.objects_of)
        if fp is None:
            continue
        g = group(fp, found[0][0], shape)
        g["required"] += [r[1] for r in found]
        g["sparql"].append(shape)
    # a group of one is a scan of its own already
    return [g for g in groups.values() if len(g["compiled"]) + len(g["sparql"]) >= 2
            and all(fusable_range(r) for langs in g["language_in"] for r in langs)]


def _narrowed(c, nodes: list):
    """The compiled constraint ``c`` for ``nodes`` (IRIs) only: its focus sub-SELECT replaced by them."""
    import dataclasses

    return dataclasses.replace(c, query=c.query.replace(c.focus_group, _values(nodes), 1), candidates=None)


def _values(nodes: list) -> str:
    """A focus sub-SELECT replacement binding ?this to ``nodes`` (IRIs)."""
    return "{ VALUES ?this { " + " ".join(str(n) for n in nodes) + " } }"


def _focus_members(store, conv, nodes: list, targets: _Targets, class_graphs) -> list:
    """Those of ``nodes`` (pyoxigraph IRIs) that ``targets`` make focus nodes, by a few index
    look-ups each (a query joining a VALUES list to the focus pattern computes every focus node)."""
    import pyoxigraph as ox
    from rdflib import BNode

    closure = _class_closure(class_graphs, targets.classes)
    named = {n for n in targets.nodes if not isinstance(n, BNode)}
    rdf_type = ox.NamedNode(RDF_TYPE)
    subjects_of = [to_oxigraph(p) for p in targets.subjects_of]
    objects_of = [to_oxigraph(p) for p in targets.objects_of]

    def any_quad(s, p, o) -> bool:
        return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None

    def typed(node) -> bool:
        return any(conv(q.object) in closure for q in store.quads_for_pattern(node, rdf_type, None, None))

    def member(node) -> bool:
        return (conv(node) in named or (bool(closure) and typed(node))
                or any(any_quad(node, p, None) for p in subjects_of)
                or any(any_quad(None, p, node) for p in objects_of))

    return [n for n in nodes if member(n)]


def _short(node) -> str:
    """A shape's local name for progress lines (blank nodes: their id)."""
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


def progress_printer(stream=None, *, verbose: bool = False) -> Callable[[str, int, int], None] | None:
    """The progress display of ``ipkg validate --store/--endpoint``: on a terminal one line,
    rewritten in place; with ``verbose`` on a non-terminal one line per step; else None (nothing
    shown). A named step (``total`` 0) shows ``validating: STEP  elapsed``; a counted one
    (constraint being checked, n of N) ``validating n/N WHAT  elapsed, ~estimate left`` (the
    estimate: the time per step so far times the steps left); ``total`` -1 closes the display."""
    import sys

    stream = stream or sys.stderr
    tty = stream.isatty()
    if not tty and not verbose:
        return None
    start = time.monotonic()
    state: dict[str, Any] = {"last": 0.0, "width": 0, "counted": None}

    def show(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if total < 0:  # the end
            if tty and state["width"]:
                stream.write("\n")
                stream.flush()
            state["width"] = 0
            return
        final = total and done >= total
        if tty and total and not final and done > 1 and now - state["last"] < 0.1:
            return  # on a terminal at most 10 lines a second (the first and last always)
        state["last"] = now
        if total:
            if state["counted"] is None or done <= 1:
                state["counted"] = (now, done)
            t0, d0 = state["counted"]
            left = (now - t0) / (done - d0) * (total - done) if done - d0 >= 2 else None
            line = f"validating {done}/{total} {what}  {now - start:,.1f} s"
            if left is not None and not final:
                line += f", ~{left:,.0f} s left"
        else:
            line = f"validating: {what}  {now - start:,.1f} s"
        if tty:
            line = line[:max(20, _columns(stream) - 1)]
            stream.write("\r" + line + " " * max(0, state["width"] - len(line)))
            state["width"] = len(line)
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def _columns(stream) -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _make_report(report_graph, shapes_graph):
    """Wrap the merged results graph in the project's ValidationReport class."""
    from .report import ValidationReport

    return ValidationReport.from_results_graph(report_graph, shapes_graph)


def result_keys(report_graph) -> set[tuple]:
    """(focus, path, component, severity) of every result in a sh:ValidationReport graph."""
    from rdflib import RDF, URIRef

    keys = set()
    for r in report_graph.subjects(RDF.type, _sh("ValidationResult")):
        path = report_graph.value(r, _sh("resultPath"))
        keys.add((
            report_graph.value(r, _sh("focusNode")),
            path if path is None or isinstance(path, URIRef) else "complex-path",
            report_graph.value(r, _sh("sourceConstraintComponent")),
            report_graph.value(r, _sh("resultSeverity")),
        ))
    return keys
