"""The one table renderer of ipkg: plain-text tables for a terminal and Markdown tables.

Used by ``ipkg query`` (:mod:`ipkg.query.formats`), ``ipkg stats`` (:mod:`ipkg.stats`) and the
validation report (:mod:`ipkg.report`). Widths are terminal columns (wcwidth: a Chinese character
takes two), so columns line up with Chinese text too.

>>> print(text_table(["name", "n"], [["知识产权", 3], ["spp", 12]], numbers_right=True), end="")
name      n
--------  --
知识产权   3
spp       12
>>> print(text_table(["label"], [["a rather long label"]], max_col=10), end="")
label
----------
a rather …
>>> print("\\n".join(markdown_table(["a", "b"], [["x|y", None]])))
| a | b |
|---|---|
| x\\|y |  |
"""

from __future__ import annotations

from collections.abc import Sequence

import wcwidth

SEP = "  "  #: between two columns of a text table


def text_width(s: str) -> int:
    """Columns ``s`` takes in a terminal (wcwidth: CJK characters count 2, combining marks 0)."""
    return max(0, wcwidth.width(s))


def cut(s: str, width: int) -> str:
    """``s`` if it fits in ``width`` columns, else its start and ``…`` in exactly that many."""
    if text_width(s) <= width:
        return s
    return wcwidth.clip(s, 0, max(0, width - 1)) + "…"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None, *,
               max_col: int | None = None, numbers_right: bool = False) -> str:
    """A plain-text table whose columns line up in a terminal, also with Chinese text.

    A header line, a line of dashes, then one line a row (white space inside a cell folded to one
    space; trailing blanks dropped); the text ends with a newline.

    * ``width`` (the terminal's columns): the widest columns are narrowed until the table fits
      and their cells wrap onto more lines (a blank line then separates rows); nothing is cut.
    * ``max_col``: no column is wider than this; longer cells are cut with ``…``.
    * ``numbers_right``: integers are right-aligned.

    Without ``width`` and ``max_col`` every cell is printed in full on one line.
    """
    cells = [[" ".join(str(c).split()) for c in row] for row in rows]
    natural = [max([text_width(h)] + [text_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    if max_col is not None:
        natural = [min(w, max_col) for w in natural]
    widths = _narrowed(natural, headers, width) if width and headers else list(natural)
    wrapped = widths != natural

    def lines_of(text: str, w: int) -> list[str]:
        if text_width(text) <= w:
            return [text]
        if max_col is not None and not wrapped:
            return [cut(text, w)]
        return wcwidth.wrap(text, w, break_long_words=True, break_on_hyphens=False) or [""]

    def render(row: Sequence[str], values: Sequence[object] | None = None) -> list[str]:
        parts = [lines_of(c, widths[i]) for i, c in enumerate(row)]
        height = max((len(p) for p in parts), default=1)
        right = [numbers_right and values is not None and isinstance(values[i], int)
                 and not isinstance(values[i], bool) for i in range(len(row))]
        return [SEP.join((wcwidth.rjust if right[i] else wcwidth.ljust)(p[k] if k < len(p) else "", widths[i])
                         for i, p in enumerate(parts)).rstrip() for k in range(height)]

    out = render([str(h) for h in headers]) + [SEP.join("-" * w for w in widths)]
    for n, row in enumerate(cells):
        if wrapped and n:
            out.append("")
        out += render(row, rows[n])
    return "\n".join(out) + "\n"


def _narrowed(natural: list[int], headers: Sequence[str], width: int) -> list[int]:
    """Column widths, the widest narrowed first, until the table fits in ``width`` columns (each
    keeps at least its header's first 6 columns)."""
    widths = list(natural)
    budget = width - len(SEP) * (len(headers) - 1)
    floor = [min(text_width(h), 6) or 1 for h in headers]
    while sum(widths) > budget:
        narrowable = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not narrowable:
            break  # cannot narrow further: let the terminal wrap the lines
        widths[max(narrowable, key=lambda i: widths[i])] -= 1
    return widths


def markdown_cell(value: object) -> str:
    """One Markdown table cell: ``|`` escaped, line breaks as spaces, None as empty."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
                   right: Sequence[str] = ()) -> list[str]:
    """The lines of a Markdown table; the columns named in ``right`` are right-aligned (``---:``)."""
    out = ["| " + " | ".join(markdown_cell(h) for h in headers) + " |",
           "|" + "".join("---:|" if h in right else "---|" for h in headers)]
    out += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return out


__all__ = ["SEP", "cut", "markdown_cell", "markdown_table", "text_table", "text_width"]
