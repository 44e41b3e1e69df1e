"""Waiting for a condition in a browser page, for the browser tests.

Playwright's ``page.wait_for_function`` evaluates its predicate with ``eval()`` whenever it has to
poll, and the pages' Content-Security-Policy (rightly) refuses eval: it works when the page is
already ready and fails when it is not — a timing-dependent failure. :func:`wait_until` polls
from outside the page with ``page.evaluate`` instead, which the CSP does not govern.
"""

from __future__ import annotations

import time


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    """Poll ``expression`` (a JavaScript expression or function source) until it is truthy."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)
