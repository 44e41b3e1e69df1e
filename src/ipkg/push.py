"""Upload the build to a SPARQL 1.1 Graph Store Protocol endpoint (``ipkg push``).

``POST`` adds the triples of ``dist/ipkg.nt`` to the target graph, ``PUT`` (``--replace``)
replaces the graph's content. The target is the default graph (``?default``) or a named graph
(``?graph=IRI``), appended to the endpoint URL unless it already carries one of them.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .errors import IpkgError
from .query import http_request


@dataclass
class PushResult:
    url: str
    method: str
    triples: int
    bytes: int


def target_url(endpoint: str, graph: str | None = None) -> str:
    """``endpoint?default`` or ``endpoint?graph=<IRI>`` (kept as given when already present)."""
    if not re.match(r"https?://", endpoint):
        raise IpkgError(f"not an http(s) URL: {endpoint!r}", hint="e.g. http://127.0.0.1:7878/store")
    parts = urllib.parse.urlsplit(endpoint)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    if "graph" in query or "default" in query:
        if graph:
            raise IpkgError("the endpoint URL already names a graph; drop --graph or the ?graph=/?default")
        return endpoint
    if graph:
        if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*$", graph):
            raise IpkgError(f"--graph must be an absolute IRI, got {graph!r}")
        extra = urllib.parse.urlencode({"graph": graph})
    else:
        extra = "default"
    sep = "&" if parts.query else ""
    return urllib.parse.urlunsplit(parts._replace(query=parts.query + sep + extra))


def push(endpoint: str, *, dist: Path = Path("dist"), graph: str | None = None, replace: bool = False,
         user: str | None = None, password: str | None = None, timeout: float = 120.0) -> PushResult:
    """Send ``dist/ipkg.nt`` to the Graph Store endpoint; raises IpkgError (exit 2) on failure."""
    nt = Path(dist) / "ipkg.nt"
    if not nt.is_file():
        raise IpkgError("no ipkg.nt to push", path=nt.parent, hint="run 'ipkg build' first")
    data = nt.read_bytes()
    url = target_url(endpoint, graph)
    method = "PUT" if replace else "POST"
    http_request(url, data=data, method=method, content_type="application/n-triples",
                 timeout=timeout, user=user, password=password)
    triples = sum(1 for line in data.splitlines() if line.strip() and not line.startswith(b"#"))
    return PushResult(url, method, triples, len(data))
