"""Replacing a folder all at once, so a reader never sees half of it.

``ipkg build`` (the ``dist/`` folder) and ``ipkg load`` (an Oxigraph store) both write a new
folder beside the old one and then swap it in. On Linux ``renameat2(RENAME_EXCHANGE)`` swaps the
two names in one step; elsewhere the old folder is renamed away first, leaving a moment with no
folder at all but never a half-written one.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (its temp folders are still in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2); False if the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in(tmp: Path, dest: Path) -> None:
    """Put the folder ``tmp`` at ``dest``; the old ``dest`` (if any) is removed afterwards."""
    if not dest.exists():
        os.rename(tmp, dest)
        return
    if exchange(tmp, dest):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        return
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    os.rename(dest, old)
    os.rename(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)
