"""The SPARQL server ipkg starts: loopback by default, read-only, time-limited, no SSRF via ipkg.

tests/test_server.py (the SPARQL helper's) already proves on the full build that updates and
Graph Store writes are refused, that a runaway query is stopped at the server's time limit and
that a cut-off streamed answer is an error, not partial rows. This module adds what concerns
security: the default bind, the command line, and SERVICE (server-side request forgery).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from test_no_network import Canary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``oxigraph serve-read-only`` started by ipkg.serve on a tiny store, on a free loopback port."""
    from ipkg.serve import start_server, stop_server
    from ipkg.store import load_files

    folder = tmp_path_factory.mktemp("srv")
    data = folder / "data.nt"
    data.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(50)))
    load_files([data], folder / "store")
    port = _free_port()
    proc = start_server(folder / "store", bind=f"127.0.0.1:{port}", timeout_s=5, quiet=True)
    try:
        yield proc, f"http://127.0.0.1:{port}/query", port
    finally:
        stop_server(proc)


def test_default_bind_and_command_line(tmp_path):
    """Without --bind ipkg serves on loopback, read-only, with a time limit."""
    from ipkg.cli import build_parser
    from ipkg.serve import DEFAULT_BIND, parse_bind, server_command

    args = build_parser().parse_args(["serve"])
    host, _ = parse_bind(args.bind)
    assert host == "127.0.0.1" and args.bind == DEFAULT_BIND
    assert args.timeout and args.timeout > 0
    cmd = server_command(tmp_path, args.bind, args.timeout)
    assert cmd[1] == "serve-read-only"
    assert cmd[cmd.index("--bind") + 1] == DEFAULT_BIND
    assert int(cmd[cmd.index("--timeout-s") + 1]) == args.timeout
    assert "--cors" not in cmd and "--union-default-graph" not in cmd


def test_server_listens_on_loopback_only(server):
    import psutil

    proc, _, port = server
    listening = [c.laddr for c in psutil.Process(proc.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" and addr.port == port for addr in listening)


def test_update_is_refused_by_the_read_only_server(server):
    _, url, _ = server
    req = urllib.request.Request(url.replace("/query", "/update"), method="POST",
                                 data=urllib.parse.urlencode({"update": "CLEAR ALL"}).encode())
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code in (403, 405)
    from ipkg.query import EndpointEngine

    assert EndpointEngine(url).run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"]["value"] == "50"


def test_ipkg_query_endpoint_never_sends_service(server, capsys):
    """``ipkg query --endpoint`` refuses SERVICE before sending: neither ipkg nor the server connects."""
    from ipkg.cli import main

    _, url, _ = server
    canary = Canary()
    code = main(["query", "--endpoint", url,
                 f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"])
    err = capsys.readouterr().err
    assert code == 2 and "SERVICE (federated query) is not allowed" in err
    assert canary.close(1.0) == [], "something connected to the canary"


def test_the_oxigraph_server_itself_follows_service(server, tmp_path):
    """Why ipkg serve runs oxigraph in a sandbox (ipkg.sandbox) behind a guard: the bare oxigraph
    server connects to any URL a SERVICE clause names (it has no switch to turn that off). If
    this test starts failing, oxigraph stopped following SERVICE."""
    from ipkg.serve import start_server, stop_server

    proc0, _, _ = server
    port = _free_port()
    store = proc0.args[proc0.args.index("--location") + 1]
    proc = start_server(store, bind=f"127.0.0.1:{port}", timeout_s=5, quiet=True, sandbox=False)
    url = f"http://127.0.0.1:{port}/query"
    try:
        _follow_service(url)
    finally:
        stop_server(proc)


def test_the_sandboxed_oxigraph_server_cannot_follow_service(server):
    """The same request to the server as ipkg starts it (sandboxed): no connection."""
    _, url, _ = server
    canary = Canary()
    q = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except (urllib.error.URLError, OSError):
        pass
    assert canary.close(0.5) == []


def _follow_service(url):
    canary = Canary()
    q = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except (urllib.error.URLError, OSError):
        pass
    assert canary.close(0.5), "the oxigraph server no longer follows SERVICE"


@pytest.fixture(scope="module")
def guarded(server):
    """The guard ipkg serve puts on the user-facing address, in front of the fixture server."""
    from ipkg.guard import Guard

    _, _, inner = server
    guard = Guard(("127.0.0.1", 0), ("127.0.0.1", inner)).start()
    host, port = guard.address
    try:
        yield f"http://{host}:{port}"
    finally:
        guard.stop()


@pytest.mark.parametrize("how", ["get", "form", "sparql-query"])
def test_guard_refuses_service_and_the_server_never_connects(guarded, how):
    canary = Canary()
    q = f"SELECT * WHERE {{ ?s ?p ?o SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"
    if how == "get":
        req = urllib.request.Request(f"{guarded}/query?" + urllib.parse.urlencode({"query": q}))
    elif how == "form":
        req = urllib.request.Request(f"{guarded}/query", data=urllib.parse.urlencode({"query": q}).encode())
    else:
        req = urllib.request.Request(f"{guarded}/query", data=q.encode(),
                                     headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 403
    assert b"SERVICE" in info.value.read()
    assert canary.close(1.0) == [], "the server behind the guard connected to the canary"


def test_guard_forwards_queries_the_query_page_and_refusals(guarded):
    from ipkg.query import EndpointEngine

    rows = EndpointEngine(f"{guarded}/query").run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert rows[0]["n"]["value"] == "50"
    # a string that merely mentions SERVICE is not a SERVICE clause
    rows = EndpointEngine(f"{guarded}/query").run('SELECT ?x WHERE { BIND("SERVICE" AS ?x) }').rows
    assert rows[0]["x"]["value"] == "SERVICE"
    with urllib.request.urlopen(f"{guarded}/", timeout=10) as page:
        assert page.status == 200 and b"<html" in page.read().lower()
    req = urllib.request.Request(f"{guarded}/update", method="POST",
                                 data=urllib.parse.urlencode({"update": "CLEAR ALL"}).encode())
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 403
