"""Every ``ipkg SUBCOMMAND --option`` shown in README.md and docs/*.md exists in that subcommand's
parser (what ``ipkg SUBCOMMAND --help`` lists), so the documented commands do not drift from the CLI."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from ipkg.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: ``ipkg COMMAND`` then the rest of the command: up to a comment, the end of inline code, or
#: the next command of a pipeline
_COMMAND = re.compile(r"\bipkg\s+(?P<name>[a-z]+)(?P<rest>[^`|;#\n]*(?:#(?!\s)[^`|;#\n]*)*)")
_OPTION = re.compile(r"(?:^|\s)(--[a-z][a-z0-9-]*)")


def options_of() -> dict[str, set[str]]:
    """subcommand → the option strings its parser accepts."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: set(p._option_string_actions) for name, p in sub.choices.items()}


def documented(text: str) -> list[tuple[int, str, str]]:
    """(line number, subcommand, option) for every ``ipkg SUBCOMMAND … --option`` in ``text``;
    a line ending in a backslash continues the command on the next line."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, line = i + 1, lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        for m in _COMMAND.finditer(line):
            if m["name"] in COMMANDS:
                found += [(start, m["name"], opt) for opt in _OPTION.findall(m["rest"])]
        i += 1
    return found


def test_the_scan_finds_options_and_flags_a_made_up_one():
    text = ("Run `ipkg query --list` or\n"
            "    ipkg push --endpoint http://x/store \\\n"
            "        --user dba --pasword dba   # a comment --not-an-option\n"
            "ipkg view crimes --lang zh | ipkg stats --format csv\n")
    found = documented(text)
    assert found == [(1, "query", "--list"), (2, "push", "--endpoint"), (2, "push", "--user"),
                     (2, "push", "--pasword"), (4, "view", "--lang"), (4, "stats", "--format")]
    options = options_of()
    assert [opt for _, name, opt in found if opt not in options[name]] == ["--pasword"]


def test_every_command_is_registered():
    assert set(options_of()) == set(COMMANDS)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_documented_options_exist(doc):
    options = options_of()
    found = documented(doc.read_text(encoding="utf-8"))
    wrong = [f"{doc.relative_to(ROOT)}:{line}: ipkg {name} has no option {opt} (see ipkg {name} --help)"
             for line, name, opt in found if opt not in options[name]]
    assert not wrong, "\n".join(wrong)


def test_the_docs_show_options():
    """The scan reads real examples (if it found none, the test above would pass vacuously)."""
    assert sum(len(documented(d.read_text(encoding="utf-8"))) for d in DOCS) >= 40
