"""Labels for the IRIs of a result: skos:prefLabel, else rdfs:label, in a language, else English."""

from __future__ import annotations

from collections.abc import Iterable

from ..labels import order, pick_all

LABEL_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label ?pref WHERE {
  VALUES ?s { %s }
  { ?s skos:prefLabel ?label BIND(true AS ?pref) }
  UNION { ?s rdfs:label ?label BIND(false AS ?pref) }
}"""


def _pick_labels(pairs: Iterable[tuple[str, str, str | None, bool]], lang: str) -> dict[str, str]:
    """From (iri, label, language, is_pref) choose with :mod:`ipkg.labels`' rule."""
    return pick_all(((iri, label, label_lang, 0 if is_pref else 1) for iri, label, label_lang, is_pref in pairs),
                    order(lang), subtags=True)
