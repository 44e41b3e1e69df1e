"""Which numbers in the source texts no evidence phrase in the graph cites.

The audit (:mod:`ipkg.audit`) proves that what the graph says is in the sources; coverage
proves the converse for figures: every number a source text states sits inside at least one
evidence phrase that cites that text. Years, list and section numbering, footnote markers and
dates are not figures and are skipped; what is left is reported with its context so a curator
can either model it or see why it is not a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .audit import IPKG, DCT_IDENTIFIER, DCT_SOURCE, normalise, source_path

_NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?![\w])"
    r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|half)\b",
    re.IGNORECASE,
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?)\b")
_FOOTNOTE = re.compile(r"\[footnoteRef:\d+\]|\[\d+:")
# "1. The …", "(II) Case features 1. …", "…: 1 Administrative …" once whitespace is folded
_LIST_MARKER = re.compile(r"(?:^|(?<=[.:;)\]] ))(\d{1,2})\.? (?=[A-Z0-9“\"(])|\b([1-9])\. (?=[A-Z])")
_WEATHER = re.compile(r"-?\d+(?:\.\d+)? C\b")
_IDIOMS = re.compile(r"\b(?:on one hand|one another|one of them|one of the)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Uncovered:
    """A number in a source text that no evidence phrase citing that text contains."""

    file: str
    number: str
    context: str

    def format(self) -> str:
        return f"{self.file}: {self.number!r} not cited by any evidence phrase: …{self.context}…"


def _skipped_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _DATE.finditer(text)]
    spans += [m.span() for m in _FOOTNOTE.finditer(text)]
    spans += [m.span(1) if m.group(1) else m.span(2) for m in _LIST_MARKER.finditer(text)]
    spans += [m.span() for m in _IDIOMS.finditer(text)]
    spans += [m.span() for m in _WEATHER.finditer(text)]
    return spans


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1900 <= int(token) <= 2099


def uncovered_numbers(text: str, phrases: list[str], file: str = "") -> list[Uncovered]:
    """Numbers in ``text`` outside every occurrence of every phrase in ``phrases``.

    >>> uncovered_numbers("In 2023 there were 12 cases and 7 persons.", ["12 cases"])
    [Uncovered(file='', number='7', context='In 2023 there were 12 cases and 7 persons.')]
    """
    text = normalise(text)
    covered: list[tuple[int, int]] = []
    for phrase in phrases:
        needle = normalise(phrase)
        if needle:
            covered += [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text)]
    skipped = _skipped_spans(text)
    out = []
    for m in _NUMBER.finditer(text):
        token = m.group(0)
        start = m.start()
        if _is_year(token.rstrip(",")):
            continue
        if any(a <= start < b for a, b in skipped) or any(a <= start < b for a, b in covered):
            continue
        context = text[max(0, start - 60):m.end() + 40]
        out.append(Uncovered(file, token.rstrip(","), context))
    return out


def coverage(graph, sources_dir: Path) -> list[Uncovered]:
    """Uncovered numbers for every source text the graph cites that exists in ``sources_dir``."""
    from rdflib import URIRef

    evidence = URIRef(IPKG + "evidence")
    source = URIRef(DCT_SOURCE)
    identifier = URIRef(DCT_IDENTIFIER)
    phrases: dict[str, list[str]] = {}
    files = {str(i) for i in graph.objects(None, identifier)}
    for node, phrase in graph.subject_objects(evidence):
        for src in graph.objects(node, source):
            for ident in graph.objects(src, identifier):
                phrases.setdefault(str(ident), []).append(str(phrase))
    out: list[Uncovered] = []
    for name in sorted(files):
        path = source_path(Path(sources_dir), name)  # inside the folder, regular, bounded
        if path is not None:
            out += uncovered_numbers(path.read_text(encoding="utf-8"), phrases.get(name, []), name)
    return out
