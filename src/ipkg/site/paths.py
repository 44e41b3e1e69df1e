"""Where the page of an IRI lives in the built site (the IRI scheme, mirrored as files).

* ``https://w3id.org/ipkg/id/<kind>/<slug>`` → ``id/<kind>/<slug>.html`` (+ ``.ttl``, ``.jsonld``);
* ``https://w3id.org/ipkg/ontology#Term`` → ``ontology/class/Term.html`` when ``Term`` starts with
  an upper-case letter (the ontology's class naming convention), else
  ``ontology/property/term.html``. The two folders keep ``ipkg:Indicator`` (a class) and
  ``ipkg:indicator`` (a property) apart on case-insensitive file systems (macOS, Windows).

The site root corresponds to ``https://w3id.org/ipkg/``; see :mod:`ipkg.site.conneg` for the
rewrite rules that serve these files at the IRIs themselves.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/ipkg/"
ID_NS = BASE + "id/"
ONTOLOGY_NS = BASE + "ontology#"

_ID_PATH = re.compile(r"^[a-z0-9-]+/[A-Za-z0-9][A-Za-z0-9_-]*$")
_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def page_stem(iri: str) -> str | None:
    """The site path of ``iri`` without extension (``id/org/spp``), or None when it gets no page."""
    iri = str(iri)
    if iri.startswith(ID_NS):
        rest = iri[len(ID_NS):]
        return "id/" + rest if _ID_PATH.match(rest) else None
    if iri.startswith(ONTOLOGY_NS):
        local = iri[len(ONTOLOGY_NS):]
        if not _TERM.match(local):
            return None
        return ("ontology/class/" if local[0].isupper() else "ontology/property/") + local
    return None


def page_path(iri: str) -> str | None:
    """``id/org/spp.html`` for ``iorg:spp`` (relative to the site root), or None."""
    stem = page_stem(iri)
    return stem + ".html" if stem else None


def relative(target: str, from_dir: str) -> str:
    """A relative URL from a page in folder ``from_dir`` ('' = site root) to ``target``
    (both relative to the site root, ``/``-separated, no ``.`` or ``..`` parts)."""
    if not from_dir:
        return target
    if target.startswith(from_dir + "/"):
        return target[len(from_dir) + 1:]
    return "../" * (from_dir.count("/") + 1) + target


def page_href(iri: str, from_dir: str) -> str | None:
    """The relative link to the page of ``iri`` from a page in ``from_dir`` (e.g. ``views``)."""
    path = page_path(iri)
    return relative(path, from_dir) if path else None
