"""Chart specifications for the figures: one per indicator (and unit), one per breakdown.

A specification is plain JSON that ``static/charts.js`` draws with Observable Plot in the
browser. Bars link to their observation pages (``page`` is relative to the site root; the page
that draws the chart prefixes its own way back to the root).

* **Indicator** charts: every figure of one indicator (the same thing counted) in one unit,
  grouped by reference period (year over year, oldest first) and, within a period, by area, so
  national and Shanghai figures stand side by side only when they count the same thing.
* **Breakdown** charts: the parts of a figure (``ipkg:partOf``) or the subsets of a figure
  (``ipkg:subsetOf``), with the stated whole drawn as a dashed rule.
* Figures named by an arithmetic warning of ``ipkg validate`` (sum of parts, subset larger than
  its whole, one quantity stated twice with different values, shares, growth rates) are marked:
  a red outline, a warning sign over the bar and the warning's text under the chart.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Literal, URIRef

from .model import AREA, INDICATOR, IPKG, OBS_VALUE, PERIOD, QUALIFIER, QUALIFIER_SIGNS, UNIT, SiteModel, short

RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
REPORTING_BODY = URIRef(IPKG + "reportingBody")
PART_OF = URIRef(IPKG + "partOf")
SUBSET_OF = URIRef(IPKG + "subsetOf")


def _number(v) -> float | None:
    if isinstance(v, Literal):
        try:
            return float(v.toPython())
        except (TypeError, ValueError):
            return None
    return None


def _value_text(m: SiteModel, obs, value) -> str:
    sign = "".join(QUALIFIER_SIGNS.get(str(q).rsplit("/", 1)[-1], "")
                   for q in sorted(m.objects(obs, QUALIFIER), key=str))
    return sign + str(value)


def _bar(m: SiteModel, obs: URIRef, value: Literal) -> dict:
    e = m.entities.get(str(obs))
    notes = m.contradictions.get(str(obs), [])
    return {
        "key": m.ctx.curie(obs),
        "iri": str(obs),
        "value": _number(value),
        "text": _value_text(m, obs, value),
        "page": (e.stem + ".html") if e else None,
        "label": m.ctx.labels(obs),
        "flag": bool(notes),
        "derived": URIRef(IPKG + "DerivedObservation") in m.objects(obs, RDF_TYPE),
    }


def _first(m: SiteModel, node, prop):
    vals = sorted(m.objects(node, prop), key=str)
    return vals[0] if vals else None


def _labels_or_dash(m: SiteModel, node) -> dict:
    return m.ctx.labels(node) if node is not None else {"en": "—", "zh": "—"}


#: dimensions that tell two figures of one indicator apart (besides the period)
DIMENSIONS = (AREA, URIRef(IPKG + "crimeType"), URIRef(IPKG + "function"), REPORTING_BODY,
              URIRef(IPKG + "concerns"))


def _period_label(m: SiteModel, period) -> dict:
    if period is None:
        return {"en": "—", "zh": "—"}
    local = str(period).rsplit("/", 1)[-1]
    return {"en": local, "zh": local} if len(local) <= 9 else m.ctx.labels(period)


def indicator_charts(m: SiteModel) -> list[dict]:
    by_ind: dict = defaultdict(list)
    for obs, ind in m.g.subject_objects(INDICATOR):
        if str(obs) in m.entities:
            by_ind[ind].append(obs)
    charts = []
    for ind in sorted(by_ind, key=str):
        by_unit: dict = defaultdict(list)
        for obs in by_ind[ind]:
            for v in m.objects(obs, OBS_VALUE):
                if _number(v) is not None:
                    by_unit[_first(m, obs, UNIT)].append((obs, v))
        for unit in sorted(by_unit, key=lambda u: str(u or "")):
            items = by_unit[unit]
            dims = {obs: tuple(_first(m, obs, d) for d in DIMENSIONS) for obs, _ in items}
            # the dimensions that tell the figures apart, each only if it adds a distinction to
            # those before it (a reporting body that follows from the area is left out)
            varying: list[int] = []
            for i in range(len(DIMENSIONS)):
                before = {tuple(d[j] for j in varying) for d in dims.values()}
                if len({tuple(d[j] for j in varying) + (d[i],) for d in dims.values()}) > len(before):
                    varying.append(i)
            rows = []
            for obs, v in items:
                period = _first(m, obs, PERIOD)
                key = tuple(str(dims[obs][i] or "") for i in varying)
                rows.append((str(period or "~"), key, str(obs), obs, v, period))
            rows.sort()
            bars = []
            counts: dict = defaultdict(int)
            for _, key, _, obs, v, period in rows:
                bar = _bar(m, obs, v)
                counts[(str(period), key)] += 1
                n = counts[(str(period), key)]
                suffix = f" ({n})" if n > 1 else ""
                parts = [m.ctx.labels(dims[obs][i]) if dims[obs][i] is not None else {"en": "—", "zh": "—"}
                         for i in varying]
                area = dims[obs][0]
                bar.update({
                    "fx": _period_label(m, period),
                    "x": {"en": " · ".join(short(p["en"], 24) for p in parts) + suffix,
                          "zh": " · ".join(short(p["zh"], 12) for p in parts) + suffix},
                    "series": m.ctx.labels(area) if area is not None else {"en": "—", "zh": "—"},
                })
                bars.append(bar)
            ind_e = m.entities.get(str(ind))
            unit_label = m.ctx.labels(unit) if unit is not None else {"en": "", "zh": ""}
            chart_id = "ind-" + str(ind).rsplit("/", 1)[-1] + (
                ("-" + str(unit).rsplit("/", 1)[-1]) if len(by_unit) > 1 and unit is not None else "")
            charts.append({
                "id": chart_id,
                "kind": "indicator",
                "about": str(ind),
                "title": m.ctx.labels(ind),
                "about_page": (ind_e.stem + ".html") if ind_e else None,
                "unit": unit_label,
                "bars": bars,
                "total": None,
                "sum": None,
                "periods": len({b["fx"]["en"] for b in bars}),
                "areas": len({b["series"]["en"] for b in bars}),
                "notes": _notes(m, [b.pop("iri") for b in bars]),
            })
    return charts


def _notes(m: SiteModel, nodes) -> list[dict]:
    seen, out = set(), []
    for n in nodes:
        for note in m.contradictions.get(str(n), []):
            key = (note["focus"], note["en"])
            if key not in seen:
                seen.add(key)
                out.append(note)
    return out


def breakdown_charts(m: SiteModel) -> list[dict]:
    charts = []
    for prop, kind in ((PART_OF, "parts"), (SUBSET_OF, "subsets")):
        groups: dict = defaultdict(list)
        for part, whole in m.g.subject_objects(prop):
            groups[whole].append(part)
        for whole in sorted(groups, key=str):
            bars = []
            for part in sorted(set(groups[whole]), key=lambda p: (m.ctx.label(p, "en").casefold(), str(p))):
                v = _first(m, part, OBS_VALUE)
                if v is None or _number(v) is None:
                    continue
                bar = _bar(m, part, v)
                ind = _first(m, part, INDICATOR)
                lab = m.ctx.labels(ind) if ind is not None else bar["label"]
                bar.update({"fx": {"en": "", "zh": ""},
                            "x": {"en": short(lab["en"], 26), "zh": short(lab["zh"], 14)},
                            "series": {"en": "", "zh": ""}})
                bars.append(bar)
            if not bars:
                continue
            wv = _first(m, whole, OBS_VALUE)
            total = None
            if wv is not None and _number(wv) is not None:
                total = _bar(m, whole, wv)
            w_e = m.entities.get(str(whole))
            unit = _first(m, whole, UNIT) or _first(m, URIRef(bars[0]["iri"]), UNIT)
            charts.append({
                "id": f"{kind}-" + str(whole).rsplit("/", 1)[-1],
                "kind": kind,
                "about": str(whole),
                "title": m.ctx.labels(whole),
                "about_page": (w_e.stem + ".html") if w_e else None,
                "unit": m.ctx.labels(unit) if unit is not None else {"en": "", "zh": ""},
                "bars": bars,
                "total": total,
                "sum": sum(b["value"] for b in bars),
                "periods": 1,
                "areas": 1,
                "notes": _notes(m, [whole] + [b.pop("iri") for b in bars]),
            })
    return charts


def chart_index(charts: list[dict]) -> dict[str, list[str]]:
    """Entity IRI → ids of the charts that show it (the indicator, the whole, each figure)."""
    out: dict[str, list[str]] = defaultdict(list)
    for c in charts:
        out[c["about"]].append(c["id"])
    return out
