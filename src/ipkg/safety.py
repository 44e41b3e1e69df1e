"""Pre-parse guards: cheap checks that run before (or instead of) a parser on untrusted input.

Measured facts behind them (see RELIABILITY.md and tests/test_bad_input.py):

* **RDF/XML is refused, never parsed.** pyoxigraph 0.5 expands internal XML entities: a 1 KB
  "billion laughs" file makes it allocate gigabytes and abort the whole process (no Python
  exception). rdflib's parser (xml.sax/expat 2.5) does not resolve external entities but spins
  for minutes on the same file. ipkg refuses ``.rdf``/``.owl``/``.xml`` by extension and any
  text with an XML prolog, ``<!DOCTYPE`` or ``<!ENTITY`` before a parser sees it.
* **Blank-node nesting is bounded.** pyoxigraph parses 100,000 nested ``[ … ]`` happily, but
  rdflib's Turtle parser fails at 125 levels and its serializers and pyshacl recurse over such structures; :data:`MAX_BLANK_NODE_DEPTH`
  levels are far more than any modelling needs (RDF lists, ``rdf:rest`` chains, are not counted).
* **No SPARQL SERVICE.** Both pyoxigraph and rdflib follow ``SERVICE <url>`` and open a network
  connection (tested with a loopback canary); :func:`refuse_service` rejects such queries first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

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

_SPARQL_TOKENS = re.compile(
    r'(?P<skip>\#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|[?$][\w]+|[\w\-]+:[\w\-.]*)'
    r'|(?P<service>\bSERVICE\b)',
    re.S | re.IGNORECASE,
)


def find_service(query: str) -> int | None:
    """Offset of a ``SERVICE`` keyword in ``query`` (outside strings, IRIs, comments), or None."""
    for m in _SPARQL_TOKENS.finditer(query):
        if m.lastgroup == "service":
            return m.start()
    return None


def refuse_service(query: str, origin: str = "<query>") -> None:
    """Raise :class:`IpkgError` for a query with ``SERVICE``: ipkg never makes federated calls.

    pyoxigraph, rdflib and the Oxigraph server all open a connection to a SERVICE IRI.
    """
    at = find_service(query)
    if at is None:
        return
    line = query.count("\n", 0, at) + 1
    col = at - (query.rfind("\n", 0, at) + 1) + 1
    raise IpkgError(
        "SERVICE (federated query) is not allowed: ipkg does not let a query make network requests",
        path=origin,
        line=line,
        col=col,
        hint="query the other endpoint yourself and load its answer as a file",
    )


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
