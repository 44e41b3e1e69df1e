"""The one SPARQL lexer of ipkg: a text as tokens, in one left-to-right pass, in linear time.

Every job that reads SPARQL as text rather than parsing it uses these tokens:

* :func:`ipkg.safety.scan_query`: bracket depth and ``SERVICE`` keywords (the size, nesting
  and federation limits checked before any parser sees a query);
* :func:`ipkg.vocab.used_and_declared`: the prefixes a query uses and declares;
* :mod:`ipkg.query.params`: where the top-level ``WHERE`` group opens, and which variables a
  query has outside its comments, strings and IRIs.

Token kinds:

``comment``  ``#`` up to (not including) the end of the line: LF *or* CR, the conservative reading;
``string``   a quoted string, ``'…'``, ``"…"``, ``'''…'''`` or ``\"\"\"…\"\"\"``, backslash escapes
             skipped; an unclosed short string ends at the end of its line, a long one at the end of
             the text;
``iri``      ``<…>`` with no character IRIs forbid inside (else ``<`` is the less-than operator);
``name``     a run of name characters: letters, digits and ``_ - . : ? $ % \\`` – a keyword, a
             variable (``?x``), a prefixed name (``iorg:spp``), a number, or several glued together;
``space``    a run of white space;
``punct``    a run of other characters (``{ } ( ) [ ] ; , * = …``; a ``<`` that opens no IRI
             stands alone).

>>> [(kind, text) for kind, text in words('SELECT ?x # a {comment}\\nWHERE { ?x rdfs:label "x{" }')]
... # doctest: +NORMALIZE_WHITESPACE
[('name', 'SELECT'), ('name', '?x'), ('comment', '# a {comment}'), ('name', 'WHERE'), ('punct', '{'),
 ('name', '?x'), ('name', 'rdfs:label'), ('string', '"x{"'), ('punct', '}')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

COMMENT, STRING, IRI, NAME, SPACE, PUNCT = "comment", "string", "iri", "name", "space", "punct"

#: a token: (kind, start, end) – offsets into the text, ``text[start:end]`` is the token
Token = tuple[str, int, int]

_COMMENT = re.compile(r"#[^\n\r]*")
# The bodies' alternatives are disjoint, so a match never backtracks: linear in the string's length.
_SHORT = {q: re.compile(rf"{q}(?:[^{q}\\\n\r]|\\.)*", re.S) for q in "\"'"}
_LONG = {q: re.compile(rf"{q * 3}(?:[^{q}\\]|\\.|{q}(?!{q}{q}))*", re.S) for q in "\"'"}
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
#: name characters: ``str.isalnum()`` or ``_`` (what ``\w`` matches), and ``- . : ? $ % \``
_NAME = re.compile(r"[\w\-.:?$%\\]+")
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\-.:?$%\\\s#\"'<]+")


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, left to right; together they cover every character once."""
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "#":
            m = _COMMENT.match(text, i)
            assert m is not None
            yield COMMENT, i, m.end()
            i = m.end()
            continue
        if c == '"' or c == "'":
            end = _string_end(text, i, c)
            yield STRING, i, end
            i = end
            continue
        if c == "<":
            m = _IRI.match(text, i)
            if m:
                yield IRI, i, m.end()
                i = m.end()
                continue
            yield PUNCT, i, i + 1
            i += 1
            continue
        m = _NAME.match(text, i) or _SPACE.match(text, i) or _PUNCT.match(text, i)
        assert m is not None
        yield (NAME if m.re is _NAME else SPACE if m.re is _SPACE else PUNCT), i, m.end()
        i = m.end()


def _string_end(text: str, i: int, quote: str) -> int:
    """Where the string opening at ``i`` ends (after its closing quotes, or where it stops)."""
    long = text.startswith(quote * 3, i)
    m = (_LONG if long else _SHORT)[quote].match(text, i)
    assert m is not None
    end = m.end()
    close = quote * 3 if long else quote
    if text.startswith(close, end):
        return end + len(close)
    if text.startswith("\\", end):  # a backslash as the last character escapes nothing
        return len(text)
    return end


def words(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, token text)`` for every token but white space (for reading and for tests)."""
    for kind, start, end in tokens(text):
        if kind != SPACE:
            yield kind, text[start:end]


def blank_out(text: str, kinds: tuple[str, ...] = (COMMENT, STRING, IRI), fill: str = " ") -> str:
    """``text`` with every token of ``kinds`` replaced by ``fill`` (searching the rest is then safe).

    >>> blank_out('SELECT ?x { ?x <p?y> "?z" } # ?w')
    'SELECT ?x { ?x     }  '
    """
    parts = []
    for kind, start, end in tokens(text):
        parts.append(fill if kind in kinds else text[start:end])
    return "".join(parts)


__all__ = ["COMMENT", "IRI", "NAME", "PUNCT", "SPACE", "STRING", "Token", "blank_out", "tokens", "words"]
