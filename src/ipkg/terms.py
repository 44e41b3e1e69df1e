"""RDF terms between the libraries ipkg uses: pyoxigraph, rdflib, SPARQL JSON results, SPARQL text.

The one home of term conversion: the loader, the validators (in memory, store, endpoint), the
query engines and the exports convert here.

>>> import pyoxigraph as ox
>>> to_rdflib(ox.Literal("x"))  # xsd:string literals become plain literals, as the loader makes them
rdflib.term.Literal('x')
>>> to_oxigraph(to_rdflib(ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")))) == ox.Literal(
...     "1", datatype=ox.NamedNode(XSD + "integer"))
True
>>> to_json(ox.Literal("法", language="zh"))
{'type': 'literal', 'value': '法', 'xml:lang': 'zh'}
>>> from_json({"type": "literal", "value": "法", "xml:lang": "zh"}) == ox.Literal("法", language="zh")
True
>>> sparql(to_rdflib(ox.NamedNode("https://w3id.org/ipkg/id/org/spp")))
'<https://w3id.org/ipkg/id/org/spp>'
"""

from __future__ import annotations

import re
from typing import Any, overload

from .errors import IpkgError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: a SPARQL JSON results term: {"type": "uri"|"bnode"|"literal"|"triple", "value": ..., ...}
Term = dict[str, str]


class ToRdflib:
    """pyoxigraph terms → rdflib terms, with a cache for IRIs (they repeat a lot).

    ``plain_strings``: an ``xsd:string`` literal becomes a plain rdflib literal (as the loader makes
    them, so terms from either side compare equal); off, it keeps its datatype (the exports'
    canonical blank-node labelling sees the typed literal). ``limit``: the IRI cache is emptied
    when it holds more (``None``: no limit; a store can hold more IRIs than memory wants cached).
    ``what``: the words the error for an RDF-star triple term ends with.
    """

    def __init__(self, *, plain_strings: bool = True, limit: int | None = None,
                 what: str = "(RDF-star triple terms are not supported)") -> None:
        from rdflib import BNode, Literal, URIRef

        self.URIRef, self.Literal, self.BNode = URIRef, Literal, BNode
        self.iris: dict[str, Any] = {}
        self.plain_strings, self.limit, self.what = plain_strings, limit, what

    def iri(self, value: str):
        node = self.iris.get(value)
        if node is None:
            if self.limit is not None and len(self.iris) > self.limit:
                self.iris.clear()
            node = self.iris[value] = self.URIRef(value)
        return node

    def term(self, t):
        import pyoxigraph

        if isinstance(t, pyoxigraph.NamedNode):
            return self.iri(t.value)
        if isinstance(t, pyoxigraph.Literal):
            if t.language:
                return self.Literal(t.value, lang=t.language)
            dt = t.datatype.value
            if dt == XSD + "boolean" and t.value not in ("true", "false", "1", "0"):
                import warnings

                with warnings.catch_warnings():  # rdflib warns about "weird" booleans; ipkg reports them
                    warnings.simplefilter("ignore")
                    return self.Literal(t.value, datatype=self.iri(dt))
            return self.Literal(t.value, datatype=None if dt == XSD_STRING and self.plain_strings else self.iri(dt))
        if isinstance(t, pyoxigraph.BlankNode):
            return self.BNode(t.value)
        raise IpkgError(f"unsupported RDF term {t!r} {self.what}")

    __call__ = term

    def triple(self, q):
        return (self.term(q.subject), self.term(q.predicate), self.term(q.object))


_DEFAULT: ToRdflib | None = None


def to_rdflib(term):
    """One pyoxigraph term as an rdflib term (:class:`ToRdflib`'s defaults)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ToRdflib()
    return _DEFAULT.term(term)


def to_oxigraph(term, bnode_prefix: str = ""):
    """One rdflib term as a pyoxigraph term; blank-node labels get ``bnode_prefix`` in front."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(f"{bnode_prefix}{term}")
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(term)


def to_json(term) -> Term | None:
    """A pyoxigraph term as a SPARQL JSON results term (``None`` for an unbound variable)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def json_from_rdflib(term) -> Term | None:
    """An rdflib term as a SPARQL JSON results term (``None`` for an unbound variable)."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and str(term.datatype) != XSD_STRING:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


def from_json(term: Term | None):
    """A SPARQL JSON results term as a pyoxigraph term (``None`` stays ``None``)."""
    import pyoxigraph as ox

    if term is None:
        return None
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        # a label of this answer only; pyoxigraph accepts [A-Za-z0-9_-] ids (Virtuoso: "b10006",
        # or "nodeID://b10006" as a URI, which stays a NamedNode)
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", value) or "b")
    lang = term.get("xml:lang")
    if lang:
        return ox.Literal(value, language=lang)
    dt = term.get("datatype")
    if dt and dt not in (XSD_STRING, RDF_LANGSTRING):
        return ox.Literal(value, datatype=ox.NamedNode(dt))
    return ox.Literal(value)


@overload
def to_text(term: None) -> None: ...


@overload
def to_text(term: object) -> str: ...


def to_text(term):
    """A term as a validation report shows it: an IRI or a literal's lexical form as it is, a blank
    node as ``_:id`` (an rdflib or a pyoxigraph term; ``None`` stays ``None``). :func:`from_text`
    reads it back.

    >>> import pyoxigraph as ox
    >>> to_text(ox.BlankNode("b1")), to_text(to_rdflib(ox.BlankNode("b1"))), to_text(ox.Literal("1"))
    ('_:b1', '_:b1', '1')
    """
    if term is None:
        return None
    from rdflib import BNode
    from rdflib.term import Identifier

    if isinstance(term, Identifier):  # an rdflib term is its own text
        return f"_:{term}" if isinstance(term, BNode) else str(term)
    import pyoxigraph as ox

    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def from_text(value: str):
    """The rdflib term :func:`to_text` wrote: ``_:id`` a blank node, an absolute IRI (a scheme, no
    space) an IRI, anything else a plain literal."""
    from rdflib import BNode, Literal, URIRef

    if value.startswith("_:"):
        return BNode(value[2:])
    if re.match(r"^[a-z][a-z0-9+.-]*:\S*$", value) and " " not in value:
        return URIRef(value)
    return Literal(value)


def sparql(term) -> str:
    """A term as SPARQL/N-Triples text: rdflib's ``n3()``; a pyoxigraph term's own ``str``."""
    n3 = getattr(term, "n3", None)
    return n3() if n3 is not None else str(term)


__all__ = ["ToRdflib", "to_rdflib", "to_oxigraph", "to_json", "json_from_rdflib", "from_json", "to_text", "from_text",
           "sparql", "Term"]
