"""One error type for everything ipkg refuses to do, with the exit codes the CLI documents.

Every failure a user can cause (a file that does not parse, an unknown example query, an
endpoint that does not answer) is raised as :class:`IpkgError`; the CLI prints
:meth:`IpkgError.format` and exits with :attr:`IpkgError.exit_code`. Nothing else should reach
the user as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Exit codes, documented in the README and in ``ipkg --help``.
EXIT_OK = 0
EXIT_FAILED = 1  # the input was read and found wanting: violations, audit mismatches
EXIT_INPUT = 2  # the input could not be read or used: syntax errors, missing files, bad options
EXIT_INTERNAL = 3  # internal error: a bug in ipkg (or a broken installation), please report it
EXIT_INTERRUPTED = 130


@dataclass
class IpkgError(Exception):
    """A failure the user can act on: where it is, what is wrong, what to do."""

    message: str
    path: str | Path | None = None
    line: int | None = None
    col: int | None = None
    hint: str | None = None
    exit_code: int = EXIT_INPUT

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        """``path:line:col`` as far as it is known ('' when there is no file)."""
        if self.path is None:
            return ""
        loc = str(self.path)
        if self.line is not None:
            loc += f":{self.line}"
            if self.col is not None:
                loc += f":{self.col}"
        return loc

    def format(self) -> str:
        """The text the CLI prints: ``path:line:col: message`` then ``  hint: …``."""
        head = f"{self.location}: {self.message}" if self.location else self.message
        return head + (f"\n  hint: {self.hint}" if self.hint else "")

    def __str__(self) -> str:
        return self.format()
