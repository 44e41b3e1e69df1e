"""Parameters (``--param name=value``): parsed as RDF terms, bound as terms, never pasted as text.

An endpoint cannot take bindings, so :func:`bind_values` writes the terms (serialised by
pyoxigraph) into a ``VALUES`` block at the start of the top-level ``WHERE`` group."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from .. import sparql_lex
from ..errors import IpkgError
from ..vocab import PREFIXES
from .results import XSD

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
            left, sep, right = item.partition("=")
            if not sep:
                raise IpkgError(f"bad --param {item!r}", hint="write --param name=value")
            pairs.append((left.strip(), right))
    for key, value in pairs:
        name = key.lstrip("?$")
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


def _check_param_names(text: str, params: Mapping | None, origin: str) -> None:
    """A parameter must name a variable of the query (a typo would silently bind nothing)."""
    body = sparql_lex.blank_out(text)
    for name in params or {}:
        if not re.search(r"[?$]" + re.escape(name) + r"(?![\w])", body):
            raise IpkgError(f"the query has no variable ?{name} to bind", path=origin,
                            hint="--param NAME=VALUE binds ?NAME; check the spelling")


def bind_values(text: str, params: Mapping) -> str:
    """Bind ``params`` for an endpoint: ``VALUES (?a ?b) { (t1 t2) }`` opens the top-level WHERE.

    The terms are written by pyoxigraph (N-Triples syntax, escaped), so a value can only ever be
    one RDF term – it cannot close the block or add clauses.
    """
    insert_at = None
    seen_where = False
    kind = None
    for token, start, end in sparql_lex.tokens(text):
        if token == sparql_lex.NAME:
            word = text[start:end].upper()
            if kind is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                kind = word
            elif word == "WHERE" and kind is not None:
                seen_where = True
        elif token == sparql_lex.PUNCT and kind is not None and "{" in text[start:end]:
            if seen_where or kind in ("SELECT", "ASK", "DESCRIBE"):
                insert_at = text.index("{", start, end) + 1
                break
    if insert_at is None:
        raise IpkgError("cannot find the WHERE clause to bind parameters into")
    names = list(params)
    values = " ".join(str(params[n]) for n in names)
    clause = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    return text[:insert_at] + clause + text[insert_at:]
