"""Finding the query text: inline SPARQL, a ``.rq`` file, or the name of an example query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IpkgError

if TYPE_CHECKING:
    from ..examples import Example


@dataclass
class QuerySource:
    text: str
    origin: str  # file path, example name or "<query>"
    example: Example | None = None  # ipkg.examples.Example when the query is an example


def resolve_query(query: str) -> QuerySource:
    """Inline SPARQL, a path to a ``.rq`` file, or the name of an example query."""
    from .. import examples

    stripped = query.strip()
    if not stripped:
        raise IpkgError("empty query")
    if re.fullmatch(r"[\w\-]+", stripped):
        ex = examples.get_example(stripped)  # raises with the list of names when unknown
        return QuerySource(ex.query, str(ex.path), ex)
    if "\n" not in stripped and (stripped.endswith((".rq", ".sparql")) or Path(stripped).is_file()):
        path = Path(stripped)
        if not path.is_file():
            raise IpkgError("query file not found", path=path)
        try:
            return QuerySource(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise IpkgError(f"cannot read query file: {exc}", path=path) from None
    return QuerySource(query, "<query>")
