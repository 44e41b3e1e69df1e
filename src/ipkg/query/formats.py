"""Writing a result: table, csv, tsv, json (SPARQL 1.1 JSON), md, ttl, nt."""

from __future__ import annotations

import csv
import io
import json

from ..errors import IpkgError
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
