"""A SPARQL 1.1 endpoint seen through the part of ``pyoxigraph.Store`` the store validator uses.

``ipkg validate --endpoint URL`` runs :func:`ipkg.store_validate.validate_store_graph` — the same
compiled SHACL Core queries, the same SHACL-SPARQL runner, the same pyshacl-on-batches path — on
an :class:`EndpointStore` instead of an on-disk Oxigraph store, so data that lives in another
engine (Virtuoso, QLever, GraphDB, a remote Oxigraph …) is checked where it lives. Every request
goes through :mod:`ipkg.http` (the project's one HTTP client: http(s) only, credentials only to
the origin named, a total deadline per request, bounded answers).

* **Paging.** Servers cap result sets (Virtuoso's ``ResultSetMaxRows``, 100,000 in Debian's
  default, cuts a larger answer *silently*), so every SELECT is sent as
  ``SELECT * WHERE { { query } } LIMIT page``; an answer that fills the page is fetched again,
  page by page, with ``ORDER BY`` on every projected variable (an order is what makes
  ``OFFSET`` well defined across requests). Most validation queries return no row, so they cost
  one unordered request.
* **Time limits.** ``timeout``: seconds for one complete answer (connect, body); ``time_limit``:
  seconds for the whole validation — the next request after it is refused with an
  :class:`ipkg.errors.IpkgError` (exit 2), never a partial report.
* **Pre-bound variables** (``$this``, ``$currentShape``, component parameters: SHACL 5.6)
  cannot be sent as Oxigraph's query substitutions over the protocol; they are written into the
  query text, as SHACL defines pre-binding: each occurrence is replaced by the term, and in a
  ``SELECT`` projection by ``(term AS ?var)``.
* **The default graph** of the queries is the endpoint's default graph: Virtuoso's is the union
  of its graphs; an Oxigraph server holding data in named graphs must be started with
  ``--union-default-graph``.

Not available over the protocol: ``$shapesGraph`` (the shapes would have to be written into the
remote dataset; refused with a clear error), and the description of blank nodes (a blank node
label in an answer names no node in the next query): blank-node focus nodes and values are
reported, but pyshacl batches do not follow blank nodes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from .errors import IpkgError
from .terms import from_json

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Row:
    """One solution: ``row["var"]``, ``row[ox.Variable("var")]`` or ``row[i]`` (None if unbound),
    as pyoxigraph's ``QuerySolution``."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: list[str], values: list):
        self._names, self._values = names, values

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._values[key]
        name = key if isinstance(key, str) else key.value
        try:
            return self._values[self._names.index(name)]
        except ValueError:
            return None

    def __iter__(self):
        return iter(self._values)


class Solutions:
    """A list of :class:`Row` with ``variables`` (pyoxigraph ``Variable`` objects), like
    pyoxigraph's ``QuerySolutions``."""

    def __init__(self, names: list[str], rows: list[Row]):
        import pyoxigraph as ox

        self.names = names
        self.variables = [ox.Variable(n) for n in names]
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


_HEAD = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def substitute(text: str, subs: dict) -> str:
    """``text`` with each pre-bound variable (name -> pyoxigraph term) written as its term
    (SHACL 5.6); in the query's SELECT projection (outside parentheses) as ``(term AS ?name)``
    (in a sub-SELECT's it is left out), after GROUP BY / ORDER BY as ``(term)``."""
    if not subs:
        return text
    from .sparql_constraints import _masked

    masked = _masked(text)
    names = "|".join(re.escape(n) for n in subs)
    heads = [(m.end(), _head_end(masked, m.end())) for m in re.finditer(r"\bSELECT\b", masked, re.IGNORECASE)]
    out: list[str] = []
    last = 0
    for m in re.finditer(r"[?$](" + names + r")\b", masked):
        term = str(subs[m.group(1)])
        start = m.start()
        in_head = next(((a, b) for a, b in heads if a <= start < b), None)
        if in_head is not None and masked[in_head[0]:start].count("(") == masked[in_head[0]:start].count(")"):
            if in_head == heads[0]:  # the query's own projection: the value is returned
                rep = f"({term} AS ?{m.group(1)})"
            else:  # a sub-SELECT: the outer query has the value anyway (binding the name twice is
                # an error); a placeholder keeps the projection from becoming empty
                rep = f"(1 AS ?__prebound{len(out)})"
        elif re.search(r"\b(GROUP|ORDER)\s+BY\b[^{}]*$", masked[:start], re.IGNORECASE):
            rep = f"({term})"
        else:
            rep = term
        out.append(text[last:start])
        out.append(rep)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _head_end(masked: str, pos: int) -> int:
    m = re.compile(r"\bWHERE\b|\{", re.IGNORECASE).search(masked, pos)
    return m.start() if m else len(masked)


class EndpointStore:
    """Read access to a SPARQL 1.1 Protocol endpoint with pyoxigraph ``Store``'s ``query`` and
    ``quads_for_pattern``; see the module docstring for paging, time limits and limits."""

    def __init__(self, url: str, *, timeout: float = 60.0, time_limit: float | None = None,
                 page_size: int = 10_000, user: str | None = None, password: str | None = None):
        from .http import check_url

        if page_size < 1:
            raise IpkgError(f"the page size must be at least 1, got {page_size}")
        self.url = check_url(url, "endpoint URL")
        self.timeout = timeout
        self.time_limit = time_limit
        self.page_size = page_size
        self.user, self.password = user, password
        self.started = time.monotonic()
        self.requests = 0

    def spec(self) -> dict:
        """What a worker process needs to open the same endpoint."""
        return {"url": self.url, "timeout": self.timeout, "page_size": self.page_size, "user": self.user,
                "password": self.password,
                "time_limit": None if self.time_limit is None else
                max(0.001, self.time_limit - (time.monotonic() - self.started))}

    # ------------------------------------------------------------------ HTTP

    def _post(self, text: str) -> bytes:
        from .http import request

        if self.time_limit is not None:
            left = self.time_limit - (time.monotonic() - self.started)
            if left <= 0:
                raise self._over_time()
            timeout = min(self.timeout, left)
        else:
            timeout = self.timeout
        self.requests += 1
        try:
            reply = request(self.url, method="POST", data={"query": text},
                            accept="application/sparql-results+json", timeout=timeout,
                            user=self.user, password=self.password)
        except IpkgError:
            # a request cut short by what was left of --time-limit: say so, not "the server is slow"
            if self.time_limit is not None and time.monotonic() - self.started >= self.time_limit:
                raise self._over_time() from None
            raise
        return reply.body

    def _over_time(self) -> IpkgError:
        return IpkgError(f"validation at {self.url} did not finish within the time limit "
                         f"({self.time_limit:g} s); no report was written",
                         hint="raise --time-limit, or validate a smaller part of the data")

    def _select_page(self, text: str) -> tuple[list[str], list[Row]]:
        from .query import _parse_json_results

        res = _parse_json_results(self._post(text), self.url)
        if res.kind != "select":
            raise IpkgError(f"{self.url} answered a SELECT query with a boolean")
        names = res.variables
        return names, [Row(names, [from_json(r.get(n)) for n in names]) for r in res.rows]

    # ------------------------------------------------------------------ the Store interface

    def query(self, text: str, *, substitutions: dict | None = None, use_default_graph_as_union: bool = True,
              **options) -> Solutions:
        """Run a SELECT (or ASK, answered as a SELECT: one row for true) on the endpoint, all pages.

        ``use_default_graph_as_union`` is accepted and left to the endpoint (see the module
        docstring); ``default_graph`` & co (a dataset beside the data) are refused."""
        import pyoxigraph as ox

        if options:
            raise IpkgError(f"{self.url}: a query that needs its own dataset ($shapesGraph) cannot run "
                            "on a remote endpoint", hint="validate a store made with 'ipkg load' instead")
        if substitutions:
            text = substitute(text, {v.value: t for v, t in substitutions.items()})
        masked = _masked_text(text)
        m = _HEAD.search(masked)
        if m is None:
            raise IpkgError("not a SPARQL query", hint=text[:200])
        prologue, body = text[:m.start()], text[m.start():]
        if m.group(1).upper() == "ASK":
            body = "SELECT (1 AS ?__true) " + body[m.end() - m.start():] + " LIMIT 1"
            names, rows = self._select_page(prologue + body)
            return Solutions(names, rows)
        if m.group(1).upper() != "SELECT":
            raise IpkgError("only SELECT and ASK queries are sent to an endpoint by the validator")
        try:  # the projected variables, as the query's own engine reads them
            parsed = ox.Store().query(prologue + body)
            assert isinstance(parsed, ox.QuerySolutions)  # a SELECT (checked above)
            names = [v.value for v in parsed.variables]
        except SyntaxError as exc:
            raise IpkgError(f"a validation query does not parse: {exc}", hint=text[:300]) from None
        page = self.page_size
        # the paging clauses go after the query's own solution modifiers where that is valid; only
        # a query with its own LIMIT/OFFSET/VALUES at the end is wrapped in SELECT * { … }.
        # (Virtuoso 7.2 fails with an internal compiler error, "subq ot was supposed to be
        # found", on some wrapped sub-SELECTs with EXISTS inside BIND, e.g. ipkg's growth-rate
        # rule, so wrapping is avoided where it is not needed.)
        mb = masked[m.start():]
        open_at = mb.find("{")
        tail = mb[_close(mb, open_at) + 1:] if open_at >= 0 else ""
        if re.search(r"\b(LIMIT|OFFSET|VALUES)\b", tail, re.IGNORECASE):
            body, has_order = f"SELECT * WHERE {{ {body}\n}}", False
        else:
            has_order = re.search(r"\bORDER\s+BY\b", tail, re.IGNORECASE) is not None
        _, rows = self._select_page(f"{prologue}{body}\nLIMIT {page}")
        rows = [Row(names, [r[n] for n in names]) for r in rows]
        if len(rows) < page:
            return Solutions(names, rows)
        # more than a page: fetch again in a defined order (the query's own, then every projected
        # variable), page by page
        # (a variable the query orders by already is not repeated: Virtuoso 7.2 then returns
        # some rows twice)
        order_by = re.search(r"\bORDER\s+BY\b(.*)$", tail, re.IGNORECASE | re.S) if has_order else None
        own = order_by.group(1) if order_by else ""
        extra = [n for n in names if not re.search(r"[?$]" + re.escape(n) + r"\b", own)]
        order = ("" if has_order else "ORDER BY ") + " ".join(f"?{n}" for n in extra)
        rows = []
        offset = 0
        while True:
            _, got = self._select_page(f"{prologue}{body}\n{order} LIMIT {page} OFFSET {offset}")
            rows += [Row(names, [r[n] for n in names]) for r in got]
            if len(got) < page:
                return Solutions(names, rows)
            offset += page

    def quads_for_pattern(self, s, p, o, g=None) -> Iterator:
        """The triples matching the pattern, as pyoxigraph quads in the default graph. A blank node
        in the pattern matches nothing: its label names no node at the endpoint."""
        import pyoxigraph as ox

        if any(isinstance(t, ox.BlankNode) for t in (s, p, o)):
            return iter(())
        terms = [str(t) if t is not None else f"?{v}" for t, v in ((s, "s"), (p, "p"), (o, "o"))]
        proj = " ".join(f"?{v}" for t, v in ((s, "s"), (p, "p"), (o, "o")) if t is None)
        if not proj:
            q = f"SELECT (1 AS ?x) WHERE {{ {' '.join(terms)} }}"
            return iter([ox.Quad(s, p, o, ox.DefaultGraph())] if len(self.query(q)) else [])
        res = self.query(f"SELECT {proj} WHERE {{ {' '.join(terms)} }}")
        return iter([ox.Quad(s if s is not None else r["s"], p if p is not None else r["p"],
                             o if o is not None else r["o"], ox.DefaultGraph()) for r in res])

    def quads_for_subjects(self, subjects, predicate=None, chunk: int = 200) -> Iterator:
        """The triples of many subjects (with ``predicate`` only, if given), ``chunk`` subjects
        per request (a VALUES block): what the batches' subgraph extraction asks for, without one
        request per node. Blank-node subjects are skipped (see :meth:`quads_for_pattern`)."""
        import pyoxigraph as ox

        named = [s for s in subjects if isinstance(s, ox.NamedNode)]
        pred = str(predicate) if predicate is not None else "?p"
        for i in range(0, len(named), chunk):
            values = " ".join(str(s) for s in named[i:i + chunk])
            res = self.query(f"SELECT ?s {'?p ' if predicate is None else ''}?o "
                             f"WHERE {{ VALUES ?s {{ {values} }} ?s {pred} ?o }}")
            for r in res:
                yield ox.Quad(r["s"], predicate if predicate is not None else r["p"], r["o"], ox.DefaultGraph())

    def backup(self, *_):
        raise IpkgError(f"{self.url}: $shapesGraph needs the shapes graph beside the data, which ipkg "
                        "does not write into a remote endpoint",
                        hint="validate a store made with 'ipkg load' instead")

    named_graphs = backup


def _close(text: str, start: int) -> int:
    """Index of the brace closing the one at ``start`` (in masked text)."""
    from .sparql_constraints import _top_group_end

    end = _top_group_end(text, start)
    if end is None:
        raise IpkgError("unbalanced braces in a validation query")
    return end


def _masked_text(text: str) -> str:
    from .sparql_constraints import _masked

    return _masked(text)


def open_endpoint(spec: dict) -> EndpointStore:
    return EndpointStore(**spec)
