"""ipkg load / ipkg.store: atomic bulk loads into an on-disk Oxigraph store, read-only opening."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ipkg.cli import main
from ipkg.errors import IpkgError
from ipkg.store import load_files, open_store

GOOD = "".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(100))


def _count(store_dir) -> int:
    store = open_store(store_dir)
    return len(store)


def _subjects(store_dir) -> set[str]:
    store = open_store(store_dir)
    return {q.subject.value for q in store}


def test_load_and_open_read_only(tmp_path):
    f = tmp_path / "a.nt"
    f.write_text(GOOD)
    ttl = tmp_path / "b.ttl"
    ttl.write_text("@prefix ex: <http://example.org/> . ex:t ex:p ex:o .\n")
    trig = tmp_path / "c.trig"
    trig.write_text("@prefix ex: <http://example.org/> . ex:g { ex:u ex:p ex:o . }\n")
    stats = load_files([f, ttl, trig], tmp_path / "st")
    assert stats.quads == 102
    store = open_store(tmp_path / "st")
    rows = list(store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert [r["g"].value for r in rows] == ["http://example.org/g"]
    with pytest.raises((OSError, RuntimeError)):  # read-only really is read-only
        store.update("INSERT DATA { <http://x> <http://y> <http://z> }")
    # two readers at once
    assert len(open_store(tmp_path / "st")) == len(store) == 102


def test_syntax_error_after_good_data_leaves_old_store(tmp_path):
    st = tmp_path / "st"
    old = tmp_path / "old.nt"
    old.write_text(GOOD)
    load_files([old], st)
    bad = tmp_path / "bad.nt"
    bad.write_text(GOOD.replace("s", "t") + "<http://example.org/x> <http://example.org/p> \"broken .\n")
    with pytest.raises(IpkgError) as err:
        load_files([bad], st)
    assert err.value.path == bad and err.value.line == 101 and err.value.col is not None
    assert _count(st) == 100 and all("/s" in s for s in _subjects(st))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("st.")] == []
    # a good file followed by a bad one: all or nothing
    good2 = tmp_path / "good2.nt"
    good2.write_text(GOOD.replace("/s", "/n"))
    with pytest.raises(IpkgError):
        load_files([good2, bad], st)
    assert _count(st) == 100


def test_cli_exit_codes_and_location(tmp_path, capsys):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n")
    assert main(["load", str(bad), "--store", str(tmp_path / "st")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "Traceback" not in err
    assert not (tmp_path / "st").exists()
    assert main(["load", str(tmp_path / "missing.nt"), "--store", str(tmp_path / "st")]) == 2
    other = tmp_path / "x.rdf"
    other.write_text("")
    assert main(["load", str(other), "--store", str(tmp_path / "st")]) == 2
    good = tmp_path / "g.nt"
    good.write_text(GOOD)
    assert main(["load", str(good), "--store", str(tmp_path / "st"), "--no-progress"]) == 0
    assert "100 quads" in capsys.readouterr().out


def test_replace_and_append(tmp_path):
    st = tmp_path / "st"
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    a.write_text(GOOD)
    b.write_text(GOOD.replace("/s", "/n"))
    load_files([a], st)
    load_files([b], st)
    assert _count(st) == 100 and all("/n" in s for s in _subjects(st))
    load_files([a], st, append=True)
    assert _count(st) == 200


def test_open_store_errors(tmp_path):
    with pytest.raises(IpkgError, match="no store"):
        open_store(tmp_path / "nothing")
    f = tmp_path / "file.nt"
    f.write_text(GOOD)
    with pytest.raises(IpkgError, match="file"):
        open_store(f)
    (tmp_path / "empty").mkdir()
    with pytest.raises(IpkgError, match="not an Oxigraph store"):
        open_store(tmp_path / "empty")
    # a folder that is not a store is never replaced by a load
    (tmp_path / "empty" / "precious.txt").write_text("keep")
    with pytest.raises(IpkgError, match="refusing"):
        load_files([f], tmp_path / "empty")
    assert (tmp_path / "empty" / "precious.txt").exists()


def test_progress_reports_all_bytes(tmp_path):
    f = tmp_path / "a.nt"
    f.write_text(GOOD * 50)
    seen = []
    load_files([f], tmp_path / "st", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (f.stat().st_size, f.stat().st_size)
    assert all(d <= t for d, t in seen)


def test_sigkilled_load_leaves_previous_store_usable(tmp_path):
    from ipkg.synth import write_synthetic

    st = tmp_path / "st"
    old = tmp_path / "old.nt"
    old.write_text(GOOD)
    load_files([old], st)
    big = tmp_path / "big.nt"
    write_synthetic(60000, big, seed=1)  # ~700k triples: a few seconds of loading
    code = (
        "import sys; from ipkg.store import load_files; "
        f"load_files([{str(big)!r}], {str(st)!r})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    tmp_dir = tmp_path / f"st.tmp-{proc.pid}"
    deadline = time.monotonic() + 20
    while not tmp_dir.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert tmp_dir.exists(), "the load did not start in a temp folder"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _count(st) == 100  # old store intact and opens
    assert tmp_dir.exists()  # the killed load's leftovers ...
    load_files([old], st, append=True)
    assert not tmp_dir.exists()  # ... are cleaned by the next load
    assert _count(st) == 100  # appending the same triples changes nothing
    os.sync()


def test_a_large_file_keeps_one_blank_node_scope_and_whole_file_lines(tmp_path):
    """Each file is loaded in one piece (until December 2026 large files were cut into slices,
    one loader each): ``_:shared`` in two far-apart lines is one node, the progress bar counts
    every byte once, and a syntax error's line is counted from the start of the file."""
    lines = [f"<http://example.org/s{i}> <http://example.org/p> <http://example.org/o{i}> .\n" for i in range(40000)]
    lines[2100] = "<http://example.org/a> <http://example.org/p> _:shared .\n"
    lines[39000] = "_:shared <http://example.org/q> \"x\" .\n"
    f = tmp_path / "late.nt"
    f.write_text("".join(lines))
    seen = []
    stats = load_files([f], tmp_path / "st", progress=lambda d, t: seen.append((d, t)))
    assert stats.quads == 40000
    assert seen[-1] == (f.stat().st_size, f.stat().st_size) and all(d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    rows = list(open_store(tmp_path / "st").query(
        'SELECT ?b WHERE { <http://example.org/a> <http://example.org/p> ?b . ?b <http://example.org/q> "x" }'))
    assert len(rows) == 1  # one node
    lines[34321] = "<http://example.org/x> <http://example.org/p> \"unterminated .\n"
    f.write_text("".join(lines))
    with pytest.raises(IpkgError) as err:
        load_files([f], tmp_path / "st")
    assert err.value.line == 34322 and err.value.col
    assert len(open_store(tmp_path / "st")) == 40000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("st.")] == []


def test_load_compacts_the_store_unless_told_not_to(tmp_path, capsys):
    """Each bulk_load call adds a sorted file per index; the compaction at the end of a load
    leaves one file per index that holds data (here: id2str and the three default-graph indexes,
    and the version key's), however many files were loaded one after the other."""
    files = []
    for k in range(4):
        f = tmp_path / f"f{k}.nt"
        f.write_text("".join(f'<http://example.org/s{k}-{i}> <http://example.org/p> "label {i} of file {k}"@en .\n'
                             for i in range(300)))
        files.append(f)
    stats = load_files(files, tmp_path / "st")
    assert stats.quads == 1200 and stats.compact_seconds > 0
    assert len(list((tmp_path / "st").glob("*.sst"))) <= 5
    assert main(["load", *map(str, files), "--store", str(tmp_path / "st2"), "--no-progress", "--no-compact"]) == 0
    out = capsys.readouterr().out
    assert "1,200 quads in the store" in out and "not compacted" in out
    assert main(["load", *map(str, files), "--store", str(tmp_path / "st2"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1,200 quads in the store" in out and "compacted in" in out and "not compacted" not in out
    assert len(open_store(tmp_path / "st2")) == 1200


def test_bulk_load_is_not_capped_by_the_in_memory_input_limit(tmp_path):
    """IPKG_MAX_INPUT_BYTES caps files read into memory; `ipkg load` streams to disk, so a file
    larger than that cap (2×10⁶ synthetic cases are 3.4 GB) still loads."""
    nt = tmp_path / "big.nt"
    nt.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(200)),
                  encoding="utf-8")
    env = {**os.environ, "IPKG_MAX_INPUT_BYTES": "1000"}
    res = subprocess.run([sys.executable, "-m", "ipkg", "load", str(nt), "--store", str(tmp_path / "st"),
                          "--no-progress"], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(open_store(tmp_path / "st")) == 200
