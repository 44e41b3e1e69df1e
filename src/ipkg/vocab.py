"""The project's prefixes: read from ONE file, ``ontology/prefixes.ttl``.

Everything that needs a prefix table takes it from here: the loader (exports, hints for Turtle
authors), ``ipkg query`` / ``ipkg.api`` (queries that do not declare a prefix get the project's
declaration; tables print ``iorg:spp``), the example publication (``sh:declare``) and the query
page of ``ipkg serve``.

>>> PREFIXES["iorg"]
'https://w3id.org/ipkg/id/org/'
>>> print(with_prefixes("SELECT * WHERE { iorg:spp ?p ?o }"))
PREFIX iorg: <https://w3id.org/ipkg/id/org/>  # project prefix (ipkg)
SELECT * WHERE { iorg:spp ?p ?o }
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import IpkgError
from .sparql_lex import NAME, SPACE, tokens

FILE_NAME = "prefixes.ttl"
#: The comment that ends each PREFIX line :func:`with_prefixes` adds.
MARK = "# project prefix (ipkg)"


def prefix_file() -> Path:
    """``ontology/prefixes.ttl`` of the data root; else the copy shipped in the wheel/checkout."""
    from . import paths

    here = Path(__file__).resolve().parent
    candidates = [paths.data_root() / "ontology" / FILE_NAME,
                  here / "_data" / "ontology" / FILE_NAME,
                  here.parents[1] / "ontology" / FILE_NAME]
    for path in candidates:
        if path.is_file():
            return path
    return candidates[-1]


def is_prefix_file(path: Path, root: Path) -> bool:
    """True for ``<root>/ontology/prefixes.ttl``: it declares prefixes and holds no triples, so
    the loaders leave it to this module (it is not an ontology or data file)."""
    return Path(path) == Path(root) / "ontology" / FILE_NAME


def read_prefixes(path: Path | None = None) -> dict[str, str]:
    """``{prefix: namespace}`` declared by a Turtle file (pyoxigraph's parser; file order kept)."""
    import pyoxigraph as ox

    path = Path(path) if path else prefix_file()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IpkgError(f"cannot read the prefix file: {exc}", path=path,
                        hint="restore ontology/prefixes.ttl from the repository") from None
    try:
        parser = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        list(parser)
        declared = dict(parser.prefixes)
    except SyntaxError as exc:
        m = re.search(r"(\d+):(\d+)", str(exc))
        raise IpkgError(f"bad prefix file: {exc}", path=path,
                        line=int(m.group(1)) if m else None, col=int(m.group(2)) if m else None) from None
    # keep the order the file gives (groups: W3C, ontology, identifiers)
    order = re.findall(r"(?m)^\s*@prefix\s+([A-Za-z][\w\-.]*)?:", text)
    return {p: declared[p] for p in order if p in declared} | declared


#: The project prefixes, in the order of ``ontology/prefixes.ttl``.
PREFIXES: dict[str, str] = read_prefixes()

_PREFIX_NAME = re.compile(r"[A-Za-z][\w\-.]*")
#: a prefixed name's ``prefix:`` inside a name run (not after a variable's ``?``/``$`` or a word
#: character, as in ``_:b``), followed by what may follow it
_PNAME = re.compile(r"(?<![\w?$])([A-Za-z][\w\-.]*)?:(?=[\w%\\\-]|\s|[;,.)\]}]|\Z)")


def used_and_declared(text: str) -> tuple[set[str], set[str]]:
    """The prefixes a SPARQL query uses and the ones it declares (outside comments/strings/IRIs).

    Read from the tokens of :mod:`ipkg.sparql_lex`: ``PREFIX p:`` declares ``p``; ``p:local``
    in a name run uses ``p``.

    >>> used, declared = used_and_declared('PREFIX ex: <x> SELECT * { ex:a iorg:b ?c:d _:e "skos:x" }')
    >>> sorted(used), sorted(declared)
    (['ex', 'iorg'], ['ex'])
    """
    used: set[str] = set()
    declared: set[str] = set()
    after_prefix = False
    for kind, start, end in tokens(text):
        if kind == SPACE:
            continue
        if kind != NAME:
            after_prefix = False
            continue
        word = text[start:end]
        if after_prefix:
            after_prefix = False
            prefix, colon, _ = word.partition(":")
            if colon and (not prefix or _PREFIX_NAME.fullmatch(prefix)):
                declared.add(prefix)
                continue
        after_prefix = word.upper() == "PREFIX"
        # endpos one past the run: the lookahead sees the character after it (a run cannot grow into it)
        used.update(m.group(1) or "" for m in _PNAME.finditer(text, start, min(end + 1, len(text))))
    return used, declared


def with_prefixes(text: str, prefixes: dict[str, str] | None = None) -> str:
    """``text`` with a ``PREFIX`` line for every project prefix it uses and does not declare.

    Only the prefixes used are added (a query's own ``PREFIX`` lines always win), one line each,
    marked with the comment :data:`MARK`, so an error's line number can be given in the user's
    own lines (:func:`added_lines`).
    """
    prefixes = PREFIXES if prefixes is None else prefixes
    used, declared = used_and_declared(text)
    missing = [p for p in prefixes if p in used and p not in declared]
    if not missing:
        return text
    return "".join(f"PREFIX {p}: <{prefixes[p]}>  {MARK}\n" for p in missing) + text


def added_lines(text: str) -> int:
    """How many lines :func:`with_prefixes` put at the start of ``text``."""
    n = 0
    for line in text.split("\n"):
        if not line.endswith(MARK):
            break
        n += 1
    return n


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """Every project prefix as SPARQL ``PREFIX`` lines (``ipkg query --prefixes``)."""
    prefixes = PREFIXES if prefixes is None else prefixes
    width = max(len(p) for p in prefixes) + 1
    return "".join(f"PREFIX {(p + ':').ljust(width)} <{ns}>\n" for p, ns in prefixes.items())


#: The local-name rules a :class:`Compactor` can apply (the part after ``prefix:``).
#: ``turtle``: a name Turtle and SPARQL read as a prefixed name without escapes (ASCII letters,
#: digits, ``_``; ``.`` and ``-`` after the first, ``.`` not last). ``word``: for display, letters
#: of any script too (``\w``), ``.`` and ``-`` anywhere, ``.`` not last. ``any``: whatever follows
#: the namespace.
LOCAL_RULES: dict[str, re.Pattern[str]] = {
    "turtle": re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?"),
    "word": re.compile(r"[\w.-]*[\w-]"),
    "any": re.compile(r".+", re.S),
}
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")


class Compactor:
    """IRI → ``prefix:local`` with the longest namespace whose local part the rule accepts.

    The one IRI compactor of ipkg; the places that show or write IRIs differ only in these
    parameters:

    * ``local`` — the local-name rule, a key of :data:`LOCAL_RULES` (``turtle``: exports, query
      tables; ``word``: validation reports; ``any``: the views' CURIEs);
    * ``empty`` — whether the namespace IRI itself compacts to ``prefix:`` (query tables);
    * ``segment`` — only the namespace that ends at the IRI's last ``/`` or ``#`` is tried
      (exports, whose serializer declares the prefixes that way);
    * ``unmatched`` — how an IRI no prefix fits is written: ``angle`` (``<iri>``), ``plain``
      (``iri``) or ``scheme`` (``<iri>`` when it starts with a scheme, else as it is);
    * ``last_wins`` — which prefix names a namespace declared twice (default: the first).

    ``None`` compacts to ``None``; the default prefix (``:``) and empty namespaces are not used.

    >>> Compactor()("https://w3id.org/ipkg/id/org/spp")
    'iorg:spp'
    >>> Compactor(unmatched="plain")("https://example.org/x")
    'https://example.org/x'
    >>> Compactor(local="word")("https://w3id.org/ipkg/id/org/最高")
    'iorg:最高'
    >>> Compactor()("https://w3id.org/ipkg/id/org/最高")
    '<https://w3id.org/ipkg/id/org/最高>'
    """

    def __init__(self, prefixes: dict[str, str] | None = None, *, local: str = "turtle", empty: bool = False,
                 segment: bool = False, unmatched: str = "angle", last_wins: bool = False) -> None:
        if local not in LOCAL_RULES:
            raise ValueError(f"unknown local-name rule {local!r}; one of {', '.join(LOCAL_RULES)}")
        if unmatched not in ("angle", "plain", "scheme"):
            raise ValueError(f"unknown unmatched form {unmatched!r}; one of angle, plain, scheme")
        self.prefixes = PREFIXES if prefixes is None else prefixes
        self._local = LOCAL_RULES[local]
        self._empty, self._segment, self._unmatched = empty, segment, unmatched
        # namespace length -> {namespace: prefix}, longest first: one dict look-up per length
        by_len: dict[int, dict[str, str]] = {}
        for p, ns in self.prefixes.items():
            if p and ns and (last_wins or ns not in by_len.get(len(ns), {})):
                by_len.setdefault(len(ns), {})[ns] = p
        self._by_len = sorted(by_len.items(), reverse=True)
        self._len_map = by_len
        # IRI -> answer, for the IRIs met so far: a build compacts the same few thousand IRIs
        # hundreds of thousands of times (cleared when it grows past MEMO_SIZE)
        self._split_memo: dict[str, tuple[str, str] | None] = {}
        self._call_memo: dict[str, str] = {}

    #: how many IRIs a compactor remembers (each of its two memos) before it starts afresh
    MEMO_SIZE = 1 << 15

    def __call__(self, iri: object) -> str | None:
        if iri is None:
            return None
        s = str(iri)
        memo = self._call_memo
        out = memo.get(s)
        if out is None:
            found = self.split(s)
            if found is not None:
                out = f"{found[0]}:{found[1]}"
            elif self._unmatched == "plain" or (self._unmatched == "scheme" and not _SCHEME.match(s)):
                out = s
            else:
                out = f"<{s}>"
            if len(memo) >= self.MEMO_SIZE:
                memo.clear()
            memo[s] = out
        return out

    def split(self, s: str) -> tuple[str, str] | None:
        """``(prefix, local)`` for the IRI ``s``, or ``None`` when no prefix fits.

        >>> Compactor().split("https://w3id.org/ipkg/ontology#Procuratorate")
        ('ipkg', 'Procuratorate')
        """
        memo = self._split_memo
        try:
            return memo[s]
        except KeyError:
            pass
        found = self._split(s)
        if len(memo) >= self.MEMO_SIZE:
            memo.clear()
        memo[s] = found
        return found

    @classmethod
    def shared(cls, prefixes: dict[str, str], **options) -> Compactor:
        """A compactor with these prefixes and options, made once per process and then reused
        (with what it has learnt: see :meth:`split`), for callers that would otherwise make one
        per file or per page."""
        key = (tuple(prefixes.items()), tuple(sorted(options.items())))
        found = _SHARED.get(key)
        if found is None:
            if len(_SHARED) >= 8:
                _SHARED.clear()
            found = _SHARED[key] = cls(dict(prefixes), **options)
        return found

    def _split(self, s: str) -> tuple[str, str] | None:
        if self._segment:
            cut = max(s.rfind("#"), s.rfind("/")) + 1
            lengths = [(cut, self._len_map[cut])] if cut in self._len_map else []
        else:
            lengths = self._by_len
        for n, nss in lengths:
            if n > len(s) or (n == len(s) and not self._empty):
                continue
            p = nss.get(s[:n])
            if p is not None:
                local = s[n:]
                if (not local and self._empty) or self._local.fullmatch(local):
                    return p, local
        return None


_QUERY_COMPACTOR: Compactor | None = None
_SHARED: dict[tuple, Compactor] = {}


def compact(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """``iorg:spp`` for ``https://w3id.org/ipkg/id/org/spp`` (the longest namespace whose local
    part is a plain SPARQL name, or empty); ``<iri>`` when no prefix fits. The rule of query
    tables; see :class:`Compactor` for the others.

    >>> compact("https://w3id.org/ipkg/id/org/spp")
    'iorg:spp'
    >>> compact("https://example.org/x")
    '<https://example.org/x>'
    >>> compact("https://w3id.org/ipkg/id/org/")
    'iorg:'
    """
    global _QUERY_COMPACTOR
    if prefixes is not None:
        return Compactor(prefixes, empty=True)(iri) or ""
    if _QUERY_COMPACTOR is None:
        _QUERY_COMPACTOR = Compactor(empty=True)
    return _QUERY_COMPACTOR(iri) or ""


__all__ = ["PREFIXES", "prefix_file", "read_prefixes", "with_prefixes", "used_and_declared",
           "added_lines", "sparql_prologue", "is_prefix_file", "compact", "Compactor",
           "LOCAL_RULES"]
