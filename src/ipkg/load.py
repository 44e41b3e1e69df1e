"""Read RDF files and the ipkg project (ontology, graph, shapes) into rdflib graphs.

Parsing is done by pyoxigraph (fast, strict, exact error positions) and the result is handed
over as rdflib terms, so the rest of ipkg works with :class:`rdflib.Graph`. Every failure a user
can cause becomes an :class:`~ipkg.errors.IpkgError` with ``path:line:col`` (1-based, columns
counted in characters), a one-line description of what is wrong, and a hint.

* :func:`load_rdf_file` — one file, format by extension (``.ttl .nt .trig .nq .jsonld .json``).
  For the quad formats (``.trig``, ``.nq``) it returns the **union of all graphs** in the file
  as one plain :class:`rdflib.Graph`; use :func:`load_rdf_dataset` to keep the graph names.
* :func:`load_project` — ``ontology/*.ttl``, ``graph/**/*.ttl`` and ``shapes/*.ttl`` under the
  data root, each file parsed once; see :class:`Project`.

JSON-LD: a remote ``@context`` (``http:``, ``https:`` or any other non-file IRI) is refused —
ipkg never touches the network while loading. A relative context (``"@context":
"context.jsonld"``, e.g. a file beside ``site/context.jsonld``) is read from the file's folder and inlined.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import vocab as _vocab
from .errors import IpkgError
from .terms import ToRdflib as _Converter

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    from rdflib import Dataset, Graph

#: File extensions ipkg reads, and the pyoxigraph format name for each.
FORMATS = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".trig": "TRIG",
    ".nq": "N_QUADS",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
}
QUAD_FORMATS = {"TRIG", "N_QUADS"}

IPKG = "https://w3id.org/ipkg/"
ONTOLOGY_NS = IPKG + "ontology#"
GRAPH_NS = IPKG + "graph/"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: The prefixes of the project (``ontology/prefixes.ttl``, read by :mod:`ipkg.vocab`).
#: Exports bind these; the JSON-LD context is made of them.
PREFIXES: dict[str, str] = _vocab.PREFIXES

_MAX_CONTEXT_DEPTH = 8


def _quiet_rdflib() -> None:
    """rdflib logs a traceback (and warns) for every literal whose lexical form does not fit its
    datatype; ipkg reports those literals itself, with file and line (:func:`ill_formed_literals`),
    so the library's messages are dropped instead of reaching the terminal."""
    import logging
    import warnings

    class _DropIllFormed(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith("Failed to convert Literal lexical form")

    logger = logging.getLogger("rdflib.term")
    if not any(isinstance(f, _DropIllFormed) or type(f).__name__ == "_DropIllFormed" for f in logger.filters):
        logger.addFilter(_DropIllFormed())
    warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)


_quiet_rdflib()


# --------------------------------------------------------------------------- reading bytes


def _format_for(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IpkgError(
            f"cannot tell the RDF format from the extension {path.suffix or '(none)'!r}",
            path=path,
            hint="use one of " + ", ".join(sorted(FORMATS)),
        )
    return fmt


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset in (mostly) UTF-8 ``data``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def _read_checked(path: Path) -> str:
    """The file's text, after the checks every RDF file must pass."""
    from .safety import require_regular_file

    require_regular_file(path)  # a FIFO would hang the reader, /dev/zero never ends
    try:
        data = path.read_bytes()
    except PermissionError:
        raise IpkgError("cannot read the file: permission denied", path=path) from None
    except OSError as exc:
        raise IpkgError(f"cannot read the file: {exc.strerror or exc}", path=path) from None
    if not data.strip():
        raise IpkgError(
            "the file is empty", path=path, hint="add triples, or delete the file if it is not needed"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise IpkgError(
            "NUL byte in the file (is it binary, or saved as UTF-16?)",
            path=path,
            line=line,
            col=col,
            hint="RDF text files must be UTF-8",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise IpkgError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            path=path,
            line=line,
            col=col,
            hint="re-save the file as UTF-8",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text  # tolerate a byte-order mark


# --------------------------------------------------------------------------- syntax errors

_POSITION = re.compile(r"^Parser error (?:at line \d+ )?(?:between |at )?[^:]*?: ", re.S)
_PREFIX = re.compile(r"The prefix (\S*?):? has not been declared")


def _hint_for(message: str, fmt: str) -> str | None:
    m = _PREFIX.search(message)
    if m:
        prefix = m.group(1)
        if prefix in PREFIXES:
            return (
                f"add '@prefix {prefix}: <{PREFIXES[prefix]}> .' to the prefix declarations "
                "at the top of the file (ontology/prefixes.ttl has them all)"
            )
        return "check the prefix declarations at the top of the file (ontology/prefixes.ttl has the project's)"
    low = message.lower()
    if "dot is expected" in low or "expected '.'" in low:
        return "the statement before this point probably lacks its final '.' (or a ';' / ',' is misplaced)"
    if "end of file" in low or "unexpected end" in low:
        return "a string, IRI or bracket is not closed, or the last statement lacks its final '.'"
    if "iri" in low:
        return "IRIs go in <...> with no spaces, or as prefix:name with a declared prefix"
    if "language" in low:
        return "language tags look like @en or @zh"
    if fmt == "JSON_LD":
        return "check the JSON syntax (commas, brackets, quotes) and the JSON-LD keywords"
    return "check the syntax near this position"


_LANG_AT = re.compile(r"""["']@([A-Za-z0-9_.-]*)$""")


def _syntax_error(exc: SyntaxError, path: Path, fmt: str, positions: bool = True, text: str | None = None) -> IpkgError:
    msg = exc.msg or str(exc)
    what = _POSITION.sub("", msg).strip()
    m = _PREFIX.search(what)
    if m:
        what = f"undeclared prefix '{m.group(1)}:'"
    elif text is not None and positions and exc.lineno and exc.offset:
        # an error inside a literal's language tag ("x"@en_US, "x"@x): say so, with the tag
        lines = text.splitlines()
        line = lines[exc.lineno - 1] if exc.lineno <= len(lines) else ""
        before = _LANG_AT.search(line[: exc.offset - 1]) or _LANG_AT.search(line[: exc.offset])
        if before is not None:
            rest = re.match(r"[A-Za-z0-9_.-]*", line[before.end():])  # matches always (may be empty)
            tag = before.group(1) + (rest.group(0) if rest else "")
            return IpkgError(f"malformed language tag @{tag} ({what[:1].lower() + what[1:]})", path=path,
                             line=exc.lineno, col=exc.offset,
                             hint="language tags look like @en, @zh or @zh-Hans: a 2-8 letter language, "
                                  "then '-' and subtags of at most 8 letters or digits (no '_')")
    return IpkgError(
        what[:1].lower() + what[1:] if what else "syntax error",
        path=path,
        line=exc.lineno if positions else None,
        col=exc.offset if positions and exc.lineno else None,
        hint=_hint_for(msg, fmt),
    )


# --------------------------------------------------------------------------- JSON-LD contexts


#: JSON-LD context budget per document: files read (each reference counts), and their bytes
MAX_CONTEXT_FILES = 32
MAX_CONTEXT_BYTES = 1024 * 1024


def _inline_contexts(doc: Any, base: Path, path: Path, depth: int = 0,
                     budget: dict | None = None) -> tuple[Any, bool]:
    """Replace string ``@context`` / ``@import`` references by the local file's context.

    Returns ``(document, changed)``. Remote references raise :class:`IpkgError`; so do
    contexts outside the document's folder, more than :data:`MAX_CONTEXT_FILES` context reads
    or :data:`MAX_CONTEXT_BYTES` of them per document (eight small contexts that list each
    other would otherwise be read 8^depth times), and anything but a regular file.
    """
    from .safety import require_regular_file

    changed = False
    if budget is None:
        budget = {"files": 0, "bytes": 0, "folder": Path(base).resolve()}

    def resolve(ref: str) -> Any:
        nonlocal changed
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref) and not ref.startswith("file:"):
            raise IpkgError(
                f"remote JSON-LD context {ref!r} refused: ipkg never fetches anything from the network",
                path=path,
                hint="copy the context into the file, or save it next to the file and refer to it by file name",
            )
        if depth >= _MAX_CONTEXT_DEPTH:
            raise IpkgError("JSON-LD contexts nested too deeply (a loop?)", path=path)
        if ref.startswith("file:"):
            from urllib.parse import urlparse
            from urllib.request import url2pathname

            local = Path(url2pathname(urlparse(ref).path))
        else:
            local = base / ref
        try:
            inside = "\x00" not in str(local) and budget["folder"] in Path(local).resolve().parents
        except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
            inside = False
        if not inside:
            raise IpkgError(f"JSON-LD context {ref!r} is outside the document's folder; refused",
                            path=path, hint="save the context next to the document")
        budget["files"] += 1
        if budget["files"] > MAX_CONTEXT_FILES:
            raise IpkgError(f"more than {MAX_CONTEXT_FILES} JSON-LD context files read for one "
                            "document (contexts that refer to each other?)", path=path)
        budget["bytes"] += require_regular_file(local, MAX_CONTEXT_BYTES, "JSON-LD context")
        if budget["bytes"] > MAX_CONTEXT_BYTES:
            raise IpkgError(f"the JSON-LD contexts of this document exceed {MAX_CONTEXT_BYTES:,} "
                            "bytes", path=path)
        try:
            ctx_doc = json.loads(_read_checked(local))
        except json.JSONDecodeError as exc:
            raise IpkgError(f"invalid JSON: {exc.msg}", path=local, line=exc.lineno, col=exc.colno) from None
        if not isinstance(ctx_doc, dict) or "@context" not in ctx_doc:
            raise IpkgError("a JSON-LD context file must be an object with an @context key", path=local)
        inner, _ = _inline_contexts(ctx_doc["@context"], local.parent, local, depth + 1, budget)
        changed = True
        return inner

    def walk(node: Any, in_context: bool) -> Any:
        if isinstance(node, list):
            return [walk(item, in_context) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "@context":
                if isinstance(value, str):
                    value = resolve(value)
                elif isinstance(value, list):
                    value = [resolve(v) if isinstance(v, str) else walk(v, True) for v in value]
                else:
                    value = walk(value, True)
            elif key == "@import" and in_context and isinstance(value, str):
                imported = resolve(value)
                if isinstance(imported, dict):  # JSON-LD 1.1 @import: merge, local keys win
                    merged = dict(imported)
                    merged.update({k: v for k, v in node.items() if k != "@import"})
                    return walk(merged, True)
                raise IpkgError("@import must point to a context object", path=path)
            else:
                value = walk(value, in_context)
            out[key] = value
        return out

    if depth == 0:
        return walk(doc, False), changed
    # called on the content of an @context value
    if isinstance(doc, str):
        return resolve(doc), True
    if isinstance(doc, list):
        return [resolve(v) if isinstance(v, str) else walk(v, True) for v in doc], True
    return walk(doc, True), changed


# --------------------------------------------------------------------------- parsing


def _check_jsonld_languages(doc: Any, text: str, path: Path) -> None:
    """A malformed ``@language`` makes the JSON-LD parser drop the value without a word; refuse
    it instead, with its line (Turtle parsers refuse such tags as syntax errors too)."""
    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@language" and isinstance(value, str) and not _LANGTAG.fullmatch(value):
                    m = re.search(r'"@language"\s*:\s*' + re.escape(json.dumps(value)), text)
                    line = text.count("\n", 0, m.start()) + 1 if m else None
                    raise IpkgError(f"malformed language tag {value!r}", path=path, line=line,
                                    hint="language tags look like \"en\", \"zh\" or \"zh-Hans\"")
                walk(value)

    walk(doc)


def _parse_quads(path: Path, digests: dict[Path, str] | None = None) -> tuple[list[pyoxigraph.Quad], dict[str, str]]:
    """pyoxigraph quads of one file and the prefixes it declares. With ``digests``, also
    records there the SHA-256 of exactly what was parsed (the file's text, with any local
    JSON-LD contexts inlined): a key for results computed from the file (:mod:`ipkg.cache`)."""
    import pyoxigraph

    from .safety import check_blank_node_depth, refuse_unsupported_extension, refuse_xml

    path = Path(path)
    refuse_unsupported_extension(path)  # RDF/XML & co: refused before anything reads the file
    if path.exists() and not path.is_dir():
        fmt = _format_for(path)  # before reading: an unknown extension needs no read
    text = _read_checked(path)
    fmt = _format_for(path)
    refuse_xml(text.encode("utf-8"), path)  # an XML/DTD body under an RDF text extension
    positions = True
    if fmt == "JSON_LD":
        try:
            doc = json.loads(text)
        except RecursionError:
            raise IpkgError("JSON nested too deeply to read", path=path,
                            hint="flatten the document (give nested nodes an @id)") from None
        except json.JSONDecodeError as exc:
            raise IpkgError(
                f"invalid JSON: {exc.msg}",
                path=path,
                line=exc.lineno,
                col=exc.colno,
                hint="check commas, brackets and quotes near this position",
            ) from None
        try:
            doc, changed = _inline_contexts(doc, path.parent, path)
        except RecursionError:
            raise IpkgError("JSON nested too deeply to read", path=path,
                            hint="flatten the document (give nested nodes an @id)") from None
        try:
            _check_jsonld_languages(doc, text, path)
        except RecursionError:
            raise IpkgError("JSON nested too deeply to read", path=path,
                            hint="flatten the document (give nested nodes an @id)") from None
        if changed:
            text = json.dumps(doc, ensure_ascii=False)
            positions = False  # positions would point into the inlined copy
    rdf_format = getattr(pyoxigraph.RdfFormat, fmt)
    data = text.encode("utf-8")
    if digests is not None:
        digests[path] = hashlib.sha256(data).hexdigest()
    try:
        parser = pyoxigraph.parse(input=data, format=rdf_format, rename_blank_nodes=True)
        quads = list(parser)
    except SyntaxError as exc:
        raise _syntax_error(exc, path, fmt, positions, text) from None
    except ValueError as exc:  # e.g. a format the installed pyoxigraph cannot read
        raise IpkgError(f"cannot parse: {exc}", path=path) from None
    check_blank_node_depth(quads, path)
    try:
        prefixes = dict(parser.prefixes)
    except Exception:  # pragma: no cover - older pyoxigraph without .prefixes
        prefixes = {}
    check_budgets(quads, prefixes, path)
    return quads, prefixes


#: per file: declared prefixes (rdflib binds each against all others: 30,000 took 70 s) and RDF
#: list items (rdf:first; a 10^6-item list took 6 GB through rdflib and pyshacl)
MAX_PREFIXES = 1000
MAX_LIST_ITEMS = 100_000


def check_budgets(quads, prefixes: dict, path: Path) -> None:
    """Raise :class:`IpkgError` for a file over the prefix or list budget."""
    if len(prefixes) > MAX_PREFIXES:
        raise IpkgError(f"{len(prefixes):,} prefixes declared; the limit is {MAX_PREFIXES:,} per file",
                        path=path, hint="declare only the prefixes the file uses")
    items = sum(1 for q in quads if q.predicate.value == RDF_FIRST)
    if items > MAX_LIST_ITEMS:
        raise IpkgError(f"RDF lists with {items:,} items in all; the limit is {MAX_LIST_ITEMS:,} "
                        "per file", path=path,
                        hint="load very long lists into a store with 'ipkg load … --store DIR'")


def _new_graph(prefixes: dict[str, str] | None = None, identifier=None) -> Graph:
    from rdflib import Graph

    g = Graph(identifier=identifier)
    for prefix, ns in (prefixes or {}).items():
        if prefix:
            g.bind(prefix, ns, override=True, replace=True)
    return g


def _graph_from_quads(quads, prefixes, conv: _Converter | None = None, identifier=None) -> Graph:
    conv = conv or _Converter()
    g = _new_graph(prefixes, identifier)
    triple = conv.triple
    g.addN((*triple(q), g) for q in quads)
    return g


class _FileGraphs(Mapping):
    """Path → graph of that file alone, built on first access (most callers need few)."""

    def __init__(self, quads: dict[Path, list], prefixes: dict[Path, dict], conv: _Converter) -> None:
        self._quads, self._prefixes, self._conv = quads, prefixes, conv
        self._graphs: dict[Path, Graph] = {}

    def __getitem__(self, path) -> Graph:
        path = Path(path)
        g = self._graphs.get(path)
        if g is None:
            g = self._graphs[path] = _graph_from_quads(self._quads[path], self._prefixes[path], self._conv)
        return g

    def __iter__(self) -> Iterator[Path]:
        return iter(self._quads)

    def __len__(self) -> int:
        return len(self._quads)

    def __repr__(self) -> str:
        return f"<{len(self)} file graphs>"


def load_rdf_file(path: str | Path) -> Graph:
    """Parse one RDF file (format by extension) into a :class:`rdflib.Graph`.

    Quad formats (TriG, N-Quads) come back as the union of all their graphs; see
    :func:`load_rdf_dataset` to keep the graph names. Raises :class:`IpkgError` (exit 2) with
    ``path:line:col`` for anything that cannot be read.
    """
    quads, prefixes = _parse_quads(Path(path))
    return _graph_from_quads(quads, prefixes)


def load_rdf_dataset(path: str | Path) -> Dataset:
    """Parse one RDF file into an :class:`rdflib.Dataset`, keeping named graphs (TriG, N-Quads).

    Triples outside any named graph go to the dataset's default graph.
    """
    import pyoxigraph
    from rdflib import Dataset
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    quads, prefixes = _parse_quads(Path(path))
    conv = _Converter()
    ds = Dataset()
    for prefix, ns in prefixes.items():
        if prefix:
            ds.bind(prefix, ns, override=True, replace=True)
    graphs: dict[str, Any] = {}
    for q in quads:
        name = q.graph_name
        key = "" if isinstance(name, pyoxigraph.DefaultGraph) else str(name)
        g = graphs.get(key)
        if g is None:
            ident = DATASET_DEFAULT_GRAPH_ID if key == "" else conv.term(name)
            g = graphs[key] = ds.graph(ident)
        g.add(conv.triple(q))
    return ds


# --------------------------------------------------------------------------- literal lexical forms

XSD = "http://www.w3.org/2001/XMLSchema#"

_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
_INT = r"[+-]?\d+"
_DEC = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_FLOAT = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)"
_DURATION = r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"

#: XSD datatype (local name) → (lexical-form pattern, the expected form as shown to the user,
#: value range for the integer types). Patterns follow XML Schema 1.1 Part 2; no surrounding
#: whitespace is accepted (RDF stores and SPARQL engines treat " 12" as ill-formed too).
_LEXICAL: dict[str, tuple[re.Pattern, str, tuple[int | None, int | None] | None]] = {}
for _name, _pattern, _shown in (
    ("date", f"{_YEAR}-{_MONTH}-{_DAY}{_TZ}", "YYYY-MM-DD, e.g. 2024-03-15"),
    ("dateTime", f"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}", "YYYY-MM-DDThh:mm:ss, e.g. 2024-03-15T09:30:00"),
    ("dateTimeStamp", f"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}(?:Z|[+-]\\d\\d:\\d\\d)",
     "YYYY-MM-DDThh:mm:ssZ, e.g. 2024-03-15T09:30:00Z"),
    ("time", f"{_TIME}{_TZ}", "hh:mm:ss, e.g. 09:30:00"),
    ("gYear", f"{_YEAR}{_TZ}", "YYYY, e.g. 2024"),
    ("gYearMonth", f"{_YEAR}-{_MONTH}{_TZ}", "YYYY-MM, e.g. 2024-03"),
    ("gMonthDay", f"--{_MONTH}-{_DAY}{_TZ}", "--MM-DD, e.g. --03-15"),
    ("gMonth", f"--{_MONTH}{_TZ}", "--MM, e.g. --03"),
    ("gDay", f"---{_DAY}{_TZ}", "---DD, e.g. ---15"),
    ("duration", _DURATION, "PnYnMnDTnHnMnS, e.g. P1Y6M"),
    ("boolean", "true|false|1|0", "true, false, 1 or 0"),
    ("decimal", _DEC, "a decimal number with a '.' and no thousands separator, e.g. 1369 or 81.5"),
    ("double", _FLOAT, "a number such as 1369, 81.5 or 1.2E4 (no thousands separator)"),
    ("float", _FLOAT, "a number such as 1369, 81.5 or 1.2E4 (no thousands separator)"),
):
    _LEXICAL[_name] = (re.compile(_pattern), _shown, None)
for _name, _low, _high in (
    ("integer", None, None), ("nonNegativeInteger", 0, None), ("positiveInteger", 1, None),
    ("nonPositiveInteger", None, 0), ("negativeInteger", None, -1),
    ("long", -2**63, 2**63 - 1), ("int", -2**31, 2**31 - 1), ("short", -2**15, 2**15 - 1), ("byte", -128, 127),
    ("unsignedLong", 0, 2**64 - 1), ("unsignedInt", 0, 2**32 - 1), ("unsignedShort", 0, 65535),
    ("unsignedByte", 0, 255),
):
    _range = "" if _low is None and _high is None else (
        f" ≥ {_low}" if _high is None else f" ≤ {_high}" if _low is None else f" from {_low} to {_high}")
    _LEXICAL[_name] = (re.compile(_INT), f"a whole number{_range} in digits, no thousands separator, e.g. 1369",
                       (_low, _high))
#: well-formed BCP 47 tags, roughly: a 2–8 letter language or x-/i- private use, then subtags
_LANGTAG = re.compile(r"(?:[A-Za-z]{2,8}|[xXiI](?=-))(?:-[A-Za-z0-9]{1,8})*")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _day_exists(lexical: str, year_too: bool) -> bool:
    """The day of a well-patterned date/dateTime/gMonthDay exists (no 2020-02-30, no --04-31)."""
    if year_too:
        m = re.match(r"(-?\d+)-(\d\d)-(\d\d)", lexical)
        assert m is not None, "called only on forms the datatype pattern matched"
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return day <= (_DAYS[month - 1] if month != 2 else 28 + leap)
    m = re.match(r"--(\d\d)-(\d\d)", lexical)
    assert m is not None, "called only on forms the datatype pattern matched"
    return int(m.group(2)) <= _DAYS[int(m.group(1)) - 1]


def lexical_problem(lexical: str, datatype: str | None = None, language: str | None = None) -> str | None:
    """What a literal's lexical form should look like when it is ill-formed for its datatype
    (or its language tag is malformed); None when it is well formed or the datatype is not
    one ipkg checks. ``datatype`` is the full IRI."""
    if language is not None:
        return None if _LANGTAG.fullmatch(language) else "a language tag such as en, zh or zh-Hans"
    if not datatype or not datatype.startswith(XSD):
        return None
    rule = _LEXICAL.get(datatype[len(XSD):])
    if rule is None:
        return None
    pattern, shown, bounds = rule
    if not pattern.fullmatch(lexical):
        return shown
    name = datatype[len(XSD):]
    if name in ("date", "dateTime", "dateTimeStamp", "gMonthDay") and not _day_exists(lexical, name != "gMonthDay"):
        return shown + " (a day that exists in that month)"
    if bounds is not None and bounds != (None, None):
        value = int(lexical)
        if (bounds[0] is not None and value < bounds[0]) or (bounds[1] is not None and value > bounds[1]):
            return shown
    return None


@dataclass
class LiteralProblem:
    """A literal whose lexical form is not valid for its datatype, and where it is written."""

    path: Path
    line: int | None
    subject: Any  # pyoxigraph term
    predicate: Any
    object: Any  # the pyoxigraph Literal
    expected: str

    @property
    def datatype(self) -> str | None:
        return None if self.object.language else self.object.datatype.value

    def describe(self, lang: str = "en") -> str:
        """What is wrong, in ``lang`` (``en`` or ``zh``)."""
        lit = self.object
        bad_tag, bad_value = _LITERAL_MESSAGES[lang]
        if lit.language:
            return bad_tag.format(tag=lit.language, value=lit.value, expected=self.expected)
        name = _vocab.Compactor({"xsd": XSD}, local="any", empty=True)(lit.datatype.value)
        return bad_value.format(value=lit.value, name=name, expected=self.expected)


#: language -> (malformed language tag, invalid lexical form) messages of :meth:`LiteralProblem.describe`
_LITERAL_MESSAGES = {
    "en": ('language tag @{tag} of "{value}" is malformed: expected {expected}',
           '"{value}" is not a valid {name}: expected {expected}'),
    "zh": ("“{value}”的语言标签 @{tag} 格式不正确：应为 {expected}",
           "“{value}”不是有效的 {name}：应为 {expected}"),
}


def ill_formed_literals(path: Path, quads, text: str | None = None) -> list[LiteralProblem]:
    """The literals of one parsed file whose lexical form is invalid for their datatype, each
    with the line it is written on (found in the file text: the first occurrence of the quoted
    lexical form after the subject's first mention; else the subject's line)."""
    import pyoxigraph

    found = []
    cache: dict[tuple, str | None] = {}
    for q in quads:
        o = q.object
        if not isinstance(o, pyoxigraph.Literal):
            continue
        key = (o.value, o.datatype.value if not o.language else None, o.language)
        if key not in cache:
            cache[key] = lexical_problem(*key)
        expected = cache[key]
        if expected is not None:
            found.append(LiteralProblem(Path(path), None, q.subject, q.predicate, o, expected))
    if found:
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        for problem in found:
            problem.line = _literal_line(text, problem)
    return found


def _literal_line(text: str, problem: LiteralProblem) -> int | None:
    import pyoxigraph

    def line_at(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    start = 0
    subject = problem.subject
    if isinstance(subject, pyoxigraph.NamedNode):
        iri = subject.value
        local = re.split(r"[/#]", iri)[-1]
        for needle in (f"<{iri}>", f'"{iri}"', f":{local}"):
            at = text.find(needle) if local or needle.startswith(("<", '"')) else -1
            if at >= 0:
                start = text.rfind("\n", 0, at) + 1
                break
    value = problem.object.value
    for quote in ('"', "'"):
        needle = f"{quote}{value}{quote}"
        at = text.find(needle, start)
        if at < 0:
            at = text.find(needle)
        if at >= 0:
            return line_at(at)
    return line_at(start) if start else None


# --------------------------------------------------------------------------- the project


@dataclass
class Project:
    """The ontology, graph and shapes of one data root, each file parsed once.

    ``files`` maps every loaded file (absolute path) to its own graph; ``ontology``, ``data``
    and ``shapes`` are the merged graphs of ``ontology/*.ttl``, ``graph/**/*.ttl`` and
    ``shapes/*.ttl`` (``ontology`` and ``data`` are built on first use: the build needs only
    :meth:`merged`, and an rdflib graph of the data costs more than parsing it).
    """

    root: Path
    shapes: Graph
    files: Mapping[Path, Graph] = field(default_factory=dict)
    #: the project prefixes (:data:`PREFIXES` plus any other declared in the files), for exports
    prefixes: dict[str, str] = field(default_factory=dict)
    #: the pyoxigraph quads of every file, as parsed (exports serialize from these)
    quads: dict[Path, list] = field(default_factory=dict, repr=False)
    #: literals whose lexical form is invalid for their datatype (``ipkg validate`` and
    #: ``ipkg build`` report them as violations), in file order
    literal_problems: list[LiteralProblem] = field(default_factory=list, repr=False)
    #: SHA-256 of what was parsed of each file (see :func:`_parse_quads`), for cache keys
    digests: dict[Path, str] = field(default_factory=dict, repr=False)
    _conv: Any = field(default=None, repr=False)
    _merged: Graph | None = field(default=None, repr=False)
    _kinds: dict[str, Graph] = field(default_factory=dict, repr=False)

    def _of_kind(self, kind: str) -> Graph:
        g = self._kinds.get(kind)
        if g is None:
            quads = [q for p in self.files if self.kind(p) == kind for q in self.quads[p]]
            g = self._kinds[kind] = _graph_from_quads(quads, self.prefixes, self._conv)
        return g

    @property
    def ontology(self) -> Graph:
        """The merged graph of ``ontology/`` (built once, then cached — do not modify it)."""
        return self._of_kind("ontology")

    @property
    def data(self) -> Graph:
        """The merged graph of ``graph/`` (built once, then cached — do not modify it)."""
        return self._of_kind("graph")

    @property
    def ontology_files(self) -> list[Path]:
        return [p for p in self.files if self.kind(p) == "ontology"]

    @property
    def data_files(self) -> list[Path]:
        return [p for p in self.files if self.kind(p) == "graph"]

    @property
    def shapes_files(self) -> list[Path]:
        return [p for p in self.files if self.kind(p) == "shapes"]

    def kind(self, path: Path) -> str:
        """'ontology', 'graph' or 'shapes': the top folder a loaded file comes from."""
        return Path(path).relative_to(self.root).parts[0]

    def relpath(self, path: Path) -> Path:
        """``path`` relative to the data root (e.g. ``graph/sources/002-shanghai.ttl``)."""
        return Path(path).relative_to(self.root)

    def content_key(self, *kinds: str) -> list[str]:
        """``path digest`` of every file of these ``kinds`` ('ontology', 'graph', 'shapes'), in
        path order: what a result computed from those files depends on (a cache key part).
        Empty when a file's digest is unknown (a project not made by :func:`load_project`)."""
        out = []
        for p in sorted(self.files):
            if self.kind(p) in kinds:
                digest = self.digests.get(Path(p))
                if digest is None:
                    return []
                out.append(f"{self.relpath(p).as_posix()} {digest}")
        return out

    def merged(self) -> Graph:
        """Ontology + data in one graph (built once, then cached — do not modify it)."""
        if self._merged is None:
            quads = [q for p in self.files if self.kind(p) != "shapes" for q in self.quads[p]]
            self._merged = _graph_from_quads(quads, self.prefixes, self._conv)
        return self._merged

    def source_documents(self) -> dict[str, str]:
        """``dcterms:identifier`` → source document IRI, for every ``ipkg:SourceDocument``."""
        from rdflib import RDF, URIRef

        out = {}
        merged = self.merged()
        for s in merged.subjects(RDF.type, URIRef(ONTOLOGY_NS + "SourceDocument")):
            for ident in merged.objects(s, URIRef(DCTERMS + "identifier")):
                out[str(ident)] = str(s)
        return out

    def graph_name(self, path: Path) -> str:
        """The named graph a file belongs to (the rule in docs/modeling.md).

        ``graph/sources/NNN-*.ttl`` → the source document whose ``dcterms:identifier`` starts
        with ``NNN_``; any other file → ``https://w3id.org/ipkg/graph/<file stem>``.
        """
        return self._graph_names()[Path(path)]

    def _graph_names(self) -> dict[Path, str]:
        sources = self.source_documents()
        names: dict[Path, str] = {}
        seen_stems: dict[str, Path] = {}
        for path in self.files:
            if self.kind(path) == "shapes":
                continue
            rel = self.relpath(path)
            m = re.match(r"^(\d{3})-", path.name)
            if rel.parts[:2] == ("graph", "sources") and m:
                key = m.group(1) + "_"
                matches = sorted({iri for ident, iri in sources.items() if ident.startswith(key)})
                if len(matches) != 1:
                    raise IpkgError(
                        f"no source document has a dcterms:identifier starting with {key!r}"
                        if not matches
                        else f"several source documents have a dcterms:identifier starting with {key!r}: "
                        + ", ".join(matches),
                        path=path,
                        hint="graph/sources/NNN-*.ttl belongs to the ipkg:SourceDocument whose text file "
                        "is NNN_….txt (see graph/reference/sources.ttl)",
                    )
                names[path] = matches[0]
            else:
                stem = path.stem
                if stem in seen_stems:
                    raise IpkgError(
                        f"two files would share the named graph {GRAPH_NS}{stem}: "
                        f"{self.relpath(seen_stems[stem])} and {rel}",
                        path=path,
                        hint="rename one of them (file stems outside graph/sources/ must be unique)",
                    )
                seen_stems[stem] = path
                names[path] = GRAPH_NS + stem
        return names

    def named_graphs(self) -> dict[str, Graph]:
        """Graph IRI → graph, for ontology and data files (shapes are not part of the data)."""
        from rdflib import URIRef

        by_name: dict[str, list] = {}
        for path, name in self._graph_names().items():
            by_name.setdefault(name, []).extend(self.quads[path])
        return {
            name: _graph_from_quads(quads, self.prefixes, self._conv, identifier=URIRef(name))
            for name, quads in sorted(by_name.items())
        }


def _project_files(root: Path) -> dict[str, list[Path]]:
    from .safety import refuse_non_turtle

    if not root.is_dir():
        raise IpkgError(
            "the data folder does not exist" if not root.exists() else "the data root is not a folder",
            path=root,
            hint="run ipkg from a checkout, install the package, or set IPKG_DATA to a folder "
            "with ontology/, graph/ and shapes/",
        )
    layout = (("ontology", "*.ttl", True), ("graph", "**/*.ttl", True), ("shapes", "*.ttl", False))
    for name, _, _ in layout:
        if not (root / name).is_dir():
            raise IpkgError(
                f"missing folder {name}/",
                path=root / name,
                hint=f"the data root {root} must hold ontology/, graph/ and shapes/",
            )
    found: dict[str, list[Path]] = {}
    for name, pattern, required in layout:
        folder = root / name
        refuse_non_turtle(folder, recursive=pattern.startswith("**"))  # nothing silently skipped
        paths = sorted(
            p
            for p in folder.glob(pattern)
            if not any(part.startswith(".") for part in p.relative_to(folder).parts)
            and not _vocab.is_prefix_file(p, root)  # prefixes only, no triples: read by ipkg.vocab
        )
        if required and not paths:
            raise IpkgError(f"no .ttl files in {name}/", path=folder)
        found[name] = paths
    return found


def load_project(root: str | Path | None = None) -> Project:
    """Load ``ontology/``, ``graph/`` and ``shapes/`` under ``root`` (default: the data root).

    Raises :class:`IpkgError` (exit 2) for a missing folder or any file that cannot be read.
    """
    from .paths import data_root

    root = Path(root) if root is not None else data_root()
    root = root.absolute()
    found = _project_files(root)
    conv = _Converter()
    prefixes: dict[str, str] = dict(PREFIXES)
    quads_by_file: dict[Path, list] = {}
    prefixes_by_file: dict[Path, dict] = {}
    digests: dict[Path, str] = {}
    literal_problems: list[LiteralProblem] = []
    for paths in found.values():
        for path in paths:
            quads_by_file[path], prefixes_by_file[path] = _parse_quads(path, digests)
            literal_problems += ill_formed_literals(path, quads_by_file[path])
    known = set(prefixes.values())
    for file_prefixes in prefixes_by_file.values():
        for p, ns in file_prefixes.items():
            if p and p not in prefixes and ns not in known:
                prefixes[p] = ns
                known.add(ns)
    return Project(
        root=root,
        shapes=_graph_from_quads([q for p in found["shapes"] for q in quads_by_file[p]], prefixes, conv),
        files=_FileGraphs(quads_by_file, prefixes_by_file, conv),
        prefixes=prefixes,
        quads=quads_by_file,
        literal_problems=literal_problems,
        digests=digests,
        _conv=conv,
    )
