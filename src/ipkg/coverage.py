"""What in the source texts no triple in the graph cites.

The audit (:mod:`ipkg.audit`) proves that what the graph says is in the sources; coverage
proves the converse, three ways:

* numbers: every number a source text states sits inside at least one evidence phrase that
  cites that text. Years, list and section numbering, footnote markers and dates are not
  figures and are skipped;
* figure-bearing sentences: every sentence that states a figure overlaps at least one
  evidence phrase citing that text (a sentence no triple cites at all is listed whole);
* capitalised names: every name the text writes with capitals (two or more capitalised words,
  or an acronym) occurs in an evidence phrase or in an English label or title of the graph;
  headings and page furniture (lines that are not sentences) are skipped.

What is left is reported with its context so a curator can either model it or see why not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .audit import DCT_IDENTIFIER, DCT_SOURCE, IPKG, normalise, source_path

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
    """Something in a source text that nothing in the graph cites: a number (``kind`` "number",
    the default), a figure-bearing sentence ("sentence") or a capitalised name ("name");
    ``number`` holds the item itself."""

    file: str
    number: str
    context: str
    kind: str = "number"

    def format(self) -> str:
        if self.kind == "name":
            return f"{self.file}: name {self.number!r} not cited by any evidence phrase or label: …{self.context}…"
        if self.kind == "sentence":
            return f"{self.file}: figure-bearing sentence not cited by any evidence phrase: {self.context}"
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
    [Uncovered(file='', number='7', context='In 2023 there were 12 cases and 7 persons.', kind='number')]
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


def _figures(text: str) -> list[str]:
    """The figure tokens of ``text`` (numbers that are not years, list markers, dates…)."""
    skipped = _skipped_spans(text)
    return [m.group(0) for m in _NUMBER.finditer(text)
            if not _is_year(m.group(0).rstrip(",")) and not any(a <= m.start() < b for a, b in skipped)]


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9“\"(])")


def uncovered_sentences(text: str, phrases: list[str], file: str = "") -> list[Uncovered]:
    """Sentences of ``text`` that state a figure but share no evidence phrase at all.

    >>> [u.number for u in uncovered_sentences("It had 12 cases. It had 7 staff.", ["12 cases"])]
    ['It had 7 staff.']
    """
    needles = [normalise(p) for p in phrases if normalise(p)]
    out, seen = [], set()
    for line in text.split("\n"):
        for sentence in _SENTENCE_END.split(normalise(line).strip()):
            if len(sentence.split()) < 3 or sentence in seen or not _figures(sentence):
                continue
            seen.add(sentence)
            if not any(n in sentence or sentence in n for n in needles):
                out.append(Uncovered(file, sentence, sentence, "sentence"))
    return out


_CONNECTOR = r"(?:of|the|and|for|on|in|to|by|at|with|along|-)"
_CAP_WORD = r"(?:[A-Z][A-Za-z’'\-]*[A-Za-z]|[A-Z]{2,}s?|[A-Z]|G60)"
_NAME = re.compile(rf"{_CAP_WORD}(?:\s+(?:{_CONNECTOR}\s+)*{_CAP_WORD})*")
# capitalised only because they open a sentence or a clause
_OPENERS = frozenset("""The A An In As According On By At To For Our We This These It Its Last Moreover
    Meanwhile Among Based Through Beyond Particularly Additionally However While With From Given Data
    Strong Persistently Collaborating Centering Closely Consolidate Strengthen Adhere Explore Increase
    Organize Exploration Follow Read Check Most""".split())


def _is_sentence_line(line: str) -> bool:
    """Headings and page furniture are short lines that do not end like a sentence."""
    return bool(re.search(r"[.!?;]\s*$", line)) or len(re.findall(r"[A-Za-z]+", line)) >= 25


def _name_is_cited(name: str, cited: str) -> bool:
    """``name`` occurs in ``cited`` (lower-cased, apostrophes folded), or, for a long title the
    graph labels in its own words, a run of six of its words does (an evidence phrase quoting
    part of the title)."""
    key = name.lower().replace("’", "'")
    if key in cited or (key.startswith("the ") and key[4:] in cited):
        return True
    words = key.split()
    return any(" ".join(words[i:i + 6]) in cited for i in range(len(words) - 5))


def uncovered_names(text: str, cited: list[str], file: str = "") -> list[Uncovered]:
    """Capitalised names in ``text`` (two or more capitalised words, or an acronym) that occur
    in none of the ``cited`` strings (evidence phrases, English labels and titles).

    >>> [u.number for u in uncovered_names("The court met the Foo Bar Office.", ["foo bar office"])]
    []
    >>> [u.number for u in uncovered_names("Officials met the Baz Qux Centre.", [])]
    ['Baz Qux Centre']
    """
    blob = normalise(" | ".join(cited)).lower().replace("’", "'")
    out, seen = [], set()
    for line in text.split("\n"):
        line = normalise(line).strip()
        if not line or not _is_sentence_line(line):
            continue
        for m in _NAME.finditer(line):
            for part in re.split(r"\s+and the\s+", m.group(0)):
                words = part.split()
                while words and (words[0] in _OPENERS or re.fullmatch(_CONNECTOR, words[0])):
                    words = words[1:]
                while words and (re.fullmatch(_CONNECTOR, words[-1]) or re.fullmatch(_MONTHS, words[-1])):
                    words = words[:-1]
                name = re.sub(r"[’']s$", "", " ".join(words))
                capitals = [w for w in words if w[:1].isupper()]
                if len(capitals) < 2 and not re.fullmatch(r"[A-Z]{2,}s?|G60", name):
                    continue
                if name in seen or _name_is_cited(name, blob):
                    continue
                seen.add(name)
                start = line.find(name)
                out.append(Uncovered(file, name, line[max(0, start - 40):start + len(name) + 40], "name"))
    return out


def coverage(graph, sources_dir: Path, kinds=("number", "sentence", "name")) -> list[Uncovered]:
    """Uncovered numbers, figure-bearing sentences and capitalised names for every source text
    the graph cites that exists in ``sources_dir``."""
    from rdflib import Literal, URIRef

    evidence = URIRef(IPKG + "evidence")
    source = URIRef(DCT_SOURCE)
    identifier = URIRef(DCT_IDENTIFIER)
    phrases: dict[str, list[str]] = {}
    files = {str(i) for i in graph.objects(None, identifier)}
    for node, phrase in graph.subject_objects(evidence):
        for src in graph.objects(node, source):
            for ident in graph.objects(src, identifier):
                phrases.setdefault(str(ident), []).append(str(phrase))
    labels = [str(o) for p in ("http://www.w3.org/2004/02/skos/core#prefLabel",
                               "http://www.w3.org/2004/02/skos/core#altLabel",
                               "http://purl.org/dc/terms/title")
              for o in graph.objects(None, URIRef(p))
              if isinstance(o, Literal) and o.language in (None, "en")]
    every_phrase = [str(p) for p in graph.objects(None, evidence)]
    out: list[Uncovered] = []
    for name in sorted(files):
        path = source_path(Path(sources_dir), name)  # inside the folder, regular, bounded
        if path is None:
            continue
        text = path.read_text(encoding="utf-8")
        if "number" in kinds:
            out += uncovered_numbers(text, phrases.get(name, []), name)
        if "sentence" in kinds:
            out += uncovered_sentences(text, phrases.get(name, []), name)
        if "name" in kinds:
            out += uncovered_names(text, every_phrase + labels, name)
    return out
