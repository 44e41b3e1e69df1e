"""The answer to a query, whatever engine produced it: :class:`QueryResult` over SPARQL 1.1 JSON
terms, and the engine-independent forms tests and ``ipkg.api`` compare."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..vocab import compact

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


NUMERIC_TYPES = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                                   "byte", "nonNegativeInteger", "positiveInteger",
                                   "negativeInteger", "nonPositiveInteger", "unsignedInt",
                                   "unsignedLong", "unsignedShort", "unsignedByte")}

Term = dict  # a SPARQL 1.1 JSON results term: {"type": "uri"|"literal"|"bnode", "value": …}
Row = dict[str, Term | None]  # variable -> term; None where the variable is unbound


@dataclass
class QueryResult:
    """The answer to one query, whatever engine produced it.

    ``kind`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE). Graph results are also
    given as rows over ``subject``/``predicate``/``object`` so every output format works.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    labels: dict[str, str] = field(default_factory=dict)  # IRI -> label, filled by add_labels

    def to_sparql_json(self, with_labels: bool = False) -> dict:
        """The SPARQL 1.1 Query Results JSON document (labels as extra ``<var>Label`` columns)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        variables, rows = self.labelled() if with_labels else (self.variables, self.rows)
        return {"head": {"vars": list(variables)},
                "results": {"bindings": [{k: v for k, v in r.items() if v is not None} for r in rows]}}

    def labelled(self) -> tuple[list[str], list[Row]]:
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
        rows: list[Row] = []
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


def _graph_result(triples: Iterable[tuple[Term | None, Term | None, Term | None]]) -> QueryResult:
    rows: list[Row] = [{"subject": s, "predicate": p, "object": o} for s, p, o in triples]
    return QueryResult("graph", ["subject", "predicate", "object"], rows)
