"""Upload a build to a SPARQL 1.1 Graph Store Protocol endpoint (``ipkg push``), then check it.

What is sent (one HTTP request per graph, through :mod:`ipkg.http`):

* the merged graph (``site/ipkg.nt``) to the store's default graph (``?default``), or to the named
  graph given as ``default_graph`` (``--default-graph IRI``; Virtuoso, for one, does not accept
  writes to its default graph);
* every named graph of ``site/ipkg.trig`` to the graph of the same name (``?graph=IRI``): one
  per source document and one per reference file, so the store keeps the per-source provenance.

``POST`` adds the triples to each graph, ``PUT`` (``replace=True``) replaces each graph's content.

Afterwards the triples of every target graph are counted through the store's SPARQL query
endpoint (given, or derived from the Graph Store URL for Oxigraph ``/store`` → ``/query``,
Virtuoso ``/sparql-graph-crud[-auth]`` → ``/sparql``, Fuseki ``/data`` → ``/sparql``) and
compared with what was sent: after a ``PUT`` the counts must be equal, after a ``POST`` the
graph must hold at least what was sent and at most that plus what it held before. A mismatch is
an :class:`~ipkg.errors.IpkgError` with exit code 1 naming each graph.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EXIT_FAILED, IpkgError
from .http import check_url, request

#: SPARQL query endpoint of well-known Graph Store endpoints: path suffix → replacement
SPARQL_FOR_STORE = (
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso (Digest auth)
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
    ("/store", "/query"),  # Oxigraph
    ("/data", "/sparql"),  # Apache Jena Fuseki
)

DEFAULT = None  # the store's default graph, as a target
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*$")


@dataclass
class GraphPush:
    """One graph sent: its name (None: the default graph), URL, triples and bytes sent, count after."""

    graph: str | None
    url: str
    triples: int
    bytes: int
    before: int | None = None
    after: int | None = None


@dataclass
class PushResult:
    method: str
    graphs: list[GraphPush] = field(default_factory=list)
    sparql: str | None = None  # where the counts were checked; None when not checked

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    @property
    def bytes(self) -> int:
        return sum(g.bytes for g in self.graphs)

    @property
    def url(self) -> str:  # the first target (the merged graph), as before named graphs were pushed
        return self.graphs[0].url


def target_url(endpoint: str, graph: str | None = None) -> str:
    """``endpoint?default`` or ``endpoint?graph=<IRI>`` (kept as given when already present)."""
    check_url(endpoint, "Graph Store endpoint")
    parts = urllib.parse.urlsplit(endpoint)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    if "graph" in query or "default" in query:
        raise IpkgError("the endpoint URL already names a graph (?graph= or ?default); give the bare "
                        "Graph Store URL", hint="use --default-graph IRI to choose where the merged graph goes")
    if graph:
        if not _IRI.match(graph):
            raise IpkgError(f"not an absolute IRI: {graph!r}", hint="e.g. https://w3id.org/ipkg/graph/all")
        extra = urllib.parse.urlencode({"graph": graph})
    else:
        extra = "default"
    sep = "&" if parts.query else ""
    return urllib.parse.urlunsplit(parts._replace(query=parts.query + sep + extra))


def sparql_for(endpoint: str) -> str | None:
    """The SPARQL query endpoint beside a well-known Graph Store endpoint, or None."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for suffix, replacement in SPARQL_FOR_STORE:
        if path.endswith(suffix):
            return urllib.parse.urlunsplit(parts._replace(path=path[: -len(suffix)] + replacement, query=""))
    return None


def build_graphs(site: Path, default_graph: str | None = None,
                 named: bool = True) -> list[tuple[str | None, bytes, int]]:
    """(graph IRI or None for the default graph, N-Triples bytes, triple count) for every graph to send."""
    import pyoxigraph as ox

    from .export import serialize_ntriples

    site = Path(site)
    nt = site / "ipkg.nt"
    if not nt.is_file():
        raise IpkgError("no ipkg.nt to push", path=site, hint="run 'ipkg build' first (or give --site DIR)")
    merged = nt.read_bytes()
    count = sum(1 for line in merged.splitlines() if line.strip() and not line.startswith(b"#"))
    out: list[tuple[str | None, bytes, int]] = [(default_graph, merged, count)]
    if not named:
        return out
    trig = site / "ipkg.trig"
    if not trig.is_file():
        raise IpkgError("no ipkg.trig (the named graphs) to push", path=site,
                        hint="rebuild with 'ipkg build', or push only the merged graph with --no-named-graphs")
    by_graph: dict[str, list] = {}
    try:
        for quad in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.NamedNode):
                by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    except SyntaxError as exc:
        raise IpkgError(f"cannot read the named graphs: {exc}", path=trig, hint="rebuild with 'ipkg build'") from None
    if default_graph in by_graph:
        raise IpkgError(f"--default-graph {default_graph} is also one of the build's named graphs",
                        hint="choose another IRI, e.g. https://w3id.org/ipkg/graph/all")
    for name in sorted(by_graph):
        data = serialize_ntriples(by_graph[name])
        out.append((name, data, data.count(b"\n")))
    return out


def count_triples(sparql: str, graphs: list[str | None], *, timeout: float, user=None, password=None) -> dict:
    """Graph IRI (None: the default graph) → number of triples, counted by the SPARQL endpoint."""
    from .query import EndpointEngine

    engine = EndpointEngine(sparql, timeout=timeout, user=user, password=password)
    counts: dict[str | None, int] = {}
    names = [g for g in graphs if g is not None]
    if names:
        values = " ".join(f"<{g}>" for g in names)
        rows = engine.run(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                          "GROUP BY ?g", origin=sparql).plain_rows()
        counts = {g: 0 for g in names}
        for row in rows:
            counts[str(row["g"])] = int(str(row["n"]))
    if None in graphs:
        rows = engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", origin=sparql).plain_rows()
        counts[None] = int(str(rows[0]["n"])) if rows else 0
    return counts


def push(endpoint: str, *, site: Path = Path("site"), default_graph: str | None = None, named: bool = True,
         replace: bool = False, user: str | None = None, password: str | None = None, timeout: float = 120.0,
         sparql: str | None = None, check: bool = True, echo=None) -> PushResult:
    """Send the build's graphs to the Graph Store ``endpoint`` and check the counts afterwards.

    ``timeout`` bounds the whole push (every request and the check). Raises IpkgError: exit
    code 2 when a request fails, 1 when the store does not hold what was sent.
    """
    deadline = time.monotonic() + timeout
    check_url(endpoint, "Graph Store endpoint")

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise IpkgError(f"the push did not finish within {timeout:g} s", hint="raise --timeout")
        return left

    graphs = build_graphs(site, default_graph, named)
    method = "PUT" if replace else "POST"
    result = PushResult(method)
    if check:
        sparql = sparql or sparql_for(endpoint)
        if sparql is None and echo:
            echo(f"counts not checked: no SPARQL endpoint known for {endpoint} (give --sparql URL)")
        result.sparql = sparql
    names = [g for g, _, _ in graphs]
    before = {}
    if result.sparql and not replace:
        before = count_triples(result.sparql, names, timeout=remaining(), user=user, password=password)
    for name, data, n in graphs:
        url = target_url(endpoint, name)
        try:
            request(url, method=method, data=data, content_type="application/n-triples", timeout=remaining(),
                    user=user, password=password, write=True, max_bytes=1024 * 1024)
        except IpkgError as exc:
            if name is None and "HTTP 5" in exc.message and not exc.hint:
                exc.hint = ("some stores (Virtuoso) do not accept writes to their default graph: "
                            "send the merged graph to a named graph with --default-graph IRI")
            raise
        result.graphs.append(GraphPush(name, url, n, len(data), before.get(name)))
        if echo:
            echo(f"{method} {url}: {n} triples")
    if result.sparql:
        after = count_triples(result.sparql, names, timeout=remaining(), user=user, password=password)
        wrong = []
        for g in result.graphs:
            g.after = after.get(g.graph, 0)
            low, high = g.triples, g.triples + (g.before or 0)
            if not (low <= g.after <= high):
                expected = f"{low}" if low == high else f"{low} to {high}"
                wrong.append(f"{g.graph or 'the default graph'}: sent {g.triples}, the store holds {g.after} "
                             f"(expected {expected})")
        if wrong:
            raise IpkgError(
                f"the store does not hold what was pushed ({len(wrong)} of {len(result.graphs)} graphs differ):\n  "
                + "\n  ".join(wrong),
                hint=f"counted with {result.sparql}; a store whose default graph is the union of its graphs "
                     "counts them all there: use --default-graph IRI, or --replace to start from empty graphs",
                exit_code=EXIT_FAILED)
    return result
