"""Where each subject is defined: an index ``IRI → (path, line)`` over the files ipkg loaded.

Validation reports point at the line a focus node is defined on, so a user can jump there. The
index is built from the file *text* (no second parse), which keeps it fast — the whole
repository takes a few milliseconds:

* Turtle / TriG: the line where a block for the subject starts at column 0 (its prefixed name
  or ``<IRI>`` is the first token of the line); when no block starts there, the first line that
  mentions the subject (looked up lazily, only for subjects a report asks about).
* N-Triples / N-Quads: the first line whose subject is the IRI.
* JSON-LD: the line of the first ``"@id"`` whose value is the IRI (full or as a compact IRI
  with a prefix from the document's context).

Blank nodes have no stable name across files and are not indexed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

_PREFIX_RE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE_RE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE)
_SPARQL_DIRECTIVE_RE = re.compile(r"(?:PREFIX|BASE)\s", re.IGNORECASE)
_JSON_ID_RE = re.compile(r'"@id"\s*:\s*"([^"]+)"')
_JSON_PREFIX_RE = re.compile(r'"([A-Za-z][\w.-]*)"\s*:\s*"([a-z][a-z0-9+.-]*:[^"]*[#/:])"')
_TRAILING = ";,."


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it, else as given."""
    try:
        if Path(path).is_absolute() and not os.path.relpath(path).startswith(".."):
            return os.path.relpath(path)
        return str(path)
    except ValueError:  # other drive on Windows
        return str(path)


@dataclass
class _File:
    path: Path
    shown: str
    text: str
    kind: str  # "turtle", "ntriples", "jsonld"
    prefixes: dict[str, str] = field(default_factory=dict)
    _starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._starts = starts
        import bisect

        return bisect.bisect_right(self._starts, offset)


class Origins:
    """``subject IRI → (path, line)`` for every file added; see the module docstring."""

    def __init__(self) -> None:
        self._index: dict[str, tuple[str, int]] = {}
        self._files: list[_File] = []
        self._fallback: dict[str, tuple[str, int] | None] = {}

    @classmethod
    def from_files(cls, paths) -> Origins:
        origins = cls()
        for path in paths:
            origins.add_file(path)
        return origins

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, iri) -> bool:
        return self.lookup(iri) is not None

    def add_file(self, path: str | Path, text: str | None = None) -> None:
        path = Path(path)
        if text is None:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return
        suffix = path.suffix.lower()
        kind = {".nt": "ntriples", ".nq": "ntriples", ".jsonld": "jsonld", ".json": "jsonld"}.get(suffix, "turtle")
        f = _File(path, display_path(path), text, kind)
        self._files.append(f)
        self._fallback.clear()
        getattr(self, f"_scan_{kind}")(f)

    # ------------------------------------------------------------------ scanners

    def _put(self, iri: str, f: _File, line: int) -> None:
        if iri not in self._index:
            self._index[iri] = (f.shown, line)

    def _scan_turtle(self, f: _File) -> None:
        prefixes = f.prefixes
        base = ""
        for lineno, line in enumerate(f.text.splitlines(), 1):
            if not line:
                continue
            first = line[0]
            if first in " \t#":
                continue
            if first == "@" or _SPARQL_DIRECTIVE_RE.match(line):
                m = _PREFIX_RE.match(line)
                if m:
                    prefixes[m.group(1) or ""] = m.group(2)
                else:
                    m = _BASE_RE.match(line)
                    if m:
                        base = m.group(1)
                continue
            token = line.split(None, 1)[0]
            if token.upper() == "GRAPH":
                continue
            if token.startswith("<"):
                end = token.find(">")
                if end > 0:
                    iri = token[1:end]
                    if base and ":" not in iri:
                        iri = base + iri
                    self._put(iri, f, lineno)
                continue
            if token.startswith(("_:", "[", "(")):
                continue
            token = token.rstrip(_TRAILING)
            if ":" in token:
                pfx, local = token.split(":", 1)
                ns = prefixes.get(pfx)
                if ns is not None:
                    self._put(ns + local.replace("\\", ""), f, lineno)

    def _scan_ntriples(self, f: _File) -> None:
        for lineno, line in enumerate(f.text.splitlines(), 1):
            if line.startswith("<"):
                end = line.find(">")
                if end > 0:
                    self._put(line[1:end], f, lineno)

    def _scan_jsonld(self, f: _File) -> None:
        text = f.text
        for m in _JSON_PREFIX_RE.finditer(text):
            f.prefixes.setdefault(m.group(1), m.group(2))
        for m in _JSON_ID_RE.finditer(text):
            value = m.group(1)
            line = f.line_of(m.start())
            if ":" in value:
                pfx, local = value.split(":", 1)
                if pfx in f.prefixes and not local.startswith("//"):
                    value = f.prefixes[pfx] + local
            self._put(value, f, line)

    # ------------------------------------------------------------------ lookup

    def lookup(self, iri) -> tuple[str, int] | None:
        """``(path, line)`` where ``iri`` is defined, or None (unknown, or a blank node)."""
        key = str(iri)
        hit = self._index.get(key)
        if hit is not None:
            return hit
        if key in self._fallback:
            return self._fallback[key]
        found = self._first_mention(key)
        self._fallback[key] = found
        return found

    def _first_mention(self, iri: str) -> tuple[str, int] | None:
        for f in self._files:
            needles = [f"<{iri}>"] if f.kind != "jsonld" else [f'"{iri}"']
            for pfx, ns in f.prefixes.items():
                if iri.startswith(ns) and len(iri) > len(ns):
                    needles.append(f"{pfx}:{iri[len(ns):]}")
            best = None
            for needle in needles:
                for m in re.finditer(re.escape(needle) + r"(?![\w:-]|\.[\w])", f.text):
                    start = m.start()
                    if start and (f.text[start - 1].isalnum() or f.text[start - 1] in "_-:"):
                        continue
                    if best is None or start < best:
                        best = start
                    break
            if best is not None:
                return (f.shown, f.line_of(best))
        return None

    def format(self, iri) -> str | None:
        hit = self.lookup(iri)
        return f"{hit[0]}:{hit[1]}" if hit else None
