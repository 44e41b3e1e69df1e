"""Counts over the merged graph: entities per class, per source document, per procuratorial function.

:func:`compute` returns plain data (also the JSON output); :func:`render` formats it as an
aligned text table, CSV, JSON or Markdown.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from .labels import PROPERTIES, pick_all
from .load import DCTERMS, ONTOLOGY_NS, RDF_TYPE, Project
from .textable import markdown_table, text_table
from .vocab import compact

FORMATS = ("table", "csv", "json", "md")
QB_OBSERVATION = "http://purl.org/linked-data/cube#Observation"


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list]


def compute(project: Project) -> dict:
    """Totals and the three tables, computed from ``project.merged()``."""
    from rdflib import Literal, URIRef

    g = project.merged()
    # English only, prefLabel before rdfs:label; of two, the last in the graph's order
    label: dict[str, str] = pick_all(((str(s), str(o), o.language, rank)
                                      for rank, prop in enumerate(PROPERTIES)
                                      for s, o in g.subject_objects(URIRef(prop)) if isinstance(o, Literal)),
                                     ("en",), tie="last")

    types: dict[str, set[str]] = defaultdict(set)
    for s, o in g.subject_objects(URIRef(RDF_TYPE)):
        types[str(s)].add(str(o))
    per_class = Counter(c for cs in types.values() for c in cs)
    is_obs = {s for s, cs in types.items() if QB_OBSERVATION in cs or ONTOLOGY_NS + "DerivedObservation" in cs}

    def grouped(prop: str) -> list[list]:
        entities: dict[str, set] = defaultdict(set)
        for s, o in g.subject_objects(URIRef(prop)):
            entities[str(o)].add(str(s))
        rows = []
        for key, subjects in entities.items():
            obs = len(subjects & is_obs)
            rows.append([compact(key), label.get(key, ""), len(subjects) - obs, obs])
        return sorted(rows, key=lambda r: (-(r[2] + r[3]), r[0]))

    tables = [
        Table(
            "classes",
            "Entities per class",
            ["class", "label", "entities"],
            sorted(([compact(c), label.get(c, ""), n] for c, n in per_class.items()), key=lambda r: (-r[2], r[0])),
        ),
        Table(
            "sources",
            "Entities and figures per source document (dcterms:source)",
            ["source", "label", "entities", "observations"],
            grouped(DCTERMS + "source"),
        ),
        Table(
            "functions",
            "Entities and figures per procuratorial function (ipkg:function)",
            ["function", "label", "entities", "observations"],
            grouped(ONTOLOGY_NS + "function"),
        ),
    ]
    totals = {
        "triples": len(g),
        "subjects": len(set(g.subjects())),
        "typed_entities": len(types),
        "observations": len(is_obs),
        "files": len(project.files),
    }
    return {"totals": totals, "tables": tables}


def render(stats: dict, fmt: str = "table") -> str:
    totals, tables = stats["totals"], stats["tables"]
    if fmt == "json":
        doc = {"totals": totals}
        for t in tables:
            doc[t.name] = [dict(zip(t.columns, row)) for row in t.rows]
        return json.dumps(doc, ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["table", "key", "label", "entities", "observations"])
        for t in tables:
            for row in t.rows:
                w.writerow([t.name, *row, *([""] * (5 - 1 - len(row)))])
        return buf.getvalue().rstrip("\n")
    out: list[str] = []
    summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in totals.items())
    if fmt == "md":
        out.append(f"Totals: {summary}.")
        for t in tables:
            out += ["", f"### {t.title}", ""]
            out += markdown_table(t.columns, t.rows, right=("entities", "observations"))
        return "\n".join(out)
    if fmt != "table":
        raise ValueError(fmt)
    out.append(f"Totals: {summary}")
    for t in tables:
        out += ["", t.title, text_table(t.columns, t.rows, max_col=60, numbers_right=True).rstrip("\n")]
    return "\n".join(out)
