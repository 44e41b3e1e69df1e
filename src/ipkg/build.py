"""``ipkg build``: load → validate → export → ontology docs → example queries → site → views.

The output folder is replaced as a whole, atomically: everything is written into a temporary
folder next to it (``<out>.tmp-<pid>``), and only when every step has succeeded is it swapped
in place of the old one (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere). A
build that fails (exit 1 on SHACL violations, 2 on input it cannot load) or is killed leaves
the previous output untouched; leftovers of killed builds are removed by the next build.

Optional steps run only when their module exists: validation (:mod:`ipkg.validate`), example
queries (:mod:`ipkg.examples`), the browsable site (:mod:`ipkg.site`: a page per entity and
term, charts, query gallery, search), views (:mod:`ipkg.views`). The site step runs before the
views so that the start page and the views' side panels can link to the pages it wrote.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IpkgError
from .atomic import pid_alive, swap_in

#: A file in every output folder: marks it as ipkg's, so that a build may replace it.
MARKER = ".ipkg-dist"
MARKER_TEXT = b"This folder is written by 'ipkg build' and replaced as a whole by the next build.\n"

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

    @property
    def total_seconds(self) -> float:
        return sum(t for _, t in self.timings)


#: optional step → (module, function) it calls
OPTIONAL = {
    "validate": ("ipkg.validate", "validate_project"),
    "examples": ("ipkg.examples", "write_examples"),
    "site": ("ipkg.site", "write_pages"),
    "views": ("ipkg.views", "write_site"),
}


def _optional(step: str):
    """The function behind an optional step, or None when its module does not provide it (yet)."""
    module, name = OPTIONAL[step]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, name, None)


# --------------------------------------------------------------------------- the output folder




def _cleanup_stale(out: Path) -> None:
    """Remove the temp folders of dead builds; restore an output a killed swap left aside."""
    pattern = re.compile(re.escape(out.name) + r"\.(tmp|old)-(\d+)$")
    leftovers = sorted(p for p in out.parent.iterdir() if pattern.match(p.name)) if out.parent.is_dir() else []
    for path in leftovers:
        kind, pid = pattern.match(path.name).groups()
        if pid_alive(int(pid)) and int(pid) != os.getpid():
            continue
        if kind == "old" and not out.exists() and (path / MARKER).exists():
            os.rename(path, out)  # a fallback swap was killed between its two renames
        else:
            shutil.rmtree(path, ignore_errors=True)


def _check_replaceable(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise IpkgError("the output path exists and is not a folder", path=out, hint="choose another --out")
    if (out / MARKER).exists() or not any(out.iterdir()):
        return
    raise IpkgError(
        f"refusing to replace {out}: it is not the output of an earlier 'ipkg build' (no {MARKER} file)",
        path=out,
        hint="choose an empty or new folder with --out, or delete this one yourself",
    )


def _hold(step: str) -> None:
    if os.environ.get(HOLD_ENV) == step:
        print(f"ipkg build: holding after {step}", file=sys.stderr, flush=True)
        time.sleep(600)


# --------------------------------------------------------------------------- the build


def plan(*, docs: bool = True, views: bool = True, validate: bool = True, site: bool = True) -> list[str]:
    """The steps a build with these options will run, in order."""
    steps = ["load"]
    if validate and _optional("validate") is not None:
        steps.append("validate")
    steps.append("export")
    if docs:
        steps.append("docs")
    if _optional("examples") is not None:
        steps.append("examples")
    if site and _optional("site") is not None:
        steps.append("site")
    if views and _optional("views") is not None:
        steps.append("views")
    steps.append("swap")
    return steps


def build(
    out: str | Path = "dist",
    *,
    root: str | Path | None = None,
    docs: bool = True,
    views: bool = True,
    validate: bool = True,
    site: bool = True,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the output folder ``out`` from the project at ``root`` (default: the data root).

    Returns a :class:`BuildResult`; when ``result.conforms`` is False (SHACL violations) the
    output folder was not replaced. Raises :class:`IpkgError` for input that cannot be loaded.
    """
    from .load import load_project

    out = Path(out).absolute()
    steps = plan(docs=docs, views=views, validate=validate, site=site)
    result = BuildResult(out=out, conforms=True)

    def note(message: str) -> None:
        result.warnings.append(message)
        if warn:
            warn(message)

    if validate and "validate" not in steps:
        note("ipkg.validate.validate_project is not available: the graph was NOT validated")

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
        except (IpkgError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("IPKG_DEBUG"):
                raise
            raise IpkgError(
                f"the {name} step failed: {type(exc).__name__}: {exc}",
                hint=f"{out} was left unchanged; this is a bug in ipkg - set IPKG_DEBUG=1 to see the traceback",
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

    if "validate" in steps:
        validate_project = _optional("validate")
        report = run_step("validate", lambda: validate_project(project))
        result.report = report
        result.conforms = bool(report.conforms)
        if not result.conforms:
            return result

    tmp.mkdir()
    try:
        files: list[Path] = []

        def export() -> None:
            from .export import write_exports

            files.extend(write_exports(project, tmp))
            (tmp / MARKER).write_bytes(MARKER_TEXT)

        run_step("export", export)

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
            write_examples = _optional("examples")
            run_step("examples", lambda: files.extend(write_examples(tmp) or []))

        if "site" in steps:
            write_pages = _optional("site")
            home = "index.html" if "views" in steps else None
            run_step("site", lambda: files.extend(write_pages(project, tmp, report=result.report, home=home) or []))

        if "views" in steps:
            write_site = _optional("views")
            run_step("views", lambda: files.extend(write_site(project.merged(), tmp) or []))

        def swap() -> None:
            swap_in(tmp, out)

        run_step("swap", swap)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.files = sorted(out / p.relative_to(tmp) for p in files)
    return result
