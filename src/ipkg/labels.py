"""The label of a node in a language, with a fallback order: the one label rule of ipkg.

A label is chosen by two keys, smallest first: the place of its language in the wanted order
(``("zh", "en", "")``: Chinese, else English, else an untagged label; a label in another
language is never taken), then the rank of the property it comes from (``skos:prefLabel`` before
``rdfs:label``: :data:`PROPERTIES`). Several labels with the same keys: the smallest text
(``tie="least"``, deterministic), or the first or last met (the order of the graph).

Users of the rule and their parameters: ``ipkg query`` label columns and the query page (the
documented rule: :func:`order` of the chosen language, language subtags matched, ``least``);
validation reports (the focus node's label in one language, exact tags); the views and the
site (:data:`VIEW_PROPERTIES`, the language, the other language, untagged); ``ipkg stats``
(English only).

>>> pick([("Shanghai", "en", 0), ("上海", "zh", 0), ("SH", "en", 1)], order("zh"))
'上海'
>>> pick([("Shanghai", "en-GB", 1)], order("zh"), subtags=True)
'Shanghai'
>>> pick([("Shanghai", "fr", 0)], order("zh")) is None
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"

#: The label properties, best first (docs/querying.md: skos:prefLabel, else rdfs:label).
PROPERTIES: tuple[str, ...] = (SKOS_PREFLABEL, RDFS_LABEL)
#: The views and the site also show a document's ``dcterms:title``.
VIEW_PROPERTIES: tuple[str, ...] = (SKOS_PREFLABEL, RDFS_LABEL, DCTERMS_TITLE)
#: The language a label falls back to, then an untagged label.
FALLBACK: tuple[str, ...] = ("en", "")


def order(lang: str, fallback: Sequence[str] = FALLBACK) -> tuple[str, ...]:
    """The languages tried for ``lang``: itself, then ``fallback`` (without repeats).

    >>> order("zh")
    ('zh', 'en', '')
    >>> order("en")
    ('en', '')
    """
    return tuple(dict.fromkeys((lang, *fallback)))


def _language_index(languages: Sequence[str], subtags: bool) -> dict[str, int]:
    return {lang.lower() if subtags else lang: i for i, lang in enumerate(languages)}


def _place(index: dict[str, int], language: str | None, subtags: bool) -> int | None:
    language = language or ""
    if subtags:
        language = language.lower().split("-")[0]
    return index.get(language)


def pick_all(rows: Iterable[tuple[Hashable, str, str | None, int]], languages: Sequence[str], *,
             subtags: bool = False, tie: str = "least") -> dict:
    """``{key: label}`` from ``(key, text, language, property rank)`` rows (see the module doc).

    ``subtags``: ``en-GB`` counts as ``en`` and tags compare case-insensitively.
    """
    if tie not in ("least", "first", "last"):
        raise ValueError(f"unknown tie rule {tie!r}; one of least, first, last")
    index = _language_index(languages, subtags)
    best: dict = {}
    for key, text, language, rank in rows:
        place = _place(index, language, subtags)
        if place is None:
            continue
        score = (place, rank)
        cur = best.get(key)
        if (cur is None or score < cur[0] or (score == cur[0] and (
                tie == "last" or (tie == "least" and text < cur[1])))):
            best[key] = (score, text)
    return {key: text for key, (_, text) in best.items()}


def pick(candidates: Iterable[tuple[str, str | None, int]], languages: Sequence[str], *,
         subtags: bool = False, tie: str = "least") -> str | None:
    """The label among ``(text, language, property rank)`` candidates, or ``None``."""
    return pick_all(((0, t, lang, r) for t, lang, r in candidates), languages, subtags=subtags, tie=tie).get(0)


def graph_label(graphs, node, languages: Sequence[str], properties: Sequence[str] = PROPERTIES, *,
                tie: str = "first") -> str | None:
    """The label of ``node`` in rdflib ``graphs`` (or anything with their ``objects(s, p)``, such
    as :class:`ipkg.views.builders.GraphIndex`; the first graph's labels before the next's, in
    each language); ``None`` when it has none in ``languages``."""
    from rdflib import Literal, URIRef

    if graphs is None:
        return None
    graphs = [graphs] if not isinstance(graphs, list | tuple) else graphs
    preds = [URIRef(p) for p in properties]
    candidates = [(str(o), o.language, gi * len(preds) + pi)
                  for gi, g in enumerate(graphs) for pi, p in enumerate(preds)
                  for o in g.objects(node, p) if isinstance(o, Literal)]
    return pick(candidates, languages, tie=tie)


__all__ = ["PROPERTIES", "VIEW_PROPERTIES", "FALLBACK", "order", "pick", "pick_all", "graph_label"]
