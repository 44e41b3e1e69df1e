"""Labels for the IRIs of a result: skos:prefLabel, else rdfs:label, in a language, else English."""

from __future__ import annotations

from collections.abc import Iterable

LABEL_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label ?pref WHERE {
  VALUES ?s { %s }
  { ?s skos:prefLabel ?label BIND(true AS ?pref) }
  UNION { ?s rdfs:label ?label BIND(false AS ?pref) }
}"""


def _pick_labels(pairs: Iterable[tuple[str, str, str | None, bool]], lang: str) -> dict[str, str]:
    """From (iri, label, language, is_pref) choose: prefLabel@lang, rdfs:label@lang, then English."""
    scores: dict[str, tuple[int, str]] = {}
    for iri, label, label_lang, is_pref in pairs:
        label_lang = (label_lang or "").lower()
        if label_lang.split("-")[0] == lang:
            score = 0 if is_pref else 1
        elif label_lang.split("-")[0] == "en":
            score = 2 if is_pref else 3
        elif not label_lang:
            score = 4
        else:
            continue
        if iri not in scores or (score, label) < scores[iri]:
            scores[iri] = (score, label)
    return {iri: label for iri, (_, label) in scores.items()}
