"""Waiting for a build held after a step (``IPKG_BUILD_HOLD``): one helper for the tests that
interrupt or kill a build part-way."""

from __future__ import annotations

import subprocess
import time


def wait_for_hold(proc: subprocess.Popen, seconds: float) -> str:
    """Read ``proc``'s stderr until the build says it is holding (or it ends, or ``seconds``
    pass); the last line read."""
    deadline = time.monotonic() + seconds
    line = ""
    while "holding" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
    return line
