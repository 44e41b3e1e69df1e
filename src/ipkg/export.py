"""Write the merged graph in every format ``dist/`` ships, byte for byte reproducibly.

* ``ipkg.ttl`` — Turtle, subjects sorted, ``rdf:type`` first, only the prefixes it uses;
* ``ipkg.nt`` — N-Triples, one triple a line, lines sorted;
* ``ipkg.jsonld`` + ``context.jsonld`` — compacted JSON-LD whose ``@context`` is the
  relative reference ``"context.jsonld"`` (the project prefixes);
* ``ipkg.trig`` — one named graph per source document (``graph/sources/NNN-*.ttl``) and one
  per other file (``https://w3id.org/ipkg/graph/<stem>``), see :meth:`ipkg.load.Project.graph_name`;
* ``void.ttl`` — VoID + DCAT description with counts computed from the exported triples and
  the byte sizes of the distribution files.

Serialization works on the pyoxigraph quads kept by :func:`ipkg.load.load_project` (fast);
nothing depends on set or dict order, and blank nodes (none in the curated graph) get labels
from rdflib's canonicalization, so two exports of the same input are byte-identical.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from . import __version__
from .atomic import write_bytes
from .load import GRAPH_NS, RDF_TYPE, XSD_STRING, Project

DATASET = "https://w3id.org/ipkg/dataset"
DATASET_NS = DATASET + "#"
#: Where the dumps are published (the w3id namespace every ipkg IRI uses).
DIST_BASE = "https://w3id.org/ipkg/dist/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
MEDIA = "https://www.iana.org/assignments/media-types/"

#: file name → (media type, title) of every distribution described in void.ttl
DISTRIBUTIONS = {
    "ipkg.ttl": ("text/turtle", "Turtle"),
    "ipkg.nt": ("application/n-triples", "N-Triples"),
    "ipkg.jsonld": ("application/ld+json", "JSON-LD"),
    "ipkg.trig": ("application/trig", "TriG (one named graph per source document)"),
}

VOID_PREFIXES = {
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "ipkgds": DATASET_NS,
}

_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")



# --------------------------------------------------------------------------- triples


def _sort_key(t):
    return (str(t.subject), 0 if t.predicate.value == RDF_TYPE else 1, str(t.predicate), str(t.object))


def _canonical_bnodes(triples: set, tag: str) -> set:
    """Relabel blank nodes deterministically (rdflib canonicalization), labels prefixed by ``tag``."""
    import pyoxigraph
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.compare import to_canonical_graph

    def to_rdflib(t):
        if isinstance(t, pyoxigraph.NamedNode):
            return URIRef(t.value)
        if isinstance(t, pyoxigraph.BlankNode):
            return BNode(t.value)
        return Literal(t.value, lang=t.language, datatype=None if t.language else URIRef(t.datatype.value))

    def to_oxi(t):
        if isinstance(t, URIRef):
            return pyoxigraph.NamedNode(str(t))
        if isinstance(t, BNode):
            return pyoxigraph.BlankNode(f"{tag}{t}")
        if t.language:
            return pyoxigraph.Literal(str(t), language=t.language)
        return pyoxigraph.Literal(str(t), datatype=pyoxigraph.NamedNode(str(t.datatype or XSD_STRING)))

    g = Graph()
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return {pyoxigraph.Triple(to_oxi(s), to_oxi(p), to_oxi(o)) for s, p, o in to_canonical_graph(g)}


def named_graph_triples(project: Project) -> dict[str, list]:
    """Graph IRI → sorted pyoxigraph triples, for the ontology and data files of ``project``."""
    import pyoxigraph

    by_name: dict[str, set] = defaultdict(set)
    for path, name in project._graph_names().items():
        by_name[name].update(q.triple for q in project.quads[path])
    out = {}
    for i, (name, triples) in enumerate(sorted(by_name.items())):
        if any(
            isinstance(t.subject, pyoxigraph.BlankNode) or isinstance(t.object, pyoxigraph.BlankNode)
            for t in triples
        ):
            triples = _canonical_bnodes(triples, f"g{i}x")
        out[name] = sorted(triples, key=_sort_key)
    return out


def _used_prefixes(triples, prefixes: dict[str, str]) -> dict[str, str]:
    import pyoxigraph

    by_ns = {ns: p for p, ns in prefixes.items()}
    used: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, pyoxigraph.Literal):
                term = term.datatype if not term.language else None
            if isinstance(term, pyoxigraph.NamedNode):
                iri = term.value
                cut = max(iri.rfind("#"), iri.rfind("/")) + 1
                p = by_ns.get(iri[:cut])
                if p:
                    used.add(p)
    return {p: prefixes[p] for p in sorted(used)}


# --------------------------------------------------------------------------- formats


def _sorted_prefix_lines(data: bytes) -> bytes:
    """pyoxigraph writes the @prefix lines in hash order: sort them (they come first)."""
    lines = data.split(b"\n")
    n = 0
    while n < len(lines) and lines[n].startswith(b"@prefix "):
        n += 1
    return b"\n".join(sorted(lines[:n]) + lines[n:])


def serialize_turtle(triples: list, prefixes: dict[str, str], used: dict[str, str] | None = None) -> bytes:
    """Turtle; ``used`` (the prefixes the triples use) is computed when not given."""
    import pyoxigraph

    used = _used_prefixes(triples, prefixes) if used is None else used
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=used)
    return _sorted_prefix_lines(data)


def serialize_ntriples(triples) -> bytes:
    import pyoxigraph

    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    lines = sorted(set(data.splitlines()))
    return b"\n".join(lines) + b"\n" if lines else b""


def serialize_trig(graphs: dict[str, list], prefixes: dict[str, str], used: dict[str, str] | None = None) -> bytes:
    import pyoxigraph

    quads = [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(name))
        for name, triples in graphs.items()
        for t in triples
    ]
    used = _used_prefixes([q.triple for q in quads], prefixes) if used is None else used
    return _sorted_prefix_lines(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.TRIG, prefixes=used))


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        self.by_ns = {ns: p for p, ns in prefixes.items()}

    def __call__(self, iri: str) -> str:
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        p = self.by_ns.get(iri[:cut])
        local = iri[cut:]
        if p and _SAFE_LOCAL.match(local) and not local.endswith("."):
            return f"{p}:{local}"
        return iri


def jsonld_context(prefixes: dict[str, str]) -> dict:
    return {"@context": dict(sorted(prefixes.items()))}


def serialize_jsonld(triples: list, prefixes: dict[str, str], context_ref: str = "context.jsonld") -> bytes:
    """Compacted JSON-LD: one node object per subject, CURIEs from ``prefixes``, sorted."""
    import pyoxigraph

    c = _Compactor(prefixes)

    def node_ref(term):
        return c(term.value) if isinstance(term, pyoxigraph.NamedNode) else f"_:{term.value}"

    def value(term):
        if isinstance(term, pyoxigraph.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if term.datatype.value == XSD_STRING:
                return term.value
            return {"@value": term.value, "@type": c(term.datatype.value)}
        return {"@id": node_ref(term)}

    nodes: dict[str, dict] = {}
    for t in triples:
        sid = node_ref(t.subject)
        node = nodes.setdefault(sid, {"@id": sid})
        if t.predicate.value == RDF_TYPE and not isinstance(t.object, pyoxigraph.Literal):
            node.setdefault("@type", []).append(node_ref(t.object))
        else:
            node.setdefault(c(t.predicate.value), []).append(value(t.object))
    graph = []
    for sid in sorted(nodes):
        node = nodes[sid]
        for key, vals in node.items():
            if isinstance(vals, list):
                vals.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        graph.append(node)
    # one node per line: readable, diff-friendly, and json's fast C encoder (no indent)
    head = json.dumps({"@context": context_ref}, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(node, ensure_ascii=False, sort_keys=True) for node in graph)
    return f'{head}, "@graph": [\n{body}\n]}}\n'.encode("utf-8")


# --------------------------------------------------------------------------- VoID + DCAT


def _slug(compact: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", compact).strip("-")


def void_triples(graphs: dict[str, list], merged: list, sizes: dict[str, int], prefixes: dict[str, str]) -> list:
    """The VoID/DCAT description of ``merged`` (and its named ``graphs``) as pyoxigraph triples."""
    import pyoxigraph
    from pyoxigraph import Literal, NamedNode, Triple

    V = VOID_PREFIXES["void"]
    DCAT = VOID_PREFIXES["dcat"]
    DCT = VOID_PREFIXES["dcterms"]
    SD = VOID_PREFIXES["sd"]
    XSD = VOID_PREFIXES["xsd"]
    c = _Compactor(prefixes)
    out: list = []

    def add(s, p, o):
        out.append(Triple(s if not isinstance(s, str) else NamedNode(s), NamedNode(p), o))

    def integer(n: int, dt: str = "integer"):
        return Literal(str(n), datatype=NamedNode(XSD + dt))

    def stats(node: str, triples: list) -> None:
        subjects = {t.subject for t in triples}
        typed = {t.subject for t in triples if t.predicate.value == RDF_TYPE}
        add(node, V + "triples", integer(len(triples)))
        add(node, V + "distinctSubjects", integer(len(subjects)))
        add(node, V + "distinctObjects", integer(len({t.object for t in triples})))
        add(node, V + "properties", integer(len({t.predicate for t in triples})))
        add(node, V + "entities", integer(len(typed)))
        add(node, V + "classes", integer(len({t.object for t in triples if t.predicate.value == RDF_TYPE})))

    ds = DATASET
    add(ds, RDF_TYPE, NamedNode(V + "Dataset"))
    add(ds, RDF_TYPE, NamedNode(DCAT + "Dataset"))
    add(ds, DCT + "title", Literal("ipkg: a knowledge graph of China's intellectual-property enforcement", language="en"))
    add(
        ds,
        DCT + "description",
        Literal(
            "Ontology and curated facts and figures on IP enforcement in China (procuratorates, courts, "
            "crime types, cases, measures and published statistics), each statement traceable to a source document.",
            language="en",
        ),
    )
    add(ds, DCT + "license", NamedNode(LICENSE))
    add(ds, VOID_PREFIXES["owl"] + "versionInfo", Literal(__version__))
    add(ds, V + "uriSpace", Literal("https://w3id.org/ipkg/id/"))
    add(ds, V + "vocabulary", NamedNode("https://w3id.org/ipkg/ontology"))
    add(ds, V + "feature", NamedNode("http://www.w3.org/ns/formats/Turtle"))
    add(ds, V + "feature", NamedNode("http://www.w3.org/ns/formats/N-Triples"))
    add(ds, V + "feature", NamedNode("http://www.w3.org/ns/formats/JSON-LD"))
    add(ds, V + "feature", NamedNode("http://www.w3.org/ns/formats/TriG"))
    stats(ds, merged)

    # entities per class
    per_class: dict[str, set] = defaultdict(set)
    per_property: Counter = Counter()
    for t in merged:
        per_property[t.predicate.value] += 1
        if t.predicate.value == RDF_TYPE and isinstance(t.object, pyoxigraph.NamedNode):
            per_class[t.object.value].add(t.subject)
    for cls in sorted(per_class):
        node = DATASET_NS + "class-" + _slug(c(cls))
        add(ds, V + "classPartition", NamedNode(node))
        add(node, V + "class", NamedNode(cls))
        add(node, V + "entities", integer(len(per_class[cls])))
    for prop in sorted(per_property):
        node = DATASET_NS + "property-" + _slug(c(prop))
        add(ds, V + "propertyPartition", NamedNode(node))
        add(node, V + "property", NamedNode(prop))
        add(node, V + "triples", integer(per_property[prop]))

    # named graphs
    for name, triples in graphs.items():
        local = name[len(GRAPH_NS):] if name.startswith(GRAPH_NS) else "source-" + name.rstrip("/").rsplit("/", 1)[-1]
        node = DATASET_NS + "graph-" + _slug(local)
        add(ds, V + "subset", NamedNode(node))
        add(node, RDF_TYPE, NamedNode(V + "Dataset"))
        add(node, RDF_TYPE, NamedNode(SD + "NamedGraph"))
        add(node, SD + "name", NamedNode(name))
        if not name.startswith(GRAPH_NS):
            add(node, DCT + "source", NamedNode(name))
        stats(node, triples)

    # distributions
    for fname, size in sorted(sizes.items()):
        media, title = DISTRIBUTIONS[fname]
        node = DATASET_NS + "dist-" + _slug(fname)
        url = NamedNode(DIST_BASE + fname)
        add(ds, DCAT + "distribution", NamedNode(node))
        add(ds, V + "dataDump", url)
        add(node, RDF_TYPE, NamedNode(DCAT + "Distribution"))
        add(node, DCT + "title", Literal(title, language="en"))
        add(node, DCT + "identifier", Literal(fname))
        add(node, DCAT + "downloadURL", url)
        add(node, DCAT + "mediaType", NamedNode(MEDIA + media))
        add(node, DCAT + "byteSize", integer(size, "nonNegativeInteger"))
        add(node, DCT + "license", NamedNode(LICENSE))
    return sorted(set(out), key=_sort_key)


# --------------------------------------------------------------------------- all of it


def write_exports(project: Project, outdir: Path) -> list[Path]:
    """Write every export of ``project`` into ``outdir``; returns the files written."""
    outdir = Path(outdir)
    prefixes = project.prefixes
    graphs = named_graph_triples(project)
    merged = sorted({t for triples in graphs.values() for t in triples}, key=_sort_key)
    used = _used_prefixes(merged, prefixes)
    written = [
        write_bytes(outdir / "ipkg.ttl", serialize_turtle(merged, prefixes, used)),
        write_bytes(outdir / "ipkg.nt", serialize_ntriples(merged)),
        write_bytes(
            outdir / "context.jsonld",
            (json.dumps(jsonld_context(prefixes), indent=1, sort_keys=True) + "\n").encode("utf-8"),
        ),
        write_bytes(outdir / "ipkg.jsonld", serialize_jsonld(merged, prefixes)),
        write_bytes(outdir / "ipkg.trig", serialize_trig(graphs, prefixes, used)),
    ]
    sizes = {p.name: p.stat().st_size for p in written if p.name in DISTRIBUTIONS}
    void_prefixes = {**VOID_PREFIXES, **{k: v for k, v in prefixes.items() if k not in VOID_PREFIXES}}
    void = void_triples(graphs, merged, sizes, void_prefixes)
    written.append(write_bytes(outdir / "void.ttl", serialize_turtle(void, void_prefixes)))
    return written
