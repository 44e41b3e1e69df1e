"""The bad-input corpus (tests/data/bad/) through every way a file gets into ipkg.

Each file of tests/data/bad/expected.toml goes through ``ipkg validate FILE``, through
``ipkg build`` / ``ipkg audit`` / ``ipkg query --engine oxigraph|rdflib`` with the file placed in
graph/ of a project copy, and through ``ipkg load FILE --store DIR`` onto an existing store.
Every run must end with the expected exit code and message, ``path:line:col`` where there is a
position, no traceback, and nothing written. Large inputs (100,000 nested blank nodes, deep
JSON-LD, a 10 MB literal) are generated at test time.

The CLI runs in-process (``ipkg.cli.main``) with ``IPKG_DEBUG=1`` so that an unexpected exception
fails the test instead of being turned into the CLI's last-resort "internal error" line.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conftest import copy_project

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))
GRAPH_WAYS = ("build", "audit", "query-oxigraph", "query-rdflib")
DEPTH = 100_000


def _deep_bnodes() -> bytes:
    return ("@prefix ex: <http://example.org/> .\nex:root ex:p " + "[ ex:p " * DEPTH + "ex:leaf" + " ]" * DEPTH
            + " .\n").encode()


def _deep_jsonld() -> bytes:
    return ('{"@id": "http://example.org/root", "http://example.org/p": '
            + '{"http://example.org/p": ' * DEPTH + '"leaf"' + "}" * DEPTH + "}\n").encode()


GENERATED = {"deep-bnodes.ttl": _deep_bnodes, "deep.jsonld": _deep_jsonld}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The committed corpus plus the generated files, in one folder."""
    folder = tmp_path_factory.mktemp("bad")
    for p in BAD.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    for name, make in GENERATED.items():
        (folder / name).write_bytes(make())
    return folder


@pytest.fixture(scope="module")
def full_root(tmp_path_factory) -> Path:
    """A pristine copy of the whole project (it conforms), for the validation-failure cases."""
    return copy_project(tmp_path_factory.mktemp("full") / "data")


@pytest.fixture(scope="module")
def mini_root(tmp_path_factory) -> Path:
    """The project without graph/sources: loads faster; enough where loading must fail."""
    root = copy_project(tmp_path_factory.mktemp("mini") / "data")
    shutil.rmtree(root / "graph" / "sources")
    return root


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    """A small store that every bad ``ipkg load`` must leave exactly as it is."""
    from ipkg.store import load_files

    folder = tmp_path_factory.mktemp("store")
    good = folder / "good.nt"
    good.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(25)))
    load_files([good], folder / "store")
    return folder / "store"


@pytest.fixture(autouse=True)
def _debug(monkeypatch):
    monkeypatch.setenv("IPKG_DEBUG", "1")


def cli(args, capsys) -> tuple[int, str, str]:
    from ipkg.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _store_state(store: Path) -> tuple[int, list[str]]:
    from ipkg.store import open_store

    st = open_store(store)
    n = len(st)
    del st
    return n, sorted(p.name for p in store.parent.iterdir())


def check(expect: dict, code: int, out: str, err: str, path: Path, command: str) -> None:
    assert "Traceback" not in out + err
    assert code == expect["exit"], f"exit {code}, expected {expect['exit']}\n{err}\n{out[-2000:]}"
    assert expect["message"] in out + err, f"{expect['message']!r} not in:\n{err}\n{out[-2000:]}"
    if "at" in expect:
        prefix = f"ipkg {command}: error: {path}:{expect['at']}: "
        assert any(line.startswith(prefix) for line in err.splitlines()), f"no line starts with {prefix!r}:\n{err}"


def _cases(way: str):
    return [pytest.param(name, id=name) for name, spec in EXPECTED.items() if way in spec]


# --------------------------------------------------------------------------- the ways in


@pytest.mark.parametrize("name", _cases("file"))
def test_validate_file(name, corpus, mini_root, full_root, monkeypatch, capsys):
    expect = EXPECTED[name]["file"]
    monkeypatch.setenv("IPKG_DATA", str(full_root if expect["exit"] == 1 else mini_root))
    path = corpus / name
    code, out, err = cli(["validate", path], capsys)
    check(expect, code, out, err, path, "validate")


# a validation failure (exit 1) concerns ipkg build (and validate) only
GRAPH_CASES = [pytest.param(name, way, id=f"{name}-{way}") for name, spec in EXPECTED.items() if "graph" in spec
               for way in GRAPH_WAYS if spec["graph"]["exit"] == 2 or way == "build"]


@pytest.mark.parametrize("name,way", GRAPH_CASES)
def test_file_in_graph_folder(name, way, corpus, mini_root, full_root, tmp_path, monkeypatch, capsys,
                              seeds_dir):
    expect = EXPECTED[name]["graph"]
    root = tmp_path / "data"
    shutil.copytree(full_root if expect["exit"] == 1 else mini_root, root)
    path = root / "graph" / name
    shutil.copy(corpus / name, path)
    monkeypatch.setenv("IPKG_DATA", str(root))
    out_dir = tmp_path / "dist"
    args = {
        "build": ["build", "--out", out_dir, "-q", "--no-views", "--no-docs"],
        "audit": ["audit", "--sources", seeds_dir],
        "query-oxigraph": ["query", "--engine", "oxigraph", "ASK { ?s ?p ?o }"],
        "query-rdflib": ["query", "--engine", "rdflib", "ASK { ?s ?p ?o }"],
    }[way]
    code, out, err = cli(args, capsys)
    check(expect, code, out, err, path, args[0])
    assert not out_dir.exists() and not list(tmp_path.glob("dist.*")), "a failed build wrote output"


@pytest.mark.parametrize("name", _cases("load"))
def test_load_into_existing_store(name, corpus, base_store, capsys):
    before = _store_state(base_store)
    path = corpus / name
    code, out, err = cli(["load", path, "--store", base_store, "--no-progress"], capsys)
    check(EXPECTED[name]["load"], code, out, err, path, "load")
    assert _store_state(base_store) == before, "a failed load changed the store"


def test_every_corpus_file_has_an_expectation():
    committed = {p.name for p in BAD.iterdir() if p.is_file() and p.name != "expected.toml"}
    # owl-imports.ttl is a valid file for tests/test_no_network.py
    assert committed - {"owl-imports.ttl"} <= set(EXPECTED)
    assert set(EXPECTED) <= committed | set(GENERATED)


# --------------------------------------------------------------------------- folders


def test_folder_without_rdf(mini_root, tmp_path, monkeypatch, capsys, seeds_dir):
    folder = BAD / "no-rdf"
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    code, out, err = cli(["validate", folder], capsys)
    assert code == 2 and f"{folder}: no RDF files" in err and "Traceback" not in err
    code, out, err = cli(["audit", "--sources", seeds_dir, "--graph", folder], capsys)
    assert code == 2 and "no graph files found" in err
    # a project whose graph/ holds no Turtle at all
    root = tmp_path / "data"
    shutil.copytree(mini_root, root)
    shutil.rmtree(root / "graph")
    shutil.copytree(folder, root / "graph")
    monkeypatch.setenv("IPKG_DATA", str(root))
    code, out, err = cli(["build", "--out", tmp_path / "dist", "-q"], capsys)
    assert code == 2 and "no .ttl files in graph/" in err
    assert not (tmp_path / "dist").exists()


def test_hidden_and_non_rdf_files_in_graph_are_ignored(mini_root, tmp_path, monkeypatch):
    """The refusal of non-Turtle RDF in graph/ does not extend to notes or editor leftovers."""
    from ipkg.load import load_project

    root = tmp_path / "data"
    shutil.copytree(mini_root, root)
    shutil.copy(BAD / "notes.txt", root / "graph" / "notes.txt")
    (root / "graph" / ".backup").mkdir()
    shutil.copy(BAD / "xxe.rdf", root / "graph" / ".backup" / "old.rdf")
    assert len(load_project(root).data) == len(load_project(mini_root).data)


# --------------------------------------------------------------------------- XML bombs


def _child_usage(args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "import sys; from ipkg.cli import main; sys.exit(main(sys.argv[1:]))",
                           *args], capture_output=True, text=True, env=env, timeout=60)
    return proc, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


@pytest.mark.parametrize("name", ["billion-laughs.rdf", "billion-laughs-as.ttl", "xxe.rdf"])
def test_xml_bombs_are_refused_up_front(name, mini_root):
    """Refused before any parser runs: well under 1 s and 100 MB for the refusal itself.

    (pyoxigraph's RDF/XML parser would allocate gigabytes and abort the process on
    billion-laughs.rdf; rdflib's spins for minutes.)
    """
    import psutil

    from ipkg.errors import IpkgError
    from ipkg.load import load_rdf_file

    me = psutil.Process()
    rss0 = me.memory_info().rss
    t0 = time.perf_counter()
    with pytest.raises(IpkgError) as info:
        load_rdf_file(BAD / name)
    seconds = time.perf_counter() - t0
    grown = me.memory_info().rss - rss0
    assert "not supported; convert to Turtle" in str(info.value)
    assert seconds < 1.0, seconds
    assert grown < 100 * 2**20, grown
    # and the real command line, in a child process with a memory cap: exit 2, no crash
    env = {**os.environ, "IPKG_DATA": str(mini_root)}
    env.pop("IPKG_DEBUG", None)
    proc, wall, _ = _child_usage(["validate", str(BAD / name)], env)
    assert proc.returncode == 2, proc.stderr
    assert "convert to Turtle" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- big but valid


def test_ten_megabyte_literal_is_read_within_bounds(mini_root, tmp_path, monkeypatch, capsys):
    """A 10 MB literal is valid RDF: accepted by validate, load and query, in bounded time."""
    import psutil

    big = "界" * (10 * 2**20 // 3)  # 10 MB of UTF-8
    path = tmp_path / "big-literal.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix iorg: <https://w3id.org/ipkg/id/org/> .\n"
        f'iorg:spp skos:altLabel "{big}"@zh .\n',
        encoding="utf-8",
    )
    assert path.stat().st_size > 10 * 10**6
    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    rss0 = psutil.Process().memory_info().rss
    t0 = time.perf_counter()
    code, out, err = cli(["validate", path], capsys)
    assert code == 0, err + out[-1000:]
    code, out, err = cli(["load", path, "--store", tmp_path / "store", "--no-progress"], capsys)
    assert code == 0, err
    code, out, err = cli(["query", "--store", tmp_path / "store", "--format", "json", "--no-labels",
                          "SELECT (STRLEN(?l) AS ?n) WHERE { ?s ?p ?l }"], capsys)
    assert code == 0 and f'"{len(big)}"' in out, err
    assert time.perf_counter() - t0 < 60
    assert psutil.Process().memory_info().rss - rss0 < 1500 * 2**20


def test_deep_blank_nodes_load_into_a_store(tmp_path, corpus, capsys):
    """The store's bulk loader does not recurse: 100,000 nested blank nodes load and count."""
    code, out, err = cli(["load", corpus / "deep-bnodes.ttl", "--store", tmp_path / "store", "--no-progress"], capsys)
    assert code == 0, err
    assert f"{DEPTH + 1:,} quads" in out


# --------------------------------------------------------------------------- last resort


def test_an_unexpected_exception_is_one_line_not_a_traceback(monkeypatch, capsys):
    """If a bug slips through, the CLI still prints one line and exits 3, "internal error" (IPKG_DEBUG unset)."""
    import ipkg.commands.stats as stats_cmd

    monkeypatch.delenv("IPKG_DEBUG")

    def boom(args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(stats_cmd, "run", boom)
    code, out, err = cli(["stats"], capsys)
    assert code == 3
    assert err.startswith("ipkg stats: internal error: RecursionError") and "Traceback" not in err
    assert "IPKG_DEBUG=1" in err
