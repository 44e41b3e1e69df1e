"""Check every evidence phrase in the graph against the source texts it cites.

For each node with ``ipkg:evidence`` the audit checks that

1. the cited source document (``dcterms:source`` → an ``ipkg:SourceDocument`` whose
   ``dcterms:identifier`` is a file name) exists in the sources folder;
2. the phrase occurs in that file's text (whitespace runs and curly quotes normalised);
3. the phrase has at most :data:`MAX_WORDS` words;
4. for a reported (not derived) observation, the value appears in the phrase as the text
   writes it ("13,486", "81%", "nine", "640 million", "1.8 times").

It also reports reported observations without evidence, and derived observations without
``prov:wasDerivedFrom`` or ``ipkg:derivationMethod``. Each mismatch points at the line of the
Turtle file where the entity's block starts.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import IpkgError

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Mapping

    from rdflib import Graph

IPKG = "https://w3id.org/ipkg/ontology#"
QB_OBSERVATION = "http://purl.org/linked-data/cube#Observation"
OBS_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
DCT_SOURCE = "http://purl.org/dc/terms/source"
DCT_IDENTIFIER = "http://purl.org/dc/terms/identifier"
WAS_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

MAX_WORDS = 15
GRAPH_SUFFIXES = (".ttl", ".trig", ".nt", ".nq", ".jsonld", ".json")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_WS = re.compile(r"\s+")

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
         80: "eighty", 90: "ninety"}
_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


def normalise(text: str) -> str:
    """Collapse whitespace runs to one space and map curly quotes to straight ones."""
    return _WS.sub(" ", text.translate(_QUOTES)).strip()


def _plain(d: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 81.0 -> '81', 1.80 -> '1.8'."""
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _grouped(d: Decimal) -> str:
    """A decimal with thousands separators: 13486 -> '13,486'."""
    s = _plain(d)
    whole, _, frac = s.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}"
    return sign + whole + ("." + frac if frac else "")


def _word(n: int) -> str | None:
    if 0 <= n <= 20:
        return _SMALL[n]
    if n in _TENS:
        return _TENS[n]
    if 20 < n < 100:
        return f"{_TENS[n - n % 10]}-{_SMALL[n % 10]}"
    if n == 100:
        return "hundred"
    return None


def value_patterns(value: Decimal) -> list[re.Pattern[str]]:
    """Regular expressions that find ``value`` the ways a text may write it."""
    numerals = {_plain(value), _grouped(value)}
    words: set[str] = set()
    if value == value.to_integral_value():
        n = int(value)
        w = _word(n)
        if w:
            words.add(w)
        for scale, name in _SCALES:
            if n >= scale // 2 and n % (scale // 10) == 0:
                scaled = _plain(Decimal(n) / scale)
                numerals.add(f"{scaled} {name}")
                numerals.add(f"{_grouped(Decimal(n) / scale)} {name}")
                if n * 2 == scale:
                    words.add(f"half a {name}")
    # trailing zeros the text may print: "123.0%" for 123, "1.80" for 1.8
    def numeral(s: str) -> str:
        num, _, suffix = s.partition(" ")
        zeros = r"0*" if "." in num else r"(?:\.0+)?"
        return re.escape(num) + zeros + (r"\s" + re.escape(suffix) if suffix else "")

    patterns = [re.compile(r"(?<![\d.,])" + numeral(s) + r"(?!\d|[.,]\d)")
                for s in sorted(numerals)]
    patterns += [re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in sorted(words)]
    return patterns


def value_in_phrase(value: Decimal, phrase: str) -> bool:
    return any(p.search(phrase) for p in value_patterns(value))


@dataclass
class Mismatch:
    path: str
    line: int
    entity: str
    problem: str
    file: str = ""
    phrase: str = ""

    def format(self) -> str:
        return (f"{self.path}:{self.line}: {self.entity}: {self.problem}"
                f" \u2014 file {self.file or '-'}, phrase \"{self.phrase}\"")


@dataclass
class AuditReport:
    observations: int = 0
    phrases: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        return (f"audit: {self.observations} observations, {self.phrases} evidence phrases "
                f"checked, {len(self.mismatches)} mismatches")

    def format_text(self) -> str:
        from .safety import terminal_safe

        return terminal_safe("\n".join([m.format() for m in self.mismatches] + [self.summary()]))

    def to_json(self) -> str:
        return json.dumps({
            "observations": self.observations,
            "evidence_phrases": self.phrases,
            "mismatch_count": len(self.mismatches),
            "mismatches": [asdict(m) for m in self.mismatches],
        }, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> AuditReport:
        """The report :meth:`to_json` wrote."""
        d = json.loads(text)
        return cls(observations=d["observations"], phrases=d["evidence_phrases"],
                   mismatches=[Mismatch(**m) for m in d["mismatches"]])


# --------------------------------------------------------------------------- locating blocks


def _shown(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


class BlockIndex:
    """Where each subject's block starts: a scan of the graph files for a subject at line start."""

    def __init__(self, paths: list[Path]):
        self.lines: dict[str, list[tuple[Path, int]]] = {}
        self.curies: dict[str, str] = {}
        for path in paths:
            if path.suffix in (".ttl", ".trig"):
                self._scan(path)

    def _scan(self, path: Path) -> None:
        prefixes: dict[str, str] = {}
        indented_ok = path.suffix == ".trig"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        for no, line in enumerate(text.splitlines(), start=1):
            m = _PREFIX.match(line)
            if m:
                prefixes[m.group(1) or ""] = m.group(2)
                continue
            if not line or line[0] in "#@" or (line[0].isspace() and not indented_ok):
                continue
            token = line.split(None, 1)[0] if line.strip() else ""
            iri = None
            if token.startswith("<") and ">" in token:
                iri = token[1:token.index(">")]
            elif ":" in token and not token.startswith(("_:", '"')):
                pfx, _, local = token.partition(":")
                local = local.rstrip(";.,")
                if pfx in prefixes:
                    iri = prefixes[pfx] + local
                    self.curies.setdefault(iri, f"{pfx}:{local}")
            if iri:
                self.lines.setdefault(iri, []).append((path, no))

    def locate(self, iri: str, prefer: list[Path] = ()) -> tuple[str, int]:
        hits = self.lines.get(iri, [])
        for p in prefer:
            for path, no in hits:
                if path == p:
                    return _shown(path), no
        if hits:
            return _shown(hits[0][0]), hits[0][1]
        return (_shown(prefer[0]) if prefer else "-"), 0

    def name(self, iri: str) -> str:
        return self.curies.get(iri, f"<{iri}>")


# --------------------------------------------------------------------------- loading


def _load_files(paths: list[Path]) -> dict[Path, Graph]:
    """Parse graph files one by one with ``ipkg.load.load_rdf_file``."""
    from .load import load_rdf_file

    return {p: load_rdf_file(p) for p in paths}


def graph_files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    if not target.is_dir():
        raise IpkgError("graph file or folder not found", path=target)
    return sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in GRAPH_SUFFIXES)


def load_graph(targets: list[Path] | None = None) -> dict[Path, Graph]:
    """The graph files to audit, one rdflib graph per file.

    ``targets`` (files or folders) defaults to the repository graph via ``ipkg.load.load_project``.
    """
    if not targets:
        from .load import load_project

        project = load_project()
        return {Path(p): project.files[p] for p in project.data_files}
    paths: list[Path] = []
    for t in targets:
        paths.extend(graph_files(Path(t)))
    if not paths:
        raise IpkgError("no graph files found", path=", ".join(map(str, targets)))
    return _load_files(paths)


# --------------------------------------------------------------------------- the audit


def _decimal(lit) -> Decimal | None:
    from rdflib import Literal

    if not isinstance(lit, Literal) or isinstance(lit.value, bool):
        return None
    if not isinstance(lit.value, (int, float, Decimal)):
        return None
    try:
        return Decimal(str(lit))
    except InvalidOperation:
        return None


def _merged_graph(files: Mapping[Path, Graph | None]) -> Graph:
    from rdflib import Graph

    merged = Graph()
    for g in files.values():
        if g is not None:
            merged += g
    return merged


def _files_holding(files: Mapping[Path, Graph | None]) -> Callable[[tuple], list[Path]]:
    """A triple pattern → the files whose graph holds a match, in file order."""
    return lambda triple: [p for p, g in files.items() if g is not None and triple in g]


def audit(files: Mapping[Path, Graph | None], sources_dir: Path, *, merged: Graph | None = None,
          where: Callable[[tuple], list[Path]] | None = None) -> AuditReport:
    """Audit the merged graph of ``files`` against the texts in ``sources_dir``.

    A caller that has them already may give ``merged`` (the merged graph of the files, or one
    that adds only triples the audit does not read) and ``where`` (a triple pattern → the files
    that hold a match, in file order); the files' graphs are not read then (they may be None).
    """
    from rdflib import URIRef

    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        raise IpkgError("sources folder not found or not a folder", path=sources_dir,
                        hint="pass the folder that holds the NNN_*.txt source texts")
    merged = _merged_graph(files) if merged is None else merged
    files_with = where or _files_holding(files)
    index = BlockIndex(list(files))

    evidence_p = URIRef(IPKG + "evidence")
    derived_c = URIRef(IPKG + "DerivedObservation")
    method_p = URIRef(IPKG + "derivationMethod")
    rdf_type = URIRef(RDF_TYPE)

    texts: dict[str, str | None] = {}

    def text_of(identifier: str) -> str | None:
        if identifier not in texts:
            path = source_path(sources_dir, identifier)
            if path is None:
                texts[identifier] = None
                return None
            try:
                texts[identifier] = normalise(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                texts[identifier] = None
            except (OSError, UnicodeDecodeError) as exc:
                raise IpkgError(f"cannot read source text: {exc}", path=path) from None
        return texts[identifier]

    report = AuditReport()

    def add(node, problem, prefer, seed="", phrase=""):
        name = index.name(str(node)) if isinstance(node, URIRef) else f"_:{node}"
        path, line = index.locate(str(node), prefer)
        report.mismatches.append(Mismatch(path, line, name, problem, seed, phrase))

    def seeds_of(node) -> list[str]:
        out = []
        for src in merged.objects(node, URIRef(DCT_SOURCE)):
            for ident in merged.objects(src, URIRef(DCT_IDENTIFIER)):
                out.append(str(ident))
        return sorted(set(out))

    observations = set(merged.subjects(rdf_type, URIRef(QB_OBSERVATION)))
    derived = set(merged.subjects(rdf_type, derived_c))
    observations |= derived
    report.observations = len(observations)

    # 1-4: every evidence phrase
    for node, phrase_lit in sorted(merged.subject_objects(evidence_p), key=lambda t: (str(t[0]), str(t[1]))):
        phrase = str(phrase_lit)
        report.phrases += 1
        prefer = files_with((node, evidence_p, phrase_lit))
        seeds = seeds_of(node)
        norm = normalise(phrase)
        if not seeds:
            add(node, "cites no source document with a dcterms:identifier", prefer, "", phrase)
        else:
            found = [s for s in seeds if text_of(s) is not None]
            if not found:
                add(node, f"cited source file not found in {sources_dir}", prefer,
                    ", ".join(seeds), phrase)
            elif not any(norm in text_of(s) for s in found):
                add(node, "evidence phrase not found in source text", prefer,
                    ", ".join(found), phrase)
        words = len(norm.split())
        if words > MAX_WORDS:
            add(node, f"evidence phrase has {words} words (at most {MAX_WORDS})", prefer,
                ", ".join(seeds), phrase)
        if node in observations and node not in derived:
            values = list(merged.objects(node, URIRef(OBS_VALUE)))
            nums = [_decimal(v) for v in values]
            if not values or any(n is None for n in nums):
                shown = ", ".join(str(v) for v in values) or "none"
                add(node, f"observation value is not a number ({shown})", prefer,
                    ", ".join(seeds), phrase)
            else:
                for n in nums:
                    if not value_in_phrase(n, norm):
                        add(node, f"value {_plain(n)} not found in evidence phrase", prefer,
                            ", ".join(seeds), phrase)

    # observations without evidence; derived ones without inputs or method
    for node in sorted(observations, key=str):
        prefer = files_with((node, rdf_type, None)) or files_with((node, None, None))
        if node in derived:
            if (node, URIRef(WAS_DERIVED_FROM), None) not in merged:
                add(node, "derived observation has no prov:wasDerivedFrom", prefer,
                    ", ".join(seeds_of(node)))
            if (node, method_p, None) not in merged:
                add(node, "derived observation has no ipkg:derivationMethod", prefer,
                    ", ".join(seeds_of(node)))
        elif (node, evidence_p, None) not in merged:
            add(node, "observation has no ipkg:evidence", prefer, ", ".join(seeds_of(node)))

    report.mismatches.sort(key=lambda m: (m.path, m.line, m.entity, m.problem, m.phrase))
    return report


#: largest source text the audit reads
MAX_SOURCE_BYTES = 64 * 1024 * 1024


def source_path(sources_dir: Path, identifier: str) -> Path | None:
    """The file a ``dcterms:identifier`` names inside ``sources_dir``; None if there is none.

    Only a plain file name directly in the folder counts: an identifier with a path
    (``../../etc/passwd``, ``/dev/zero``, ``sub/x.txt``) or one that resolves outside the folder
    through a link is treated as not found. A FIFO, device or a file over
    :data:`MAX_SOURCE_BYTES` raises :class:`IpkgError` instead of being read.
    """
    from .safety import require_regular_file

    if not identifier or identifier in (".", "..") or "/" in identifier or "\\" in identifier \
            or "\x00" in identifier:
        return None
    folder = Path(sources_dir).resolve()
    path = folder / identifier
    if not os.path.lexists(path):
        return None
    if path.resolve().parent != folder:
        return None
    require_regular_file(path, MAX_SOURCE_BYTES, "source text")
    return path


#: what the audit reads: a file that states none of these may be left out of its merged graph
_AUDIT_PREDICATES = frozenset({IPKG + "evidence", IPKG + "derivationMethod", OBS_VALUE, DCT_SOURCE,
                               DCT_IDENTIFIER, WAS_DERIVED_FROM})
_AUDIT_TYPES = frozenset({QB_OBSERVATION, IPKG + "DerivedObservation"})


def audit_data(project, sources_dir: Path) -> AuditReport:
    """:func:`audit` of the data files of ``project`` (an :class:`ipkg.load.Project`) from what
    the load already made: the project's merged graph (ontology + data, built once for the
    whole build) stands for the data's when the ontology states nothing the audit reads, and
    the files holding a triple come from the parsed quads (no rdflib graph per file)."""
    onto = [q for p in project.ontology_files for q in project.quads[p]]
    if any(q.predicate.value in _AUDIT_PREDICATES
           or (q.predicate.value == RDF_TYPE and getattr(q.object, "value", None) in _AUDIT_TYPES) for q in onto):
        return audit({p: project.files[p] for p in project.data_files}, sources_dir)
    conv = project._conv
    subjects: dict = {}
    pairs: dict = {}
    triples: dict = {}
    for path in project.data_files:
        for q in project.quads[path]:
            s, p, o = conv.triple(q)
            for table, k in ((subjects, s), (pairs, (s, p)), (triples, (s, p, o))):
                holders = table.setdefault(k, [])
                if not holders or holders[-1] != path:
                    holders.append(path)

    def where(pattern: tuple) -> list[Path]:
        s, p, o = pattern
        found = (subjects.get(s) if p is None else pairs.get((s, p)) if o is None else triples.get((s, p, o)))
        return list(found or [])

    return audit(dict.fromkeys(project.data_files), sources_dir, merged=project.merged(), where=where)


def _sources_key(sources_dir: Path) -> list[str] | None:
    """``name digest`` of every file directly in ``sources_dir`` (what the audit may read), or
    None when the folder holds anything but small regular files (links, FIFOs, big files: the
    audit decides about those itself, so its answer is not cached)."""
    import hashlib

    out, total = [], 0
    with os.scandir(sources_dir) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                if entry.is_dir(follow_symlinks=False):
                    continue  # never read: an identifier with a path is not found
                return None
            total += entry.stat(follow_symlinks=False).st_size
            if total > MAX_SOURCE_BYTES:
                return None
            with open(entry.path, "rb") as f:
                out.append(f"{entry.name} {hashlib.sha256(f.read()).hexdigest()}")
    return out


def audit_cached(project, sources_dir: Path) -> AuditReport:
    """:func:`audit` of the data files of ``project`` (an :class:`ipkg.load.Project`), or the
    same report from the cache (:mod:`ipkg.cache`), keyed by the parsed text of every data file,
    every file of ``sources_dir`` and the code (:func:`ipkg.cache.code_fingerprint`)."""
    from .cache import code_fingerprint, key, read_entry, store_entry

    def compute() -> AuditReport:
        return audit_data(project, sources_dir)

    files = project.content_key("graph")
    sources = _sources_key(Path(sources_dir)) if files and Path(sources_dir).is_dir() else None
    if not sources:
        return compute()
    # the report shows paths relative to the working folder: both are part of the key
    where = (str(Path(project.root).resolve()), str(Path.cwd().resolve()))
    name = f"audits/{key('audit-1', code_fingerprint(), *where, *files, '--', *sources)}.json"
    payload = read_entry(name)
    if payload is not None:
        return AuditReport.from_json(payload.decode("utf-8"))
    report = compute()
    store_entry(name, report.to_json().encode("utf-8"))
    return report


def audit_project(sources_dir: Path, targets: list[Path] | None = None) -> AuditReport:
    """Load the graph (the repository's, or ``targets``) and audit it against ``sources_dir``."""
    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        raise IpkgError("sources folder not found or not a folder", path=sources_dir,
                        hint="pass the folder that holds the NNN_*.txt source texts")
    return audit(load_graph(targets), sources_dir)
