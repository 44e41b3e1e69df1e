"""Attacks on `ipkg serve` (issue #18, items 1-3), each against the real server, loopback only.

The server is `python -m ipkg serve --store DIR --timeout 2` in a child process (so its console
is what an operator would see); every wait is bounded and the fixture always stops it.
"""

from __future__ import annotations

import gzip
import json
import os
import re
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

import ipkg

#: the ipkg under test (this worktree's src/, or whatever PYTHONPATH points at)
SRC = str(Path(ipkg.__file__).resolve().parents[1])

from test_no_network import Canary

ATTACKS = Path(__file__).parent / "attacks"
XSD = "http://www.w3.org/2001/XMLSchema#"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def small_store(folder: Path, n: int = 300) -> Path:
    from ipkg.store import load_files

    data = folder / "data.nt"
    data.write_text("".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'
        f'<http://example.org/s{i}> <http://example.org/n> "{i}"^^<{XSD}integer> .\n'
        for i in range(n)))
    load_files([data], folder / "store")
    return folder / "store"


class Served:
    def __init__(self, store: Path, folder: Path, timeout: int = 2, memory: int = 600):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.err_path = folder / f"serve-{self.port}.err"
        self.err = open(self.err_path, "w")
        env = {**os.environ, "PYTHONPATH": SRC}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ipkg", "serve", "--store", str(store), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", str(timeout), "--max-memory", str(memory)],
            stdout=subprocess.PIPE, stderr=self.err, text=True, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line or "press Ctrl-C" in line:
                break
        assert "press Ctrl-C" in line, self.stderr()

    def stderr(self) -> str:
        if not self.err.closed:
            self.err.flush()
        return self.err_path.read_text()

    def engine(self):
        import psutil

        kids = [c for c in psutil.Process(self.proc.pid).children(recursive=True)
                if "oxigraph" in c.name()]
        return kids[0] if kids else None

    def inner_port(self) -> int:
        conns = self.engine().net_connections(kind="inet")
        return next(c.laddr.port for c in conns if c.status == "LISTEN")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    srv = Served(small_store(folder), folder)
    try:
        yield srv
    finally:
        srv.stop()
    assert "Traceback" not in srv.stderr(), srv.stderr()


def post(url, query, timeout=30, headers=None):
    req = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": "application/sparql-results+json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.monotonic() - started


def raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        out = b""
        while True:
            try:
                piece = s.recv(65536)
            except TimeoutError:
                break
            if not piece:
                break
            out += piece
            if b"\r\n\r\n" in out and b"Connection: close" not in out and len(out) > 12:
                head, _, body = out.partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
        return out


def count(srv) -> int:
    status, body, _ = post(srv.url, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# ------------------------------------------------------------------ item 1: SSRF

def _service(canary, glue: str) -> str:
    return {
        "cr-comment": f"SELECT * WHERE {{ ?s ?p ?o # note\rSERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
        "number": f"SELECT * WHERE {{ ?s ?p 1SERVICE <{canary.url}> {{ ?a ?b ?c }} }}",
        "boolean": f"SELECT * WHERE {{ ?s ?p trueSERVICE <{canary.url}> {{ ?a ?b ?c }} }}",
        "silent": f"SELECT * WHERE {{ SERVICESILENT <{canary.url}> {{ ?s ?p ?o }} }}",
        "escape": f"SELECT * WHERE {{ \\u0053ERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
        "dot": f"SELECT * WHERE {{ ?s ?p ?o .SERVICE <{canary.url}> {{ ?a ?b ?c }} }}",
    }[glue]


@pytest.mark.parametrize("glue", ["cr-comment", "number", "boolean", "silent", "escape", "dot"])
def test_service_bypasses_are_refused_and_nothing_connects(served, glue):
    canary = Canary()
    status, body, _ = post(served.url, _service(canary, glue))
    assert status == 403 and b"SERVICE" in body
    assert canary.close(0.5) == []


def test_two_content_types_are_refused(served):
    canary = Canary()
    q = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}".encode()
    answer = raw(served.port, b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                              b"Content-Type: application/sparql-query\r\nContent-Length: %d\r\n\r\n%s"
                 % (len(q), q))
    assert answer.startswith(b"HTTP/1.1 400") and b"repeated" in answer
    assert canary.close(0.5) == []


def test_compressed_and_chunked_bodies_are_refused(served):
    canary = Canary()
    q = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}".encode()
    gz = gzip.compress(q)
    answer = raw(served.port, b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                              b"\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(gz), gz))
    assert answer.startswith(b"HTTP/1.1 415")
    answer = raw(served.port, b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                              b"\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(q), q))
    assert answer.startswith(b"HTTP/1.1 501")
    assert canary.close(0.5) == []
    assert count(served) == 600  # still serving on the same connection pool


def test_the_engine_itself_cannot_connect_even_when_reached_directly(served):
    """Bypass the guard entirely (any local process can reach the inner port): the sandboxed
    engine still cannot open a connection – SERVICE fails inside Oxigraph."""
    canary = Canary()
    q = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    inner = f"http://127.0.0.1:{served.inner_port()}"
    post(inner, q)  # Oxigraph answers 200 and then fails the stream, or an error: either way
    assert canary.close(1.0) == [], "the engine behind ipkg serve opened a connection"
    status, body, _ = post(inner, COUNT)  # it does answer local queries
    assert status == 200


def test_the_engine_runs_under_the_no_network_filter(served):
    status = Path(f"/proc/{served.engine().pid}/status").read_text()
    assert re.search(r"^Seccomp:\s+2$", status, re.M), status
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)


# ------------------------------------------------------------------ items 2/3: a supervised server

CRASH_ORDER_BY = (ATTACKS / "oxigraph-order-by-panic.rq").read_text()


def test_order_by_panic_is_502_logged_in_one_line_and_the_server_recovers(served):
    before = served.engine().pid
    status, body, took = post(served.url, CRASH_ORDER_BY)
    assert status == 502 and b"total order" in body, body
    assert took < 15
    assert count(served) == 600
    assert served.engine().pid != before
    lines = [ln for ln in served.stderr().splitlines() if "SPARQL engine stopped" in ln]
    assert lines and "SIGABRT (panic: user-provided comparison function does not correctly implement "\
                     "a total order)" in lines[-1] and "restarted in" in lines[-1]


def test_deep_nesting_is_refused_before_the_engine(served):
    before = served.engine().pid
    q = "SELECT * WHERE " + "{ " * 3000 + "}" * 3000
    status, body, _ = post(served.url, q)
    assert status == 400 and b"nests" in body
    q = "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"
    assert post(served.url, q)[0] == 400
    assert served.engine().pid == before and count(served) == 600


def test_size_and_body_limits(served):
    q = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    status, body, _ = post(served.url, q)
    assert status == 400 and b"limit" in body
    answer = raw(served.port, b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                              b"\r\nContent-Length: 100000000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413")


def test_cpu_bomb_is_stopped_at_the_deadline_and_the_engine_restarted(served):
    """A 4-way cartesian COUNT: Oxigraph's --timeout-s does not stop it; the guard does."""
    import psutil

    before = served.engine()
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    status, body, took = post(served.url, q)
    assert status == 503 and b"longer than" in body
    assert took < 2 + 5 + 3  # --timeout 2 plus the guard's 5 s grace, plus slack
    time.sleep(0.3)
    assert not before.is_running() or before.status() == psutil.STATUS_ZOMBIE  # no CPU left burning
    assert count(served) == 600


def test_listen_backlog_and_no_tracebacks_after_garbage(served):
    out = subprocess.run(["ss", "-ltnH", f"sport = :{served.port}"], capture_output=True, text=True).stdout
    assert out.split()[2] == "128", out  # Send-Q of a listening socket is its backlog
    for junk in (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64, b"GET\r\n\r\n",
                 b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 70000 + b"\r\n\r\n",
                 b"POST /query HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
        raw(served.port, junk, timeout=3)
    assert count(served) == 600
    assert "Traceback" not in served.stderr()


def test_a_silent_client_is_dropped_after_the_socket_timeout():
    from ipkg.guard import Guard, Limits

    guard = Guard(("127.0.0.1", 0), ("127.0.0.1", 9), Limits(socket_timeout=1.0)).start()
    try:
        with socket.create_connection(guard.address, timeout=10) as s:
            s.sendall(b"GET /query?query=ASK HTTP/1.1\r\nHost: x\r\n")  # never finishes
            started = time.monotonic()
            assert s.recv(100) == b""  # closed by the guard
            assert time.monotonic() - started < 5
    finally:
        guard.stop()


def test_requests_per_client_are_bounded():
    """A client with more than `per_client` requests in flight waits, then gets 429."""
    import threading

    from ipkg.guard import Guard, Limits

    # an upstream that accepts and never answers: requests stay in flight
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(64)
    guard = Guard(("127.0.0.1", 0), sink.getsockname(),
                  Limits(per_client=2, per_client_wait=0.5, deadline_s=4)).start()
    url = "http://%s:%d" % guard.address
    results = []

    def one():
        results.append(post(url, "ASK { ?s ?p ?o }", timeout=20)[0])

    threads = [threading.Thread(target=one) for _ in range(5)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        guard.stop()
        sink.close()
    assert sorted(results) == [429, 429, 429, 503, 503], results


def test_static_route_serves_a_folder_and_never_shadows_the_endpoint(tmp_path):
    from ipkg.guard import Guard

    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text("<!doctype html><title>q</title>")
    (tmp_path / "secret.txt").write_text("no")
    guard = Guard(("127.0.0.1", 0), ("127.0.0.1", 9))
    guard.add_static("/", page, {"Content-Security-Policy": "default-src 'self'"})
    guard.start()
    url = "http://%s:%d" % guard.address
    try:
        with urllib.request.urlopen(url + "/", timeout=5) as resp:
            assert resp.read().startswith(b"<!doctype html>")
            assert resp.headers["Content-Security-Policy"] == "default-src 'self'"
        answer = raw(guard.address[1], b"GET /../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"no" != answer[-2:] and not answer.startswith(b"HTTP/1.1 200")
        assert post(url, "ASK {}")[0] in (502, 503)  # /query is forwarded (to nothing here)
    finally:
        guard.stop()
