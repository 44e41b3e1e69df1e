"""One ``sh:ValidationResult``, written as triples: the one result writer of ipkg.

The validators that produce results without pyshacl write them here: the compiled core
constraints (:mod:`ipkg.shacl_sparql`), the SHACL-SPARQL runner (:mod:`ipkg.sparql_constraints`,
in memory, store and endpoint validation) and the hygiene checks added to the report graph
(:attr:`ipkg.report.ValidationReport.graph`).

>>> from rdflib import BNode, Literal, URIRef
>>> node = BNode("r1")
>>> for t in result_triples(node, focus=URIRef("https://w3id.org/ipkg/id/org/spp"), severity="Warning",
...                         shape=URIRef("https://w3id.org/ipkg/shapes#S"), component="MinCountConstraintComponent",
...                         messages=[Literal("missing", lang="en")]):
...     print(t[1].n3(), t[2].n3())
<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/shacl#ValidationResult>
<http://www.w3.org/ns/shacl#focusNode> <https://w3id.org/ipkg/id/org/spp>
<http://www.w3.org/ns/shacl#resultSeverity> <http://www.w3.org/ns/shacl#Warning>
<http://www.w3.org/ns/shacl#sourceShape> <https://w3id.org/ipkg/shapes#S>
<http://www.w3.org/ns/shacl#sourceConstraintComponent> <http://www.w3.org/ns/shacl#MinCountConstraintComponent>
<http://www.w3.org/ns/shacl#resultMessage> "missing"@en
"""

from __future__ import annotations

from collections.abc import Iterable

SH = "http://www.w3.org/ns/shacl#"


def _sh(term):
    """A term as it is; a plain string is a local name in the ``sh:`` namespace."""
    from rdflib import URIRef

    return URIRef(SH + term) if type(term) is str else term


def result_triples(node, *, focus, severity, shape, component, constraint=None, path=None, value=None,
                   messages: Iterable = ()) -> list[tuple]:
    """The triples of one ``sh:ValidationResult`` ``node`` (rdflib terms).

    ``severity`` and ``component``: an IRI, or the local name in ``sh:`` (``"Violation"``,
    ``"MinCountConstraintComponent"``). ``constraint`` (``sh:sourceConstraint``), ``path``
    (``sh:resultPath``; the triples of a blank-node path are the caller's) and ``value``
    (``sh:value``) are left out when ``None``; ``messages``: ``sh:resultMessage`` literals.
    """
    from rdflib.namespace import RDF

    out = [(node, RDF.type, _sh("ValidationResult")),
           (node, _sh("focusNode"), focus),
           (node, _sh("resultSeverity"), _sh(severity)),
           (node, _sh("sourceShape"), shape),
           (node, _sh("sourceConstraintComponent"), _sh(component))]
    if constraint is not None:
        out.append((node, _sh("sourceConstraint"), constraint))
    if path is not None:
        out.append((node, _sh("resultPath"), path))
    if value is not None:
        out.append((node, _sh("value"), value))
    out += [(node, _sh("resultMessage"), m) for m in messages]
    return out


def copy_result(src, node, out, seen=None) -> None:
    """Copy a result and the blank nodes hanging off it (paths, nested details, blank-node shapes)
    from the graph ``src`` into ``out`` (anything with ``add``)."""
    from rdflib import BNode

    seen = seen if seen is not None else set()
    if node in seen:
        return
    seen.add(node)
    for p, o in src.predicate_objects(node):
        out.add((node, p, o))
        if isinstance(o, BNode):
            copy_result(src, o, out, seen)


__all__ = ["result_triples", "copy_result"]
