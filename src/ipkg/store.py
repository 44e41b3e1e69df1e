"""The on-disk Oxigraph store: open it (read-only by default) and bulk-load files into it atomically.

``pyoxigraph.Store.bulk_load`` is the fast path (it writes sorted SST files directly), but it is not
transactional: a failure or a kill half-way leaves a half-loaded store. :func:`load_files`
therefore never loads into the live directory. It loads into a sibling ``DIR.tmp-<pid>`` (a
fresh store, or with ``append=True`` a checkpoint copy of the existing one made by
``Store.backup``, which hard-links the immutable files) and then swaps the two directories with one
``renameat2(RENAME_EXCHANGE)`` call (or, where that is unavailable, two renames). Until the swap
the old store is untouched and usable; after it, readers that reopen see the new data.
Leftover ``DIR.tmp-<pid>`` folders of dead processes are removed on the next load.

After the bulk load the store is compacted (``Store.optimize``, one sorted run per index) before
the swap. The bulk loader writes a sorted file per index for every million quads and RocksDB
stacks these overlapping files in level 0; a store left like that is read through all of them at
once, and how far RocksDB's own background compaction got before the loader closed the store is a
matter of timing. Measured at 10⁶ synthetic cases: the label scan of ``ipkg validate --store``
took 57.7 CPU seconds on the store as bulk-loaded and 28.4 on the compacted one. The compaction
costs about one core for a quarter of the load time (``compact=False`` / ``--no-compact`` skips
it); the quads are counted at the same time on the other core.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import locked, pid_alive, swap_in
from .errors import EXIT_INPUT, IpkgError

#: file extension -> pyoxigraph RdfFormat attribute name
FORMATS = {
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".ttl": "TURTLE",
    ".trig": "TRIG",
}

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


def _is_store_dir(path: Path) -> bool:
    return path.is_dir() and (path / "CURRENT").is_file()


def open_store(path: str | Path, read_only: bool = True):
    """Open the Oxigraph store in ``path``; read-only by default so several readers can share it.

    Raises :class:`IpkgError` (exit 2) when the folder is missing or is not an Oxigraph store.
    """
    import pyoxigraph

    path = Path(path)
    if not path.exists():
        hint = "create it with: ipkg load FILE ... --store " + str(path)
        leftovers = sorted(path.parent.glob(path.name + ".old-*")) if path.parent.exists() else []
        if leftovers:
            hint = f"an interrupted swap left the previous store in {leftovers[-1]}; rename it back to {path}"
        raise IpkgError("no store here", path=path, hint=hint)
    if not path.is_dir():
        raise IpkgError("not a store folder (it is a file)", path=path,
                        hint="--store takes the folder 'ipkg load' wrote, not an RDF file")
    if not _is_store_dir(path):
        raise IpkgError("not an Oxigraph store (no RocksDB CURRENT file)", path=path,
                        hint="create one with: ipkg load FILE ... --store " + str(path))
    try:
        return pyoxigraph.Store.read_only(str(path)) if read_only else pyoxigraph.Store(str(path))
    except OSError as exc:
        raise IpkgError(f"cannot open the store: {exc}", path=path,
                        hint="is another process writing to it? 'ipkg load' replaces stores atomically") from None


@dataclass
class LoadStats:
    store: Path
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    quads: int | None = None
    seconds: float = 0.0
    #: seconds of the final compaction (0 with compact=False)
    compact_seconds: float = 0.0


def _format_for(path: Path):
    import pyoxigraph

    name = FORMATS.get(path.suffix.lower())
    if name is None:
        raise IpkgError(
            f"unsupported file type '{path.suffix}'", path=path,
            hint="ipkg load reads " + ", ".join(sorted(FORMATS)),
        )
    return getattr(pyoxigraph.RdfFormat, name)


class _CountingReader:
    """A binary reader that reports how many bytes bulk_load has consumed (for the progress bar)."""

    def __init__(self, fh, on_read: Callable[[int], None]):
        self._fh = fh
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._on_read(len(data))
        return data

    def readinto(self, buf) -> int:
        n = self._fh.readinto(buf)
        self._on_read(n or 0)
        return n


def tty_progress(stream=None, *, compacting: bool = True) -> Progress | None:
    """A one-line progress bar on ``stream`` (stderr) when it is a terminal, else ``None``; at
    100 % it says that the compaction follows (``compacting``)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None
    start = time.monotonic()
    state = {"last": 0.0}

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if (done < total and now - state["last"] < 0.2) or state.get("finished"):
            return
        state["finished"] = done >= total
        state["last"] = now
        frac = done / total if total else 1.0
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        rate = done / max(now - start, 1e-6) / 1e6
        stream.write(f"\rloading [{bar}] {frac:6.1%} {done / 1e6:,.0f}/{total / 1e6:,.0f} MB {rate:,.0f} MB/s")
        if done >= total:
            stream.write("\nloaded; compacting the store for reading (--no-compact skips this) ...\n"
                         if compacting else "\n")
        stream.flush()

    return show




def _clean_leftovers(store_dir: Path) -> None:
    """Remove ``DIR.tmp-<pid>`` folders left by loads that were killed."""
    for tmp in store_dir.parent.glob(store_dir.name + ".tmp-*"):
        # DIR.tmp-<pid>, and DIR.tmp-<pid>.tmp that Store.backup leaves when killed mid-copy
        m = re.fullmatch(re.escape(store_dir.name) + r"\.tmp-(\d+)(?:\.tmp)?", tmp.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)


def _clear_frames(exc: BaseException) -> None:
    """Drop the local variables of the finished frames in ``exc``'s tracebacks (and those of its
    context), so that a store object they hold is closed now, not when the exception goes."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__


def _open_tmp(tmp: Path, store_dir: Path, append: bool):
    """A fresh store in ``tmp``, or with ``append`` a checkpoint copy of the existing one."""
    import pyoxigraph

    if append:
        source = open_store(store_dir, read_only=True)
        source.backup(str(tmp))
        del source
    return pyoxigraph.Store(str(tmp))


def _fill(store, paths: list[Path], on_read, lenient: bool) -> None:
    """Bulk-load ``paths`` into ``store`` one after the other, each file in one piece through one
    reader: one blank-node scope per file, and a syntax error's line is the file's. (Given a
    path instead, pyoxigraph parses an N-Triples file in parts, each with its own blank-node scope,
    where it sees four processors or more; on two it was no faster than the reader.)
    Raises IpkgError."""
    for p in paths:
        fmt = _format_for(p)
        try:
            with open(p, "rb") as fh:
                reader: Any = _CountingReader(fh, on_read) if on_read else fh  # a binary reader
                # relative IRIs (<>, <#x>) resolve against the file, as rdflib and Jena do
                store.bulk_load(input=reader, format=fmt, lenient=lenient, base_iri=p.resolve().as_uri())
        except SyntaxError as exc:
            raise IpkgError(
                f"syntax error: {exc.msg}", path=p, line=exc.lineno, col=exc.offset,
                hint="nothing was loaded; the store is unchanged",
            ) from None
        except (OSError, ValueError) as exc:
            raise IpkgError(f"cannot load: {exc}", path=p,
                            hint="nothing was loaded; the store is unchanged") from None


def load_files(
    files: Sequence[str | Path],
    store_dir: str | Path,
    progress: Progress | None = None,
    *,
    append: bool = False,
    lenient: bool = False,
    count: bool = True,
    compact: bool = True,
) -> LoadStats:
    """Bulk-load RDF ``files`` into the on-disk store ``store_dir``, all or nothing.

    Without ``append`` the store afterwards holds exactly the given files (an existing store is
    replaced); with ``append`` the files are added to what it holds. Triples of .nt/.ttl files go
    to the default graph, quads of .nq/.trig files to their named graphs.
    Syntax errors raise :class:`IpkgError` with ``path:line:col``; the old store is left as it was.
    With ``compact`` (the default) the store is compacted before it replaces the old one (see
    the module docstring); with ``count`` the quads in it are counted (``LoadStats.quads``).
    """
    started = time.monotonic()
    store_dir = Path(store_dir)
    paths = [Path(f) for f in files]
    if not paths:
        raise IpkgError("no files to load", hint="ipkg load FILE ... --store DIR")
    from .safety import check_bulk_input, require_regular_file

    for p in paths:
        # a FIFO or a device would hang or never end; no size cap: the bulk loader streams the
        # file to disk (IPKG_MAX_INPUT_BYTES is for files read into memory)
        require_regular_file(p, max_bytes=1 << 62)
        check_bulk_input(p)  # RDF/XML, empty files (they would empty the store), XML heads
        _format_for(p)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    with locked(store_dir, what="loading into"):  # a concurrent --append must not be lost
        return _load_files_locked(paths, store_dir, progress, append, lenient, count, compact, started)


def _load_files_locked(paths, store_dir, progress, append, lenient, count, compact, started) -> LoadStats:
    if store_dir.is_symlink():
        raise IpkgError("is a symbolic link; refusing to replace it", path=store_dir,
                        hint="give the real folder as --store")
    if store_dir.exists() and not _is_store_dir(store_dir):
        raise IpkgError("exists but is not an Oxigraph store; refusing to replace it", path=store_dir,
                        hint="choose another --store folder or remove this one")
    if append and not store_dir.exists():
        append = False
    _clean_leftovers(store_dir)
    tmp = store_dir.with_name(f"{store_dir.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    stats = LoadStats(store=store_dir, files=paths)
    total = sum(p.stat().st_size for p in paths)
    done = 0

    def on_read(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    store = None
    counter: threading.Thread | None = None
    try:
        store = _open_tmp(tmp, store_dir, append)
        _fill(store, paths, on_read if progress else None, lenient)
        if progress:
            progress(total, total)
        counted: dict = {}
        if count:  # on the other core while this one compacts (a snapshot: unchanged by compaction)
            counter = threading.Thread(target=lambda st=store: counted.setdefault("quads", len(st)), daemon=True)
            counter.start()
        if compact:
            t = time.monotonic()
            store.optimize()
            stats.compact_seconds = time.monotonic() - t
        if counter is not None:
            counter.join()
            stats.quads = counted["quads"]
        store.flush()
        store = None  # closes RocksDB before the folder moves
        swap_in(tmp, store_dir)
    except BaseException as exc:
        store = None  # release the RocksDB lock (the traceback keeps this frame alive) ...
        _clear_frames(exc)  # ... and the frames of _fill & co. that it holds
        if counter is not None:
            counter.join()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    stats.bytes = total
    stats.seconds = time.monotonic() - started
    return stats


def iter_store_files(store_dir: Path) -> Iterable[Path]:
    """The files of a store folder (for size reports)."""
    return (p for p in Path(store_dir).rglob("*") if p.is_file())


__all__ = ["open_store", "load_files", "LoadStats", "tty_progress", "FORMATS", "EXIT_INPUT"]
