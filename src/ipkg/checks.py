"""Hygiene checks: the SPARQL queries in ``queries/checks/<name>-violation.rq``, run on pyoxigraph.

Each query returns zero rows when the graph is clean. Its header comments give the severity
(``# severity: Violation|Warning``) and the message templates (``# message-en:`` and
``# message-zh:``, with ``{variable}`` filled from the row; IRIs are shown as prefixed names).
Queries see the data in the default graph and the ontology in ``GRAPH <urn:ipkg:ontology>``.

Severities (documented in the query headers): undeclared classes/properties and entities
without ``dcterms:source`` are Violations — they break the contract of docs/modeling.md;
missing ontology labels/definitions and orphan nodes are Warnings — untidy, not wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .report import Result, compactor
from .terms import to_oxigraph
from .terms import to_text as _value
from .vocab import Compactor

ONTOLOGY_GRAPH = "urn:ipkg:ontology"
_HEADER_RE = re.compile(r"^#\s*(severity|message-en|message-zh):\s*(.*?)\s*$", re.MULTILINE)


@dataclass
class Check:
    name: str
    path: Path
    query: str
    severity: str = "Warning"
    message_en: str = "{focus}"
    message_zh: str = "{focus}"


def load_checks(folder: Path | None = None) -> list[Check]:
    """The checks in ``queries/checks/*-violation.rq``, sorted by name."""
    from .paths import folder as data_folder
    from .safety import refuse_service

    folder = Path(folder) if folder is not None else data_folder("queries") / "checks"
    checks = []
    for path in sorted(folder.glob("*-violation.rq")):
        text = path.read_text(encoding="utf-8")
        refuse_service(text, str(path))  # the checks run in-process, where SERVICE would connect
        meta = {k: v for k, v in _HEADER_RE.findall(text)}
        checks.append(
            Check(
                name=path.name[: -len("-violation.rq")],
                path=path,
                query=text,
                severity=meta.get("severity", "Warning"),
                message_en=meta.get("message-en", "{focus}"),
                message_zh=meta.get("message-zh", meta.get("message-en", "{focus}")),
            )
        )
    return checks


def make_store(data, ontology):
    """A pyoxigraph in-memory store: ``data`` (rdflib Graph) in the default graph, ``ontology``
    in ``GRAPH <urn:ipkg:ontology>``."""
    import pyoxigraph as ox

    store = ox.Store()
    conv = to_oxigraph
    default = ox.DefaultGraph()
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    quads = [ox.Quad(conv(s), conv(p), conv(o), default) for s, p, o in data]
    quads += [ox.Quad(conv(s), conv(p), conv(o), onto) for s, p, o in ontology]
    store.extend(quads)
    return store


def run_checks(data, ontology, *, checks: list[Check] | None = None, compact: Compactor | None = None,
               origins=None, store=None) -> tuple[list[Result], list[str]]:
    """Run every check; ``(results, names of the checks run)``. Rows become :class:`Result`."""
    checks = load_checks() if checks is None else checks
    if compact is None:
        from .report import default_prefixes

        prefixes = default_prefixes()
        known = set(prefixes.values())
        for p, ns in (data.namespaces() if data is not None else ()):
            if p and p not in prefixes and str(ns) not in known:
                prefixes[p] = str(ns)
        compact = compactor(prefixes)
    store = store if store is not None else make_store(data, ontology)
    results: list[Result] = []
    for check in checks:
        solutions = store.query(check.query)
        variables = [v.value for v in solutions.variables]
        for row in solutions:
            values = {}
            for name in variables:
                term = row[name]
                values[name] = None if term is None else _value(term)
            shown = {k: ((compact(v) or v) if v and re.match(r"^[a-z][a-z0-9+.-]*://", v) else (v or ""))
                     for k, v in values.items()}
            focus = values.get("focus") or ""
            r = Result(
                severity=check.severity,
                focus=focus,
                message_en=_fill(check.message_en, shown),
                message_zh=_fill(check.message_zh, shown),
                value=values.get("term") or values.get("value"),
                kind="check",
                check=check.name,
                source_shape=f"https://w3id.org/ipkg/checks#{check.name}",
            )
            if data is not None and focus and not focus.startswith("_:"):
                from rdflib import URIRef

                from .report import _label

                r.focus_label = _label(data, URIRef(focus), "en")
                r.focus_label_zh = _label(data, URIRef(focus), "zh")
                if r.focus_label is None and ontology is not None:
                    r.focus_label = _label(ontology, URIRef(focus), "en")
                    r.focus_label_zh = _label(ontology, URIRef(focus), "zh")
            if origins is not None and focus:
                hit = origins.lookup(focus)
                if hit:
                    r.file, r.line = hit
            results.append(r)
    return results, [c.name for c in checks]


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)
