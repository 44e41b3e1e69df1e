"""Hostile inputs and outputs (issue #18, items 6-9): locks, audit paths, budgets, special files,
OS errors, the cache, terminal escapes, invalid dates. Every test is bounded in time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ipkg

#: the ipkg under test (this worktree's src/, or whatever PYTHONPATH points at)
SRC = str(Path(ipkg.__file__).resolve().parents[1])

ROOT = Path(__file__).parents[1]
XSD = "http://www.w3.org/2001/XMLSchema#"


def ipkg(*args, cwd=None, env=None, timeout=120, **kw):
    env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    env.pop("IPKG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ipkg", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=timeout, **kw)


def _nt(path: Path, tag: str, n: int) -> Path:
    path.write_text("".join(f'<http://example.org/{tag}{i}> <http://example.org/p> "{i}" .\n'
                            for i in range(n)))
    return path


# ------------------------------------------------------------------ item 6: a lock on stores

def test_two_concurrent_appends_both_land(tmp_path):
    """6 rounds of two `ipkg load --append` started together: no append is lost."""
    import pyoxigraph as ox

    store = tmp_path / "store"
    res = ipkg("load", _nt(tmp_path / "base.nt", "base", 10), "--store", store)
    assert res.returncode == 0, res.stderr
    for round_ in range(6):
        a = _nt(tmp_path / f"a{round_}.nt", f"a{round_}-", 2000)
        b = _nt(tmp_path / f"b{round_}.nt", f"b{round_}-", 2000)
        env = {**os.environ, "PYTHONPATH": SRC}
        procs = [subprocess.Popen([sys.executable, "-m", "ipkg", "load", str(f), "--store", str(store),
                                   "--append"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for f in (a, b)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
    s = ox.Store.read_only(str(store))
    assert len(s) == 10 + 6 * 2 * 2000


def test_the_lock_gives_a_clear_error_when_the_wait_runs_out(tmp_path):
    from ipkg.atomic import locked

    store = tmp_path / "store"
    res = ipkg("load", _nt(tmp_path / "base.nt", "base", 10), "--store", store)
    assert res.returncode == 0
    with locked(store):
        started = time.monotonic()
        res = ipkg("load", _nt(tmp_path / "x.nt", "x", 5), "--store", store, "--append",
                   env={"IPKG_LOCK_WAIT": "1"})
    assert res.returncode == 2 and "another ipkg process" in res.stderr and str(os.getpid()) in res.stderr
    assert time.monotonic() - started < 30 and "Traceback" not in res.stderr


# ------------------------------------------------------------------ item 7: audit source paths

AUDIT_GRAPH = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
<https://w3id.org/ipkg/id/doc/a> dcterms:identifier "{ident}" .
<https://w3id.org/ipkg/id/fig/a> a qb:Observation ; dcterms:source <https://w3id.org/ipkg/id/doc/a> ;
    ipkg:evidence "root" .
"""


@pytest.mark.parametrize("ident", ["../../../../../../etc/passwd", "/etc/passwd", "/dev/zero",
                                   "sub/../../outside.txt", "link.txt"])
def test_audit_stays_inside_the_sources_folder(tmp_path, ident):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "001_real.txt").write_text("a real source text with the number 42 in it\n")
    (tmp_path / "outside.txt").write_text("root:x:0:0 secret 12345\n")
    os.symlink(tmp_path / "outside.txt", sources / "link.txt")
    graph = tmp_path / "g.ttl"
    graph.write_text(AUDIT_GRAPH.replace("{ident}", ident))
    res = ipkg("audit", "--sources", sources, "--graph", graph, "--coverage", timeout=60)
    assert res.returncode in (0, 1), res.stderr
    assert "root:x" not in res.stdout + res.stderr and "12345" not in res.stdout
    assert "Traceback" not in res.stderr


def test_audit_refuses_a_fifo_source(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    os.mkfifo(sources / "001_pipe.txt")
    graph = tmp_path / "g.ttl"
    graph.write_text(AUDIT_GRAPH.replace("{ident}", "001_pipe.txt"))
    res = ipkg("audit", "--sources", sources, "--graph", graph, "--coverage", timeout=60)
    assert res.returncode == 2 and "named pipe" in res.stderr


# ------------------------------------------------------------------ item 8: budgets

def test_thirty_thousand_prefixes_are_refused_quickly(tmp_path):
    f = tmp_path / "prefixes.ttl"
    f.write_text("".join(f"@prefix p{i}: <http://example.org/ns{i}#> .\n" for i in range(30_000))
                 + "<http://e/s> <http://e/p> 1 .\n")
    started = time.monotonic()
    res = ipkg("validate", f, timeout=60)
    assert res.returncode == 2 and "30,000 prefixes declared; the limit is 1,000" in res.stderr
    assert time.monotonic() - started < 30


def test_a_huge_rdf_list_is_refused_before_rdflib(tmp_path):
    import psutil

    f = tmp_path / "list.ttl"
    f.write_text("<http://e/s> <http://e/p> ( " + " ".join(map(str, range(200_001))) + " ) .\n")
    proc = subprocess.Popen([sys.executable, "-m", "ipkg", "validate", str(f)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": SRC})
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, psutil.Process(proc.pid).memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "RDF lists with 200,001 items" in err
    assert peak < 1.5 * 2**30


@pytest.mark.parametrize("kind", ["graph", "context"])
def test_fifo_inputs_are_refused_not_waited_on(tmp_path, kind):
    fifo = tmp_path / ("pipe.ttl" if kind == "graph" else "ctx.jsonld")
    os.mkfifo(fifo)
    target = fifo
    if kind == "context":
        target = tmp_path / "doc.jsonld"
        target.write_text('{"@context": "ctx.jsonld", "@id": "http://e/s", "http://e/p": "x"}')
    res = ipkg("validate", target, timeout=30)
    assert res.returncode == 2 and "named pipe" in res.stderr
    res = ipkg("load", fifo if kind == "graph" else _nt(tmp_path / "x.nt", "x", 1),
               "--store", tmp_path / "store", timeout=30)
    assert res.returncode == (2 if kind == "graph" else 0), res.stderr


def test_contexts_that_list_each_other_are_bounded(tmp_path):
    names = [f"c{i}.jsonld" for i in range(8)]
    for name in names:
        (tmp_path / name).write_text('{"@context": %s}' % str(names).replace("'", '"'))
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "c0.jsonld", "@id": "http://e/s", "http://e/p": "x"}')
    started = time.monotonic()
    res = ipkg("validate", doc, timeout=60)
    assert res.returncode == 2 and ("more than 32 JSON-LD context files" in res.stderr
                                    or "nested too deeply" in res.stderr)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("ref", ["/dev/zero", "file:///dev/zero", "../outside.jsonld",
                                 "file:///etc/passwd"])
def test_contexts_outside_the_folder_or_devices_are_refused(tmp_path, ref):
    (tmp_path / "outside.jsonld").write_text('{"@context": {"x": "http://e/"}}')
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "doc.jsonld"
    doc.write_text('{"@context": "%s", "@id": "http://e/s", "http://e/p": "x"}' % ref)
    res = ipkg("validate", doc, timeout=30)
    assert res.returncode == 2 and "outside the document's folder" in res.stderr, res.stderr


# ------------------------------------------------------------------ item 9: outputs, OS errors

@pytest.mark.parametrize("kind", ["fifo", "symlink", "device"])
def test_out_never_replaces_a_special_file(tmp_path, kind):
    out = tmp_path / "out.graphml"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "symlink":
        os.symlink(victim, out)
    else:
        # a private device node (a copy of /dev/null's numbers): never aim at the real /dev/null,
        # which code with the bug would replace by a regular file for the whole machine
        try:
            os.mknod(out, 0o666 | __import__("stat").S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device node needs root")
    res = ipkg("export", "--format", "graphml", "--out", out, timeout=120)
    assert res.returncode == 2 and "refusing to replace it" in res.stderr, res.stderr
    assert victim.read_text() == "keep me"
    import stat

    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(out).st_mode)
    if kind == "device":
        assert stat.S_ISCHR(os.lstat(out).st_mode)
    if kind == "symlink":
        assert out.is_symlink()


def _in_small_tmpfs(tmp_path: Path, options: str, *args) -> subprocess.CompletedProcess:
    """Run ipkg with ``tmp_path/mnt`` a private tmpfs (own mount namespace, gone afterwards)."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip("no user/mount namespaces here")
    cmd = (f"mount -t tmpfs -o {options} tmpfs {mnt} && cd {ROOT} && exec {sys.executable} -m ipkg "
           + " ".join(f"'{a}'" for a in args))
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("IPKG_DEBUG", None)
    return subprocess.run(["unshare", "-rm", "sh", "-c", cmd], capture_output=True, text=True,
                          env=env, timeout=120)


def test_disk_full_is_a_clear_error(tmp_path):
    res = _in_small_tmpfs(tmp_path, "size=16k", "export", "--format", "graphml", "--out",
                          str(tmp_path / "mnt" / "graph.graphml"))
    assert res.returncode == 2, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    assert "No space left on device" in res.stderr and "the disk is full" in res.stderr


def test_read_only_folder_is_a_clear_error(tmp_path):
    res = _in_small_tmpfs(tmp_path, "ro", "export", "--format", "graphml", "--out",
                          str(tmp_path / "mnt" / "graph.graphml"))
    assert res.returncode == 2, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    assert "read-only" in res.stderr.lower()


def test_bad_option_values_are_usage_errors():
    res = ipkg("query", "--timeout", "-5", "--endpoint", "http://127.0.0.1:9/q", "ASK {}")
    assert res.returncode == 2 and "internal error" not in res.stderr
    assert "--timeout" in res.stderr


def test_an_empty_or_damaged_cache_entry_is_a_miss(tmp_path, monkeypatch):
    from ipkg import cache

    monkeypatch.setenv("IPKG_CACHE_DIR", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return b'{"a": [1.0, 2.0]}'

    assert cache.cached_bytes("x.json", compute) == b'{"a": [1.0, 2.0]}'
    assert cache.cached_bytes("x.json", compute) == b'{"a": [1.0, 2.0]}' and len(calls) == 1
    for damage in (b"", b"ipkg-cache-1 00\n{", (tmp_path / "x.json").read_bytes()[:-3]):
        (tmp_path / "x.json").write_bytes(damage)
        assert cache.cached_bytes("x.json", compute) == b'{"a": [1.0, 2.0]}'
    assert len(calls) == 4


def test_an_empty_cache_file_does_not_break_the_views(tmp_path, monkeypatch):
    """The layout cache of a big view: an empty entry (a full disk) used to break every build."""
    import networkx as nx

    from ipkg.views import render

    monkeypatch.setenv("IPKG_CACHE_DIR", str(tmp_path))
    G = nx.MultiDiGraph()
    G.add_edges_from((f"n{i}", f"n{i + 1}") for i in range(20))
    first = render._positions(G, 1)
    for entry in tmp_path.glob("layout-*.json"):
        entry.write_bytes(b"")
    assert render._positions(G, 1) == first


def test_view_all_without_scipy_fails_clearly(tmp_path):
    code = ("import sys; sys.modules['scipy'] = None\n"
            "from ipkg.cli import main\n"
            f"sys.exit(main(['view', 'all', '--out', {str(tmp_path / 'all.html')!r}]))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": SRC,
                              "IPKG_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert res.returncode == 0 or ("needs scipy" in res.stderr and res.returncode == 2), res.stderr


def test_control_characters_never_reach_the_terminal(tmp_path):
    """Labels with escape sequences, printed by `ipkg query` (table) and `ipkg validate`."""
    f = tmp_path / "evil.ttl"
    f.write_text('<http://e/s> <http://www.w3.org/2000/01/rdf-schema#label> '
                 '"x\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil" .\n')
    res = ipkg("validate", f)
    assert "\x1b" not in res.stdout + res.stderr and "\x9b" not in res.stdout
    q = ('SELECT ?l WHERE { BIND("a\\u001b[2Jb\\u0007c\\u202ed" AS ?l) }')
    res = ipkg("query", q)
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u202e" not in res.stdout
    assert "a\\x1b[2Jb\\x07c\\u202ed" in res.stdout
    res = ipkg("query", "--format", "json", q)  # machine formats keep the data (JSON escapes it)
    assert "\\u001b[2J" in res.stdout


def test_an_impossible_date_does_not_crash(tmp_path):
    f = tmp_path / "date.ttl"
    f.write_text(f'<http://e/s> <http://purl.org/dc/terms/date> "2020-02-30"^^<{XSD}date> .\n')
    for args in (("validate", f), ("query", "--engine", "oxigraph",
                                   f'SELECT ?d WHERE {{ BIND("2020-02-30"^^<{XSD}date> AS ?d) }}'),
                 ("query", "--engine", "rdflib",
                  f'SELECT ?d WHERE {{ BIND("2020-02-30"^^<{XSD}date> AS ?d) }}')):
        res = ipkg(*args)
        assert res.returncode in (0, 1, 2) and "Traceback" not in res.stderr
        assert "internal error" not in res.stderr, res.stderr
