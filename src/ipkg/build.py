"""``ipkg build``: load → validate → audit → export → tables → ontology docs → example queries → site
→ views → checksums.

The output folder (default ``site/``; not ``dist/``, where Python packaging puts wheels) is
replaced as a whole, atomically: everything is written into a temporary folder next to it
(``<out>.tmp-<pid>``), and only when every step has succeeded is it swapped in place of the old
one (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere). A build that fails (exit 1
on SHACL violations, 2 on input it cannot load) or is killed leaves the previous output
untouched; leftovers of killed builds are removed by the next build.

ipkg never deletes a file it did not write: the marker file lists every file the build wrote,
and a file in the old output folder that is not on that list (a wheel, a note) is carried over
into the new folder (hard link) before the swap; when the new build writes the same path, the
build stops with an error and changes nothing.

The steps call validation (:mod:`ipkg.validate`), example queries (:mod:`ipkg.examples`), the
browsable site (:mod:`ipkg.site`: a page per entity and term, charts, query gallery, search) and
views (:mod:`ipkg.views`); none of them is optional: a module that is missing or fails to import
fails its step as an internal error (exit code 3) and nothing is published. The site step runs
before the views so that the start page and the views' side panels can link to the pages it wrote.

Where ``fork`` exists (and ``$IPKG_BUILD_JOBS`` is not ``1``) the build runs in two processes
after loading: a forked child (:class:`_Worker`) runs the audit, export, tables, docs, examples,
the report-free half of the site (RDF per entity, gallery, search) and the views into the
staging folder, while the main process validates and writes the pages that show the validation
report (entity pages, charts). The child's result or error comes back through a pipe; it is
killed when the main process stops early (a violation, an error, Ctrl-C) and dies with it; the
output is byte-identical to a one-process build.

The audit (:mod:`ipkg.audit`: every evidence phrase against the source texts) runs when the
source texts are found: ``sources=DIR``, else the folder named by ``$IPKG_SEEDS``, else
``../shared/seeds`` next to the data root (:func:`find_sources`). A failed audit fails the
build like a violation: nothing is written.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import pid_alive, reusing, swap_in, write_bytes
from .errors import EXIT_INTERNAL, IpkgError

#: The default output folder.
DEFAULT_OUT = "site"
#: A file in every output folder: marks it as ipkg's, so that a build may replace it, and lists
#: (after MARKER_TEXT, one relative path a line) the files the build wrote.
MARKER = ".ipkg-build"
LEGACY_MARKERS = (".ipkg-dist",)  # written by ipkg before 0.1.0 (no file list)
MARKER_TEXT = b"This folder is written by 'ipkg build' and replaced by the next build; the files it wrote:\n"

#: Environment variable naming the folder of source texts the build audits against.
SOURCES_ENV = "IPKG_SEEDS"

#: For tests only: ``IPKG_BUILD_HOLD=<step>`` makes the build stop after that step and wait,
#: so that a test can kill it at a known point (see tests/test_build.py).
HOLD_ENV = "IPKG_BUILD_HOLD"

Progress = Callable[[int, int, str, float], None]


@dataclass
class BuildResult:
    out: Path
    conforms: bool
    report: Any = None
    files: list[Path] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    triples: int = 0
    #: the :class:`ipkg.audit.AuditReport`, when the audit ran
    audit: Any = None
    #: the source-text folder the audit read, or why it did not run
    sources: Path | None = None
    audit_skipped: str | None = None

    @property
    def failed_step(self) -> str | None:
        """'validate' or 'audit' when that step found the input wanting (nothing was written)."""
        if self.report is not None and not self.report.conforms:
            return "validate"
        if self.audit is not None and not self.audit.ok:
            return "audit"
        return None

    #: the build's wall-clock time (steps run in two processes at once: see :func:`build`)
    wall_seconds: float | None = None

    @property
    def total_seconds(self) -> float:
        return self.wall_seconds if self.wall_seconds is not None else sum(t for _, t in self.timings)


#: step → (module, function) it calls; each module ships with ipkg, so a missing or broken one
#: is an internal error that fails the build (nothing is published), never a skipped step
STEP_FUNCTIONS = {
    "validate": ("ipkg.validate", "validate_project"),
    "examples": ("ipkg.examples", "write_examples"),
    "site": ("ipkg.site", "write_pages"),
    "views": ("ipkg.views", "write_site"),
}


def _step_function(step: str) -> Callable[..., Any]:
    """The function behind a step. Raises (ImportError, AttributeError) when its module is
    missing or broken: the build step fails as an internal error and nothing is published."""
    module, name = STEP_FUNCTIONS[step]
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------- the output folder




def _cleanup_stale(out: Path) -> None:
    """Remove the temp folders of dead builds; restore an output a killed swap left aside."""
    pattern = re.compile(re.escape(out.name) + r"\.(tmp|old)-(\d+)$")
    leftovers = sorted(p for p in out.parent.iterdir() if pattern.match(p.name)) if out.parent.is_dir() else []
    for path in leftovers:
        m = pattern.match(path.name)
        assert m is not None, "leftovers are the names that matched"
        kind, pid = m.groups()
        if pid_alive(int(pid)) and int(pid) != os.getpid():
            continue
        if kind == "old" and not out.exists() and any((path / m).exists() for m in (MARKER, *LEGACY_MARKERS)):
            os.rename(path, out)  # a fallback swap was killed between its two renames
        else:
            shutil.rmtree(path, ignore_errors=True)


def _check_replaceable(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise IpkgError("the output path exists and is not a folder", path=out, hint="choose another --out")
    if any((out / m).exists() for m in (MARKER, *LEGACY_MARKERS)) or not any(out.iterdir()):
        return
    raise IpkgError(
        f"refusing to replace {out}: it is not the output of an earlier 'ipkg build' (no {MARKER} file)",
        path=out,
        hint="choose an empty or new folder with --out, or delete this one yourself",
    )


def _written_by_ipkg(out: Path) -> set[str] | None:
    """The files the build in ``out`` wrote (relative paths), or None when it did not list them."""
    try:
        text = (out / MARKER).read_bytes()
    except OSError:
        return None
    if not text.startswith(MARKER_TEXT):
        return None
    return {line for line in text[len(MARKER_TEXT):].decode("utf-8", "replace").splitlines() if line}


def _files(folder: Path) -> list[str]:
    """Every file (and symbolic link) under ``folder``, as sorted relative paths."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # not into linked folders
        rel = os.path.relpath(dirpath, folder)
        prefix = "" if rel == "." else rel + "/"
        out.extend(prefix + n for n in filenames)
        out.extend(prefix + d for d in dirnames if os.path.islink(os.path.join(dirpath, d)))
    return sorted(out)


def file_digests(folder: Path, names) -> dict[str, str]:
    """SHA-256 of each of ``names`` (paths relative to ``folder``), for :func:`write_checksums`:
    each build process hashes what it wrote while the other is still at work."""
    import hashlib

    out = {}
    for name in names:
        with open(folder / name, "rb") as f:
            out[name] = hashlib.file_digest(f, "sha256").hexdigest()
    return out


def keep_foreign_files(out: Path, tmp: Path) -> list[str]:
    """Carry the files of ``out`` that ipkg did not write into ``tmp`` (hard links); returns them.

    Raises IpkgError when the new build wrote a file at the same path (nothing is changed then).
    """
    if not out.is_dir():
        return []
    listed = _written_by_ipkg(out)
    new = set(_files(tmp))
    if listed is None:  # an older build: whatever the new build would write is ipkg's
        tops = {n.split("/", 1)[0] for n in new}
        foreign = [f for f in _files(out) if f not in new and f.split("/", 1)[0] not in tops
                   and f not in LEGACY_MARKERS]
    else:
        foreign = [f for f in _files(out) if f not in listed and f != MARKER]
    clash = [f for f in foreign if f in new]
    if clash:
        raise IpkgError(f"{out} holds files ipkg did not write where the build writes: {', '.join(clash[:5])}",
                        path=out, hint="move them away; nothing was changed")
    for f in foreign:
        dest = tmp / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(out / f, dest, follow_symlinks=False)
        except OSError:
            shutil.copy2(out / f, dest, follow_symlinks=False)
    return foreign


def write_marker(tmp: Path, foreign: Sequence[str] = ()) -> Path:
    """The marker file, listing every file in ``tmp`` except ``foreign`` ones and itself."""
    skip = set(foreign) | {MARKER}
    names = [f for f in _files(tmp) if f not in skip]
    return write_bytes(tmp / MARKER, MARKER_TEXT + "".join(f"{n}\n" for n in names).encode("utf-8"))


def write_checksums(folder: Path, known: dict[str, str] | None = None) -> Path:
    """``SHA256SUMS`` (``sha256sum -c`` format) over every published file: all but hidden ones.
    ``known``: digests already computed (:func:`file_digests`); the other files are read."""
    names = [n for n in _files(folder)
             if n != "SHA256SUMS" and not any(part.startswith(".") for part in n.split("/"))]
    digests = dict(known or {})
    digests.update(file_digests(folder, [n for n in names if n not in digests]))
    return write_bytes(folder / "SHA256SUMS", "".join(f"{digests[n]}  {n}\n" for n in names).encode("utf-8"))


def _hold(step: str) -> None:
    if os.environ.get(HOLD_ENV) == step:
        print(f"ipkg build: holding after {step}", file=sys.stderr, flush=True)
        time.sleep(600)


# --------------------------------------------------------------------------- the second process

#: ``IPKG_BUILD_JOBS=1`` runs every step in one process, one after the other
JOBS_ENV = "IPKG_BUILD_JOBS"


def _parallel() -> bool:
    return hasattr(os, "fork") and os.environ.get(JOBS_ENV, "2").strip() != "1"


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (a killed build leaves no
    worker writing into a staging folder that the next build removes)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl
        os._exit(1)


class _JobQueue:
    """Job numbers 0 … n-1 that the two build processes take, each the next one when it is free:
    a pipe filled before the fork, from which each process reads one byte (a read of one byte
    from a pipe is atomic); an empty pipe (its writing end closed) means every job is taken."""

    def __init__(self, n: int):
        if not 0 <= n <= 255:
            raise ValueError("at most 255 jobs")
        self.rfd, wfd = os.pipe()
        try:
            os.write(wfd, bytes(range(n)))
        finally:
            os.close(wfd)

    def take(self) -> int | None:
        byte = os.read(self.rfd, 1)
        return byte[0] if byte else None

    def close(self: _JobQueue | None) -> None:  # also as ``_JobQueue.close(None)``: nothing to do
        if self is not None:
            try:
                os.close(self.rfd)
            except OSError:
                pass


class _ReportHandoff:
    """The validation results, from the main build process to the second one, which renders
    some of the pages that show them (:class:`_JobQueue`): a temp file written once validation
    is done, and one byte through a pipe to say so (a pipe alone could fill up and block)."""

    def __init__(self) -> None:
        import tempfile

        fd, self.path = tempfile.mkstemp(prefix="ipkg-build-report-")
        os.close(fd)
        self.rfd, self.wfd = os.pipe()

    def send(self, report) -> None:
        import pickle
        import types

        results = None if report is None else types.SimpleNamespace(all_results=list(report.all_results))
        Path(self.path).write_bytes(pickle.dumps(results))
        os.write(self.wfd, b"1")

    def receive(self) -> Any:
        import pickle

        if not os.read(self.rfd, 1):
            raise IpkgError("the build's first process ended before it sent the validation report",
                            exit_code=EXIT_INTERNAL)
        return pickle.loads(Path(self.path).read_bytes())  # noqa: S301 - written by this build

    def close(self: _ReportHandoff | None) -> None:  # also as ``_ReportHandoff.close(None)``
        if self is not None:
            for fd in (self.rfd, self.wfd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            Path(self.path).unlink(missing_ok=True)


class _SiteJobs:
    """What the two build processes share to write the site: the queue of its jobs (pages and
    report-free files, :func:`ipkg.site.write_pages`) and the handoff of the validation report
    (the second process renders pages too, once the first has validated)."""

    def __init__(self, n: int):
        self.queue = _JobQueue(n)
        self.handoff = _ReportHandoff()

    def close(self: _SiteJobs | None) -> None:  # also as ``_SiteJobs.close(None)``
        if self is not None:
            _JobQueue.close(self.queue)
            _ReportHandoff.close(self.handoff)


def _site_jobs(steps: list[str]) -> _SiteJobs | None:
    """The site's jobs for two processes (None when the build writes no site)."""
    if "site" not in steps:
        return None
    try:
        site = importlib.import_module(_step_function("site").__module__)
        n = site.PAGE_JOBS + site.DATA_JOBS
    except Exception:  # noqa: BLE001 - a broken site module fails in its own step, reported as such
        return None
    return _SiteJobs(n)


def _write_site(project, tmp: Path, steps: list[str], home: str | None, jobs: _SiteJobs | None,
                report=None, second: bool = False, ctx=None) -> list[Path]:
    """The site's part of the build in one process. Alone (``jobs`` None): the pages, or in the
    ``second`` process the report-free files. Shared: every job this process takes from the
    queue; the first process hands the validation report over first, the second waits for it
    before its first page job. ``ctx``: the views' lookups of the graph, when this process has them."""
    write_pages = _step_function("site")
    validated = "validate" in steps
    if jobs is None:
        parts = ("data",) if second else ("pages",)
        return write_pages(project, tmp, report=report, home=home, parts=parts, validated=validated, ctx=ctx) or []
    if not second:
        jobs.handoff.send(report)
    return write_pages(project, tmp, report=report, home=home, parts=("pages", "data"), validated=validated,
                       take=jobs.queue.take, ctx=ctx,
                       report_later=jobs.handoff.receive if second else None) or []


class _Worker:
    """``fn()`` in a forked process, while the caller goes on; :meth:`join` returns its result
    or raises its error (:class:`IpkgError`, OSError, KeyboardInterrupt as raised there).

    The child gets a copy of everything loaded so far (the parsed project), writes its files
    into the staging folder, and returns a small result through a pipe (pickle). It dies with
    the main process; the main process kills it (:meth:`kill`) when it stops first.
    """

    def __init__(self, fn: Callable[[], Any]):
        from .sandbox import send_to_parent

        rfd, wfd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(rfd)
                _die_with_parent()
                # What the child inherits (the parsed project) lives until it exits: keep the
                # collector from walking it again in every full collection (~0.2 s a build)
                import gc

                gc.freeze()
                try:
                    payload: tuple[str, Any] = ("ok", fn())
                except KeyboardInterrupt:
                    payload = ("interrupted", None)
                except BaseException as exc:  # noqa: BLE001 - handed to the parent
                    if os.environ.get("IPKG_DEBUG"):
                        import traceback

                        traceback.print_exc()
                    payload = ("raise", exc)
                send_to_parent(wfd, payload, lambda exc: ("raise", IpkgError(
                    f"a build step failed: {type(payload[1]).__name__}: {payload[1]} ({exc})",
                    hint="this is a bug in ipkg - set IPKG_DEBUG=1 to see the traceback",
                    exit_code=EXIT_INTERNAL)))
            except BaseException:  # noqa: BLE001
                code = 3
            finally:
                os._exit(code)
        os.close(wfd)
        self.pid: int | None = pid
        self.rfd = rfd

    def join(self) -> Any:
        import pickle

        assert self.pid is not None, "joined once"
        with os.fdopen(self.rfd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not data:
            raise IpkgError(f"the build's second process died ({_status_text(status)})",
                            hint="nothing was published; this is a bug in ipkg or the system ran out of memory",
                            exit_code=EXIT_INTERNAL)
        kind, value = pickle.loads(data)
        if kind == "interrupted":
            raise KeyboardInterrupt
        if kind == "raise":
            raise value
        return value

    def kill(self) -> None:
        import signal

        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self.pid = None
        try:
            os.close(self.rfd)
        except OSError:
            pass


def _status_text(status: int) -> str:
    import signal

    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _join_second(worker: _Worker, result: BuildResult, tmp: Path,
                 own: list[Path]) -> tuple[list[Path], dict[str, str]] | None:
    """Hash the files this process wrote while the second one works, then wait for it: its
    files and the digests of all files, or None when its audit found mismatches."""
    known = file_digests(tmp, [p.relative_to(tmp).as_posix() for p in own])
    (side_files, timings, warnings, audited), digests = worker.join()
    known.update(digests)
    result.timings.extend(timings)
    result.warnings.extend(warnings)  # the child printed them already
    if audited is not None:
        result.audit = audited
        if not audited.ok:
            result.conforms = False
            return None
    return side_files, known


def _side_steps(project, tmp: Path, steps: list[str], result: BuildResult, run_step, note,
                run_audit, home: str | None, with_audit: bool,
                jobs: _SiteJobs | None = None) -> tuple[list[Path], list, list[str], Any]:
    """The steps that do not need the validation report: (the audit,) export, tables, docs,
    examples, views, the report-free half of the site (with ``jobs``: the site's jobs this
    process takes, pages included once the report is handed over). Returns the files, timings,
    warnings and the audit report (None when not ``with_audit``); stops after a failed audit."""
    files: list[Path] = []
    n_timings, n_warnings = len(result.timings), len(result.warnings)
    audited = None
    if with_audit and "audit" in steps:
        audited = run_step("audit", run_audit)
        if not audited.ok:  # nothing will be published: write nothing more
            return files, result.timings[n_timings:], result.warnings[n_warnings:], audited

    def export() -> None:
        from .export import write_exports

        files.extend(write_exports(project, tmp))

    run_step("export", export)

    def tables() -> None:
        from .export import write_tables

        files.extend(write_tables(project, tmp))

    run_step("tables", tables)

    if "docs" in steps:

        def ontology_docs() -> None:
            from .ontodocs import write_ontology_docs

            try:
                files.append(write_ontology_docs(project, tmp))
            except IpkgError:
                raise
            except Exception as exc:  # pyLODE is a third-party renderer: do not lose the build
                note(f"ontology documentation skipped: pyLODE failed ({type(exc).__name__}: {exc})")

        run_step("docs", ontology_docs)

    if "examples" in steps:
        run_step("examples", lambda: files.extend(_step_function("examples")(tmp) or []))

    # the views and the site data read the graph through one set of lookups (an index of the
    # graph, labels: ipkg.views.builders.Context), made once
    ctx = None
    if "views" in steps or "site" in steps:
        from .views.builders import Context

        ctx = Context(project.merged())

    if "views" in steps:

        def views() -> None:
            pages = None
            if "site" in steps:  # the site's pages, written meanwhile, for the views to link to
                pages = importlib.import_module(_step_function("site").__module__).pages_of(project.merged())
            files.extend(_step_function("views")(project.merged(), tmp, pages=pages, ctx=ctx) or [])

        run_step("views", views)

    if "site" in steps:
        # last: with ``jobs`` the two processes take the site's jobs, whichever is free
        run_step("site-data", lambda: files.extend(_write_site(project, tmp, steps, home, jobs, second=True, ctx=ctx)))
    return files, result.timings[n_timings:], result.warnings[n_warnings:], audited


# --------------------------------------------------------------------------- the build


def find_sources(root: str | Path | None = None, sources: str | Path | None = None) -> tuple[Path | None, str]:
    """The folder of source texts to audit against, and where it came from.

    ``sources`` when given (it must exist: :class:`IpkgError`, exit 2, otherwise); else
    ``$IPKG_SEEDS`` when set (it must exist too); else ``../shared/seeds`` next to the data
    root when that folder exists; else ``(None, why)``.
    """
    if sources is not None:
        path = Path(sources)
        if not path.is_dir():
            raise IpkgError("the sources folder does not exist", path=path,
                            hint="give the folder that holds the NNN_*.txt source texts, or leave --sources out")
        return path, "--sources"
    env = os.environ.get(SOURCES_ENV)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise IpkgError(f"${SOURCES_ENV} names a folder that does not exist", path=path,
                            hint=f"point {SOURCES_ENV} at the folder of NNN_*.txt source texts, or unset it")
        return path, f"${SOURCES_ENV}"
    if root is None:
        from .paths import data_root

        root = data_root()
    default = Path(root).absolute().parent / "shared" / "seeds"
    if default.is_dir():
        return default, "../shared/seeds"
    return None, (f"no source texts found (give --sources DIR, set {SOURCES_ENV}, "
                  f"or put them in {default})")


def plan(*, docs: bool = True, views: bool = True, validate: bool = True, audit: bool = False,
         site: bool = True) -> list[str]:
    """The steps a build with these options will run, in order."""
    steps = ["load"]
    if validate:
        steps.append("validate")
    if audit:
        steps.append("audit")
    steps.append("export")
    steps.append("tables")
    if docs:
        steps.append("docs")
    steps.append("examples")
    if site:
        steps.append("site-data")
        steps.append("site")
    if views:
        steps.append("views")
    steps.append("checksums")  # the last step that writes: covers every published file
    steps.append("swap")
    return steps


def build(
    out: str | Path = DEFAULT_OUT,
    *,
    root: str | Path | None = None,
    docs: bool = True,
    views: bool = True,
    validate: bool = True,
    audit: bool = True,
    sources: str | Path | None = None,
    site: bool = True,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the output folder ``out`` from the project at ``root`` (default: the data root).

    Returns a :class:`BuildResult`; when ``result.conforms`` is False (SHACL violations, or
    audit mismatches when the source texts were found: see :func:`find_sources`) the output
    folder was not replaced. Raises :class:`IpkgError` for input that cannot be loaded.
    """
    from .load import load_project

    out = Path(out).absolute()
    source_dir, why = find_sources(root, sources) if audit else (None, "--no-audit")
    steps = plan(docs=docs, views=views, validate=validate, audit=source_dir is not None,
                 site=site)
    result = BuildResult(out=out, conforms=True, sources=source_dir,
                         audit_skipped=None if source_dir is not None else why)

    def note(message: str) -> None:
        result.warnings.append(message)
        if warn:
            warn(message)

    out.parent.mkdir(parents=True, exist_ok=True)
    _cleanup_stale(out)
    _check_replaceable(out)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)

    def run_step(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        try:
            value = fn()
        except (IpkgError, KeyboardInterrupt, OSError):
            raise  # bad input, Ctrl-C, the system refusing (disk full …): the CLI maps each to its code
        except Exception as exc:  # a bug in ipkg, or a step module missing or broken: exit code 3
            if os.environ.get("IPKG_DEBUG"):
                raise
            raise IpkgError(
                f"the {name} step failed: {type(exc).__name__}: {exc}",
                hint=f"{out} was left unchanged; this is a bug in ipkg - set IPKG_DEBUG=1 to see the traceback",
                exit_code=EXIT_INTERNAL,
            ) from exc
        seconds = time.perf_counter() - t0
        result.timings.append((name, seconds))
        if progress:
            progress(steps.index(name) + 1, len(steps), name, seconds)
        _hold(name)
        return value

    def load():
        project = load_project(root)
        result.triples = len(project.merged())
        return project

    project = run_step("load", load)

    def run_audit():
        from .audit import audit_cached

        assert source_dir is not None, "the audit step is planned only when the sources were found"
        return audit_cached(project, source_dir)

    jobs: _SiteJobs | None = None

    def side_steps(with_audit: bool) -> tuple[list[Path], list, list[str], Any]:
        return _side_steps(project, tmp, steps, result, run_step, note, run_audit, home, with_audit, jobs=jobs)

    def side_steps_hashed() -> tuple[tuple[list[Path], list, list[str], Any], dict[str, str]]:
        side = side_steps(with_audit=True)  # the second process also hashes what it wrote
        return side, file_digests(tmp, [p.relative_to(tmp).as_posix() for p in side[0]])

    home = "index.html" if "views" in steps else None
    files: list[Path] = []
    worker: _Worker | None = None
    t_start = time.perf_counter()
    # an unchanged file of the current output is linked into the new one, not written again
    with reusing(tmp, out):
        try:
            if _parallel():
                # Two processes: this one validates and renders the pages that show the validation
                # report; a forked child meanwhile audits and writes everything else into the
                # staging folder. Nothing is published unless both finish, validation passes and
                # the audit finds no mismatch.
                tmp.mkdir()
                jobs = _site_jobs(steps)  # the site's jobs, for whichever process is free
                worker = _Worker(side_steps_hashed)

            if "validate" in steps:
                report = run_step("validate", lambda: _step_function("validate")(project))
                result.report = report
                result.conforms = bool(report.conforms)
                if not result.conforms:
                    return result

            if "audit" in steps and worker is None:
                result.audit = run_step("audit", run_audit)
                if not result.audit.ok:
                    result.conforms = False
                    return result

            if worker is None:
                tmp.mkdir()
                side = side_steps(with_audit=False)
            if "site" in steps:
                # the pages that show the validation report (in two processes: the site's jobs
                # that the second process has not taken, once the report is handed over)
                run_step("site", lambda: files.extend(_write_site(project, tmp, steps, home, jobs, result.report)))
            known: dict[str, str] = {}
            if worker is not None:
                joined = _join_second(worker, result, tmp, files)
                worker = None
                if joined is None:  # the audit found mismatches
                    shutil.rmtree(tmp, ignore_errors=True)
                    return result
                side_files, known = joined
            else:
                side_files = side[0]
            files.extend(side_files)

            run_step("checksums", lambda: files.append(write_checksums(tmp, known)))

            def swap() -> None:
                foreign = keep_foreign_files(out, tmp)
                write_marker(tmp, foreign)
                swap_in(tmp, out)

            run_step("swap", swap)
        except BaseException:
            if worker is not None:
                worker.kill()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            if worker is not None:  # validation or the audit failed: nothing is published
                worker.kill()
                shutil.rmtree(tmp, ignore_errors=True)
            _SiteJobs.close(jobs)
    result.wall_seconds = result.timings[0][1] + time.perf_counter() - t_start
    result.files = sorted(out / p.relative_to(tmp) for p in files)
    return result
