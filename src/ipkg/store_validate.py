"""SHACL validation of an on-disk Oxigraph store in bounded memory (``ipkg validate --store``).

Plain pyshacl needs the whole data graph in an rdflib graph: fine for the curated graph, hopeless
for tens of millions of triples. :func:`validate_store` instead

1. compiles the SHACL Core constraints of the property shapes into whole-store SPARQL queries
   (:mod:`ipkg.shacl_sparql`, one query per property shape and constraint) and runs them on
   Oxigraph;
2. for what the compiler cannot translate (and, with ``compile=False``, for everything) pages
   through the focus nodes of the shapes concerned in batches (default 20,000), extracts for each
   batch the subgraph the shapes can see (outgoing triples, incoming ones for inverse paths, the
   objects' types, deeper descriptions for nested shapes, the ontology) and runs pyshacl on it in
   worker processes, with the compiled property shapes removed from the shapes graph;
3. validates the nodes the ontology describes (which the store queries cannot see) with pyshacl
   and all shapes;
4. runs each SHACL-SPARQL constraint once as a whole-store SPARQL query with the shape's focus
   nodes joined in first (``$this`` is pre-bound in SHACL);
5. merges all results into one ``sh:ValidationReport`` graph and wraps it in the project's
   :class:`ipkg.report.ValidationReport`.

Known limits: SPARQL constraints that use ``$shapesGraph`` or ``$currentShape`` are refused;
SHACL-AF ``sh:target`` is refused; a SPARQL constraint about a node described only in the
ontology is not evaluated. Speed: bench/results/scale.md.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IpkgError

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


def _needs_deep(shapes) -> bool:
    """Whether some constraint looks past the value nodes' types (nested property shapes, complex paths)."""
    from rdflib import BNode
    from rdflib.collection import Collection

    def nested_looks_further(shape, seen) -> bool:
        if shape in seen:
            return False
        seen.add(shape)
        if (shape, _sh("property"), None) in shapes or (shape, _sh("path"), None) in shapes:
            return True
        for p in DEEP:
            for inner in shapes.objects(shape, _sh(p)):
                members = list(Collection(shapes, inner)) if p in ("or", "and", "xone") else [inner]
                if any(nested_looks_further(m, seen) for m in members):
                    return True
        return False

    for p in DEEP:
        for _, inner in shapes.subject_objects(_sh(p)):
            members = list(Collection(shapes, inner)) if p in ("or", "and", "xone") else [inner]
            if any(nested_looks_further(m, set()) for m in members):
                return True
    for path in shapes.objects(None, _sh("path")):
        if isinstance(path, BNode) and (path, _sh("inversePath"), None) not in shapes:
            return True  # sequence, alternative, *-paths
    return False


def _inverse_predicates(shapes) -> set:
    out = set()
    for path in shapes.objects(None, _sh("path")):
        for p in shapes.objects(path, _sh("inversePath")):
            out.add(p)
    return out


def _without_sparql(shapes):
    """A copy of the shapes graph without sh:sparql constraints (they run on the store)."""
    from rdflib import Graph

    g = Graph()
    for t in shapes:
        if t[1] != _sh("sparql"):
            g.add(t)
    for prefix, ns in shapes.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    return g


# --------------------------------------------------------------------------- store access


def _ox_term(term):
    import pyoxigraph as ox
    from rdflib import BNode, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(term)


def _sparql_term(term) -> str:
    return term.n3()


class _Converter:
    """pyoxigraph terms -> rdflib terms, with a bounded cache for repeated terms."""

    def __init__(self):
        self.cache: dict = {}

    def __call__(self, t):
        try:
            return self.cache[t]
        except KeyError:
            pass
        import pyoxigraph as ox
        from rdflib import BNode, Literal, URIRef

        if isinstance(t, ox.NamedNode):
            r = URIRef(t.value)
        elif isinstance(t, ox.BlankNode):
            r = BNode(t.value)
        elif isinstance(t, ox.Literal):
            if t.language:
                r = Literal(t.value, lang=t.language)
            elif t.datatype.value == XSD_STRING:
                r = Literal(t.value)
            else:
                r = Literal(t.value, datatype=URIRef(t.datatype.value))
        else:  # RDF-star triple terms: not used by ipkg
            raise IpkgError(f"unsupported RDF term in the store: {t}")
        if len(self.cache) > 200_000:
            self.cache.clear()
        self.cache[t] = r
        return r


def _focus_query(targets: _Targets, class_closure: set) -> str | None:
    parts = []
    if class_closure:
        values = " ".join(_sparql_term(c) for c in sorted(class_closure))
        parts.append(f"{{ VALUES ?c {{ {values} }} ?this <{RDF_TYPE}> ?c }}")
    for p in sorted(targets.subjects_of):
        parts.append(f"{{ ?this {_sparql_term(p)} ?o }}")
    for p in sorted(targets.objects_of):
        parts.append(f"{{ ?s {_sparql_term(p)} ?this }}")
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


def _extract(store, conv: _Converter, focus: list, *, deep: bool, inverse: set, ontology):
    """The subgraph a batch of focus nodes needs (see the module docstring)."""
    import pyoxigraph as ox
    from rdflib import Graph

    g = Graph()
    add = g.add
    rdf_type = ox.NamedNode(RDF_TYPE)
    seen = set()
    objects = set()
    for node in focus:
        ox_node = _ox_term(node)
        seen.add(ox_node)
        for q in store.quads_for_pattern(ox_node, None, None, None):
            o = q.object
            add((node, conv(q.predicate), conv(o)))
            if not isinstance(o, ox.Literal):
                objects.add(o)
        for p in inverse:
            for q in store.quads_for_pattern(None, _ox_term(p), ox_node, None):
                add((conv(q.subject), conv(q.predicate), node))
                objects.add(q.subject)
    depth_nodes = objects - seen
    for level in range(3 if deep else 1):
        nxt = set()
        for o in depth_nodes:
            seen.add(o)
            full = deep and level < 2 or isinstance(o, ox.BlankNode)
            pattern = (o, None, None, None) if full else (o, rdf_type, None, None)
            for q in store.quads_for_pattern(*pattern):
                add((conv(q.subject), conv(q.predicate), conv(q.object)))
                if full and not isinstance(q.object, ox.Literal) and q.object not in seen:
                    nxt.add(q.object)
        depth_nodes = nxt
        if not depth_nodes:
            break
    for t in ontology:
        add(t)
    return g


def _has_constraints(shapes, shape) -> bool:
    """Whether a node shape (in the pyshacl shapes graph) still has anything to check."""
    from .shacl_sparql import META

    for p in shapes.predicates(shape):
        name = str(p)[len(SH):] if str(p).startswith(SH) else None
        if name == "property" or (name is not None and name not in META):
            return True
    return False


def _drop_focus(triples, nodes) -> list:
    """The result triples of a batch without the results whose focus node is in ``nodes``."""
    from rdflib import Graph

    g = Graph()
    for t in triples:
        g.add(t)
    out = Graph()
    for r in g.subjects(_sh("focusNode"), None):
        if g.value(r, _sh("focusNode")) not in nodes:
            _copy_result(g, r, out)
    return list(out)


# --------------------------------------------------------------------------- workers

_W: dict = {}


def _worker_init(store_path: str, shapes_triples, ontology_triples, deep: bool, inverse, options: dict):
    from rdflib import Graph

    from .store import open_store

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
    _W.update(store=open_store(store_path), shapes=shapes, ontology=ontology, deep=deep,
              inverse=set(inverse), options=options, conv=_Converter())


def _validate_batch(focus: list):
    """pyshacl on one batch's subgraph; only results about the batch's own focus nodes are kept.

    The subgraph also holds the objects' types and the ontology, so pyshacl finds some of those
    nodes as focus nodes too; their results (made without their full description) are dropped.
    """
    import pyshacl
    from rdflib import RDF, Graph

    g = _extract(_W["store"], _W["conv"], focus, deep=_W["deep"], inverse=_W["inverse"], ontology=_W["ontology"])
    _, results, _ = pyshacl.validate(g, shacl_graph=_W["shapes"], allow_warnings=False, allow_infos=False,
                                     **_W["options"])
    keep = set(focus)
    out = Graph()
    for r in results.subjects(RDF.type, _sh("ValidationResult")):
        if results.value(r, _sh("focusNode")) in keep:
            _copy_result(results, r, out)
    return list(out), len(g)


def _copy_result(src, node, out, seen=None) -> None:
    """Copy a result and the blank nodes hanging off it (paths, nested details)."""
    from rdflib import BNode

    seen = seen if seen is not None else set()
    if node in seen:
        return
    seen.add(node)
    for p, o in src.predicate_objects(node):
        out.add((node, p, o))
        if isinstance(o, BNode):
            _copy_result(src, o, out, seen)


# --------------------------------------------------------------------------- SPARQL constraints


def _path_to_sparql(shapes, path) -> str:
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(path, URIRef):
        return path.n3()
    if isinstance(path, BNode):
        if (path, _sh("inversePath"), None) in shapes:
            return "^(" + _path_to_sparql(shapes, shapes.value(path, _sh("inversePath"))) + ")"
        if (path, _sh("alternativePath"), None) in shapes:
            items = Collection(shapes, shapes.value(path, _sh("alternativePath")))
            return "(" + "|".join(_path_to_sparql(shapes, i) for i in items) + ")"
        for name, op in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
            if (path, _sh(name), None) in shapes:
                return "(" + _path_to_sparql(shapes, shapes.value(path, _sh(name))) + ")" + op
        items = list(Collection(shapes, path))
        return "(" + "/".join(_path_to_sparql(shapes, i) for i in items) + ")"
    raise IpkgError(f"unsupported sh:path {path}")


def _prefix_block(shapes, constraint) -> str:
    lines = []
    for decl_owner in shapes.objects(constraint, _sh("prefixes")):
        for decl in shapes.objects(decl_owner, _sh("declare")):
            prefix = shapes.value(decl, _sh("prefix"))
            ns = shapes.value(decl, _sh("namespace"))
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


_VAR = re.compile(r"\$(this|PATH|currentShape|shapesGraph)\b")


def _sparql_constraints(shapes, shape):
    """(constraint node, owner shape, path or None) for sh:sparql on the shape and its property shapes."""
    out = [(c, shape, None) for c in shapes.objects(shape, _sh("sparql"))]
    for ps in shapes.objects(shape, _sh("property")):
        for c in shapes.objects(ps, _sh("sparql")):
            out.append((c, ps, shapes.value(ps, _sh("path"))))
    return out


def _message(template: str, row_vars: dict) -> str:
    def sub(m):
        v = row_vars.get(m.group(2))
        return "" if v is None else str(v)

    return re.sub(r"\{([?$])([A-Za-z_][A-Za-z0-9_]*)\}", sub, template)


def _run_sparql_constraint(store, shapes, shape, owner, constraint, path, is_focus, results, conv, focus=None):
    from rdflib import BNode, Literal
    from rdflib.namespace import RDF

    deactivated = shapes.value(constraint, _sh("deactivated"))
    if isinstance(deactivated, Literal) and deactivated.toPython() is True:
        return 0
    select = shapes.value(constraint, _sh("select"))
    if select is None:
        raise IpkgError(f"sh:sparql constraint {constraint} has no sh:select (sh:ask validators are not supported)")
    text = str(select)
    for bad in ("currentShape", "shapesGraph"):
        if "$" + bad in text:
            raise IpkgError(f"store validation cannot run SPARQL constraints that use ${bad} ({constraint})")
    path_sparql = _path_to_sparql(shapes, path) if path is not None else None
    text = text.replace("$PATH", path_sparql or "$PATH").replace("$this", "?this")
    if focus:
        # SHACL pre-binds $this to each focus node; a whole-store query joins the focus nodes in
        # first (without that, FILTER NOT EXISTS { $this ... } would test an unbound ?this)
        m = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE) or re.search(r"\{", text)
        if m is None:
            raise IpkgError(f"SPARQL constraint {constraint} has no WHERE clause")
        text = text[:m.end()] + f" {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }} " + text[m.end():]
    query = _prefix_block(shapes, constraint) + "\n" + text
    severity = shapes.value(owner, _sh("severity")) or _sh("Violation")
    messages = list(shapes.objects(constraint, _sh("message"))) or list(shapes.objects(owner, _sh("message")))
    n = 0
    try:
        rows = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise IpkgError(f"SPARQL constraint {constraint} does not parse: {exc}") from None
    variables = [v.value for v in rows.variables]
    for row in rows:
        vals = {v: (conv(row[v]) if row[v] is not None else None) for v in variables}
        this = vals.get("this")
        if this is None or not is_focus(this):
            continue
        r = BNode()
        results.append((r, RDF.type, _sh("ValidationResult")))
        results.append((r, _sh("focusNode"), this))
        results.append((r, _sh("resultSeverity"), severity))
        results.append((r, _sh("sourceConstraintComponent"), _sh("SPARQLConstraintComponent")))
        results.append((r, _sh("sourceShape"), owner))
        results.append((r, _sh("sourceConstraint"), constraint))
        rpath = vals.get("path") if vals.get("path") is not None else path
        if rpath is not None:
            results.append((r, _sh("resultPath"), rpath))
        value = vals.get("value")
        if value is None and path is None:
            value = this
        if value is not None:
            results.append((r, _sh("value"), value))
        for m in messages:
            text_m = _message(str(m), vals)
            results.append((r, _sh("resultMessage"), Literal(text_m, lang=m.language) if isinstance(m, Literal) and m.language else Literal(text_m)))
        n += 1
    return n


# --------------------------------------------------------------------------- main entry


def _focus_test(store, ontology, targets: _Targets, closure: set, conv) -> Callable:
    """A membership test: is this node a focus node of a shape with these targets?"""
    from rdflib import RDF, Literal

    def first(pattern) -> bool:
        return next(iter(store.quads_for_pattern(*pattern)), None) is not None

    def is_focus(node) -> bool:
        if node in targets.nodes:
            return True
        if isinstance(node, Literal):
            ox_lit = None
            import pyoxigraph as ox

            ox_lit = ox.Literal(str(node), language=node.language) if node.language else ox.Literal(
                str(node), datatype=ox.NamedNode(str(node.datatype)) if node.datatype else None)
            return any(first((None, _ox_term(p), ox_lit, None)) or (None, p, node) in ontology
                       for p in targets.objects_of)
        ox_node = _ox_term(node)
        types = {conv(q.object) for q in store.quads_for_pattern(ox_node, _ox_term(RDF.type), None, None)}
        types |= set(ontology.objects(node, RDF.type))
        if types & closure:
            return True
        if any(first((ox_node, _ox_term(p), None, None)) or (node, p, None) in ontology for p in targets.subjects_of):
            return True
        return any(first((None, _ox_term(p), ox_node, None)) or (None, p, node) in ontology
                   for p in targets.objects_of)

    return is_focus



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
    progress: Callable[[str, int], None] | None = None,
    stats: StoreValidationStats | None = None,
    compile: bool = True,
):
    """Validate the store at ``path`` against ``shapes_graph``; a ``sh:ValidationReport`` graph.

    See the module docstring for the method. ``workers`` defaults to the number of CPUs (at most 2 batches in flight per worker).
    """
    from rdflib import RDF, BNode, Graph, Literal, URIRef

    from .shacl_sparql import focus_pattern
    from .store import open_store

    started = time.monotonic()
    stats = stats if stats is not None else StoreValidationStats()
    store = open_store(path)
    conv = _Converter()
    targeted = _targeted_shapes(shapes_graph)
    batch_shapes = _without_sparql(shapes_graph)
    deep = _needs_deep(shapes_graph)
    inverse = _inverse_predicates(shapes_graph)
    # rdfs:subClassOf from the ontology, the shapes and the store itself
    store_sub = Graph()
    for q in store.quads_for_pattern(None, _ox_term(URIRef(RDFS_SUBCLASS)), None, None):
        store_sub.add((conv(q.subject), conv(q.predicate), conv(q.object)))
    class_graphs = (ontology_graph, shapes_graph, store_sub)
    options = {"inference": inference}
    results: list = []
    stats.shapes = len(targeted)
    workers = workers or os.cpu_count() or 1
    onto_triples = list(ontology_graph)

    # 1. the property shapes the compiler translates run as whole-store SPARQL queries
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

        comp = compile_shapes(shapes_graph, targeted, closure_of, onto_typed, ontology_graph)
        compiled = comp.constraints
        stats.uncompiled = {f"{ns} {ps}": why for (ns, ps), why in comp.uncompiled.items()}
        done_pairs = {(ns, ps) for ns in targeted for ps in shapes_graph.objects(ns, _sh("property"))
                      if (ns, ps) not in comp.uncompiled}
        for ns, ps in done_pairs:
            batch_shapes.remove((ns, _sh("property"), ps))
    pyshacl_shapes = {s: t for s, t in targeted.items() if _has_constraints(batch_shapes, s)}
    stats.compiled_constraints = len(compiled)
    stats.pyshacl_shapes = len(pyshacl_shapes)
    shape_triples = list(batch_shapes)

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
    if compiled:
        full = _Targets()
        for targets in targeted.values():
            full.classes |= _class_closure(class_graphs, targets.classes)
            full.nodes |= targets.nodes
            full.subjects_of |= targets.subjects_of
            full.objects_of |= targets.objects_of
        onto_nodes = {s for s in ontology_graph.subjects() if not isinstance(s, Literal)}
        for c in full.classes:
            onto_nodes.update(ontology_graph.subjects(RDF.type, c))
        for p in full.subjects_of:
            onto_nodes.update(ontology_graph.subjects(p, None))
        for p in full.objects_of:
            onto_nodes.update(o for o in ontology_graph.objects(None, p) if not isinstance(o, Literal))
        onto_nodes.update(n for n in full.nodes if not isinstance(n, Literal))
    onto_nodes = frozenset(onto_nodes)

    def run_pool():
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init,
            initargs=(str(path), shape_triples, onto_triples, deep, list(inverse), options),
        ) as pool:
            pending = set()

            def drain(block_until: int):
                nonlocal pending
                while len(pending) > block_until:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        triples, _ = fut.result()
                        if onto_nodes:
                            triples = _drop_focus(triples, onto_nodes)
                        results.extend(triples)

            count = 0
            for batch in _batches(_iter_focus(store, ontology_graph, union, union.classes), batch_size):
                count += len(batch)
                stats.batches += 1
                pending.add(pool.submit(_validate_batch, batch))
                drain(2 * workers)
                if progress:
                    progress("focus nodes", count)
            stats.focus_nodes = count
            yield
            drain(0)

    pool_run = run_pool() if pyshacl_shapes else iter([None])
    next(pool_run)  # submits all batches (bounded in flight); the rest runs while we query
    # 2. the compiled core constraints
    if compiled:
        from .shacl_sparql import run_compiled

        for c in compiled:
            stats.compiled_results += run_compiled(store, c, shapes_graph, conv, results, skip_focus=onto_nodes)
        if onto_nodes:
            import pyshacl

            g = _extract(store, conv, sorted(onto_nodes, key=str), deep=deep,
                         inverse=_inverse_predicates(shapes_graph) | full.objects_of, ontology=ontology_graph)
            _, onto_results, _ = pyshacl.validate(g, shacl_graph=_without_sparql(shapes_graph),
                                                  allow_warnings=False, allow_infos=False, **options)
            out = Graph()
            for r in onto_results.subjects(RDF.type, _sh("ValidationResult")):
                if onto_results.value(r, _sh("focusNode")) in onto_nodes:
                    _copy_result(onto_results, r, out)
            results.extend(out)
        if not pyshacl_shapes:  # how many nodes were validated: the focus nodes of all shapes
            fp = focus_pattern(full.classes, full.nodes, full.subjects_of, full.objects_of)
            n_store = 0
            if fp:
                row = next(iter(store.query(f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {fp} }}",
                                            use_default_graph_as_union=True)))
                n_store = int(row["n"].value)
            stats.focus_nodes = n_store + len(onto_nodes)
    # 3. the SHACL-SPARQL constraints: one whole-store query each
    for shape, targets in sorted(targeted.items(), key=lambda kv: str(kv[0])):
        constraints = _sparql_constraints(shapes_graph, shape)
        if constraints:
            closure = _class_closure(class_graphs, targets.classes)
            is_focus = _focus_test(store, ontology_graph, targets, closure, conv)
            focus = focus_pattern(closure, targets.nodes, targets.subjects_of, targets.objects_of)
            for constraint, owner, cpath in constraints:
                stats.sparql_constraints += 1
                _run_sparql_constraint(store, shapes_graph, shape, owner, constraint, cpath, is_focus,
                                       results, conv, focus=focus)
    for _ in pool_run:  # wait for the last batches
        pass

    report = Graph()
    root = BNode()
    report.add((root, RDF.type, _sh("ValidationReport")))
    n_results = 0
    for t in results:
        report.add(t)
        if t[1] == RDF.type and t[2] == _sh("ValidationResult"):
            if (None, _sh("result"), t[0]) not in report:
                report.add((root, _sh("result"), t[0]))
            n_results += 1
    # pyshacl's per-batch report roots: drop them, keep one
    for old in list(report.subjects(RDF.type, _sh("ValidationReport"))):
        if old != root:
            for r in list(report.objects(old, _sh("result"))):
                report.add((root, _sh("result"), r))
            report.remove((old, None, None))
    report.add((root, _sh("conforms"), Literal(n_results == 0)))
    stats.seconds = time.monotonic() - started
    return report


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
