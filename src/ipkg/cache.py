"""A content-addressed cache for deterministic, expensive build products.

The pyLODE documentation and the precomputed layouts of large views depend only on their
inputs, so they are kept under ``$IPKG_CACHE_DIR`` (default ``$XDG_CACHE_HOME/ipkg`` or
``~/.cache/ipkg``) named by a hash of those inputs. A hit returns the same bytes the
computation would have produced; a cache that cannot be read or written is simply skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from .atomic import write_bytes


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


def cached_bytes(name: str, compute: Callable[[], bytes]) -> bytes:
    """The bytes stored under ``name``, or ``compute()`` stored there (atomically) first."""
    path = cache_dir() / name
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = compute()
    try:
        write_bytes(path, data)
    except OSError:
        pass
    return data
