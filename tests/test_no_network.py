"""ipkg never touches the network at run time.

An audit hook (``sys.addaudithook``) records and refuses every ``socket.connect`` and
``socket.getaddrinfo`` made in this process while the ``no_network`` fixture is active. Rust code
(pyoxigraph) does not go through Python's socket module, so for the pyoxigraph engine a loopback
"canary" socket stands in: a SERVICE call would connect to it.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import copy_project

BAD = Path(__file__).parent / "data" / "bad"

_STATE = {"active": False, "attempts": []}


def _hook(event: str, args) -> None:
    if not _STATE["active"]:
        return
    if event == "socket.connect":
        _STATE["attempts"].append((event, repr(args[1])))
        raise ConnectionRefusedError(f"test_no_network: connect to {args[1]!r} blocked")
    if event == "socket.getaddrinfo":
        _STATE["attempts"].append((event, repr(args[:2])))
        raise socket.gaierror(f"test_no_network: name lookup of {args[0]!r} blocked")


sys.addaudithook(_hook)  # cannot be removed; inert unless a test activates it


@pytest.fixture
def no_network(monkeypatch):
    """Activate the hook; yields the list of attempts (must stay empty)."""
    monkeypatch.setenv("IPKG_DEBUG", "1")
    _STATE["attempts"] = []
    _STATE["active"] = True
    try:
        yield _STATE["attempts"]
    finally:
        _STATE["active"] = False


class Canary:
    """A loopback listener that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.accepted: list = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(addr)
            conn.close()

    def close(self, wait: float = 0.5) -> list:
        time.sleep(wait)  # a late connection still counts
        self._stop = True
        self._thread.join()
        self.sock.close()
        return self.accepted


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close(0)


@pytest.fixture(scope="module")
def mini_root(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("mini") / "data")
    shutil.rmtree(root / "graph" / "sources")
    return root


def cli(args, capsys):
    from ipkg.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_hook_works(no_network):
    """The guard itself: a plain connection attempt is seen and refused."""
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 80), timeout=1)
    assert no_network, "the audit hook did not see the attempt"
    no_network.clear()


# --------------------------------------------------------------------------- loading


def test_remote_jsonld_context_is_not_fetched(no_network, canary, tmp_path):
    from ipkg.errors import IpkgError
    from ipkg.load import load_rdf_file
    from ipkg.query import load_oxigraph, load_rdflib

    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "%s/context.jsonld", "@id": "http://example.org/a", "name": "x"}'
                   % canary.url, encoding="utf-8")
    for load in (load_rdf_file, lambda p: load_oxigraph(files=[p]), lambda p: load_rdflib(files=[p])):
        with pytest.raises(IpkgError, match="remote JSON-LD context"):
            load(doc)
    with pytest.raises(IpkgError, match="remote JSON-LD context 'https://schema.org/'"):
        load_rdf_file(BAD / "remote-context.jsonld")
    assert no_network == [] and canary.close() == []


def test_owl_imports_are_not_followed(no_network, canary, mini_root, tmp_path, monkeypatch, capsys):
    """owl:imports of a URL, in a user's file and in the ontology itself: nothing is fetched."""
    user = tmp_path / "imports.ttl"
    user.write_text(BAD.joinpath("owl-imports.ttl").read_text(encoding="utf-8")
                    .replace("http://127.0.0.1:9/never-fetched.ttl", canary.url), encoding="utf-8")
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    code, out, err = cli(["validate", user], capsys)
    assert code in (0, 1) and "Traceback" not in err
    root = tmp_path / "data"
    shutil.copytree(mini_root, root)
    shutil.copy(user, root / "ontology" / "zz-imports.ttl")
    monkeypatch.setenv("IPKG_DATA", str(root))
    code, out, err = cli(["validate"], capsys)
    assert code in (0, 1), err
    assert no_network == [] and canary.close() == []


def test_pyshacl_is_never_asked_to_import(no_network, mini_root, monkeypatch, capsys):
    import pyshacl

    calls = []
    real = pyshacl.validate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pyshacl, "validate", spy)
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    cli(["validate", BAD / "owl-imports.ttl"], capsys)
    assert calls, "ipkg validate did not call pyshacl.validate"
    assert not any(kw.get("do_owl_imports") for kw in calls)
    assert no_network == []


@pytest.mark.parametrize("url", ["https://example.org/shapes.ttl", "http://127.0.0.1:9/data.ttl"])
def test_urls_as_file_arguments_are_not_downloaded(url, no_network, mini_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    for args in (["validate", url], ["load", url, "--store", tmp_path / "st"],
                 ["audit", "--sources", tmp_path, "--graph", url]):
        code, out, err = cli(args, capsys)
        assert code == 2, (args, err)
        assert "Traceback" not in err
    assert no_network == []


# --------------------------------------------------------------------------- SPARQL SERVICE


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "ASK {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . OPTIONAL {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_on_both_engines(engine, template, no_network, canary, mini_root, monkeypatch, capsys):
    """pyoxigraph and rdflib would both connect to the SERVICE IRI (checked with this canary)."""
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    code, out, err = cli(["query", "--engine", engine, template.format(url=canary.url)], capsys)
    assert code == 2
    assert "SERVICE (federated query) is not allowed" in err and "Traceback" not in err
    assert no_network == [] and canary.close() == []


def test_unguarded_engines_really_would_connect(canary):
    """Why the guard exists: pyoxigraph itself follows SERVICE (if this fails, revisit the guard)."""
    import pyoxigraph

    with pytest.raises(Exception):  # noqa: B017 - whatever pyoxigraph raises once the connection fails
        list(pyoxigraph.Store().query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"))
    assert canary.close(0.2), "pyoxigraph no longer connects to SERVICE IRIs"


def test_the_word_service_elsewhere_is_fine(no_network, mini_root, monkeypatch, capsys):
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    query = ('PREFIX service: <http://example.org/service#>\n'
             'SELECT ?service WHERE { BIND("SERVICE <http://example.org/>" AS ?service) } # SERVICE')
    for engine in ("oxigraph", "rdflib"):
        code, out, err = cli(["query", "--engine", engine, "--format", "csv", query], capsys)
        assert code == 0, err
        assert "SERVICE <http://example.org/>" in out
    assert no_network == []


def test_build_and_queries_touch_no_network(no_network, tmp_path, monkeypatch, capsys):
    """A whole build (exports, ontology docs with pyLODE, examples, views) and example queries."""
    from ipkg.examples import list_examples

    root = copy_project(tmp_path / "data")
    monkeypatch.setenv("IPKG_DATA", str(root))
    code, out, err = cli(["build", "--out", tmp_path / "dist", "-q"], capsys)
    assert code == 0, err
    assert (tmp_path / "dist" / "index.html").is_file()
    for ex in list_examples()[:10]:
        code, out, err = cli(["query", ex.name, "--format", "csv"], capsys)
        assert code == 0, (ex.name, err)
    assert no_network == []
