"""Run SPARQL over the ipkg graph: in memory (pyoxigraph or rdflib), on a store, or at an endpoint.

Every engine returns the same :class:`QueryResult`, whose terms are SPARQL 1.1 JSON term
dictionaries (``{"type": "uri", "value": …}``), so that results from pyoxigraph, rdflib and a remote
endpoint can be printed, compared and tested the same way.

* ``oxigraph`` (default): a :class:`pyoxigraph.Store` in memory, loaded from the same files the
  project loader reads (``ontology/`` and every RDF file under ``graph/``).
* ``rdflib``: the same files in an :class:`rdflib.Graph`.
* ``store``: an on-disk Oxigraph store (``ipkg.store.open_store``).
* ``endpoint``: any SPARQL 1.1 Protocol endpoint, over :mod:`ipkg.http` (httpx).

Parameters (``--param name=value``) are bound as RDF terms, never pasted into the query text: as
``substitutions`` for pyoxigraph and ``initBindings`` for rdflib. An endpoint cannot take bindings,
so there the term – serialised by pyoxigraph, hence always one well-formed, escaped RDF term – goes
into a ``VALUES`` block at the start of the top-level ``WHERE`` group.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import paths, vocab
from .errors import EXIT_INPUT, IpkgError
from .labels import order, pick_all
from .terms import json_from_rdflib as _from_rdflib
from .terms import to_json as _from_oxigraph
from .terms import to_rdflib
from .vocab import compact

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: The project prefixes (``ontology/prefixes.ttl`` via :mod:`ipkg.vocab`): queries that do not
#: declare them get them, tables compact IRIs with them, ``prefix:local`` parameter values use them.
PREFIXES: dict[str, str] = vocab.PREFIXES

FORMATS = ("table", "csv", "tsv", "json", "md", "ttl", "nt")
ENGINES = ("oxigraph", "rdflib")
NUMERIC_TYPES = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                                   "byte", "nonNegativeInteger", "positiveInteger",
                                   "negativeInteger", "nonPositiveInteger", "unsignedInt",
                                   "unsignedLong", "unsignedShort", "unsignedByte")}

Term = dict  # a SPARQL 1.1 JSON results term: {"type": "uri"|"literal"|"bnode", "value": …}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class QueryResult:
    """The answer to one query, whatever engine produced it.

    ``kind`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE). Graph results are also
    given as rows over ``subject``/``predicate``/``object`` so every output format works.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    labels: dict[str, str] = field(default_factory=dict)  # IRI -> label, filled by add_labels

    def to_sparql_json(self, with_labels: bool = False) -> dict:
        """The SPARQL 1.1 Query Results JSON document (labels as extra ``<var>Label`` columns)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        variables, rows = self.labelled() if with_labels else (self.variables, self.rows)
        return {"head": {"vars": list(variables)},
                "results": {"bindings": [{k: v for k, v in r.items() if v is not None} for r in rows]}}

    def labelled(self) -> tuple[list[str], list[dict[str, Term]]]:
        """Variables and rows with a ``<var>Label`` column after each column holding labelled IRIs."""
        if not self.labels:
            return self.variables, self.rows
        variables: list[str] = []
        label_cols = []
        for var in self.variables:
            variables.append(var)
            if any((r.get(var) or {}).get("value") in self.labels
                   for r in self.rows if (r.get(var) or {}).get("type") == "uri"):
                name = var + "Label"
                while name in self.variables or name in variables:
                    name += "_"
                variables.append(name)
                label_cols.append((var, name))
        rows = []
        for r in self.rows:
            row = dict(r)
            for var, name in label_cols:
                term = r.get(var)
                label = self.labels.get(term["value"]) if term and term["type"] == "uri" else None
                row[name] = {"type": "literal", "value": label} if label is not None else None
            rows.append(row)
        return variables, rows

    def plain_rows(self) -> list[dict]:
        """Rows as Python values: IRIs as ``str``, numbers as ``int``/``float``, booleans as ``bool``."""
        return [{k: to_python(v) for k, v in r.items() if v is not None} for r in self.rows]


def to_python(term: Term | None):
    """A SPARQL JSON term as a plain Python value (IRIs and other literals as ``str``)."""
    if term is None:
        return None
    if term["type"] != "literal":
        return term["value"]
    dt = term.get("datatype")
    value = term["value"]
    try:
        if dt in NUMERIC_TYPES:
            if dt == XSD + "decimal" or dt in (XSD + "double", XSD + "float"):
                return float(value)
            return int(value)
        if dt == XSD + "boolean":
            return value in ("true", "1")
    except ValueError:
        pass
    return value


def normalise_term(term: Term | None, compact_iris: bool = True):
    """One cell of an expected-results file: engine-independent and readable.

    IRIs compacted (``iorg:spp``), language strings as ``text@zh``, numbers as JSON numbers rounded
    to 6 decimals (rdflib and Oxigraph print computed decimals differently), booleans as JSON
    booleans, blank nodes as ``_:b`` (their labels are arbitrary), other literals by lexical form.
    """
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return compact(term["value"]) if compact_iris else term["value"]
    if kind == "bnode":
        return "_:b"
    if kind == "triple":
        return "<< triple >>"
    value = term["value"]
    lang = term.get("xml:lang")
    if lang:
        return f"{value}@{lang}"
    dt = term.get("datatype")
    if dt in NUMERIC_TYPES:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        rounded = round(float(number), 6)
        return int(rounded) if rounded == int(rounded) and abs(rounded) < 2**53 else rounded
    if dt == XSD + "boolean":
        return value in ("true", "1")
    return value


def normalised_rows(result: QueryResult, compact_iris: bool = True) -> list[dict]:
    """Rows as engine-independent JSON values, sorted: what ``tests/data/expected`` holds."""
    if result.kind == "ask":
        return [{"boolean": bool(result.boolean)}]
    rows = [{var: normalise_term(r.get(var), compact_iris) for var in result.variables}
            for r in result.rows]
    return sorted(rows, key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

_LITERAL_RE = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)'
                         r'|\^\^(?P<dt><[^>]*>|[A-Za-z][\w\-]*:[\w\-.]*))?$', re.S)


def parse_param_value(value: str):
    """One ``--param`` value as a pyoxigraph term.

    ``<https://…>`` → IRI; ``iorg:spp`` (a known prefix) → IRI; ``"text"@zh`` or
    ``"42"^^xsd:integer`` → that literal; an integer or decimal → a number; ``true``/``false`` → a
    boolean; anything else → a plain string, taken literally (quotes, braces and all).
    """
    import pyoxigraph as ox

    try:
        if value.startswith("<") and value.endswith(">") and len(value) > 2:
            return ox.NamedNode(value[1:-1])
        m = re.fullmatch(r"([A-Za-z][\w\-]*):([\w\-.]*)", value)
        if m and m.group(1) in PREFIXES:
            return ox.NamedNode(PREFIXES[m.group(1)] + m.group(2))
        m = _LITERAL_RE.match(value)
        if m:
            text = re.sub(r"\\(.)", lambda x: {"n": "\n", "t": "\t"}.get(x.group(1), x.group(1)),
                          m.group("text"))
            if m.group("lang"):
                return ox.Literal(text, language=m.group("lang"))
            if m.group("dt"):
                dt = m.group("dt")
                dt_iri = dt[1:-1] if dt.startswith("<") else _expand(dt)
                return ox.Literal(text, datatype=ox.NamedNode(dt_iri))
            return ox.Literal(text)
        # ASCII digits only: Python's \d also matches full-width "１３" (not an xsd:integer)
        if re.fullmatch(r"[+-]?[0-9]+", value):
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
        if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", value):
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
        if value in ("true", "false"):
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
    except ValueError as exc:
        raise IpkgError(f"bad parameter value {value!r}: {exc}") from None
    return ox.Literal(value)


def _expand(pname: str) -> str:
    prefix, _, local = pname.partition(":")
    if prefix not in PREFIXES:
        raise IpkgError(f"unknown prefix {prefix!r} in parameter value",
                        hint="write the full IRI in angle brackets: <https://…>")
    return PREFIXES[prefix] + local


def parse_params(items: Iterable[str] | Mapping[str, object] | None) -> dict:
    """``["name=value", …]`` or ``{"name": value}`` → ``{name: pyoxigraph term}``."""
    import pyoxigraph as ox

    out: dict = {}
    if not items:
        return out
    pairs: list[tuple[str, object]]
    if isinstance(items, Mapping):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items:
            name, sep, value = item.partition("=")
            if not sep:
                raise IpkgError(f"bad --param {item!r}", hint="write --param name=value")
            pairs.append((name.strip(), value))
    for name, value in pairs:
        name = name.lstrip("?$")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise IpkgError(f"bad parameter name {name!r}", hint="a SPARQL variable name, e.g. name")
        if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
            out[name] = value
        elif isinstance(value, bool):
            out[name] = ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
        elif isinstance(value, int):
            out[name] = ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
        elif isinstance(value, (float, Decimal)):
            out[name] = ox.Literal(str(value), datatype=ox.NamedNode(XSD + "decimal"))
        elif isinstance(items, Mapping):  # Python values: IRIs by form, every other str verbatim
            text = str(value)
            is_iri = (text.startswith("<") and text.endswith(">") and " " not in text) or (
                re.fullmatch(r"([A-Za-z][\w\-]*):[\w\-.]*", text) and text.split(":")[0] in PREFIXES)
            out[name] = parse_param_value(text) if is_iri else ox.Literal(text)
        else:
            out[name] = parse_param_value(str(value))
    return out


# --------------------------------------------------------------------------------------------
# Finding the query text
# --------------------------------------------------------------------------------------------


@dataclass
class QuerySource:
    text: str
    origin: str  # file path, example name or "<query>"
    example: object | None = None  # ipkg.examples.Example when the query is an example


def resolve_query(query: str) -> QuerySource:
    """Inline SPARQL, a path to a ``.rq`` file, or the name of an example query."""
    from . import examples

    stripped = query.strip()
    if not stripped:
        raise IpkgError("empty query")
    if re.fullmatch(r"[\w\-]+", stripped):
        ex = examples.get_example(stripped)  # raises with the list of names when unknown
        return QuerySource(ex.query, str(ex.path), ex)
    if "\n" not in stripped and (stripped.endswith((".rq", ".sparql")) or Path(stripped).is_file()):
        path = Path(stripped)
        if not path.is_file():
            raise IpkgError("query file not found", path=path)
        try:
            return QuerySource(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise IpkgError(f"cannot read query file: {exc}", path=path) from None
    return QuerySource(query, "<query>")


def _second_opinion(text: str) -> str | None:
    """rdflib's parser's view of a query pyoxigraph rejected (it names undeclared prefixes)."""
    try:
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(text)
    except Exception as exc:  # noqa: BLE001 - any message is better than none
        msg = str(exc).splitlines()[0].strip()
        # rdflib's positions count the PREFIX lines ipkg added; ours (above) are the user's
        msg = re.sub(r",?\s*\(at char \d+\),?\s*\(line:\d+, col:\d+\)", "", msg)
        return f"rdflib says: {msg}" if msg else None
    return None


def syntax_error(message: str, text: str, origin: str, line: int | None, col: int | None) -> IpkgError:
    """An :class:`IpkgError` that shows the offending query line with a caret under ``col``."""
    detail = message
    full = text
    added = vocab.added_lines(text)
    if added:  # project PREFIX lines ipkg put before the query: report the user's own lines
        text = "\n".join(text.split("\n")[added:])
        if line is not None:
            if line <= added:
                line, col = 1, 1
            else:
                line -= added
    if line is not None:
        lines = text.splitlines() or [""]
        # Oxigraph's parser may report the end of the input; point at the last token instead
        offset = sum(len(ln) + 1 for ln in lines[:line - 1]) + (col or 1) - 1
        if not text[offset:].strip() and text.strip():
            last = len(text.rstrip()) - 1
            line = text.count("\n", 0, last) + 1
            col = last - (text.rfind("\n", 0, last) + 1) + 1
        if 1 <= line <= len(lines):
            src = lines[line - 1]
            caret_at = max(0, min(len(src), (col or 1) - 1))
            detail += f"\n    {src}\n    {' ' * caret_at}^"
    used, declared = vocab.used_and_declared(full)
    unknown = sorted(f"'{p}:'" for p in used - declared - set(PREFIXES))
    if unknown:  # the parser's own message rarely says so
        other = (f"undeclared prefix {', '.join(unknown)}: add a PREFIX line for it "
                 "('ipkg query --prefixes' lists the project prefixes, declared automatically)")
    else:
        other = _second_opinion(full)
    return IpkgError(f"SPARQL syntax error: {detail}", path=origin, line=line, col=col,
                     hint=(other + "; " if other else "") + "see docs/querying.md for examples",
                     exit_code=EXIT_INPUT)


def check_syntax(text: str, origin: str = "<query>") -> str:
    """Parse ``text`` with pyoxigraph and return its kind: select/ask/graph.

    The size and nesting limits come first (Oxigraph's parser aborts the process on ~3,000
    nested groups). pyoxigraph has no parse-only call: ``Store().query`` on an empty store
    evaluates an ASK, ``VALUES`` and ``ORDER BY`` at once, and some of those inputs abort it. So
    the parse runs in a sandboxed child (``ipkg.sandbox``) with 10 s of CPU: a crash there is
    one error line, never the end of the caller.
    """
    from .safety import check_query_limits
    from .sandbox import run_isolated

    check_query_limits(text, origin)
    return run_isolated(_parse_kind, text, origin, origin=origin, cpu_seconds=10)


def _parse_kind(text: str, origin: str) -> str:
    import pyoxigraph as ox

    try:
        res = ox.Store().query(text)  # SELECT/CONSTRUCT are lazy: nothing is evaluated here
    except SyntaxError as exc:
        raise _oxigraph_syntax_error(exc, text, origin) from None
    return _kind_of(res)


def _oxigraph_syntax_error(exc: SyntaxError, text: str, origin: str) -> IpkgError:
    msg = str(exc)
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
    if m:
        # pyoxigraph reports the column just after the offending character; point at it
        return syntax_error(m.group(3), text, origin, int(m.group(1)), max(1, int(m.group(2)) - 1))
    return syntax_error(msg, text, origin, None, None)


def _kind_of(res) -> str:
    import pyoxigraph as ox

    if isinstance(res, ox.QueryBoolean):
        return "ask"
    if isinstance(res, ox.QueryTriples):
        return "graph"
    return "select"


# --------------------------------------------------------------------------------------------
# Loading the project
# --------------------------------------------------------------------------------------------


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
        from .safety import refuse_non_turtle

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

    from .load import _parse_quads

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

    from .load import load_rdf_file

    graph = Graph()
    for path in files if files is not None else project_files(root):
        part = load_rdf_file(path)
        for triple in (part.triples((None, None, None)) if not hasattr(part, "quads")
                       else (q[:3] for q in part.quads((None, None, None, None)))):
            graph.add(triple)
    return graph


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------

LABEL_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label ?pref WHERE {
  VALUES ?s { %s }
  { ?s skos:prefLabel ?label BIND(true AS ?pref) }
  UNION { ?s rdfs:label ?label BIND(false AS ?pref) }
}"""


def _pick_labels(pairs: Iterable[tuple[str, str, str | None, bool]], lang: str) -> dict[str, str]:
    """From (iri, label, language, is_pref) choose with :mod:`ipkg.labels`' rule."""
    return pick_all(((iri, label, label_lang, 0 if is_pref else 1) for iri, label, label_lang, is_pref in pairs),
                    order(lang), subtags=True)


class Engine:
    """Something that answers SPARQL: :meth:`run` and :meth:`labels`."""

    name = "engine"

    def run(self, text: str, params: Mapping | None = None, origin: str = "<query>") -> QueryResult:
        raise NotImplementedError

    def labels(self, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
        iris = sorted(set(iris))
        if not iris:
            return {}
        pairs = []
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            values = " ".join(f"<{i}>" for i in chunk if _safe_iri(i))
            if not values:
                continue
            res = self.run(LABEL_QUERY % values)
            for r in res.rows:
                label = r.get("label")
                if label and label["type"] == "literal":
                    is_pref = (r.get("pref") or {}).get("value") in ("true", "1")
                    pairs.append((r["s"]["value"], label["value"], label.get("xml:lang"), is_pref))
        return _pick_labels(pairs, lang)


def _safe_iri(iri: str) -> bool:
    return not re.search(r'[\x00-\x20<>"{}|^`\\]', iri)


class OxigraphEngine(Engine):
    """pyoxigraph: an in-memory store loaded from the project, or an on-disk store."""

    name = "oxigraph"

    def __init__(self, store, union_default_graph: bool = False):
        self.store = store
        self.union = union_default_graph

    def run(self, text, params=None, origin="<query>"):
        from .safety import refuse_service
        from .sandbox import run_isolated, supported

        # pyoxigraph would connect to the SERVICE IRI. The engine runs in a child without
        # network access (and some queries abort Oxigraph: ipkg.sandbox); where that sandbox
        # exists, the linear scan suffices for the message and rdflib's parse (0.2 s) is skipped
        refuse_service(text, origin, parse=not supported())
        _check_param_names(text, params, origin)

        return run_isolated(self._execute, text, params, origin, origin=origin)

    def _execute(self, text, params, origin):
        import pyoxigraph as ox

        subs = {ox.Variable(k): v for k, v in (params or {}).items()}
        try:
            try:
                res = self.store.query(text, substitutions=subs or None,
                                       use_default_graph_as_union=self.union)
            except RuntimeError as exc:
                # Oxigraph substitutes only variables the query projects (SEP-0007); for the
                # others bind through a VALUES block (terms serialised by pyoxigraph).
                if not subs or "projection" not in str(exc):
                    raise
                res = self.store.query(bind_values(text, params), use_default_graph_as_union=self.union)
        except SyntaxError as exc:
            raise _oxigraph_syntax_error(exc, text, origin) from None
        except (OSError, RuntimeError) as exc:
            raise IpkgError(f"query failed: {exc}", path=origin) from None
        kind = _kind_of(res)
        if kind == "ask":
            return QueryResult("ask", boolean=bool(res))
        if kind == "graph":
            return _graph_result((_from_oxigraph(t.subject), _from_oxigraph(t.predicate),
                                  _from_oxigraph(t.object)) for t in res)
        variables = [v.value for v in res.variables]
        rows = [{v: _from_oxigraph(sol[v]) for v in variables} for sol in res]
        return QueryResult("select", variables, rows)

    def labels(self, iris, lang="en"):
        import pyoxigraph as ox

        skos_pref = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
        rdfs_label = ox.NamedNode(PREFIXES["rdfs"] + "label")
        pairs = []
        for iri in set(iris):
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                continue
            for pred, is_pref in ((skos_pref, True), (rdfs_label, False)):
                for q in self.store.quads_for_pattern(node, pred, None, None if self.union else ox.DefaultGraph()):
                    if isinstance(q.object, ox.Literal):
                        pairs.append((iri, q.object.value, q.object.language, is_pref))
        return _pick_labels(pairs, lang)


class RdflibEngine(Engine):
    """rdflib's SPARQL engine over an in-memory Graph (slower; a cross-check)."""

    name = "rdflib"

    def __init__(self, graph):
        self.graph = graph

    def run(self, text, params=None, origin="<query>"):
        from .safety import refuse_service

        refuse_service(text, origin)  # rdflib would fetch the SERVICE IRI with urllib
        check_syntax(text, origin)  # one syntax-error format for every engine
        _check_param_names(text, params, origin)
        from .sandbox import run_isolated

        return run_isolated(self._execute, text, params, origin, origin=origin,
                            what="the query engine (rdflib)")

    def _execute(self, text, params, origin):
        from rdflib import Variable

        bindings = {Variable(k): to_rdflib(v) for k, v in (params or {}).items()}
        try:
            res = self.graph.query(text, initBindings=bindings or None)
        except Exception as exc:  # rdflib's parser and evaluator raise many types
            raise IpkgError(f"rdflib could not run the query: {exc}", path=origin) from None
        if res.type == "ASK":
            return QueryResult("ask", boolean=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return _graph_result((_from_rdflib(s), _from_rdflib(p), _from_rdflib(o))
                                 for s, p, o in res.graph)
        variables = [str(v) for v in res.vars]
        rows = [{v: _from_rdflib(row[i]) for i, v in enumerate(variables)} for row in res]
        return QueryResult("select", variables, rows)

    def labels(self, iris, lang="en"):
        from rdflib import Literal, URIRef
        from rdflib.namespace import RDFS, SKOS

        pairs = []
        for iri in set(iris):
            for pred, is_pref in ((SKOS.prefLabel, True), (RDFS.label, False)):
                for obj in self.graph.objects(URIRef(iri), pred):
                    if isinstance(obj, Literal):
                        pairs.append((iri, str(obj), obj.language, is_pref))
        return _pick_labels(pairs, lang)


def _check_param_names(text: str, params: Mapping | None, origin: str) -> None:
    """A parameter must name a variable of the query (a typo would silently bind nothing)."""
    body = _TOKEN_RE.sub(lambda m: " " if m.lastgroup in ("comment", "string", "iri") else m.group(), text)
    for name in params or {}:
        if not re.search(r"[?$]" + re.escape(name) + r"(?![\w])", body):
            raise IpkgError(f"the query has no variable ?{name} to bind", path=origin,
                            hint="--param NAME=VALUE binds ?NAME; check the spelling")


def _graph_result(triples: Iterable[tuple[Term, Term, Term]]) -> QueryResult:
    rows = [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]
    return QueryResult("graph", ["subject", "predicate", "object"], rows)


class EndpointEngine(Engine):
    """A SPARQL 1.1 Protocol endpoint, over HTTP with :mod:`ipkg.http`.

    A result is accepted only when the whole body arrived within ``timeout`` seconds and parses:
    a server that stops streaming at its time limit leaves a truncated body, which is an error.
    """

    name = "endpoint"

    def __init__(self, url: str, timeout: float = 30.0, user: str | None = None,
                 password: str | None = None, max_bytes: int = 512 * 1024 * 1024):
        from .http import check_url

        self.url = check_url(url)
        self.timeout = timeout
        self.user = user
        self.password = password
        self.max_bytes = max_bytes

    def run(self, text, params=None, origin="<query>"):
        from .safety import refuse_service

        refuse_service(text, origin)  # the server would connect to the SERVICE IRI on our behalf
        kind = check_syntax(text, origin)
        _check_param_names(text, params, origin)
        if params:
            text = bind_values(text, params)
        accept = {"select": "application/sparql-results+json",
                  "ask": "application/sparql-results+json",
                  "graph": "application/n-triples"}[kind]
        from .http import request

        reply = request(self.url, method="POST", data={"query": text}, accept=accept,
                        timeout=self.timeout, user=self.user, password=self.password,
                        max_bytes=self.max_bytes)
        body, ctype = reply.body, reply.media_type
        if kind == "graph":
            return _parse_graph_body(body, ctype, self.url)
        result = _parse_json_results(body, self.url)
        if kind == "ask" and result.kind == "select":
            return _virtuoso_ask(result, self.url)
        return result


def _virtuoso_ask(result: QueryResult, url: str) -> QueryResult:
    """Virtuoso 7.2 answers ASK with one row of one variable ``__ASK_RETVAL`` (1 or 0) instead
    of a boolean result; read that form, and refuse any other table as an answer to ASK."""
    if result.variables == ["__ASK_RETVAL"] and len(result.rows) <= 1:
        value = (result.rows[0].get("__ASK_RETVAL") or {}).get("value") if result.rows else "0"
        if value in ("0", "1", "true", "false"):
            return QueryResult("ask", boolean=value in ("1", "true"))
    raise IpkgError(f"{url} answered an ASK query with a table, not a boolean",
                    hint="the endpoint may not implement SPARQL 1.1 ASK results")


def _parse_json_results(body: bytes, url: str) -> QueryResult:
    bad = IpkgError(f"incomplete or invalid SPARQL JSON results from {url}",
                    hint="the server may have stopped at its time limit; narrow the query or "
                         "raise the server's --timeout-s")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad from None
    if not isinstance(doc, dict):
        raise bad
    if "boolean" in doc:
        if not isinstance(doc["boolean"], bool):
            raise bad
        return QueryResult("ask", boolean=doc["boolean"])
    try:
        variables = list(doc["head"].get("vars", []))
        bindings = doc["results"]["bindings"]
        if not isinstance(bindings, list):
            raise TypeError
        rows = []
        for b in bindings:
            row = {}
            for var in variables:
                term = b.get(var)
                if term is not None and (not isinstance(term, dict) or "type" not in term
                                         or "value" not in term):
                    raise TypeError
                if term is not None and term["type"] == "typed-literal":  # SPARQL 1.0 servers
                    term = {**term, "type": "literal"}
                if term is not None and term.get("datatype") in (XSD + "string", RDF_LANGSTRING):
                    term = {k: v for k, v in term.items() if k != "datatype"}
                row[var] = term
            rows.append(row)
    except (KeyError, TypeError, AttributeError):
        raise bad from None
    return QueryResult("select", variables, rows)


def _parse_graph_body(body: bytes, ctype: str, url: str) -> QueryResult:
    import pyoxigraph as ox

    if ctype in ("application/rdf+xml", "application/xml", "text/xml"):
        # pyoxigraph expands XML entities without bound (a 1 KB answer can exhaust memory)
        raise IpkgError(f"{url} answered XML ({ctype}), which ipkg does not parse",
                        hint="the endpoint ignored 'Accept: application/n-triples'")
    fmt = {"text/turtle": ox.RdfFormat.TURTLE,
           "application/n-quads": ox.RdfFormat.N_QUADS}.get(ctype, ox.RdfFormat.N_TRIPLES)
    if fmt == ox.RdfFormat.N_TRIPLES and body and not body.endswith(b"\n"):
        raise IpkgError(f"incomplete RDF response from {url} (body does not end with a newline)")
    try:
        triples = [(_from_oxigraph(q.subject), _from_oxigraph(q.predicate), _from_oxigraph(q.object))
                   for q in ox.parse(body, format=fmt)]
    except SyntaxError as exc:
        raise IpkgError(f"incomplete or invalid RDF response from {url}: {exc}") from None
    return _graph_result(triples)


# --------------------------------------------------------------------------------------------
# Binding parameters for endpoints
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r'(?P<comment>\#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<word>[A-Za-z_][\w\-]*)'
    r'|(?P<brace>[{}])'
    r'|(?P<other>.)', re.S)


def bind_values(text: str, params: Mapping) -> str:
    """Bind ``params`` for an endpoint: ``VALUES (?a ?b) { (t1 t2) }`` opens the top-level WHERE.

    The terms are written by pyoxigraph (N-Triples syntax, escaped), so a value can only ever be
    one RDF term – it cannot close the block or add clauses.
    """
    insert_at = None
    seen_where = False
    kind = None
    for m in _TOKEN_RE.finditer(text):
        if m.lastgroup == "word":
            word = m.group().upper()
            if kind is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                kind = word
            elif word == "WHERE" and kind is not None:
                seen_where = True
        elif m.lastgroup == "brace" and m.group() == "{" and kind is not None:
            if seen_where or kind in ("SELECT", "ASK", "DESCRIBE"):
                insert_at = m.end()
                break
    if insert_at is None:
        raise IpkgError("cannot find the WHERE clause to bind parameters into")
    names = list(params)
    values = " ".join(str(params[n]) for n in names)
    clause = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    return text[:insert_at] + clause + text[insert_at:]


# --------------------------------------------------------------------------------------------
# Running and printing
# --------------------------------------------------------------------------------------------

_ENGINE_CACHE: dict[tuple, Engine] = {}


def get_engine(engine: str = "oxigraph", *, endpoint: str | None = None, store: str | Path | None = None,
               root: Path | None = None, timeout: float = 30.0, user: str | None = None,
               password: str | None = None, cache: bool = True) -> Engine:
    """The engine the CLI options ask for (in-memory engines are cached per data root)."""
    if endpoint:
        return EndpointEngine(endpoint, timeout=timeout, user=user, password=password)
    if store:
        from .store import open_store

        path = Path(store)
        if not path.exists():
            raise IpkgError("no Oxigraph store here", path=path)
        return OxigraphEngine(open_store(path), union_default_graph=False)
    if engine not in ENGINES:
        raise IpkgError(f"unknown engine {engine!r}", hint=f"one of {', '.join(ENGINES)}")
    key = (engine, str(Path(root).resolve()) if root else str(paths.data_root()))
    if cache and key in _ENGINE_CACHE:
        return _ENGINE_CACHE[key]
    eng: Engine = OxigraphEngine(load_oxigraph(root)) if engine == "oxigraph" else RdflibEngine(load_rdflib(root))
    if cache:
        _ENGINE_CACHE[key] = eng
    return eng


def run_query(query: str, *, params=None, engine: str | Engine = "oxigraph", lang: str | None = None,
              **engine_options) -> QueryResult:
    """Resolve ``query`` (SPARQL, .rq path or example name), bind ``params``, run it.

    ``lang`` (``en``/``zh``) adds labels for the IRIs in the result.
    Example defaults (``# param:`` header lines) apply to parameters not given.
    """
    src = resolve_query(query)
    bound = {}
    if src.example is not None:
        bound.update(parse_params(src.example.params))
    bound.update(parse_params(params))
    eng = engine if isinstance(engine, Engine) else get_engine(engine, **engine_options)
    result = eng.run(vocab.with_prefixes(src.text), bound, src.origin)
    if lang:
        add_labels(result, eng, lang)
    return result


def add_labels(result: QueryResult, engine: Engine, lang: str = "en") -> QueryResult:
    iris = {t["value"] for r in result.rows for t in r.values() if t and t["type"] == "uri"}
    result.labels = engine.labels(iris, lang) if iris else {}
    return result


def _cell(term: Term | None, compact_iris: bool) -> str:
    if term is None:
        return ""
    if term["type"] == "uri":
        return compact(term["value"]) if compact_iris else term["value"]
    if term["type"] == "bnode":
        return "_:" + term["value"]
    return term["value"]  # no "@en": the column says what it holds; json/tsv keep the tag


def _nt(term: Term) -> str:
    import pyoxigraph as ox

    if term["type"] == "uri":
        return str(ox.NamedNode(term["value"]))
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if term.get("xml:lang"):
        return str(ox.Literal(term["value"], language=term["xml:lang"]))
    if term.get("datatype"):
        return str(ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"])))
    return str(ox.Literal(term["value"]))


def format_result(result: QueryResult, fmt: str = "table", labels: bool = True,
                  width: int | None = None) -> str:
    """Render for the terminal or a file: table, csv, tsv, json (SPARQL 1.1 JSON), md, ttl, nt.

    Labels (from :func:`add_labels`) appear as an extra ``<var>Label`` column after each column
    holding IRIs, in every format. ``table`` never cuts a value: with ``width`` (terminal
    columns) long cells wrap, else they are printed in full; language tags are not shown in
    ``table`` and ``md`` (``json`` and ``tsv`` keep them).
    """
    if fmt not in FORMATS:
        raise IpkgError(f"unknown format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    if fmt in ("ttl", "nt"):
        if result.kind != "graph":
            raise IpkgError(f"--format {fmt} is for CONSTRUCT/DESCRIBE queries",
                            hint="use table, csv, tsv, json or md for SELECT and ASK")
        nt = "".join(f"{_nt(r['subject'])} {_nt(r['predicate'])} {_nt(r['object'])} .\n"
                     for r in result.rows)
        if fmt == "nt":
            return nt
        from rdflib import Graph

        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, override=True)
        g.parse(data=nt, format="nt")
        return g.serialize(format="turtle")
    if fmt == "json":
        return json.dumps(result.to_sparql_json(with_labels=labels), ensure_ascii=False, indent=1) + "\n"
    if result.kind == "ask":
        return {"csv": "_askResult\r\n{}\r\n", "tsv": "?_askResult\n{}\n"}.get(fmt, "{}\n").format(
            "true" if result.boolean else "false")
    variables, rows = result.labelled() if labels else (result.variables, result.rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for r in rows:
            writer.writerow([_cell(r.get(v), False) for v in variables])
        return buf.getvalue()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_nt(r[v]) if r.get(v) else "" for v in variables) for r in rows]
        return "\n".join(lines) + "\n"
    table = [[_cell(r.get(v), True) for v in variables] for r in rows]
    if fmt == "md":
        esc = lambda s: s.replace("|", "\\|").replace("\n", " ")  # noqa: E731
        out = ["| " + " | ".join(variables) + " |", "|" + "---|" * len(variables)]
        out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in table]
        return "\n".join(out) + f"\n\n{len(rows)} row{'s' if len(rows) != 1 else ''}\n"
    return _text_table(variables, table, width) + f"{len(rows)} row{'s' if len(rows) != 1 else ''}\n"


def text_width(s: str) -> int:
    """Columns ``s`` takes in a terminal (wcwidth: CJK characters count 2, combining marks 0)."""
    import wcwidth

    return max(0, wcwidth.width(s))


def _text_table(headers: list[str], rows: list[list[str]], width: int | None = None) -> str:
    """A plain-text table whose columns line up in a terminal, also with Chinese text.

    Nothing is cut: with ``width`` (the terminal's columns) the widest columns are narrowed until
    the table fits and their cells wrap onto more lines (a blank line then separates rows);
    without it every cell is printed in full on one line.
    """
    import wcwidth

    sep = "  "
    cells = [[" ".join(c.split()) for c in row] for row in rows]
    natural = [max([text_width(h)] + [text_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    widths = list(natural)
    if width and headers:
        budget = width - len(sep) * (len(headers) - 1)
        floor = [min(text_width(h), 6) or 1 for h in headers]
        while sum(widths) > budget:
            narrowable = [i for i in range(len(widths)) if widths[i] > floor[i]]
            if not narrowable:
                break  # cannot narrow further: let the terminal wrap the lines
            widths[max(narrowable, key=lambda i: widths[i])] -= 1
    wrapped = widths != natural

    def lines_of(text: str, w: int) -> list[str]:
        if text_width(text) <= w:
            return [text]
        return wcwidth.wrap(text, w, break_long_words=True, break_on_hyphens=False) or [""]

    def render(row: list[str]) -> list[str]:
        parts = [lines_of(c, widths[i]) for i, c in enumerate(row)]
        height = max(len(p) for p in parts)
        return [sep.join(wcwidth.ljust(p[k] if k < len(p) else "", widths[i])
                         for i, p in enumerate(parts)).rstrip() for k in range(height)]

    out = render(headers) + [sep.join("-" * w for w in widths)]
    for n, row in enumerate(cells):
        if wrapped and n:
            out.append("")
        out += render(row)
    return "\n".join(out) + "\n"
