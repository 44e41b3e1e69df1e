"""A content-addressed cache for deterministic, expensive build products.

The pyLODE documentation, the precomputed layouts of large views and rdflib's SERVICE verdict
for each SPARQL text of the shapes (:func:`ipkg.safety._algebra_has_service`) depend only on
their inputs, so they are kept under ``$IPKG_CACHE_DIR`` (default ``$XDG_CACHE_HOME/ipkg`` or
``~/.cache/ipkg``) named by a hash of those inputs. (Jinja2 keeps the site's compiled templates
in ``jinja2/`` there, checked against a hash of each template's source: :mod:`ipkg.site`.)
A hit returns the same bytes the computation would have produced; a cache that cannot be read
or written is simply skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from .atomic import write_bytes
from .errors import IpkgError


def cache_dir() -> Path:
    env = os.environ.get("IPKG_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ipkg"


def key(*parts: bytes | str) -> str:
    """SHA-256 over the parts, each terminated so that ('ab', 'c') != ('a', 'bc')."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


_MAGIC = b"ipkg-cache-1 "


def _read_entry(path: Path) -> bytes | None:
    """The payload of a cache entry, or None if it is missing, not a regular file, empty,
    truncated or otherwise damaged (each entry carries the SHA-256 of its payload)."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a FIFO or a device would hang or never end
        raw = path.read_bytes()
    except OSError:
        return None
    head, sep, payload = raw.partition(b"\n")
    if not sep or not head.startswith(_MAGIC):
        return None
    if hashlib.sha256(payload).hexdigest().encode() != head[len(_MAGIC):]:
        return None
    return payload


def read_entry(name: str) -> bytes | None:
    """The bytes stored under ``name``, or None (a miss; a damaged entry is a miss too)."""
    return _read_entry(cache_dir() / name)


def store_entry(name: str, data: bytes) -> None:
    """Store ``data`` under ``name`` (atomically); a cache that cannot be written is skipped."""
    try:
        write_bytes(cache_dir() / name, _MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    except (OSError, IpkgError):
        pass


def cached_bytes(name: str, compute: Callable[[], bytes]) -> bytes:
    """The bytes stored under ``name``, or ``compute()`` stored there (atomically) first.

    A damaged entry (an empty file left by a full disk, a truncated copy) is a miss and is
    rewritten, never an error.
    """
    data = read_entry(name)
    if data is not None:
        return data
    data = compute()
    store_entry(name, data)
    return data


_FINGERPRINT: list[str] = []


def code_fingerprint() -> str:
    """A hash of the code that computes cached results: every module of the ipkg package (its
    source bytes) and the installed rdflib, pyshacl and pyoxigraph (path, size, time). Part of the key of any
    entry whose value the code decides (a validation report, an audit), so that changing ipkg
    or a library is a miss. Computed once per process (~100 files, a few milliseconds)."""
    if not _FINGERPRINT:
        from importlib.util import find_spec

        package = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        for dist in ("rdflib", "pyshacl", "pyoxigraph"):
            # where the library is installed and when: a reinstall or an upgrade changes it
            # (cheaper than importlib.metadata, and it does not import the library)
            spec = find_spec(dist)
            origin = spec.origin if spec is not None else None
            if origin:
                st = os.stat(origin)
                h.update(f"{dist} {origin} {st.st_size} {st.st_mtime_ns}\0".encode())
            else:
                h.update(f"{dist} -\0".encode())
        _FINGERPRINT.append(h.hexdigest())
    return _FINGERPRINT[0]
