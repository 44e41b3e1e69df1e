"""What changed between two builds (``ipkg diff OLD NEW``): statements added, removed and changed.

OLD and NEW are build folders (their ``ipkg.nt`` is read) or RDF files (N-Triples, Turtle, TriG,
N-Quads, JSON-LD; named graphs are merged). A statement is a triple; for one entity and
property, a value that was replaced by another of the same kind (same language for text, same
datatype for other literals, or an IRI for an IRI) is reported once as *changed* (old → new);
every other difference is *added* or *removed*. Terms are printed with the project prefixes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IpkgError


@dataclass
class Diff:
    added: list[tuple] = field(default_factory=list)  # (s, p, o) pyoxigraph terms
    removed: list[tuple] = field(default_factory=list)
    changed: list[tuple] = field(default_factory=list)  # (s, p, old o, new o)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


def read_triples(path: str | Path) -> set:
    """The triples of a build folder (its ipkg.nt) or of one RDF file, as pyoxigraph triples."""
    from .load import _parse_quads

    path = Path(path)
    if path.is_dir():
        if not (path / "ipkg.nt").is_file():
            raise IpkgError("not a build folder (no ipkg.nt)", path=path,
                            hint="give a folder written by 'ipkg build' (e.g. site/) or an RDF file")
        path = path / "ipkg.nt"
    elif not path.exists():
        raise IpkgError("no such file or folder", path=path)
    quads, _ = _parse_quads(path)
    return {q.triple for q in quads}


def _kind(term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.Literal):
        return "@" + term.language if term.language else "^" + term.datatype.value
    return "node"


def diff(old: set, new: set) -> Diff:
    """Added, removed and changed statements from ``old`` to ``new`` (sorted)."""
    removed_by: dict = defaultdict(list)
    added_by: dict = defaultdict(list)
    for t in old - new:
        removed_by[(t.subject, t.predicate, _kind(t.object))].append(t.object)
    for t in new - old:
        added_by[(t.subject, t.predicate, _kind(t.object))].append(t.object)
    out = Diff()
    for key in set(removed_by) | set(added_by):
        s, p, _ = key
        gone, came = removed_by.get(key, []), added_by.get(key, [])
        if len(gone) == 1 and len(came) == 1:
            out.changed.append((s, p, gone[0], came[0]))
            continue
        out.removed += [(s, p, o) for o in gone]
        out.added += [(s, p, o) for o in came]
    key = lambda row: tuple(str(x) for x in row)  # noqa: E731
    out.added.sort(key=key)
    out.removed.sort(key=key)
    out.changed.sort(key=key)
    return out


def diff_builds(old: str | Path, new: str | Path) -> Diff:
    return diff(read_triples(old), read_triples(new))


def _term(term, prefixes) -> str:
    """A term as in Turtle: a CURIE where a project prefix fits, else N-Triples syntax."""
    import pyoxigraph as ox

    from .export import compactor

    compact = compactor(prefixes)
    if isinstance(term, ox.NamedNode):
        short = compact(term.value)
        return short if short != term.value else str(term)
    if isinstance(term, ox.Literal) and not term.language:
        dt = compact(term.datatype.value)
        text = str(ox.Literal(term.value))
        if dt == "xsd:string":
            return text
        return f"{text}^^{dt}" if dt != term.datatype.value else f"{text}^^<{dt}>"
    return str(term)


def format_text(d: Diff, prefixes) -> str:
    """``+ s p o`` (added), ``- s p o`` (removed), ``~ s p old -> new`` (changed), one per line."""
    t = lambda x: _term(x, prefixes)  # noqa: E731
    lines = [f"~ {t(s)} {t(p)} {t(a)} -> {t(b)}" for s, p, a, b in d.changed]
    lines += [f"- {t(s)} {t(p)} {t(o)}" for s, p, o in d.removed]
    lines += [f"+ {t(s)} {t(p)} {t(o)}" for s, p, o in d.added]
    return "\n".join(lines) + ("\n" if lines else "")


def format_json(d: Diff) -> str:
    """Terms in N-Triples syntax: {"added": [[s, p, o]], "removed": [...], "changed": [[s, p, old, new]]}."""
    return json.dumps({"added": [[str(x) for x in r] for r in d.added],
                       "removed": [[str(x) for x in r] for r in d.removed],
                       "changed": [[str(x) for x in r] for r in d.changed]}, ensure_ascii=False, indent=1) + "\n"
