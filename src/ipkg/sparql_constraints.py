"""SHACL-SPARQL on a pyoxigraph store: ``sh:sparql`` constraints and SPARQL-based constraint components.

One runner for ``ipkg validate`` (an in-memory store of the graph) and ``ipkg validate --store``
(the on-disk store). It follows SHACL section 5-6:

* ``$this`` (and ``$currentShape``, the component parameters, ``$value`` for ASK validators) are
  *pre-bound*: Oxigraph's query substitutions (SEP-0007, the semantics SHACL's pre-binding
  describes), so ``$this`` has its value in sub-SELECTs, UNION branches and inner groups too;
* ``$PATH`` in a property shape's query is replaced by the shape's path in SPARQL syntax;
* ``sh:prefixes`` declarations are read from the named nodes and from every ontology they
  ``owl:imports`` (transitively, within the shapes graph);
* a constraint whose ``$this`` is bound by its own patterns wherever it is used (see
  :func:`joinable`) runs *once for all focus nodes*: the focus nodes are joined in at the start of
  the outer ``WHERE``; this gives the same rows as one query per focus node, and is what keeps
  ipkg's own rules fast at millions of cases. Any other query runs once per focus node.

* ``$shapesGraph`` names the shapes graph, loaded as a named graph beside the data
  (:class:`ShapesDataset`; an on-disk store is never written to).

Queries SHACL forbids with pre-bound variables (:func:`forbidden`: MINUS, SERVICE, a sub-SELECT
that drops ``$this``, ``AS``/``VALUES`` for a pre-bound variable) are refused with
:class:`ipkg.errors.IpkgError` rather than answered differently.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import IpkgError
from .results import result_triples
from .terms import ToRdflib, sparql, to_oxigraph

SH = "http://www.w3.org/ns/shacl#"
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _sh(name: str):
    from rdflib import URIRef

    return URIRef(SH + name)


def _true(shapes, node, pred: str) -> bool:
    from rdflib import Literal

    v = shapes.value(node, _sh(pred))
    return isinstance(v, Literal) and v.toPython() is True


# ------------------------------------------------------------------------------ query text


def prefix_block(shapes, node) -> str:
    """PREFIX lines for the sh:prefixes of ``node``, following owl:imports within the shapes graph."""
    from rdflib import URIRef

    lines = []
    seen = set()
    todo = list(shapes.objects(node, _sh("prefixes")))
    while todo:
        owner = todo.pop()
        if owner in seen:
            continue
        seen.add(owner)
        for decl in shapes.objects(owner, _sh("declare")):
            prefix = shapes.value(decl, _sh("prefix"))
            ns = shapes.value(decl, _sh("namespace"))
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
        todo.extend(shapes.objects(owner, URIRef(OWL_IMPORTS)))
    return "\n".join(sorted(set(lines)))


def path_sparql(shapes, path) -> str:
    """A SHACL property path in SPARQL property-path syntax (the text that replaces ``$PATH``)."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(path, URIRef):
        return sparql(path)
    if isinstance(path, BNode):
        inv = shapes.value(path, _sh("inversePath"))
        if inv is not None:
            return "^" + _group(path_sparql(shapes, inv))
        alt = shapes.value(path, _sh("alternativePath"))
        if alt is not None:
            return "(" + "|".join(path_sparql(shapes, i) for i in Collection(shapes, alt)) + ")"
        for name, op in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
            inner = shapes.value(path, _sh(name))
            if inner is not None:
                return _group(path_sparql(shapes, inner)) + op
        items = list(Collection(shapes, path))
        if items:
            return "(" + "/".join(path_sparql(shapes, i) for i in items) + ")"
    raise IpkgError(f"not a SHACL property path: {path}")


def _group(p: str) -> str:
    return p if p.startswith("(") or p.startswith("<") else "(" + p + ")"


_MASK = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)


def _masked(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length): braces and variables
    inside them no longer count."""
    return _MASK.sub(lambda m: " " * len(m.group(0)), text)


_THIS = re.compile(r"[?$]this\b")


def joinable(select: str) -> bool:
    """Whether a SELECT with ``$this`` pre-bound gives the same rows when ``$this`` is instead a
    variable joined with all focus nodes at the start of the outer WHERE.

    True when every group that mentions ``$this`` either binds it itself (``$this`` outside any
    parenthesis in that group: a triple pattern), or lies inside an EXISTS (which sees the outer
    solution), and ``$this`` never appears in a MINUS, in a sub-SELECT that does not project it,
    and the query has no LIMIT/OFFSET, no top-level VALUES, and no aggregate without GROUP BY.
    """
    text = _masked(select)
    upper = text.upper()
    if re.search(r"\b(LIMIT|OFFSET)\b", upper):
        return False
    frames: list[dict] = []  # stack of open groups
    closed: list[dict] = []
    paren = [0]  # paren depth per open group (index 0: outside all groups)
    top_seen = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            before = upper[:i].rstrip()
            after = upper[i + 1:].lstrip()
            if not top_seen:
                kind = "top"
                top_seen = True
            elif after.startswith("SELECT"):
                m = re.match(r"SELECT(.*?)(WHERE\b|\{)", after, re.S)
                kind = "subselect-projects" if m and _THIS.search(m.group(1).lower()) else "subselect"
            elif before.endswith("EXISTS"):
                kind = "exists"
            elif before.endswith("MINUS"):
                kind = "minus"
            else:
                kind = "group"
            frame = {"kind": kind, "parent": frames[-1] if frames else None, "binds": False, "uses": False}
            frames.append(frame)
            paren.append(0)
            i += 1
            continue
        if ch == "}":
            if frames:
                closed.append(frames.pop())
                paren.pop()
                if not frames:
                    tail = upper[i + 1:]
                    if re.search(r"\bVALUES\b", tail):
                        return False
                    head = upper[:upper.find("{")]
                    if "(" in head and not re.search(r"GROUP\s+BY[^{}]*[?$]THIS\b", tail):
                        return False
            i += 1
            continue
        if ch == "(":
            paren[-1] += 1
        elif ch == ")":
            paren[-1] -= 1
        elif ch in "?$" and _THIS.match(text, i) and frames:
            f = frames[-1]
            f["uses"] = True
            if paren[-1] == 0 and f["kind"] not in ("subselect", "subselect-projects"):
                f["binds"] = True
        i += 1
    for f in closed:
        if not f["uses"] or f["kind"] in ("subselect-projects",):
            continue
        chain = []
        g = f
        while g is not None:
            chain.append(g)
            g = g["parent"]
        kinds = [g["kind"] for g in chain]
        if "minus" in kinds or "subselect" in kinds:
            return False
        if f["kind"] == "top" or f["binds"]:
            continue
        # inside an EXISTS (below any sub-SELECT) the outer binding is visible
        below = kinds[:kinds.index("subselect-projects")] if "subselect-projects" in kinds else kinds
        if "exists" not in below:
            return False
    return True


def _projecting(query: str, names: list) -> str:
    """The query with the pre-bound variables ``names`` in its outer projection (Oxigraph substitutes
    projected variables only; a pre-bound variable is one value, so rows stay the same). An ASK
    becomes a SELECT of them: any row means true."""
    masked = _masked(query)
    m = re.search(r"\b(ASK|SELECT)\b(\s+(DISTINCT|REDUCED)\b)?", masked, re.IGNORECASE)
    if m is None or not names:
        return query
    if m.group(1).upper() == "ASK":
        return query[:m.start()] + "SELECT " + " ".join("?" + n for n in names) + query[m.end(1):]
    head = masked[m.end():masked.find("{", m.end())]
    if head.strip().startswith("*"):
        return query
    missing = [n for n in names if not re.search(r"[?$]" + n + r"\b", head)]
    if not missing:
        return query
    return query[:m.end()] + " " + " ".join("?" + n for n in missing) + " " + query[m.end():]


def forbidden(query: str, prebound) -> str | None:
    """What SHACL forbids in this query (section 5.2.1: pre-bound variables), or None: MINUS, a
    federated SERVICE, VALUES (on any variable), ``AS ?v`` for a pre-bound variable ``?v``, a
    sub-SELECT that does not return ``$this``. (ipkg's runner writes ``FILTER (?v IN (…))`` as
    VALUES itself, after this check: :func:`filter_in_as_values`.)"""
    text = _masked(query)
    if re.search(r"\bMINUS\s*\{", text, re.IGNORECASE):
        return "MINUS"
    if re.search(r"\bSERVICE\b", text, re.IGNORECASE):
        return "a federated SERVICE query"
    names = "|".join(sorted(prebound))
    if names and re.search(r"\bAS\s+[?$](" + names + r")\b", text, re.IGNORECASE):
        return "AS for a pre-bound variable"
    if re.search(r"\bVALUES\b", text, re.IGNORECASE):
        return "VALUES"
    for m in re.finditer(r"\{\s*SELECT\b", text, re.IGNORECASE):
        end = _top_group_end(text, m.start())
        sub = text[m.end():len(text) if end is None else end]
        head = re.split(r"\bWHERE\b|\{", sub, maxsplit=1, flags=re.IGNORECASE)[0]
        if _THIS.search(head):
            continue
        if "*" in head:  # SELECT *: $this must be in scope, i.e. in a pattern (outside parentheses)
            body = sub[len(head):]
            level, in_scope = 0, False
            for i, ch in enumerate(body):
                level += ch == "("
                level -= ch == ")"
                if level == 0 and ch in "?$" and _THIS.match(body, i):
                    in_scope = True
                    break
            if in_scope:
                continue
        return "a sub-SELECT that does not return $this"
    return None


def _insert_focus(select: str, focus_group: str) -> str:
    """``focus_group`` (a group binding ?this) joined into the outer WHERE: at its end when a
    triple pattern of the outer group itself binds ``$this`` (then ``$this`` is bound in every
    solution of the group, and restricting it to the focus nodes before or after the group's
    OPTIONALs, BINDs and FILTERs gives the same rows), else at its start. At the end, Oxigraph
    evaluates the query's own selective patterns first: ipkg's DimensionValueShape rule takes
    0.1 s instead of 40 s on 10^5 synthetic cases."""
    masked = _masked(select)
    m = re.search(r"\{", masked)
    if m is None:
        raise IpkgError("a SPARQL query of the shapes has no WHERE clause", hint=select[:200])
    end = _top_group_end(masked, m.start())
    if end is not None and _bound_at_top(masked, m.start(), end, "this", (0, 0)):
        return select[:end] + f" {focus_group} " + select[end:]
    return select[:m.end()] + f" {focus_group} " + select[m.end():]


_FILTER_IN = re.compile(r"FILTER\s*\(\s*[?$](\w+)\s+IN\s*\(([^()]*)\)\s*\)", re.IGNORECASE)
_IRI_TERM = re.compile(r"<[^<>\"{}|^`\\\s]*>|[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*")


def filter_in_as_values(select: str, prebound=()) -> str:
    """``FILTER (?v IN (iri, ...))`` in the outer group of ``select`` written as ``VALUES ?v { iri
    ... }`` where a triple pattern of that group binds ``?v`` (same rows: ``?v`` is an IRI-or-other
    term bound in every solution, and ``IN`` compares IRIs by identity; repeated members once).
    Oxigraph then starts from the few predicates or objects listed instead of scanning every
    triple and filtering: the RestatementShape rule (``$this ?link ?first``) read all 12 million
    triples of 10^6 synthetic cases. SHACL forbids VALUES in the shapes' own queries (pre-binding);
    this is the runner's rewrite, never applied to a pre-bound variable."""
    masked = _masked(select)
    m = re.search(r"\{", masked)
    end = _top_group_end(masked, m.start()) if m else None
    if m is None or end is None:
        return select
    start = m.start()
    out, last = [], 0
    for f in _FILTER_IN.finditer(masked, start, end):
        var = f.group(1)
        items = [x.strip() for x in select[f.start(2):f.end(2)].split(",")]
        if (var in prebound or _depth(masked, start, f.start()) != 1
                or not items or not all(_IRI_TERM.fullmatch(x) for x in items)
                or not _bound_at_top(masked, start, end, var, f.span())):
            continue
        out.append(select[last:f.start()] + "VALUES ?" + var + " { " + " ".join(dict.fromkeys(items)) + " }")
        last = f.end()
    return "".join(out) + select[last:]


def _depth(masked: str, start: int, at: int) -> int:
    return masked.count("{", start, at) - masked.count("}", start, at)


def _bound_at_top(masked: str, start: int, end: int, var: str, skip: tuple[int, int]) -> bool:
    """Whether ``?var`` occurs in the group ``start..end`` itself outside any parenthesis (a
    triple pattern), elsewhere than ``skip``."""
    brace = paren = 0
    pattern = re.compile(r"[?$]" + re.escape(var) + r"\b")
    i = start + 1
    while i < end:
        ch = masked[i]
        if ch == "{":
            brace += 1
        elif ch == "}":
            brace -= 1
        elif ch == "(":
            paren += 1
        elif ch == ")":
            paren -= 1
        elif ch in "?$" and brace == 0 and paren == 0 and not skip[0] <= i < skip[1] \
                and pattern.match(masked, i):
            return True
        i += 1
    return False


def _top_group_end(masked: str, start: int) -> int | None:
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


# ------------------------------------------------------------------------------ focus nodes


@dataclass
class Focus:
    """The focus nodes of one shape: a SPARQL group binding ``?this`` (fast, whole store) and/or
    the nodes themselves (pyoxigraph terms, for one query per node)."""

    pattern: str | None
    nodes: Callable[[], Iterable]

    def group(self) -> str | None:
        if self.pattern is not None:
            return f"{{ SELECT DISTINCT ?this WHERE {{ {self.pattern} }} }}"
        import pyoxigraph as ox

        nodes = list(self.nodes())
        if any(isinstance(n, ox.BlankNode) for n in nodes):
            return None  # blank nodes cannot be written into a query
        return "VALUES ?this { " + " ".join(str(n) for n in nodes) + " }"


# ------------------------------------------------------------------------------ $shapesGraph

#: the named graph that holds the shapes graph for queries that use $shapesGraph
SHAPES_GRAPH = "urn:ipkg:shapes-graph"


class ShapesDataset:
    """For ``$shapesGraph``: the data plus the shapes graph as the named graph :data:`SHAPES_GRAPH`,
    made on first use. An in-memory store gets the graph added (and removed by :meth:`close`); an
    on-disk store is never written to: a RocksDB checkpoint of it (hard links, made in a temporary
    folder beside it) gets the graph, and is deleted by :meth:`close`. The query's default graph is
    the data's default graph (``union=False``) or every graph of the data (``union=True``)."""

    def __init__(self, store, shapes, *, union: bool, path=None):
        self.store, self.shapes, self.union, self.path = store, shapes, union, path
        self._made: tuple | None = None
        self._tmp: str | None = None

    def __call__(self):
        if self._made is None:
            import pyoxigraph as ox

            graph = ox.NamedNode(SHAPES_GRAPH)
            target = self.store
            if self.path is not None:
                import tempfile
                from pathlib import Path

                try:
                    self._tmp = tempfile.mkdtemp(prefix=".ipkg-shapes-", dir=Path(self.path).parent)
                except OSError:
                    self._tmp = tempfile.mkdtemp(prefix="ipkg-shapes-")
                copy = str(Path(self._tmp) / "store")  # mkdtemp answered
                self.store.backup(copy)
                target = ox.Store(copy)
            data_graphs = [g for g in target.named_graphs() if g != graph]
            target.extend([ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph) for s, p, o in self.shapes])
            options = ({"default_graph": [ox.DefaultGraph(), *data_graphs]} if self.union
                       else {"use_default_graph_as_union": False})
            self._made = (target, options, graph)
        return self._made

    def close(self) -> None:
        if self._made is None:
            return
        import shutil

        target, _, graph = self._made
        self._made = None
        if self._tmp is None:
            target.remove_graph(graph)
        else:
            del target
            shutil.rmtree(self._tmp, ignore_errors=True)


# ------------------------------------------------------------------------------ the runner


@dataclass
class _Check:
    shape: object  # the shape the result names (sh:sourceShape)
    path: object  # its sh:path, or None for a node shape
    select: str | None
    ask: str | None
    prefixes: str
    component: object  # rdflib IRI of the constraint component
    constraint: object | None  # sh:sourceConstraint (sh:sparql only)
    bindings: dict  # variable name -> rdflib term (parameters, currentShape)
    messages: list


def _checks(shapes, shape, path) -> list[_Check]:
    """Every SHACL-SPARQL check of one shape: its sh:sparql constraints and custom components."""
    out = []
    for c in shapes.objects(shape, _sh("sparql")):
        if _true(shapes, c, "deactivated"):
            continue
        select = shapes.value(c, _sh("select"))
        if select is None:
            raise IpkgError(f"SPARQL constraint {c} has no sh:select")
        messages = list(shapes.objects(c, _sh("message"))) or list(shapes.objects(shape, _sh("message")))
        out.append(_Check(shape, path, str(select), None, prefix_block(shapes, c), _sh("SPARQLConstraintComponent"),
                          c, {}, messages))
    for comp in components(shapes):
        params = list(_params(shapes, comp))
        mandatory = [(p, name) for p, name, optional in params if not optional]
        if not mandatory or any((shape, p, None) not in shapes for p, _ in mandatory):
            continue
        if path is None:
            validator = shapes.value(comp, _sh("nodeValidator")) or shapes.value(comp, _sh("validator"))
        else:
            validator = shapes.value(comp, _sh("propertyValidator")) or shapes.value(comp, _sh("validator"))
        if validator is None:
            continue  # not a SPARQL-based validator for this kind of shape (e.g. JavaScript)
        select = shapes.value(validator, _sh("select"))
        ask = shapes.value(validator, _sh("ask"))
        messages = list(shapes.objects(shape, _sh("message"))) or list(shapes.objects(validator, _sh("message"))) \
            or list(shapes.objects(comp, _sh("message")))
        values = [[(name, v) for v in shapes.objects(shape, p)] or [(name, None)] for p, name, _ in params]
        for combo in itertools.product(*values):
            bindings = {name: v for name, v in combo if v is not None}
            out.append(_Check(shape, path, str(select) if select is not None else None,
                              str(ask) if ask is not None else None, prefix_block(shapes, validator), comp,
                              None, bindings, messages))
    return out


def components(shapes) -> list:
    """The SPARQL-based constraint components declared in the shapes graph (nodes with
    sh:parameter and a SPARQL validator, whatever subclass of sh:ConstraintComponent they name)."""
    out = []
    for comp in set(shapes.subjects(_sh("parameter"), None)):
        if any(shapes.value(v, _sh("select")) is not None or shapes.value(v, _sh("ask")) is not None
               for key in ("validator", "nodeValidator", "propertyValidator")
               for v in shapes.objects(comp, _sh(key))):
            out.append(comp)
    return sorted(out, key=str)


def _params(shapes, comp):
    from rdflib import URIRef

    for p in shapes.objects(comp, _sh("parameter")):
        path = shapes.value(p, _sh("path"))
        if isinstance(path, URIRef):
            name = re.split(r"[#/]", str(path))[-1]
            yield path, name, _true(shapes, p, "optional")


def component_parameters(shapes) -> set:
    """The parameter predicates of the custom components (so other engines leave them alone)."""
    return {p for comp in components(shapes) for p, _, _ in _params(shapes, comp)}


def shape_checks(shapes, shape) -> list[tuple]:
    """``(check owner, path)`` for a targeted shape and its property shapes, those with any check."""
    out = []
    if not _true(shapes, shape, "deactivated"):
        own_path = shapes.value(shape, _sh("path"))
        checks = _checks(shapes, shape, own_path)
        if checks:
            out.append((shape, checks))
        for ps in sorted(shapes.objects(shape, _sh("property")), key=str):
            if _true(shapes, ps, "deactivated"):
                continue
            checks = _checks(shapes, ps, shapes.value(ps, _sh("path")))
            if checks:
                out.append((ps, checks))
    return out


def run(store, shapes, shape, focus: Focus, report: list, *, conv, union: bool = True,
        keep: Callable | None = None, top: list | None = None, only_sparql: bool = False,
        shapes_dataset: Callable | None = None) -> int:
    """Run every SHACL-SPARQL check of ``shape`` (and its property shapes) on ``store`` for the
    focus nodes ``focus``; append result triples to ``report`` and the result nodes to ``top``.

    ``conv`` turns pyoxigraph terms into rdflib terms; ``keep(focus)`` filters focus nodes;
    ``union``: the query sees all graphs of the store as its default graph; ``only_sparql``: the
    sh:sparql constraints only (not the custom components); ``shapes_dataset()`` gives, for queries
    that use ``$shapesGraph``, ``(store, query options, graph IRI)``: a store that also holds the
    shapes graph as that named graph. Returns the count.
    """
    added = 0
    for _owner, checks in shape_checks(shapes, shape):
        for check in checks:
            if only_sparql and check.constraint is None:
                continue
            added += _run_check(store, shapes, check, focus, report, conv=conv, union=union, keep=keep, top=top,
                                shapes_dataset=shapes_dataset)
    return added


def _run_check(store, shapes, check: _Check, focus: Focus, report: list, *, conv, union, keep, top,
               shapes_dataset=None) -> int:
    import pyoxigraph as ox

    text = check.select if check.select is not None else check.ask
    assert text is not None  # a check has a SELECT or an ASK
    if check.path is not None:
        text = re.sub(r"\$PATH\b", lambda _: path_sparql(shapes, check.path), text)
    subs = {ox.Variable(name): to_oxigraph(v) for name, v in check.bindings.items()}
    subs[ox.Variable("currentShape")] = to_oxigraph(check.shape)
    used = set(re.findall(r"[?$](\w+)", _masked(text)))
    prebound = {"this", "currentShape", "shapesGraph", *check.bindings}
    if check.ask is not None:
        prebound.add("value")
    bad = forbidden(text, prebound)
    if bad is not None:
        raise IpkgError(f"SPARQL query of {check.constraint or check.component} uses {bad}, which SHACL "
                        "forbids in SPARQL-based constraints (pre-bound variables, SHACL 5.2.1)",
                        hint="rewrite the query without it")
    options = {"use_default_graph_as_union": union}
    if "shapesGraph" in used:
        # $shapesGraph names the shapes graph, which the query reads as a named graph of the data
        if shapes_dataset is None:
            raise IpkgError(f"SPARQL query of {check.constraint or check.component} uses $shapesGraph, "
                            "which this validation path does not support")
        store, options, graph = shapes_dataset()
        subs[ox.Variable("shapesGraph")] = graph
    subs = {v: t for v, t in subs.items() if v.value in used}  # Oxigraph refuses unknown variables
    prologue = check.prefixes + "\n"
    rows: list = []  # (this, values dict)

    def query(q, extra):
        extra = {v: t for v, t in extra.items() if v.value in used}
        q = _projecting(q, [v.value for v in (*subs, *extra)])
        for v in (*subs, *extra):  # a pre-bound variable is bound everywhere (Oxigraph 0.5 answers
            # false for BOUND of a substituted variable in an inner group)
            q = re.sub(r"\bBOUND\s*\(\s*[?$]" + v.value + r"\s*\)", "(true)", q, flags=re.IGNORECASE)
        try:
            return store.query(prologue + q, substitutions={**subs, **extra}, **options)
        except SyntaxError as exc:
            raise IpkgError(f"SPARQL query of {check.constraint or check.component} does not parse: {exc}",
                            hint=q[:300]) from None

    if check.ask is not None:
        # ASK validators: one query per value node, $value pre-bound; a result when it answers false
        for this in focus.nodes():
            for value in _value_nodes(store, shapes, check, this, options):
                if not any(True for _ in query(text, {ox.Variable("this"): this, ox.Variable("value"): value})):
                    rows.append((this, {"value": value}))
    else:
        group = focus.group() if joinable(text) else None
        if group is not None:
            result = query(_insert_focus(filter_in_as_values(text, prebound), group), {})
            names = [v.value for v in result.variables]
            for row in result:
                this = row["this"]
                if this is not None:
                    rows.append((this, {n: row[n] for n in names}))
        else:
            for this in focus.nodes():
                result = query(text, {ox.Variable("this"): this})
                names = [v.value for v in result.variables]
                for row in result:
                    vals = {n: row[n] for n in names}
                    vals["this"] = this
                    rows.append((this, vals))
    return _results(shapes, check, rows, report, conv, keep, top)


def _value_nodes(store, shapes, check: _Check, this, options: dict) -> list:
    import pyoxigraph as ox

    if check.path is None:
        return [this]
    q = f"SELECT DISTINCT ?v WHERE {{ ?this {path_sparql(shapes, check.path)} ?v }}"
    return [r["v"] for r in store.query(q, substitutions={ox.Variable("this"): this}, **options)]


_MSG_VAR = re.compile(r"\{[?$](\w+)\}")


def _results(shapes, check: _Check, rows, report: list, conv, keep, top) -> int:
    from rdflib import BNode, Literal

    severity = shapes.value(check.shape, _sh("severity")) or _sh("Violation")
    seen = set()
    n = 0
    for this, vals in rows:
        key = (this, vals.get("value"), vals.get("path"))
        if key in seen:
            continue
        seen.add(key)
        focus = conv(this)
        if keep is not None and not keep(focus):
            continue
        path = conv(vals["path"]) if vals.get("path") is not None else check.path
        value = vals.get("value")
        messages = []
        for m in check.messages:
            def sub(mm, vals=vals):
                name = mm.group(1)
                if name in vals and vals[name] is not None:
                    return vals[name].value
                if name in check.bindings:
                    return str(check.bindings[name])
                return mm.group(0)
            text = _MSG_VAR.sub(sub, str(m))
            messages.append(Literal(text, lang=m.language) if isinstance(m, Literal) and m.language else Literal(text))
        r = BNode()
        report.extend(result_triples(
            r, focus=focus, severity=severity, shape=check.shape, component=check.component,
            constraint=check.constraint, path=path,
            value=conv(value) if value is not None else (focus if check.path is None else None), messages=messages))
        if top is not None:
            top.append(r)
        n += 1
    return n


def _Converter() -> ToRdflib:
    """pyoxigraph terms -> rdflib terms, the IRI cache bounded (a store can be large)."""
    return ToRdflib(limit=200_000, what="in the store")
