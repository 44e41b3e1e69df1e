"""kill -9 at unplanned moments: the previous output survives and the next run succeeds.

tests/test_build.py kills a build at two planned points (IPKG_BUILD_HOLD after export / docs)
and tests/test_store.py kills one load once. Here the kills come at several real moments after
the temporary folder appears (no hold hook), repeatedly on the same output, for ``ipkg build``
(with views, so the write phase is long) and for ``ipkg load`` (replace and --append). Only the
main process is killed, as ``kill -9 PID`` or the OOM killer would; its children (if any) are
cleaned up by the test afterwards.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _kill_when(proc: subprocess.Popen, tmp_glob, parent: Path, delay: float, limit: float = 60) -> bool:
    """SIGKILL ``proc`` ``delay`` s after a ``tmp_glob`` folder appears; False if it never did."""
    deadline = time.monotonic() + limit
    seen = False
    while time.monotonic() < deadline and proc.poll() is None:
        if list(parent.glob(tmp_glob)):
            seen = True
            break
        time.sleep(0.005)
    if seen:
        time.sleep(delay)
    try:
        proc.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    try:  # children of the killed process (none expected), killed by their group
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return seen


def _run(args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ipkg", *map(str, args)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_repeated_kills_during_build_keep_the_previous_dist(tmp_path, capsys):
    from ipkg.cli import main

    root = copy_project(tmp_path / "data")
    env = {**os.environ, "IPKG_DATA": str(root)}
    out = tmp_path / "dist"
    args = ["build", "--out", out, "-q", "--no-docs"]
    os.environ["IPKG_DATA"], saved = str(root), os.environ.get("IPKG_DATA")
    try:
        assert main([str(a) for a in args]) == 0
        before = _snapshot(out)
        assert "index.html" in before and "ipkg.ttl" in before
        killed_while_writing = 0
        # the last kill comes early, so it lands while that build is still writing
        # (a build finishing in time would clean the others' temp folders)
        for delay in (1.0, 0.5, 0.0, 0.2, 0.05):
            proc = _run(args, env)
            if _kill_when(proc, "dist.tmp-*", tmp_path, delay) and proc.returncode == -signal.SIGKILL:
                killed_while_writing += 1
            assert _snapshot(out) == before, f"dist changed after a kill {delay} s into writing"
        assert killed_while_writing >= 3, "the kills did not land while the build was writing"
        assert list(tmp_path.glob("dist.tmp-*")), "killed builds leave their temp folders (cleaned next time)"
        assert main([str(a) for a in args]) == 0
        assert _snapshot(out) == before, "the build after the kills gives different output"
        assert not list(tmp_path.glob("dist.tmp-*")) and not list(tmp_path.glob("dist.old-*"))
    finally:
        if saved is None:
            os.environ.pop("IPKG_DATA", None)
        else:
            os.environ["IPKG_DATA"] = saved
        capsys.readouterr()


def _count(store: Path) -> int:
    from ipkg.query import OxigraphEngine
    from ipkg.store import open_store

    st = open_store(store)
    try:
        res = OxigraphEngine(st).run("SELECT (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }")
        return int(res.rows[0]["n"]["value"])
    finally:
        del st


@pytest.fixture(scope="module")
def big_nt(tmp_path_factory) -> Path:
    from ipkg.synth import write_synthetic

    path = tmp_path_factory.mktemp("synth") / "big.nt"
    write_synthetic(20000, path, seed=7)
    return path


@pytest.mark.parametrize("append", [False, True], ids=["replace", "append"])
def test_repeated_kills_during_load_keep_the_previous_store(append, big_nt, tmp_path):
    from ipkg.store import load_files

    old = tmp_path / "old.nt"
    old.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(40)))
    store = tmp_path / "st"
    load_files([old], store)
    assert _count(store) == 40
    args = ["load", big_nt, "--store", store, "--no-progress"] + (["--append"] if append else [])
    landed = 0
    for delay in (0.0, 0.1, 0.3, 0.6):
        proc = _run(args, os.environ)
        if _kill_when(proc, "st.tmp-*", tmp_path, delay) and proc.returncode == -signal.SIGKILL:
            landed += 1
        assert _count(store) == 40, f"the store changed after a kill {delay} s into the load"
    assert landed >= 3, "the kills did not land while loading"
    stats = load_files([old], store, append=True)
    assert stats.quads == 40  # the same triples again: nothing new, and the store still opens
    assert not list(tmp_path.glob("st.tmp-*")), "leftovers of killed loads are removed by the next load"
