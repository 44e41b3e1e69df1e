"""What each page shows, as plain data (dicts and lists of strings), read from the merged graph.

Provenance in the graph is recorded per subject block (docs/modeling.md): ``ipkg:evidence`` (a
quoted phrase of at most 15 words), ``ipkg:locator`` (the section) and ``dcterms:source`` (the
source document) sit on the entity or observation that the statements describe; a dated relation
also gets an ``ipkg:Establishment`` event with its own evidence; a derived figure has
``ipkg:derivationMethod`` and ``prov:wasDerivedFrom`` instead of evidence. :func:`provenance`
turns that into one provenance cell per fact: the evidence phrase(s) of the block that states
the fact (those that mention the value first), the locators and the source documents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS

from ..views.builders import Context
from .paths import ONTOLOGY_NS, page_stem, relative

IPKG = ONTOLOGY_NS
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
QB = "http://purl.org/linked-data/cube#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"

EVIDENCE = URIRef(IPKG + "evidence")
LOCATOR = URIRef(IPKG + "locator")
SOURCE = URIRef(DCT + "source")
OBS_VALUE = URIRef(SDMX_MEASURE + "obsValue")
UNIT = URIRef(SDMX_ATTR + "unitMeasure")
PERIOD = URIRef(SDMX_DIM + "refPeriod")
AREA = URIRef(SDMX_DIM + "refArea")
INDICATOR = URIRef(IPKG + "indicator")
QUALIFIER = URIRef(IPKG + "qualifier")
DERIVED_FROM = URIRef(PROV + "wasDerivedFrom")
METHOD = URIRef(IPKG + "derivationMethod")
RESULTING_ORG = URIRef(ORG + "resultingOrganization")
FOUNDING = URIRef(SCHEMA + "foundingDate")
DERIVED_CLASS = URIRef(IPKG + "DerivedObservation")
OBSERVATION = URIRef(QB + "Observation")
PUBLIC_LAW = URIRef(IPKG + "publicLaw")

#: shown in the page header or the provenance column, not as facts (rdf:type is both: the class
#: row carries the provenance of an entity the sources only name)
HEADER_PROPS = {SKOS.prefLabel, SKOS.altLabel, EVIDENCE, LOCATOR, SOURCE}
_PROPERTY_TYPES = {
    str(RDF.Property), str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.AnnotationProperty),
    str(OWL.SymmetricProperty), str(OWL.TransitiveProperty), str(OWL.FunctionalProperty),
    QB + "DimensionProperty", QB + "AttributeProperty", QB + "MeasureProperty",
}

#: figure qualifiers as a sign before the value on charts
QUALIFIER_SIGNS = {"more-than": ">", "about": "≈", "nearly": "≲", "no-less-than": "≥"}


@dataclass
class Entity:
    iri: str
    stem: str  # id/org/spp
    curie: str
    label: dict
    types: list[URIRef] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return self.stem.rsplit("/", 1)[0]

    @property
    def is_term(self) -> bool:
        return self.iri.startswith(ONTOLOGY_NS)


class SiteModel:
    """Lookups over the merged graph shared by every page (built once per build)."""

    def __init__(self, graph: Graph, report=None, ctx: Context | None = None):
        self.g = graph
        self.ctx = ctx if ctx is not None else Context(graph)
        self.report = report
        self._href: dict = {}
        self._curie: dict = {}
        self._colour: dict = {}
        #: subject → [(predicate, object)] and (subject, predicate) → [object]: the views'
        #: index of the graph (:class:`ipkg.views.builders.GraphIndex`; rdflib lookups per page
        #: were the cost)
        self.out: dict = self.ctx.index.out
        self._sp: dict = self.ctx.index.sp
        entities = {}
        for s in set(graph.subjects(RDF.type, None)):
            if isinstance(s, URIRef):
                stem = page_stem(s)
                if stem:
                    entities[str(s)] = Entity(str(s), stem, self.ctx.curie(s), self.ctx.labels(s),
                                              self.ctx.types(s))
        self.entities = dict(sorted(entities.items()))

    # ------------------------------------------------------------------ names and links
    def href(self, iri, from_dir: str) -> str | None:
        key = (str(iri), from_dir)
        if key not in self._href:
            e = self.entities.get(str(iri))
            self._href[key] = relative(e.stem + ".html", from_dir) if e else None
        return self._href[key]

    def curie(self, iri) -> str:
        key = str(iri)
        if key not in self._curie:
            self._curie[key] = self.ctx.curie(iri)
        return self._curie[key]

    def ref(self, iri, from_dir: str) -> dict:
        """An IRI as the pages show it: labels, CURIE and (when it has a page) a relative link."""
        iri = URIRef(iri)
        return {"label": self.ctx.labels(iri), "curie": self.curie(iri), "iri": str(iri),
                "href": self.href(iri, from_dir)}

    def colour(self, iri) -> str:
        key = str(iri)
        if key not in self._colour:
            self._colour[key] = self.ctx.group_style(self.ctx.group_of(URIRef(iri))).get("colour", "#757575")
        return self._colour[key]

    def class_label(self, iri) -> dict:
        cls = self.ctx.class_of(iri) if not str(iri).startswith(ONTOLOGY_NS) else None
        if cls is None:
            types = self.ctx.types(iri)
            cls = types[0] if types else None
        return self.ctx.labels(cls) if cls is not None else {"en": "", "zh": ""}

    def kind_of(self, iri) -> URIRef | None:
        """The class a page is filed under in the index (most specific type; for ontology
        terms owl:Class or rdf:Property)."""
        iri = URIRef(iri)
        if str(iri).startswith(ONTOLOGY_NS):
            types = {str(t) for t in self.ctx.types(iri)}
            return RDF.Property if types & _PROPERTY_TYPES else OWL.Class
        return self.ctx.class_of(iri) or next(iter(self.ctx.types(iri)), None)

    def kind_label(self, kind) -> dict:
        if kind == OWL.Class:
            return {"en": "ontology class", "zh": "本体类"}
        if kind == RDF.Property:
            return {"en": "ontology property", "zh": "本体属性"}
        return self.ctx.labels(kind) if kind is not None else {"en": "", "zh": ""}

    def objects(self, s, p) -> list:
        return self._sp.get((s if isinstance(s, URIRef) else URIRef(s), p), [])

    def alt_labels(self, iri) -> list[dict]:
        return sorted(({"text": str(o), "lang": o.language or ""} for o in self.objects(iri, SKOS.altLabel)
                       if isinstance(o, Literal)), key=lambda a: (a["lang"], a["text"]))

    # ------------------------------------------------------------------ values
    def value(self, o, from_dir: str) -> dict:
        if isinstance(o, Literal):
            dt = self.ctx.curie(o.datatype) if o.datatype else ""
            return {"text": str(o), "lang": o.language or "", "datatype": dt}
        if isinstance(o, URIRef):
            return self.ref(o, from_dir)
        return {"text": "(blank node)", "lang": "", "datatype": ""}

    # ------------------------------------------------------------------ provenance
    def _block(self, node) -> dict:
        node = URIRef(node)
        return {
            "evidence": sorted(str(x) for x in self.objects(node, EVIDENCE)),
            "locators": sorted(str(x) for x in self.objects(node, LOCATOR)),
            "sources": sorted(self.objects(node, SOURCE), key=str),
        }

    def provenance(self, node, values: list, from_dir: str, block: dict | None = None) -> dict:
        """The provenance cell of a fact of ``node`` with these values (see the module docstring)."""
        block = block or self._block(node)
        evidence = block["evidence"]
        if len(evidence) > 1:
            needles = []
            for v in values:
                if isinstance(v, Literal):
                    needles.append(str(v))
                elif isinstance(v, URIRef):
                    needles += [self.ctx.label(v, "en"), self.ctx.label(v, "zh")]
            hits = [e for e in evidence if any(n and n.casefold() in e.casefold() for n in needles)]
            evidence = hits + [e for e in evidence if e not in hits] if hits else evidence
        return {
            "evidence": evidence,
            "locators": block["locators"],
            "sources": [self.ref(s, from_dir) for s in block["sources"]],
            "public_law": bool(self.objects(node, PUBLIC_LAW)),
            "via": [],
            "derived": self.derivation(node, from_dir) if DERIVED_CLASS in self.objects(node, RDF.type) else None,
        }

    def derivation(self, node, from_dir: str) -> dict | None:
        node = URIRef(node)
        methods = sorted(str(m) for m in self.objects(node, METHOD))
        inputs = []
        for i in sorted(self.objects(node, DERIVED_FROM), key=str):
            item = self.ref(i, from_dir)
            item["value"] = " ".join(sorted(str(v) for v in self.objects(i, OBS_VALUE)))
            inputs.append(item)
        if not methods and not inputs:
            return None
        return {"formula": methods, "inputs": inputs}

    @cached_property
    def _establishments(self) -> dict:
        est = defaultdict(list)
        for e, org in self.g.subject_objects(RESULTING_ORG):
            est[org].append(e)
        return est

    # ------------------------------------------------------------------ links between pages
    @cached_property
    def incoming(self) -> dict[str, list[tuple[URIRef, URIRef]]]:
        inc: dict[str, list] = defaultdict(list)
        for s, p, o in self.g:
            if isinstance(o, URIRef) and isinstance(s, URIRef) and p != RDF.type and str(o) in self.entities:
                inc[str(o)].append((p, s))
        return inc

    @cached_property
    def instances(self) -> dict[str, list[URIRef]]:
        out: dict[str, list] = defaultdict(list)
        for s, o in self.g.subject_objects(RDF.type):
            if isinstance(s, URIRef) and str(s) in self.entities:
                out[str(o)].append(s)
        return out

    # ------------------------------------------------------------------ validation
    def shape_curie(self, iri) -> str:
        from ..report import compactor

        return compactor()(iri) or "" if iri else ""

    @cached_property
    def results_by_focus(self) -> dict[str, list]:
        out: dict[str, list] = defaultdict(list)
        if self.report is not None:
            for r in self.report.all_results:
                out[r.focus].append(r)
        return out

    @cached_property
    def contradictions(self) -> dict[str, list[dict]]:
        """Observation IRI → the arithmetic warnings (SPARQL rules) that concern it.

        The focus node of each result, and for a ``sameQuantityAs`` conflict also the figure it
        disagrees with, so that both bars of the pair are marked."""
        out: dict[str, list[dict]] = defaultdict(list)
        same = URIRef(IPKG + "sameQuantityAs")
        for focus, results in sorted(self.results_by_focus.items()):
            for r in results:
                if r.component != "SPARQLConstraintComponent":
                    continue
                note = {"en": r.message("en"), "zh": r.message("zh"), "rule": self.shape_curie(r.source_shape),
                        "focus": focus}
                out[focus].append(note)
                if r.source_shape and r.source_shape.endswith("SameQuantityShape"):
                    f = URIRef(focus)
                    mine = set(self.g.objects(f, OBS_VALUE))
                    for other in set(self.g.objects(f, same)) | set(self.g.subjects(same, f)):
                        if set(self.g.objects(other, OBS_VALUE)) != mine and note not in out[str(other)]:
                            out[str(other)].append(note)
        return dict(out)


def short(text: str, n: int = 22) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1] + "…"
