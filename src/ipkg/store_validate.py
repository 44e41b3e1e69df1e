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
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IpkgError
from .results import copy_result as _copy_result
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


# --------------------------------------------------------------------------- shapes analysis


def _sh(name: str):
    from rdflib import URIRef

    return URIRef(SH + name)


def _class_closure(graphs, classes) -> set:
    """The classes and all their subclasses (rdfs:subClassOf*, read from ``graphs``)."""
    from rdflib import RDFS

    out = set(classes)
    todo = list(classes)
    while todo:
        c = todo.pop()
        for g in graphs:
            for sub in g.subjects(RDFS.subClassOf, c):
                if sub not in out:
                    out.add(sub)
                    todo.append(sub)
    return out


@dataclass
class _Targets:
    classes: set = field(default_factory=set)
    nodes: set = field(default_factory=set)
    subjects_of: set = field(default_factory=set)
    objects_of: set = field(default_factory=set)

    def empty(self) -> bool:
        return not (self.classes or self.nodes or self.subjects_of or self.objects_of)


def _targeted_shapes(shapes, strict: bool = True) -> dict:
    """shape -> its targets, for every non-deactivated shape that has any (``strict``: refuse
    SHACL-AF ``sh:target``, which the store validator cannot evaluate)."""
    from rdflib import OWL, RDF, RDFS, Literal

    out: dict = {}
    for s in set(shapes.subjects(None, None)):
        t = _Targets(
            classes=set(shapes.objects(s, _sh("targetClass"))),
            nodes=set(shapes.objects(s, _sh("targetNode"))),
            subjects_of=set(shapes.objects(s, _sh("targetSubjectsOf"))),
            objects_of=set(shapes.objects(s, _sh("targetObjectsOf"))),
        )
        types = set(shapes.objects(s, RDF.type))
        if types & {RDFS.Class, OWL.Class} and types & {_sh("NodeShape"), _sh("PropertyShape")}:
            t.classes.add(s)  # implicit class target
        if strict and list(shapes.objects(s, _sh("target"))):
            raise IpkgError(f"store validation does not support SHACL-AF sh:target (shape {s})")
        deactivated = shapes.value(s, _sh("deactivated"))
        if not t.empty() and not (isinstance(deactivated, Literal) and deactivated.toPython() is True):
            out[s] = t
    return out


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


def _Converter() -> ToRdflib:
    """pyoxigraph terms -> rdflib terms, the IRI cache bounded (a store can be large)."""
    return ToRdflib(limit=200_000, what="in the store")


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

    focus_nodes._ipkg_restricted = True
    shape_module.Shape.focus_nodes = focus_nodes


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
):
    """Validate the store at ``path`` against ``shapes_graph``; a ``sh:ValidationReport`` graph.

    See the module docstring for the method. ``workers`` defaults to the number of CPUs (at most 2 batches in flight per worker).
    """
    from rdflib import RDF, BNode, Graph, Literal, URIRef

    from .safety import refuse_service_in_shapes
    from .shacl_sparql import focus_pattern
    from .sparql_constraints import Focus, ShapesDataset, run as run_sparql, shape_checks
    refuse_service_in_shapes(shapes_graph)  # the SPARQL constraints run in-process
    started = time.monotonic()
    stats = stats if stats is not None else StoreValidationStats()
    store = _open(path)
    remote = not isinstance(path, (str, Path))
    conv = _Converter()
    targeted = _targeted_shapes(shapes_graph)
    sparql_shapes = {s for s in targeted if shape_checks(shapes_graph, s)}
    handled = sparql_shapes | {ps for s in sparql_shapes for ps in shapes_graph.objects(s, _sh("property"))}
    batch_shapes = _batch_shapes(shapes_graph, handled)
    inverse = _inverse_predicates(shapes_graph)
    # rdfs:subClassOf from the ontology, the shapes and the store itself
    store_sub = Graph()
    for q in store.quads_for_pattern(None, to_oxigraph(URIRef(RDFS_SUBCLASS)), None, None):
        store_sub.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    class_graphs = (ontology_graph, shapes_graph, store_sub)
    options = {"inference": inference}
    results: list = []
    top: list = []
    stats.shapes = len(targeted)
    workers = workers or os.cpu_count() or 1
    onto_triples = list(ontology_graph)
    sub_triples = list(store_sub)

    # 1. the property shapes the compiler translates run as whole-store SPARQL queries; not those
    # of closed shapes (sh:closed reads the property paths) or of shapes used as value shapes
    compiled = []
    if compile:
        from .shacl_sparql import compile_shapes

        closure_cache: dict = {}

        def closure_of(classes) -> set:
            key = frozenset(classes)
            if key not in closure_cache:
                closure_cache[key] = _class_closure(class_graphs, classes)
            return closure_cache[key]

        def onto_typed(closure) -> set:
            return {s for c in closure for s in ontology_graph.subjects(RDF.type, c)}

        referenced = _referenced_shapes(shapes_graph)
        compilable = {s: t for s, t in targeted.items()
                      if s not in referenced and not (isinstance(shapes_graph.value(s, _sh("closed")), Literal)
                                                      and shapes_graph.value(s, _sh("closed")).toPython() is True)}
        comp = compile_shapes(shapes_graph, compilable, closure_of, onto_typed, ontology_graph)
        compiled = comp.constraints
        stats.uncompiled = {f"{ns} {ps}": why for (ns, ps), why in comp.uncompiled.items()}
        done_pairs = {(ns, ps) for ns in compilable for ps in shapes_graph.objects(ns, _sh("property"))
                      if (ns, ps) not in comp.uncompiled and ps not in referenced}
        for ns, ps in done_pairs:
            batch_shapes.remove((ns, _sh("property"), ps))
        compiled = [c for c in compiled if (c.node_shape, c.prop_shape) in done_pairs]
    pyshacl_shapes = {s: t for s, t in targeted.items() if _has_constraints(batch_shapes, s)}
    stats.compiled_constraints = len(compiled)
    stats.pyshacl_shapes = len(pyshacl_shapes)
    shape_triples = list(batch_shapes)
    depth = max((_need(batch_shapes, s) for s in pyshacl_shapes), default=1)
    depth = max(depth, 1)

    # every node any remaining shape targets, once: pyshacl validates each batch against all shapes
    union = _Targets()
    for shape, targets in pyshacl_shapes.items():
        union.classes |= _class_closure(class_graphs, targets.classes)
        union.nodes |= targets.nodes
        union.subjects_of |= targets.subjects_of
        union.objects_of |= targets.objects_of
    inverse |= union.objects_of  # so that pyshacl sees the triple that makes a node a target

    # nodes the ontology describes or makes focus nodes: the compiled queries see only the store,
    # so these few get plain pyshacl with all shapes (ontology included), in this process
    onto_nodes: set = set()
    full = _Targets()
    for targets in targeted.values():
        full.classes |= _class_closure(class_graphs, targets.classes)
        full.nodes |= targets.nodes
        full.subjects_of |= targets.subjects_of
        full.objects_of |= targets.objects_of
    if compiled:
        onto_nodes = {s for s in ontology_graph.subjects() if not isinstance(s, Literal)}
        for c in full.classes:
            onto_nodes.update(ontology_graph.subjects(RDF.type, c))
        for p in full.subjects_of:
            onto_nodes.update(ontology_graph.subjects(p, None))
        for p in full.objects_of:
            onto_nodes.update(o for o in ontology_graph.objects(None, p) if not isinstance(o, Literal))
        onto_nodes.update(n for n in full.nodes if not isinstance(n, Literal) and (n, None, None) in ontology_graph)
    onto_nodes = frozenset(onto_nodes)

    def take(triples, nodes):
        results.extend(triples)
        top.extend(nodes)

    def run_pool():
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init,
            initargs=(store.spec() if remote else str(path), shape_triples, onto_triples, sub_triples, depth, list(inverse), options),
        ) as pool:
            pending = set()

            def drain(block_until: int):
                nonlocal pending
                while len(pending) > block_until:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        triples, nodes, _ = fut.result()
                        if onto_nodes:
                            g = Graph()
                            for t in triples:
                                g.add(t)
                            nodes = [r for r in nodes if g.value(r, _sh("focusNode")) not in onto_nodes]
                        take(triples, nodes)

            count = 0
            for batch in _batches(_iter_focus(store, ontology_graph, union, union.classes), batch_size):
                count += len(batch)
                stats.batches += 1
                pending.add(pool.submit(_validate_batch, batch))
                drain(2 * workers)
                if progress:
                    progress(f"pyshacl on batches: {count:,} focus nodes submitted", 0, 0)
            stats.focus_nodes = count
            yield
            drain(0)

    pool_run = run_pool() if pyshacl_shapes else iter([None])
    next(pool_run)  # submits all batches (bounded in flight); the rest runs while we query
    # one scan per path: the label constraints of a shape (sh:uniqueLang, sh:languageIn and the
    # "has a label in language X" SPARQL rules) are checked together by one grouped query over
    # the path's values, which finds the focus nodes that may violate any of them; the exact
    # queries then run for those nodes only (none, on clean data)
    narrowed_compiled, narrowed_sparql = _fuse_label_scans(store, compiled, sparql_shapes, shapes_graph,
                                                           targeted, class_graphs, stats)
    # 2. the compiled core constraints
    if compiled:
        from .shacl_sparql import run_compiled

        steps = len(compiled) + len(sparql_shapes)
        for i, c in enumerate(compiled):
            if progress:
                progress(f"{_short(c.prop_shape)} {c.component.replace('ConstraintComponent', '')}", i + 1, steps)
            if id(c) in narrowed_compiled:
                c = narrowed_compiled[id(c)]
                if c is None:  # no focus node can violate it
                    continue
            before = len(results)
            stats.compiled_results += run_compiled(store, c, shapes_graph, conv, results, skip_focus=onto_nodes)
            top.extend(t[0] for t in results[before:] if t[1] == RDF.type and t[2] == _sh("ValidationResult"))
        if onto_nodes:
            onto_shapes = _batch_shapes(shapes_graph, handled)  # all but what the SPARQL runner does
            g = _extract(store, conv, sorted(onto_nodes, key=str),
                         depth=max([1, *(_need(onto_shapes, s) for s in targeted)]),
                         inverse=_inverse_predicates(shapes_graph) | full.objects_of, ontology=ontology_graph,
                         extra=sub_triples)
            take(*_pyshacl_on(g, onto_shapes, options, onto_nodes))
        if not pyshacl_shapes:  # how many nodes were validated: the focus nodes of all shapes
            fp = focus_pattern(full.classes, full.nodes, full.subjects_of, full.objects_of)
            n_store = 0
            if fp:
                row = next(iter(store.query(f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {fp} }}",
                                            use_default_graph_as_union=True)))
                n_store = int(row["n"].value)
            stats.focus_nodes = n_store + len(onto_nodes)
    # 3. the SHACL-SPARQL constraints and SPARQL-based components: whole-store queries
    dataset = ShapesDataset(store, shapes_graph, union=True, path=None if remote else path)
    try:
        for j, shape in enumerate(sorted(sparql_shapes, key=str)):
            if progress:
                progress(f"{_short(shape)} SPARQL", len(compiled) + j + 1, len(compiled) + len(sparql_shapes))
            targets = targeted[shape]
            closure = _class_closure(class_graphs, targets.classes)
            fp = focus_pattern(closure, targets.nodes, targets.subjects_of, targets.objects_of)
            if fp is None:
                continue
            focus = Focus(fp, lambda fp=fp: [r["this"] for r in store.query(
                f"SELECT DISTINCT ?this WHERE {{ {fp} }}", use_default_graph_as_union=True)])
            stats.sparql_constraints += sum(len(c) for _, c in shape_checks(shapes_graph, shape))
            if shape in narrowed_sparql:
                nodes = narrowed_sparql[shape]
                if not nodes:
                    continue
                focus = Focus("VALUES ?this { " + " ".join(str(n) for n in nodes) + " }", lambda nodes=nodes: nodes)
            run_sparql(store, shapes_graph, shape, focus, results, conv=conv, union=True, top=top,
                       shapes_dataset=dataset)
    finally:
        dataset.close()
    for _ in pool_run:  # wait for the last batches
        pass

    report = Graph()
    for prefix, ns in shapes_graph.namespaces():
        report.bind(prefix, ns, override=True, replace=True)
    root = BNode()
    report.add((root, RDF.type, _sh("ValidationReport")))
    for t in results:
        report.add(t)
    for r in top:
        report.add((root, _sh("result"), r))
    _describe_blank_nodes(report, shapes_graph, store, conv)
    report.add((root, _sh("conforms"), Literal(len(set(top)) == 0)))
    stats.seconds = time.monotonic() - started
    return report

#: the most candidate focus nodes a fused scan hands on as a VALUES list (beyond, the exact queries
#: run on all focus nodes as before)
MAX_NARROWED = 5_000


def _fuse_label_scans(store, compiled, sparql_shapes, shapes, targeted, class_graphs, stats):
    """Plan and run the fused label scans; ``({id(compiled constraint): narrowed copy or None},
    {SPARQL shape: candidate focus nodes})`` for the constraints that can be narrowed."""
    import dataclasses

    import pyoxigraph as ox
    from rdflib import URIRef

    from .shacl_sparql import FUSABLE, focus_pattern, fused_label_query, label_rule
    from .sparql_constraints import shape_checks

    groups: dict = {}  # (focus pattern, path) -> plan
    head = "{ SELECT DISTINCT ?this WHERE { "
    for c in compiled:
        if c.component not in FUSABLE or not isinstance(c.path, URIRef) or not c.focus_group.startswith(head):
            continue
        focus = c.focus_group[len(head):-len(" } }")]
        g = groups.setdefault((focus, str(c.path)), {"compiled": [], "unique": False, "language_in": [],
                                                     "required": [], "sparql": []})
        g["compiled"].append(c)
        if c.component == "UniqueLangConstraintComponent":
            g["unique"] = True
        else:
            from rdflib.collection import Collection

            for lst in shapes.objects(c.prop_shape, _sh("languageIn")):
                g["language_in"].append([str(x) for x in Collection(shapes, lst)])
    for shape in sparql_shapes:
        owners = shape_checks(shapes, shape)
        checks = [ch for _, cs in owners for ch in cs]
        rules = [label_rule(ch.select, ch.prefixes) if ch.select and ch.constraint is not None
                 and owner == shape and ch.path is None else None
                 for owner, cs in owners for ch in cs]
        if not checks or any(r is None for r in rules) or len({r[0] for r in rules}) != 1:
            continue
        t = targeted[shape]
        fp = focus_pattern(_class_closure(class_graphs, t.classes), t.nodes, t.subjects_of, t.objects_of)
        if fp is None:
            continue
        g = groups.setdefault((fp, rules[0][0]), {"compiled": [], "unique": False, "language_in": [],
                                                  "required": [], "sparql": []})
        g["required"] += [r[1] for r in rules]
        g["sparql"].append(shape)
    narrowed_compiled: dict = {}
    narrowed_sparql: dict = {}
    for (focus, path), g in groups.items():
        if len(g["compiled"]) + len(g["sparql"]) < 2:
            continue  # a scan of its own already
        q = fused_label_query(focus, path, unique=g["unique"], language_in=g["language_in"], required=g["required"])
        nodes = [r["this"] for r in store.query(q, use_default_graph_as_union=True)]
        stats.fused_scans += 1
        if len(nodes) > MAX_NARROWED or any(not isinstance(n, ox.NamedNode) for n in nodes):
            continue  # blank nodes cannot be written into VALUES; very many: the plain queries
        values = "{ VALUES ?this { " + " ".join(str(n) for n in nodes) + " } }"
        for c in g["compiled"]:
            narrowed_compiled[id(c)] = (dataclasses.replace(c, query=c.query.replace(c.focus_group, values, 1))
                                        if nodes else None)
        for shape in g["sparql"]:
            narrowed_sparql[shape] = nodes
    return narrowed_compiled, narrowed_sparql


def _short(node) -> str:
    """A shape's local name for progress lines (blank nodes: their id)."""
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


def progress_printer(stream=None, *, verbose: bool = False) -> Callable[[str, int, int], None] | None:
    """The progress display of ``ipkg validate --store/--endpoint``: on a terminal one line,
    rewritten in place (constraint being checked, n of N, elapsed); with ``verbose`` on a
    non-terminal one line per step; else None (nothing shown)."""
    import sys

    stream = stream or sys.stderr
    tty = stream.isatty()
    if not tty and not verbose:
        return None
    start = time.monotonic()
    state = {"last": 0.0, "width": 0}

    def show(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        final = total and done >= total
        if tty and not final and now - state["last"] < 0.1:
            return
        state["last"] = now
        count = f"{done}/{total} " if total else ""
        line = f"validating {count}{what}  {now - start:,.1f} s"
        if tty:
            line = line[:max(20, _columns(stream) - 1)]
            stream.write("\r" + line + " " * max(0, state["width"] - len(line)))
            state["width"] = len(line)
            if final:
                stream.write("\n")
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
