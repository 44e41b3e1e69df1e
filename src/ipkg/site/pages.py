"""The data of one entity page: header, facts with provenance, derivation, what links here,
the neighbourhood drawing and validation notes."""

from __future__ import annotations

import math

from rdflib import RDF, Literal, URIRef

from .model import (
    AREA,
    DERIVED_CLASS,
    FOUNDING,
    HEADER_PROPS,
    INDICATOR,
    OBS_VALUE,
    PERIOD,
    SOURCE,
    UNIT,
    Entity,
    SiteModel,
    short,
)

#: at most this many neighbours are drawn (the rest are listed in the tables)
MAX_NEIGHBOURS = 16
#: at most this many subjects are listed per incoming property
MAX_INCOMING = 200


def _sort_values(values):
    return sorted(values, key=lambda v: (not isinstance(v, Literal), str(v)))


def facts(m: SiteModel, e: Entity) -> list[dict]:
    node = URIRef(e.iri)
    by_p: dict = {}
    for p, o in m.out.get(node, ()):
        if p in HEADER_PROPS:
            continue
        by_p.setdefault(p, []).append(o)
    block = m._block(node)
    base = m.provenance(node, [], e.dir, block=block)
    rows = []
    for p, values in by_p.items():
        values = _sort_values(values)
        if p == FOUNDING and m._establishments.get(node):
            # the dated relation has its own event with its own evidence
            ev = sorted(m._establishments[node], key=str)
            b: dict[str, list] = {"evidence": [], "locators": [], "sources": []}
            for x in ev:
                bx = m._block(x)
                for k in b:
                    b[k] += bx[k]
            b = {k: sorted(set(v), key=str) for k, v in b.items()}
            prov = m.provenance(node, values, e.dir, block=b)
            prov["via"] = [m.ref(x, e.dir) for x in ev]
        elif len(block["evidence"]) > 1:  # the phrases that mention this value first
            prov = m.provenance(node, values, e.dir, block=block)
        else:  # one phrase (or none): the same cell for every row
            prov = base
        rows.append({
            "p": m.ref(p, e.dir),
            "vals": [m.value(v, e.dir) for v in values],
            "prov": prov,
        })
    rows.sort(key=lambda r: (r["p"]["label"]["en"].casefold(), r["p"]["curie"]))
    return rows


def incoming(m: SiteModel, e: Entity) -> list[dict]:
    groups: dict = {}
    for p, s in m.incoming.get(e.iri, []):
        groups.setdefault(p, set()).add(s)
    out = []
    for p, subjects in groups.items():
        refs = sorted((m.ref(s, e.dir) for s in subjects), key=lambda r: (r["label"]["en"].casefold(), r["iri"]))
        out.append({"p": m.ref(p, e.dir), "subjects": refs[:MAX_INCOMING], "more": max(0, len(refs) - MAX_INCOMING)})
    out.sort(key=lambda g: (g["p"]["label"]["en"].casefold(), g["p"]["curie"]))
    return out


def instances(m: SiteModel, e: Entity) -> list[dict]:
    subjects = m.instances.get(e.iri, [])
    return sorted((m.ref(s, e.dir) for s in set(subjects)), key=lambda r: (r["label"]["en"].casefold(), r["iri"]))


def neighbourhood(m: SiteModel, e: Entity) -> dict:
    """A radial drawing: the entity in the centre, its linked pages around it (SVG coordinates)."""
    node = URIRef(e.iri)
    seen: dict[str, tuple[str, str]] = {}  # iri -> (direction, predicate curie)
    for p, o in sorted(m.out.get(node, ()), key=lambda po: (str(po[0]), str(po[1]))):
        if isinstance(o, URIRef) and p not in (RDF.type, SOURCE) and str(o) in m.entities and str(o) != e.iri:
            seen.setdefault(str(o), ("out", m.curie(p)))
    for p, s in sorted(m.incoming.get(e.iri, []), key=lambda ps: (str(ps[0]), str(ps[1]))):
        if str(s) != e.iri:
            seen.setdefault(str(s), ("in", m.curie(p)))
    items = list(seen.items())
    total = len(items)
    items = items[:MAX_NEIGHBOURS]
    width, height = 820, 400
    cx, cy, rx, ry = width / 2, height / 2, 215, 150
    nodes = []
    for i, (iri, (direction, pred)) in enumerate(items):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(items), 1)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        ref = m.ref(iri, e.dir)
        vertical = abs(x - cx) < 60
        nodes.append({
            **ref,
            "x": round(x, 1), "y": round(y, 1),
            "tx": round(x if vertical else x + (13 if x > cx else -13), 1),
            "ty": round(y + (-15 if y < cy else 24) if vertical else y + 4, 1),
            "short": {"en": short(ref["label"]["en"]), "zh": short(ref["label"]["zh"], 12)},
            "colour": m.colour(iri),
            "direction": direction, "predicate": pred,
            "anchor": "middle" if vertical else ("start" if x > cx else "end"),
        })
    return {
        "width": width, "height": height, "cx": cx, "cy": cy, "nodes": nodes,
        "centre": {"short": {"en": short(e.label["en"], 30), "zh": short(e.label["zh"], 16)},
                   "colour": m.colour(node)},
        "total": total,
    }


def entity_page(m: SiteModel, e: Entity, chart_ids: dict[str, list[str]]) -> dict:
    node = URIRef(e.iri)
    kind = m.kind_of(node)
    types = [m.ref(t, e.dir) for t in e.types]
    results = m.results_by_focus.get(e.iri, [])
    notes = [{"severity": r.severity, "en": r.message("en"), "zh": r.message("zh"),
              "rule": m.shape_curie(r.source_shape)} for r in results]
    page = {
        "e": e,
        "root": m_root(e),
        "label": e.label,
        "alt": m.alt_labels(e.iri),
        "kind": m.kind_label(kind),
        "types": types,
        "facts": facts(m, e),
        "provenance": m.provenance(node, [], e.dir),
        "incoming": incoming(m, e),
        "instances": instances(m, e) if e.is_term else [],
        "neighbourhood": neighbourhood(m, e),
        "notes": notes,
        "contradictions": m.contradictions.get(e.iri, []),
        "derivation": m.derivation(node, e.dir) if DERIVED_CLASS in m.objects(node, RDF.type) else None,
        "charts": chart_ids.get(e.iri, []),
        "value": " ".join(sorted(str(v) for v in m.objects(node, OBS_VALUE))),
        "dims": [m.ref(x, e.dir) for p in (UNIT, PERIOD, AREA) for x in sorted(m.objects(node, p), key=str)],
        "indicator": next((m.ref(i, e.dir) for i in sorted(m.objects(node, INDICATOR), key=str)), None),
        "name": e.stem.rsplit("/", 1)[-1],
    }
    return page


def m_root(e: Entity) -> str:
    """The relative path from the page's folder to the site root ('../../')."""
    return "../" * e.stem.count("/")
