"""A SPARQL 1.1 Protocol endpoint as an engine, and the readers of what endpoints answer."""

from __future__ import annotations

import json

from ..errors import IpkgError
from ..terms import to_json as _from_oxigraph
from .engines import Engine
from .params import _check_param_names, bind_values
from .results import RDF_LANGSTRING, XSD, QueryResult, _graph_result
from .syntax import check_syntax


class EndpointEngine(Engine):
    """A SPARQL 1.1 Protocol endpoint, over HTTP with :mod:`ipkg.http`.

    A result is accepted only when the whole body arrived within ``timeout`` seconds and parses:
    a server that stops streaming at its time limit leaves a truncated body, which is an error.
    """

    name = "endpoint"

    def __init__(self, url: str, timeout: float = 30.0, user: str | None = None,
                 password: str | None = None, max_bytes: int = 512 * 1024 * 1024):
        from ..http import check_url

        self.url = check_url(url)
        self.timeout = timeout
        self.user = user
        self.password = password
        self.max_bytes = max_bytes

    def run(self, text, params=None, origin="<query>"):
        from ..safety import refuse_service

        refuse_service(text, origin)  # the server would connect to the SERVICE IRI on our behalf
        kind = check_syntax(text, origin)
        _check_param_names(text, params, origin)
        if params:
            text = bind_values(text, params)
        accept = {"select": "application/sparql-results+json",
                  "ask": "application/sparql-results+json",
                  "graph": "application/n-triples"}[kind]
        from ..http import request

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
