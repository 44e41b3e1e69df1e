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


def cached_bytes(name: str, compute: Callable[[], bytes]) -> bytes:
    """The bytes stored under ``name``, or ``compute()`` stored there (atomically) first.

    A damaged entry (an empty file left by a full disk, a truncated copy) is a miss and is
    rewritten, never an error.
    """
    path = cache_dir() / name
    data = _read_entry(path)
    if data is not None:
        return data
    data = compute()
    try:
        write_bytes(path, _MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
    except (OSError, IpkgError):
        pass
    return data
