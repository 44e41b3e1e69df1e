"""The real Oxigraph server: read-only serving of the build, time limits, writes refused, push.

Every server here listens on 127.0.0.1 on a free port, waits are bounded, and the process is
always stopped by the fixture (no server outlives the tests).
"""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ipkg import query, serve
from ipkg.cli import main

EXPECTED = Path(__file__).parent / "data" / "expected"
SMOKE = ["org-hierarchy", "growth-rates", "sums-not-adding-up", "lookup-by-chinese-name",
         "facts-per-source", "ask-spp-has-ip-department", "construct-org-tree"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_dir(built_dist, tmp_path_factory):
    return serve.prepare_store(built_dist, tmp_path_factory.mktemp("srv") / "store")


@pytest.fixture(scope="module")
def endpoint(store_dir):
    port = free_port()
    proc = serve.start_server(store_dir, f"127.0.0.1:{port}", timeout_s=2, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.stop_server(proc)
    assert proc.poll() is not None


def http(url, data=None, method=None, headers=None, timeout=20):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("name", SMOKE)
def test_examples_over_the_protocol_match_expected(endpoint, name):
    expected = json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))["rows"]
    res = query.run_query(name, engine=query.get_engine(endpoint=endpoint + "/query"))
    assert query.normalised_rows(res) == expected


def test_every_example_over_the_protocol(endpoint):
    eng = query.get_engine(endpoint=endpoint + "/query")
    for path in sorted(EXPECTED.glob("*.json")):
        expected = json.loads(path.read_text("utf-8"))["rows"]
        assert query.normalised_rows(query.run_query(path.stem, engine=eng)) == expected, path.stem


def test_csv_straight_from_the_server(endpoint):
    ex = (Path(query.paths.folder("queries")) / "amendment-xi-changes.rq").read_text("utf-8")
    status, body = http(endpoint + "/query", urllib.parse.urlencode({"query": ex}).encode(),
                        headers={"Accept": "text/csv"})
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    expected = json.loads((EXPECTED / "amendment-xi-changes.json").read_text("utf-8"))["rows"]
    got = sorted((r["articleNumber"], r["change"], query.compact(r["article"]),
                  query.compact(r["crimeType"]) if r["crimeType"] else None) for r in rows)
    want = sorted((r["articleNumber"], r["change"], r["article"], r["crimeType"]) for r in expected)
    assert got == want


def test_cli_json_over_endpoint(endpoint, capsys):
    code = main(["query", "who-says", "--param", "text=640 million", "--endpoint", endpoint + "/query",
                 "--format", "json", "--no-labels"])
    out = capsys.readouterr().out
    assert code == 0
    files = {b["file"]["value"] for b in json.loads(out)["results"]["bindings"]}
    assert files == {"001_e244d80678ca6ac6.txt"}


def test_injection_over_endpoint(endpoint):
    eng = query.get_engine(endpoint=endpoint + "/query")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = eng.run(count).rows
    for value in ['"} ; DROP ALL ; {"', "<x> ?p ?o", 'x" } UNION { ?entity ?p ?zhLabel } #']:
        assert query.run_query("lookup-by-chinese-name", params=[f"name={value}"], engine=eng).rows == []
    assert eng.run(count).rows == before


def test_updates_and_graph_store_writes_are_refused(endpoint):
    nt = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    status, body = http(endpoint + "/update", urllib.parse.urlencode({"update": "DROP ALL"}).encode())
    assert status == 403, body
    status, _ = http(endpoint + "/update", b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 403
    for method in ("POST", "PUT"):
        status, _ = http(endpoint + "/store?default", nt, method=method,
                         headers={"Content-Type": "application/n-triples"})
        assert status == 403, method
    status, _ = http(endpoint + "/store?default", method="DELETE")
    assert status == 403
    ask = 'ASK { <http://example.org/a> ?p ?o }'
    assert query.run_query(ask, engine=query.get_engine(endpoint=endpoint + "/query")).boolean is False


def test_push_into_read_only_server_is_refused(endpoint, built_dist, capsys):
    code = main(["push", "--endpoint", endpoint + "/store", "--dist", str(built_dist)])
    assert code == 2
    assert "HTTP 403" in capsys.readouterr().err


def test_runaway_query_is_stopped_and_reported(endpoint, capsys):
    """The server (--timeout-s 2) cancels the cross join mid-answer: HTTP 200 and a cut-off body."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    started = time.monotonic()
    code = main(["query", runaway, "--endpoint", endpoint + "/query", "--timeout", "60"])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < 30
    assert code == 2 and out == ""
    assert "incomplete or invalid SPARQL JSON results" in err


def test_runaway_streaming_query_is_an_error_not_partial_rows(endpoint, capsys):
    """Rows stream until the server's or the client's time limit: never printed as a success."""
    runaway = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    started = time.monotonic()
    code = main(["query", runaway, "--endpoint", endpoint + "/query", "--timeout", "3", "--format", "csv"])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < 20
    assert code == 2 and out == ""
    assert "incomplete or invalid" in err or "did not send a complete answer within 3 s" in err


def test_push_then_query_same_counts(built_dist, tmp_path, capsys):
    port = free_port()
    proc = serve.start_server(None, f"127.0.0.1:{port}", read_only=False, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert main(["push", "--endpoint", url + "/store", "--dist", str(built_dist)]) == 0
        assert main(["push", "--endpoint", url + "/store", "--dist", str(built_dist),
                     "--graph", "https://w3id.org/ipkg/graph/all", "--replace"]) == 0
        capsys.readouterr()
        eng = query.get_engine(endpoint=url + "/query")
        local = query.get_engine("oxigraph", root=None)
        n = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        n_local = local.run(n).plain_rows()[0]["n"]
        assert eng.run(n).plain_rows()[0]["n"] == n_local
        g = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/ipkg/graph/all> { ?s ?p ?o } }"
        assert eng.run(g).plain_rows()[0]["n"] == n_local
        # POST adds (same triples: no change), PUT replaces
        assert main(["push", "--endpoint", url + "/store", "--dist", str(built_dist)]) == 0
        assert eng.run(n).plain_rows()[0]["n"] == n_local
    finally:
        serve.stop_server(proc)


def test_push_unreachable(built_dist, capsys):
    code = main(["push", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--dist", str(built_dist)])
    assert code == 2 and "cannot reach" in capsys.readouterr().err


def test_ipkg_serve_stops_cleanly_on_ctrl_c(built_dist, store_dir):
    psutil = pytest.importorskip("psutil")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ipkg", "serve", "--store", str(store_dir),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if not line or "press Ctrl-C" in line:
                break
        assert "press Ctrl-C" in lines[-1], lines
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("oxigraph" in c.name() for c in children)
        status, body = http(f"http://127.0.0.1:{port}/query",
                            urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode(),
                            headers={"Accept": "application/sparql-results+json"})
        assert status == 200 and json.loads(body)["boolean"] is True
        # the server users reach refuses SERVICE; the oxigraph behind it never connects out
        from test_no_network import Canary

        canary = Canary()
        status, body = http(f"http://127.0.0.1:{port}/query", urllib.parse.urlencode(
            {"query": f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"}).encode())
        assert status == 403 and b"SERVICE" in body
        assert canary.close(0.5) == []
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
        out = "".join(lines) + out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{port}/" in out and "stopping the server" in out
    time.sleep(0.2)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_serve_store_dir_is_atomic(built_dist, tmp_path):
    target = tmp_path / "store"
    serve.prepare_store(built_dist, target)
    serve.prepare_store(built_dist, target)  # replacing an existing store
    assert (target / "CURRENT").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.fixture()
def login_required():
    """A loopback endpoint that wants credentials: 401 without the right ones, SPARQL JSON with."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    good = "Basic " + base64.b64encode(b"alice:secret").decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if self.headers.get("Authorization") != good:
                body = b"login required"
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="ipkg-test"')
            else:
                body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
                self.send_response(200 if self.command != "PUT" else 204)
                self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body) if self.command != "PUT" else 0))
            self.end_headers()
            if self.command != "PUT":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = _answer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_refused_credentials_are_a_clear_error(login_required, built_dist, capsys):
    q = "SELECT (1 AS ?n) WHERE {}"
    assert main(["query", "--endpoint", login_required + "/query", q]) == 2
    err = capsys.readouterr().err
    assert "refused access (HTTP 401" in err and "--user/--password" in err and "Traceback" not in err
    assert main(["query", "--endpoint", login_required + "/query", "--user", "alice",
                 "--password", "wrong", q]) == 2
    assert "HTTP 401" in capsys.readouterr().err
    assert main(["query", "--endpoint", login_required + "/query", "--user", "alice",
                 "--password", "secret", "--format", "csv", q]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]
    assert main(["push", "--endpoint", login_required + "/store", "--dist", str(built_dist)]) == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "Traceback" not in err
