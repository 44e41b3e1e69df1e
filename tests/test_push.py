"""``ipkg push`` and the HTTP client (ipkg.http) against real stores and hostile loopback servers.

* a real Virtuoso (Debian package, Digest-auth Graph Store endpoint; tests/virtuoso.py);
* the real Oxigraph server behind a small loopback forwarder that asks for Basic credentials;
* loopback servers that redirect to another origin (recording whether credentials arrived),
  redirect a write, redirect to ftp://, or drip their answer one byte a second.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from ipkg import serve
from ipkg.cli import main
from ipkg.query import EndpointEngine

ALL = "https://w3id.org/ipkg/graph/all"


def site_graphs(site) -> dict[str, list]:
    """Graph IRI → triples of the build's ipkg.trig (what must arrive), plus ALL → ipkg.nt."""
    graphs: dict[str, list] = {}
    for q in ox.parse(path=str(site / "ipkg.trig"), format=ox.RdfFormat.TRIG):
        graphs.setdefault(q.graph_name.value, []).append(q.triple)
    graphs[ALL] = list(ox.parse(path=str(site / "ipkg.nt"), format=ox.RdfFormat.N_TRIPLES))
    return graphs


def sample(triples: list, k: int = 12) -> list:
    """Every n-th triple in a fixed order, k of them."""
    ordered = sorted(triples, key=str)
    step = max(1, len(ordered) // k)
    return ordered[::step][:k]


def assert_store_holds(select, graphs: dict[str, list]) -> None:
    """Per graph: the count equals, and a sample of triples is there, term for term."""
    values = " ".join(f"<{g}>" for g in graphs)
    rows = select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    counts = {str(r["g"]): int(str(r["n"])) for r in rows}
    assert counts == {g: len(t) for g, t in graphs.items()}
    for g, triples in graphs.items():
        picked = sample(triples)
        # one UNION branch per triple (Virtuoso's VALUES does not join some literals term for term)
        found = select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { %s } }"
                       % (g, " UNION ".join(f"{{ {t.subject} {t.predicate} {t.object} }}" for t in picked)))
        assert int(str(found[0]["n"])) == len(picked), g


# --------------------------------------------------------------------------- Virtuoso (Digest)


def test_push_to_virtuoso_round_trips_every_named_graph(virtuoso, built_dist, capsys):
    code = main(["push", "--endpoint", virtuoso.graph_store, "--site", str(built_dist), "--user", virtuoso.user,
                 "--password", virtuoso.password, "--default-graph", ALL, "--replace"])
    out, err = capsys.readouterr()
    assert code == 0, err
    graphs = site_graphs(built_dist)
    assert len(graphs) >= 10 and f"{sum(map(len, graphs.values()))} triples in {len(graphs)} graphs" in out
    assert f"counts checked at {virtuoso.sparql}" in out
    assert_store_holds(virtuoso.select, graphs)
    # the per-source provenance survives: a figure's triples are in its source document's graph
    rows = virtuoso.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/ipkg/id/source/')) }")
    assert {r["g"] for r in rows} == {g for g in graphs if g.startswith("https://w3id.org/ipkg/id/source/")}
    # POST of the same build again: RDF sets, so the counts stay and the check passes
    assert main(["push", "--endpoint", virtuoso.graph_store, "--site", str(built_dist), "--user", virtuoso.user,
                 "--password", virtuoso.password, "--default-graph", ALL]) == 0
    assert_store_holds(virtuoso.select, graphs)


def test_virtuoso_default_graph_and_wrong_password_are_clear_errors(virtuoso, built_dist, capsys):
    code = main(["push", "--endpoint", virtuoso.graph_store, "--site", str(built_dist), "--user", "dba",
                 "--password", "dba"])
    err = capsys.readouterr().err
    assert code == 2 and "HTTP 500" in err and "--default-graph" in err and "<" not in err
    code = main(["push", "--endpoint", virtuoso.graph_store, "--site", str(built_dist), "--user", "dba",
                 "--password", "wrong", "--default-graph", ALL])
    err = capsys.readouterr().err
    assert code == 2 and "refused access (HTTP 401" in err and "Traceback" not in err


def test_query_virtuoso_digest_endpoint(virtuoso, capsys):
    """Virtuoso's /sparql-auth wants Digest: ipkg answers the challenge."""
    q = "SELECT (1 AS ?n) WHERE {}"
    assert main(["query", "--endpoint", virtuoso.base + "/sparql-auth", q]) == 2
    assert "HTTP 401" in capsys.readouterr().err
    assert main(["query", "--endpoint", virtuoso.base + "/sparql-auth", "--user", "dba", "--password", "dba",
                 "--format", "csv", q]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]


# --------------------------------------------------------------------------- Oxigraph (Basic)


class _Server:
    """A ThreadingHTTPServer on a free loopback port running ``handler(self, request)``."""

    def __init__(self, answer):
        self.seen: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append({"method": self.command, "path": self.path,
                                   "authorization": self.headers.get("Authorization"), "bytes": len(body)})
                answer(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler, status, body=b"", headers=()):
    handler.send_response(status)
    for k, v in headers:
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


GOOD = "Basic " + base64.b64encode(b"alice:secret").decode()


@pytest.fixture()
def oxigraph_with_login():
    """The real Oxigraph server (writable, in memory) behind a forwarder that wants Basic alice:secret."""
    port = serve._free_loopback_port()
    proc = serve.start_server(None, f"127.0.0.1:{port}", read_only=False, quiet=True)

    def forward(handler, body):
        if handler.headers.get("Authorization") != GOOD:
            return reply(handler, 401, b"login required", [("WWW-Authenticate", 'Basic realm="ipkg-test"')])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {k: v for k, v in handler.headers.items() if k.lower() in ("content-type", "accept")}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        reply(handler, resp.status, data, [(k, v) for k, v in resp.getheaders() if k.lower() == "content-type"])
        conn.close()

    front = _Server(forward)
    try:
        yield front, f"http://127.0.0.1:{port}"
    finally:
        front.close()
        serve.stop_server(proc)


def test_push_to_oxigraph_with_basic_auth_round_trips_every_named_graph(oxigraph_with_login, built_dist, capsys):
    front, inner = oxigraph_with_login
    assert main(["push", "--endpoint", front.url + "/store", "--site", str(built_dist)]) == 2
    assert "refused access (HTTP 401" in capsys.readouterr().err
    code = main(["push", "--endpoint", front.url + "/store", "--site", str(built_dist), "--user", "alice",
                 "--password", "secret"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"counts checked at {front.url}/query" in out
    graphs = site_graphs(built_dist)
    merged = graphs.pop(ALL)
    engine = EndpointEngine(inner + "/query")
    assert_store_holds(lambda q: engine.run(q).plain_rows(), graphs)
    assert engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").plain_rows()[0]["n"] == len(merged)
    # credentials went only where asked: every request first without, then Basic after the 401
    writes = [r for r in front.seen if r["method"] == "POST" and "/store" in r["path"]]
    assert writes and writes[-1]["authorization"] == GOOD
    assert all(r["authorization"] in (None, GOOD) for r in front.seen)


def test_count_mismatch_is_exit_1(oxigraph_with_login, built_dist, capsys):
    """Counted at a store that did not receive the push (another real Oxigraph): exit 1, per graph."""
    front, _ = oxigraph_with_login
    port = serve._free_loopback_port()
    other = serve.start_server(None, f"127.0.0.1:{port}", read_only=False, quiet=True)
    try:
        code = main(["push", "--endpoint", front.url + "/store", "--site", str(built_dist), "--user", "alice",
                     "--password", "secret", "--replace", "--sparql", f"http://127.0.0.1:{port}/query"])
    finally:
        serve.stop_server(other)
    err = capsys.readouterr().err
    assert code == 1, err
    sent = sum(1 for line in (built_dist / "ipkg.nt").read_text(encoding="utf-8").splitlines() if line.strip())
    assert "does not hold what was pushed" in err and f"the default graph: sent {sent}" in err
    assert "https://w3id.org/ipkg/graph/sources: sent" in err and "holds 0" in err


# --------------------------------------------------------------------------- hostile servers


@pytest.fixture()
def recorder():
    server = _Server(lambda h, body: reply(h, 200, b'{"head":{"vars":[]},"results":{"bindings":[]}}',
                                           [("Content-Type", "application/sparql-results+json")]))
    yield server
    server.close()


def redirecting(location: str, status: int = 302):
    """Asks for Basic credentials, then answers ``status`` with ``location`` (the path appended)."""

    def answer(h, body):
        if h.headers.get("Authorization") != GOOD:
            return reply(h, 401, b"", [("WWW-Authenticate", 'Basic realm="x"')])
        reply(h, status, b"", [("Location", location + h.path)])

    return _Server(answer)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_origin_is_refused_and_gets_no_credentials(recorder, built_dist, status, capsys):
    front = redirecting(recorder.url, status)
    try:
        code = main(["push", "--endpoint", front.url + "/store", "--site", str(built_dist), "--user", "alice",
                     "--password", "secret", "--no-check"])
        err = capsys.readouterr().err
        assert code == 2 and f"HTTP {status}" in err and "never redirected" in err
        code = main(["query", "--endpoint", front.url + "/query", "--user", "alice", "--password", "secret",
                     "ASK {}"])
        err = capsys.readouterr().err
        assert code == 2 and "another origin" in err and recorder.url in err and "Traceback" not in err
    finally:
        front.close()
    assert recorder.seen == []  # neither the write nor the query (nor the password) arrived there
    assert all(r["authorization"] in (None, GOOD) for r in front.seen)


def test_redirect_within_the_origin_is_followed_for_reads_only(built_dist, capsys):
    def answer(h, body):
        if h.path.startswith("/old"):
            return reply(h, 307, b"", [("Location", "/new" + h.path[4:])])
        reply(h, 200, b'{"head":{"vars":[]},"boolean":true}', [("Content-Type", "application/sparql-results+json")])

    server = _Server(answer)
    try:
        assert main(["query", "--endpoint", server.url + "/old/query", "--format", "json", "ASK {}"]) == 0
        assert '"boolean": true' in capsys.readouterr().out
        assert [r["path"] for r in server.seen] == ["/old/query", "/new/query"]
        server.seen.clear()
        assert main(["push", "--endpoint", server.url + "/old/store", "--site", str(built_dist), "--no-check"]) == 2
        assert "HTTP 307" in capsys.readouterr().err
        assert [r["path"] for r in server.seen] == ["/old/store?default"]
    finally:
        server.close()


def test_redirect_to_other_schemes_and_other_schemes_are_refused(capsys):
    front = _Server(lambda h, body: reply(h, 302, b"", [("Location", "ftp://127.0.0.1/x")]))
    try:
        assert main(["query", "--endpoint", front.url + "/query", "ASK {}"]) == 2
        assert "not http(s)" in capsys.readouterr().err
    finally:
        front.close()
    for url in ("ftp://127.0.0.1/query", "file:///etc/passwd", "gopher://127.0.0.1/"):
        assert main(["query", "--endpoint", url, "ASK {}"]) == 2
        assert "not an http(s)" in capsys.readouterr().err
        assert main(["push", "--endpoint", url]) == 2
        assert "not an http(s)" in capsys.readouterr().err


def test_timeout_is_a_total_deadline_against_a_dripping_server(capsys):
    """Headers at once, then one byte a second: --timeout 2 ends the exchange in ~2 s, not per read."""
    stop = threading.Event()

    def drip(h, body):
        h.send_response(200)
        h.send_header("Content-Type", "application/sparql-results+json")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            for _ in range(60):
                if stop.is_set():
                    return
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(1)
        except OSError:
            pass

    server = _Server(drip)
    try:
        started = time.monotonic()
        code = main(["query", "--endpoint", server.url + "/query", "--timeout", "2", "ASK {}"])
        took = time.monotonic() - started
    finally:
        stop.set()
        server.close()
    assert code == 2 and "did not send a complete answer within 2 s" in capsys.readouterr().err
    assert took < 3.5, took


def test_credentials_in_the_url_are_sent_only_when_asked_and_never_printed(oxigraph_with_login, capsys):
    front, _ = oxigraph_with_login
    url = front.url.replace("http://", "http://alice:secret@") + "/query"
    assert main(["query", "--endpoint", url, "--format", "csv", "SELECT (1 AS ?n) WHERE {}"]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]
    assert [r["authorization"] for r in front.seen] == [None, GOOD]
    wrong = front.url.replace("http://", "http://alice:wrong@") + "/query"
    assert main(["query", "--endpoint", wrong, "ASK {}"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "wrong" not in err.replace("--user/--password", "")
