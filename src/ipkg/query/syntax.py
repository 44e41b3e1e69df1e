"""Parsing a query once (sandboxed) for its kind, and syntax errors that show the line and a caret."""

from __future__ import annotations

import re

from .. import vocab
from ..errors import EXIT_INPUT, IpkgError
from ..vocab import PREFIXES


def _second_opinion(text: str) -> str | None:
    """rdflib's parser's view of a query pyoxigraph rejected (it names undeclared prefixes)."""
    try:
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(text)
    except Exception as exc:  # noqa: BLE001 - any message is better than none
        msg = str(exc).splitlines()[0].strip()
        # rdflib's positions count the PREFIX lines ipkg added; ours (above) are the user's
        msg = re.sub(r",?\s*\(at char \d+\),?\s*\(line:\d+, col:\d+\)", "", msg)
        return f"rdflib says: {msg}" if msg else None
    return None


def syntax_error(message: str, text: str, origin: str, line: int | None, col: int | None) -> IpkgError:
    """An :class:`IpkgError` that shows the offending query line with a caret under ``col``."""
    detail = message
    full = text
    added = vocab.added_lines(text)
    if added:  # project PREFIX lines ipkg put before the query: report the user's own lines
        text = "\n".join(text.split("\n")[added:])
        if line is not None:
            if line <= added:
                line, col = 1, 1
            else:
                line -= added
    if line is not None:
        lines = text.splitlines() or [""]
        # Oxigraph's parser may report the end of the input; point at the last token instead
        offset = sum(len(ln) + 1 for ln in lines[:line - 1]) + (col or 1) - 1
        if not text[offset:].strip() and text.strip():
            last = len(text.rstrip()) - 1
            line = text.count("\n", 0, last) + 1
            col = last - (text.rfind("\n", 0, last) + 1) + 1
        if 1 <= line <= len(lines):
            src = lines[line - 1]
            caret_at = max(0, min(len(src), (col or 1) - 1))
            detail += f"\n    {src}\n    {' ' * caret_at}^"
    used, declared = vocab.used_and_declared(full)
    unknown = sorted(f"'{p}:'" for p in used - declared - set(PREFIXES))
    other: str | None
    if unknown:  # the parser's own message rarely says so
        other = (f"undeclared prefix {', '.join(unknown)}: add a PREFIX line for it "
                 "('ipkg query --prefixes' lists the project prefixes, declared automatically)")
    else:
        other = _second_opinion(full)
    return IpkgError(f"SPARQL syntax error: {detail}", path=origin, line=line, col=col,
                     hint=(other + "; " if other else "") + "see docs/querying.md for examples",
                     exit_code=EXIT_INPUT)


def check_syntax(text: str, origin: str = "<query>") -> str:
    """Parse ``text`` with pyoxigraph and return its kind: select/ask/graph.

    The size and nesting limits come first (Oxigraph's parser aborts the process on ~3,000
    nested groups). pyoxigraph has no parse-only call: ``Store().query`` on an empty store
    evaluates an ASK, ``VALUES`` and ``ORDER BY`` at once, and some of those inputs abort it. So
    the parse runs in a sandboxed child (``ipkg.sandbox``) with 10 s of CPU: a crash there is
    one error line, never the end of the caller.
    """
    from ..safety import check_query_limits
    from ..sandbox import run_isolated

    check_query_limits(text, origin)
    return run_isolated(_parse_kind, text, origin, origin=origin, cpu_seconds=10)


def _parse_kind(text: str, origin: str) -> str:
    import pyoxigraph as ox

    try:
        res = ox.Store().query(text)  # SELECT/CONSTRUCT are lazy: nothing is evaluated here
    except SyntaxError as exc:
        raise _oxigraph_syntax_error(exc, text, origin) from None
    return _kind_of(res)


def _oxigraph_syntax_error(exc: SyntaxError, text: str, origin: str) -> IpkgError:
    msg = str(exc)
    m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
    if m:
        # pyoxigraph reports the column just after the offending character; point at it
        return syntax_error(m.group(3), text, origin, int(m.group(1)), max(1, int(m.group(2)) - 1))
    return syntax_error(msg, text, origin, None, None)


def _kind_of(res) -> str:
    import pyoxigraph as ox

    if isinstance(res, ox.QueryBoolean):
        return "ask"
    if isinstance(res, ox.QueryTriples):
        return "graph"
    return "select"
