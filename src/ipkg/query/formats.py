"""Writing a result: table, csv, tsv, json (SPARQL 1.1 JSON), md, ttl, nt."""

from __future__ import annotations

import csv
import io
import json

from ..errors import IpkgError
from ..textable import markdown_table, text_table
from ..vocab import PREFIXES, compact
from .results import QueryResult, Term

FORMATS = ("table", "csv", "tsv", "json", "md", "ttl", "nt")


def _cell(term: Term | None, compact_iris: bool) -> str:
    if term is None:
        return ""
    if term["type"] == "uri":
        return compact(term["value"]) if compact_iris else term["value"]
    if term["type"] == "bnode":
        return "_:" + term["value"]
    return term["value"]  # no "@en": the column says what it holds; json/tsv keep the tag


def _nt(term: Term | None) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
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
        return "\n".join(markdown_table(variables, table)) + f"\n\n{len(rows)} row{'s' if len(rows) != 1 else ''}\n"
    return text_table(variables, table, width) + f"{len(rows)} row{'s' if len(rows) != 1 else ''}\n"
