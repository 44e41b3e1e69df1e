"""ipkg build runs the steps that do not need the validation report in a forked second process
(ipkg.build._Worker). Its output is the same as one process's; its errors are reported, not
swallowed; Ctrl-C and a failed validation leave nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from buildhold import wait_for_hold
from ipkg import build as build_mod
from ipkg.cli import main


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def small_build(out: Path) -> int:
    return main(["build", "--out", str(out), "-q", "--no-docs", "--no-audit"])


def test_two_processes_write_what_one_process_writes(tmp_path, monkeypatch):
    monkeypatch.setenv(build_mod.JOBS_ENV, "1")
    assert main(["build", "--out", str(tmp_path / "one"), "-q", "--no-audit"]) == 0
    monkeypatch.setenv(build_mod.JOBS_ENV, "2")
    assert main(["build", "--out", str(tmp_path / "two"), "-q", "--no-audit"]) == 0
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert len(one) > 1500 and any(n.endswith(".jsonld") for n in one)
    assert one.keys() == two.keys()
    assert [n for n in one if one[n] != two[n]] == []


def test_the_job_queue_gives_each_job_to_exactly_one_process():
    """_JobQueue: two processes take job numbers until none is left; each number is taken once."""
    n = 200
    queue = build_mod._JobQueue(n)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the second process: take slowly, report what it took
        try:
            os.close(rfd)
            taken = []
            while (i := queue.take()) is not None:
                taken.append(i)
                time.sleep(0.001)
            os.write(wfd, bytes(taken))
        finally:
            os._exit(0)
    os.close(wfd)
    mine = []
    while (i := queue.take()) is not None:
        mine.append(i)
        time.sleep(0.001)
    with os.fdopen(rfd, "rb") as pipe:
        theirs = list(pipe.read())
    os.waitpid(pid, 0)
    queue.close()
    assert sorted(mine + theirs) == list(range(n))
    assert mine and theirs  # both took a share
    with pytest.raises(ValueError):
        build_mod._JobQueue(256)


def _record_jobs(monkeypatch, tmp_path, name: str) -> Callable[[], dict[int, list[int]]]:
    """Make ``ipkg.site.<name>``'s jobs note, per process, which of them it ran; returns a
    function that reads the notes (process id -> job numbers)."""
    import ipkg.site as site

    real = getattr(site, name)

    def spy(*args):
        def wrap(i, job):
            def run():
                # each process appends to its own file (the child's memory is not ours)
                with open(tmp_path / f"{name}-{os.getpid()}", "a") as f:
                    f.write(f"{i}\n")
                job()
            return run
        return [wrap(i, j) for i, j in enumerate(real(*args))]

    monkeypatch.setattr(site, name, spy)
    return lambda: {int(f.name.rsplit("-", 1)[1]): [int(x) for x in f.read_text().split()]
                    for f in tmp_path.glob(f"{name}-*")}


def _slow_step(monkeypatch, step: str, seconds: float) -> None:
    """Make the build's ``step`` take ``seconds`` longer."""
    real = build_mod._step_function

    def slow(name):
        fn = real(name)
        if name != step:
            return fn

        def run(*a, **k):
            time.sleep(seconds)
            return fn(*a, **k)
        return run

    monkeypatch.setattr(build_mod, "_step_function", slow)


def test_the_site_data_jobs_are_shared_by_both_processes(tmp_path, monkeypatch):
    """In a two-process build both processes write some of the site's report-free files (the
    main process takes the jobs the second one has not reached when its pages are done)."""
    import ipkg.site as site

    ran = _record_jobs(monkeypatch, tmp_path, "_data_jobs")
    monkeypatch.setenv(build_mod.JOBS_ENV, "2")
    _slow_step(monkeypatch, "views", 3)  # a slow second process: the main process takes the jobs
    assert small_build(tmp_path / "dist") == 0
    by_pid = ran()
    assert sorted(i for jobs in by_pid.values() for i in jobs) == list(range(site.DATA_JOBS))
    assert by_pid.get(os.getpid()), "the main process took none of the site's data jobs"


def test_the_second_process_renders_pages_once_the_report_is_handed_over(tmp_path, monkeypatch):
    """When validation is slow, the second process, done with its own steps, waits for the
    report and then takes entity-page jobs too; the pages show the report all the same."""
    import ipkg.site as site

    real_pages, real_step = site._page_jobs, build_mod._step_function
    ran = _record_jobs(monkeypatch, tmp_path, "_page_jobs")
    _slow_step(monkeypatch, "validate", 4)
    monkeypatch.setenv(build_mod.JOBS_ENV, "2")
    out = tmp_path / "dist"
    assert main(["build", "--out", str(out), "-q", "--no-docs", "--no-audit"]) == 0
    by_pid = ran()
    assert sorted(i for jobs in by_pid.values() for i in jobs) == list(range(site.PAGE_JOBS))
    assert any(pid != os.getpid() and jobs for pid, jobs in by_pid.items()), "the second process rendered no page"
    # a page that shows the report (its validation notes) is the same whoever rendered it
    monkeypatch.setattr(site, "_page_jobs", real_pages)
    monkeypatch.setattr(build_mod, "_step_function", real_step)
    monkeypatch.setenv(build_mod.JOBS_ENV, "1")
    assert main(["build", "--out", str(tmp_path / "one"), "-q", "--no-docs", "--no-audit"]) == 0
    assert snapshot(out) == snapshot(tmp_path / "one")


def test_the_views_link_the_pages_the_other_process_writes(built_dist, project):
    """pages_of (what the views link to while the site is being written) is exactly the set of
    pages the site wrote."""
    from ipkg.site import pages_of

    written = {p.relative_to(built_dist).as_posix() for p in built_dist.rglob("*.html")}
    expected = pages_of(project.merged())
    assert expected <= written
    assert {n for n in written - expected
            if not n.startswith(("views/", "ontology/index.html", "index.html"))} == set()
    # and a view's side panel links a page the site wrote
    view = (built_dist / "views" / "institutions.html").read_text(encoding="utf-8")
    assert '"page": "../id/' in view or '"page":"../id/' in view


def test_an_error_in_the_second_process_fails_the_build(tmp_path, monkeypatch, capsys):
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    capsys.readouterr()
    import ipkg.export

    def broken(*args, **kwargs):
        raise RuntimeError("tables broke")

    monkeypatch.delenv("IPKG_DEBUG", raising=False)
    monkeypatch.setattr(ipkg.export, "write_tables", broken)  # runs in the forked process
    assert small_build(out) == 3
    err = capsys.readouterr().err
    assert "the tables step failed: RuntimeError: tables broke" in err
    assert snapshot(out) == before
    assert not list(tmp_path.glob("dist.tmp-*"))


def test_an_os_error_in_the_second_process_is_reported(tmp_path, monkeypatch, capsys):
    import errno

    import ipkg.export

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ipkg.export, "write_tables", full)
    out = tmp_path / "dist"
    code = small_build(out)
    assert code not in (0, 3)
    assert "No space left on device" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob("dist.tmp-*"))


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "sigint-to-main-only"])
def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path, group):
    """Held in the second process (after its tables step): Ctrl-C (SIGINT to the process group,
    as a terminal sends it) or SIGINT to the main process alone ends the build with 130, the
    second process is gone and no staging folder is left."""
    out = tmp_path / "dist"
    env = {**os.environ, build_mod.HOLD_ENV: "tables"}
    proc = subprocess.Popen([sys.executable, "-m", "ipkg", "build", "--out", str(out), "-q", "--no-docs",
                             "--no-audit"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = wait_for_hold(proc, 120)
        assert "holding after tables" in line
        workers = _children(proc.pid)
        assert workers, "the hold is in the second process"
        time.sleep(0.5)
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pid in workers:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert not out.exists()
    assert not list(tmp_path.glob("dist.tmp-*"))
