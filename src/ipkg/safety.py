"""Pre-parse guards: cheap checks that run before (or instead of) a parser on untrusted input.

Measured facts behind them (see RELIABILITY.md and tests/test_bad_input.py):

* **RDF/XML is refused, never parsed.** pyoxigraph 0.5 expands internal XML entities: a 1 KB
  "billion laughs" file makes it allocate gigabytes and abort the whole process (no Python
  exception). rdflib's parser (xml.sax/expat 2.5) does not resolve external entities but spins
  for minutes on the same file. ipkg refuses ``.rdf``/``.owl``/``.xml`` by extension and any
  text with an XML prolog, ``<!DOCTYPE`` or ``<!ENTITY`` before a parser sees it.
* **Blank-node nesting is bounded.** pyoxigraph parses 100,000 nested ``[ … ]`` happily, but
  rdflib's Turtle parser fails at 125 levels and its serializers and pyshacl recurse over such
  structures; :data:`MAX_BLANK_NODE_DEPTH`
  levels are far more than any modelling needs (RDF lists, ``rdf:rest`` chains, are not counted).
* **No SPARQL SERVICE.** Both pyoxigraph and rdflib follow ``SERVICE <url>`` and open a network
  connection (tested with a loopback canary); :func:`refuse_service` rejects such queries first.
* **No script in the static pages.** :data:`NO_SCRIPT_CSP` is the Content-Security-Policy of the
  pages that need none (the site's index, the ontology documentation).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import sparql_lex
from .errors import IpkgError

#: extensions of formats ipkg does not read, and what to say about them
UNSUPPORTED = {
    ".rdf": "RDF/XML",
    ".owl": "RDF/XML (OWL)",
    ".xml": "XML",
    ".rdfs": "RDF/XML",
    ".n3": "Notation3",
    ".html": "HTML",
    ".htm": "HTML",
    ".xhtml": "XHTML",
}

#: Content-Security-Policy of the static pages that run no script: inline style and data: images only
NO_SCRIPT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)

#: deepest chain of blank nodes (each the object of the previous one) a file may contain
MAX_BLANK_NODE_DEPTH = 64

RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"

_CONVERT_HINT = (
    "convert it to Turtle with a tool you trust on this file (e.g. Jena: riot --output=turtle FILE), "
    "then save it as .ttl"
)


def refuse_unsupported_extension(path: str | Path) -> None:
    """Raise :class:`IpkgError` for RDF/XML, N3 and HTML files, before anything reads them."""
    path = Path(path)
    kind = UNSUPPORTED.get(path.suffix.lower())
    if kind is None:
        return
    raise IpkgError(
        f"{kind} is not supported; convert to Turtle (ipkg never parses XML: entity expansion "
        "can exhaust memory)",
        path=path,
        hint=_CONVERT_HINT,
    )


#: RDF files that a project folder (ontology/, graph/, shapes/) must not hold: only .ttl is read there
FOREIGN_RDF = set(UNSUPPORTED) | {".nt", ".nq", ".trig", ".jsonld"}


def refuse_non_turtle(folder: Path, recursive: bool = False) -> None:
    """Raise :class:`IpkgError` for an RDF file other than Turtle in a project folder.

    The project reads only ``*.ttl`` there; a ``.jsonld`` or ``.rdf`` file would otherwise be
    skipped without a word (and ``ipkg query`` once read files that ``ipkg build`` skipped).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    for p in sorted(folder.rglob("*") if recursive else folder.glob("*")):
        if p.suffix.lower() not in FOREIGN_RDF or not p.is_file():
            continue
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        kind = UNSUPPORTED.get(p.suffix.lower())
        raise IpkgError(
            (f"{kind} is not supported; convert to Turtle" if kind else
             f"only Turtle (.ttl) files are read from {folder.name}/; this {p.suffix} file would be ignored"),
            path=p,
            hint=f"convert it to Turtle (.ttl) or move it out of {folder.name}/",
        )


# XML markers that never start a Turtle/TriG/N-Triples/JSON-LD document
_XML_MARKER = re.compile(rb"<\?xml\b|<!DOCTYPE\b|<!ENTITY\b|<rdf:RDF\b|<html\b", re.IGNORECASE)
_STRINGS_AND_COMMENTS = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    rb'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*',
    re.S,
)


def refuse_xml(data: bytes, path: str | Path | None = None) -> None:
    """Raise :class:`IpkgError` when ``data`` looks like XML/HTML (an XML prolog, a DTD, an entity).

    Markers inside string literals and comments do not count (a label may mention ``<!DOCTYPE``).
    """
    m = _XML_MARKER.search(data)
    if m is None:
        return
    # slow path only when a marker exists: is it inside a string or a comment?
    for s in _STRINGS_AND_COMMENTS.finditer(data):
        if s.start() <= m.start() < s.end():
            rest = _XML_MARKER.search(data, s.end())
            if rest is None:
                return
            m = rest
        elif s.start() > m.start():
            break
    line = data.count(b"\n", 0, m.start()) + 1
    col = m.start() - (data.rfind(b"\n", 0, m.start()) + 1) + 1
    what = m.group().decode("ascii", "replace")
    raise IpkgError(
        f"this looks like XML ({what}…), not {Path(path).suffix or 'RDF text' if path else 'RDF text'}: "
        "RDF/XML is not supported; convert to Turtle",
        path=path,
        line=line,
        col=col,
        hint=_CONVERT_HINT,
    )


def blank_node_depth(triples: Iterable[tuple], is_blank, limit: int = MAX_BLANK_NODE_DEPTH) -> int:
    """Blank nodes in the longest chain ``_:a p _:b . _:b q _:c …`` of ``triples``.

    ``rdf:rest`` links are skipped (RDF lists are long chains that every tool handles), and so
    are links that close a cycle. Counting stops early once the chain exceeds ``limit``.
    """
    children: dict = {}
    for s, p, o in triples:
        if is_blank(s) and is_blank(o) and str(getattr(p, "value", p)) != RDF_REST:
            children.setdefault(s, []).append(o)
    memo: dict = {}
    for start in children:
        if start in memo:
            continue
        stack = [(start, iter(children[start]))]
        on_path = {start}
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                memo[node] = 1 + max((memo.get(c, 0) for c in children.get(node, ()) if c not in on_path),
                                     default=0)
                if memo[node] > limit:
                    return memo[node]
                continue
            if child in on_path or child in memo:
                continue
            if child not in children:
                memo[child] = 1
                continue
            on_path.add(child)
            stack.append((child, iter(children[child])))
            if len(stack) > limit:
                return len(stack)
    return max(memo.values(), default=0)


def check_blank_node_depth(quads, path: str | Path | None = None, limit: int = MAX_BLANK_NODE_DEPTH) -> None:
    """Raise :class:`IpkgError` when pyoxigraph ``quads`` nest blank nodes deeper than ``limit``."""
    import pyoxigraph

    def is_blank(t) -> bool:
        return isinstance(t, pyoxigraph.BlankNode)

    depth = blank_node_depth(((q.subject, q.predicate, q.object) for q in quads), is_blank, limit)
    if depth > limit:
        raise IpkgError(
            f"blank nodes nested more than {limit} levels deep (or in a cycle)",
            path=path,
            hint="give the inner nodes IRIs; deeply nested [ … ] blocks break serializers and validators",
        )


# --------------------------------------------------------------------------- SPARQL

#: longest query text accepted (characters); the example queries are under 2 KB
MAX_QUERY_CHARS = 64 * 1024
#: deepest nesting of ``{ ( [`` accepted; Oxigraph 0.5.13's parser overflows its stack (and aborts
#: the whole process) on about 3,000 nested ``{ }`` – see docs/upstream/oxigraph-parser-stack-overflow.md
MAX_QUERY_DEPTH = 64

_SERVICE = re.compile("[sS][eE][rR][vV][iI][cC][eE]")  # ASCII letters in any case, as SPARQL reads keywords
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryScan:
    """What a linear scan of a SPARQL text found (outside strings, IRIs and comments)."""

    service_at: int | None  #: offset of a ``SERVICE`` keyword, or None
    depth: int  #: deepest nesting of ``{ ( [``
    depth_at: int  #: offset where that depth was first exceeded (or reached)


def scan_query(text: str, limit: int = MAX_QUERY_DEPTH) -> QueryScan:
    """One left-to-right pass over ``text`` (:func:`ipkg.sparql_lex.tokens`): SERVICE keywords and
    bracket depth, in linear time.

    Deliberately conservative where SPARQL's grammar is subtle: comments end at LF *or* CR, a
    ``SERVICE`` glued to a number, a dot or anything else that is not part of a name counts
    (``1SERVICE``, ``trueSERVICE``, ``.SERVICE``, ``SERVICESILENT``); only inside a variable
    (``?service``) or a prefixed name (``ex:service``, ``service:x``) does it not.
    """
    depth = max_depth = 0
    depth_at = 0
    service = None
    for kind, start, end in sparql_lex.tokens(text):
        if kind == sparql_lex.PUNCT:
            for at in range(start, end):
                c = text[at]
                if c in "{([":
                    depth += 1
                    if depth > max_depth:
                        max_depth, depth_at = depth, at
                        if depth > limit:
                            break
                elif c in "})]":
                    depth -= 1
            if depth > limit:
                break
        elif kind == sparql_lex.NAME and service is None:
            service = _service_in(text, start, end)
    return QueryScan(service, max_depth, depth_at)


def _service_in(text: str, start: int, end: int) -> int | None:
    """Offset of the first ``SERVICE`` (any case) in the name run ``text[start:end]`` that is not
    inside a variable or a prefixed name, or None."""
    for m in _SERVICE.finditer(text, start, end):
        i = m.start()
        word = text[start:i]  # the run before the keyword
        named = (":" in word or text.startswith(":", i + 7)
                 or (word[:1] in ("?", "$") and all(ch.isalnum() or ch == "_" for ch in word[1:])))
        if not named:
            return i
    return None


def _line_col(text: str, at: int) -> tuple[int, int]:
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _unescaped(text: str) -> str:
    """``text`` with SPARQL's codepoint escapes (``\\u0053``) replaced, as the grammar says they are."""
    def repl(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group()
    return _ESCAPE.sub(repl, text)


def find_service(query: str) -> int | None:
    """Offset of a ``SERVICE`` keyword in ``query`` (outside strings, IRIs, comments), or None.

    The text is scanned as written and with its ``\\uXXXX`` escapes replaced; either finding
    counts, so no reading of the escapes hides the keyword from this check.
    """
    at = scan_query(query, limit=1 << 30).service_at
    if at is None and "\\" in query:
        at = scan_query(_unescaped(query), limit=1 << 30).service_at
        if at is not None:
            at = min(at, len(query) - 1)
    return at


#: bump when what :func:`_parse_has_service` decides changes (its verdicts are cached by it)
_SERVICE_VERDICT_VERSION = "1"
_VERDICTS = {True: b"service", False: b"no-service", None: b"unparsed"}


def _algebra_has_service(query: str) -> bool | None:
    """True/False when rdflib's SPARQL parser reads ``query``; None when it cannot parse it.
    (False without a parse when the text cannot spell the keyword: :func:`_may_spell_service`.)

    The verdict is a pure function of the query text and rdflib's parser, so it is kept in the
    content-addressed cache (:mod:`ipkg.cache`) under the SHA-256 of exactly that text plus the
    rdflib and ipkg versions: the shapes' ~20 SPARQL texts are parsed once, not on every
    build (a pyparsing parse costs ~50 ms each). A missing, damaged or unknown entry is
    parsed again. The linear scan (:func:`find_service`) never uses the cache.
    """
    import rdflib

    from . import __version__, cache

    if not _may_spell_service(query):
        return False  # no reading of the text holds the keyword: nothing to parse
    name = "sparql-service-" + cache.key("service-verdict", _SERVICE_VERDICT_VERSION, __version__,
                                         rdflib.__version__, query)
    stored = cache.cached_bytes(name, lambda: _VERDICTS[_parse_has_service(query)])
    for verdict, data in _VERDICTS.items():
        if stored == data:
            return verdict
    return _parse_has_service(query)  # not a verdict this version wrote: read the query itself


def _may_spell_service(query: str) -> bool:
    """False only when no parser can read the ``SERVICE`` keyword in ``query``: it has no
    backslash (so no ``\\uXXXX`` escape can spell it) and no stretch of it upper-cases to
    ``SERVICE`` (how a case-insensitive parser such as rdflib's compares keywords; this also
    catches look-alikes such as ``ſ``, which upper-cases to ``S``). Most queries – all of ipkg's
    shapes – fail both tests, so they need no parse at all.

    >>> _may_spell_service("SELECT ?s WHERE { ?s ?p ?o }"), _may_spell_service("service <x> {}")
    (False, True)
    """
    return "\\" in query or "SERVICE" in query.upper()


def _parse_has_service(query: str) -> bool | None:
    """:func:`_algebra_has_service` without the cache."""
    from rdflib.plugins.sparql import algebra, parser

    try:
        tree = algebra.translateQuery(parser.parseQuery(query))
    except Exception:  # noqa: BLE001 - rdflib's parser raises many types; the scan still applies
        return None
    found = []

    def visit(node):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append(node)
        return None

    try:
        algebra.traverse(tree.algebra, visitPre=visit)
    except RecursionError:
        return None
    return bool(found)


def check_query_limits(query: str, origin: str = "<query>", max_chars: int = MAX_QUERY_CHARS,
                       max_depth: int = MAX_QUERY_DEPTH) -> QueryScan:
    """Raise :class:`IpkgError` for a query too long or nested too deep for the engine; linear time."""
    if len(query) > max_chars:
        raise IpkgError(f"the query is {len(query):,} characters long; the limit is {max_chars:,}",
                        path=origin, hint="split it, or bind long value lists with --param")
    scan = scan_query(query, max_depth)
    if scan.depth > max_depth:
        line, col = _line_col(query, scan.depth_at)
        raise IpkgError(f"the query nests {{ ( [ more than {max_depth} levels deep",
                        path=origin, line=line, col=col,
                        hint="flatten it; Oxigraph's parser crashes on very deep nesting")
    return scan


def refuse_service(query: str, origin: str = "<query>", parse: bool = True) -> None:
    """Raise :class:`IpkgError` for a query with ``SERVICE``: ipkg never makes federated calls.

    Two independent readings, either one refuses: the linear scan (:func:`find_service`, on the
    text as written and with escapes replaced) and, when ``parse``, rdflib's SPARQL parser – a
    ``ServiceGraphPattern`` anywhere in the algebra. The size and nesting limits are checked first,
    so no parser ever sees an input that could exhaust it. (The Oxigraph *server* behind ``ipkg
    serve`` additionally runs in a sandbox that cannot open connections: ipkg.sandbox.)
    """
    check_query_limits(query, origin)
    at = find_service(query)
    if at is None and parse and _algebra_has_service(query):
        at = 0
    if at is None:
        return
    line, col = _line_col(query, at)
    raise IpkgError(
        "SERVICE (federated query) is not allowed: ipkg does not let a query make network requests",
        path=origin,
        line=line,
        col=col,
        hint="query the other endpoint yourself and load its answer as a file",
    )


_SHACL = "http://www.w3.org/ns/shacl#"
_SHACL_QUERY_PREDICATES = tuple(_SHACL + n for n in ("select", "ask", "construct", "update"))


def refuse_service_in_shapes(shapes, origin: str = "shapes") -> None:
    """Apply :func:`refuse_service` to every SPARQL text in a shapes graph (rdflib Graph).

    ``sh:select``/``sh:ask``/``sh:construct``/``sh:update`` are run by pyshacl (through rdflib,
    which would fetch a SERVICE IRI) and by ipkg's own SHACL-SPARQL runner (pyoxigraph, which
    would connect too), so the same rule as for user queries applies before validation starts.
    """
    from rdflib import URIRef

    for pred in _SHACL_QUERY_PREDICATES:
        for subject, text in shapes.subject_objects(URIRef(pred)):
            refuse_service(str(text), f"{origin} ({subject} {pred.rsplit('#', 1)[1]})")


#: largest input file read into memory (a graph file, a JSON-LD context, an audit source)
MAX_INPUT_BYTES = int(os.environ.get("IPKG_MAX_INPUT_BYTES", str(2 * 1024**3)))


def require_regular_file(path: str | Path, max_bytes: int | None = None, what: str = "file") -> int:
    """Raise :class:`IpkgError` unless ``path`` is a regular file (after symlinks) of at most
    ``max_bytes``; returns its size. A FIFO blocks a reader forever and ``/dev/zero`` never ends,
    so neither is ever opened."""
    import stat

    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise IpkgError(f"no such {what}", path=path) from None
    except OSError as exc:
        raise IpkgError(f"cannot read the {what}: {exc.strerror or exc}", path=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise IpkgError(f"is a folder, not a {what}", path=path)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise IpkgError(f"is {kind}; only regular files are read", path=path,
                        hint="copy the data into a regular file first")
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    if st.st_size > limit:
        raise IpkgError(f"the {what} is {st.st_size:,} bytes; the limit is {limit:,}", path=path,
                        hint="set IPKG_MAX_INPUT_BYTES to raise it")
    return st.st_size


def check_bulk_input(path: str | Path, head_bytes: int = 65536) -> None:
    """Cheap checks for a file about to be bulk-loaded without being read into memory first.

    Refuses RDF/XML & co by extension, empty (or whitespace-only) files — which would otherwise
    *replace* a store with an empty one — and XML/DTD content in the first ``head_bytes``.
    """
    path = Path(path)
    refuse_unsupported_extension(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(head_bytes)
            more = bool(fh.read(1))
    except OSError as exc:
        raise IpkgError(f"cannot read the file: {exc.strerror or exc}", path=path) from None
    if not more and not head.strip():
        raise IpkgError("the file is empty", path=path,
                        hint="nothing was loaded; the store is unchanged")
    refuse_xml(head, path)


# --------------------------------------------------------------------------- terminal output

#: C0 and C1 controls (but tab and newline), DEL, and the bidirectional overrides that reorder
#: what a terminal shows ("Trojan Source")
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters from the data shown as ``\\xNN`` / ``\\uNNNN``.

    An escape sequence in a label (``\\x1b]0;…``, cursor moves, screen clears) would otherwise be
    obeyed by the terminal that prints a report or a query table.
    """
    def show(m):
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _TERMINAL_UNSAFE.sub(show, text)
