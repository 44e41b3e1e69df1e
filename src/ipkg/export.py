"""Write the merged graph in every format the build folder (``site/``) ships, byte for byte reproducibly.

* ``ipkg.ttl`` — Turtle, subjects sorted, ``rdf:type`` first, only the prefixes it uses;
* ``ipkg.nt`` — N-Triples, one triple a line, lines sorted;
* ``ipkg.jsonld`` — compacted JSON-LD with its ``@context`` (the project prefixes) embedded, so
  any JSON-LD processor reads the file on its own; ``context.jsonld`` — the same context alone;
* ``ipkg.trig`` — one named graph per source document (``graph/sources/NNN-*.ttl``) and one
  per other file (``https://w3id.org/ipkg/graph/<stem>``), see :meth:`ipkg.load.Project.graph_name`;
* ``void.ttl`` — VoID + DCAT-AP description: a ``dcat:Catalog`` with the dataset, its
  distributions (access and download URL, media type, byte size, SPDX SHA-256 checksum,
  licence), publisher, issued (the release date) and modified (the latest date a source
  document was issued: from the data, not the clock), and the SPARQL endpoint as a
  ``dcat:DataService``; counts computed from the exported triples;
* ``statements.csv`` and ``tables/<class>.csv`` — for spreadsheets (:func:`write_tables`).

Serialization works on the pyoxigraph quads kept by :func:`ipkg.load.load_project` (fast);
nothing depends on set or dict order, and blank nodes (none in the curated graph) get labels
from rdflib's canonicalization, so two exports of the same input are byte-identical.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from . import __released__, __version__
from .atomic import write_bytes
from .load import GRAPH_NS, RDF_TYPE, XSD_STRING, Project
from .terms import ToRdflib, to_oxigraph
from .vocab import Compactor

DATASET = "https://w3id.org/ipkg/dataset"
DATASET_NS = DATASET + "#"
#: Where the dumps are published (the w3id namespace every ipkg IRI uses).
DIST_BASE = "https://w3id.org/ipkg/dist/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
MEDIA = "https://www.iana.org/assignments/media-types/"
CATALOG = "https://w3id.org/ipkg/catalog"
PUBLISHER = "https://w3id.org/ipkg/project"
HOMEPAGE = "https://w3id.org/ipkg/"
#: Where the SPARQL endpoint of the published graph answers (``ipkg serve`` serves the same locally).
SPARQL_ENDPOINT = "https://w3id.org/ipkg/sparql"
#: The fixed triples of void.ttl (catalog, publisher, endpoint, dataset description), as Turtle.
VOID_TEMPLATE = Path(__file__).parent / "templates" / "void.ttl"

#: file name → (media type, title) of every distribution described in void.ttl
DISTRIBUTIONS = {
    "ipkg.ttl": ("text/turtle", "Turtle"),
    "ipkg.nt": ("application/n-triples", "N-Triples"),
    "ipkg.jsonld": ("application/ld+json", "JSON-LD"),
    "ipkg.trig": ("application/trig", "TriG (one named graph per source document)"),
    "statements.csv": ("text/csv", "CSV: one statement a row with its source, evidence and locator"),
}

VOID_PREFIXES = {
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "ipkgds": DATASET_NS,
}




# --------------------------------------------------------------------------- triples


def _sort_key(t):
    return (str(t.subject), 0 if t.predicate.value == RDF_TYPE else 1, str(t.predicate), str(t.object))


def _canonical_bnodes(triples: set, tag: str) -> set:
    """Relabel blank nodes deterministically (rdflib canonicalization), labels prefixed by ``tag``."""
    import pyoxigraph
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    # xsd:string literals keep their datatype: the canonical labels are computed from them
    conv = ToRdflib(plain_strings=False)
    g = Graph()
    for t in triples:
        g.add(conv.triple(t))
    return {pyoxigraph.Triple(to_oxigraph(s, tag), to_oxigraph(p, tag), to_oxigraph(o, tag))
            for s, p, o in to_canonical_graph(g)}


def _named_graph_sets(project: Project) -> dict[str, set]:
    """Graph IRI → its distinct pyoxigraph triples (blank nodes relabelled), graph IRIs sorted."""
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
        out[name] = triples
    return out


def named_graph_triples(project: Project) -> dict[str, list]:
    """Graph IRI → sorted pyoxigraph triples, for the ontology and data files of ``project``."""
    return {name: sorted(triples, key=_sort_key) for name, triples in _named_graph_sets(project).items()}


def _used_prefixes(triples, prefixes: dict[str, str]) -> dict[str, str]:
    import pyoxigraph

    # the namespace up to the IRI's last / or #, whatever follows (the serializer's rule)
    split = Compactor.shared(prefixes, local="any", empty=True, segment=True, last_wins=True).split
    used: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, pyoxigraph.Literal):
                term = term.datatype if not term.language else None
            if isinstance(term, pyoxigraph.NamedNode):
                found = split(term.value)
                if found:
                    used.add(found[0])
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


def compactor(prefixes: dict[str, str]) -> Callable[[str], str]:
    """The exports' IRI compactor (:class:`ipkg.vocab.Compactor`): Turtle-safe local names after
    the namespace that ends at the IRI's last ``/`` or ``#``, the IRI as it is when none fits."""
    compact = Compactor.shared(prefixes, segment=True, unmatched="plain", last_wins=True)
    return lambda iri: compact(iri) or iri


def jsonld_context(prefixes: dict[str, str]) -> dict:
    return {"@context": dict(sorted(prefixes.items()))}


def serialize_jsonld(triples: list, prefixes: dict[str, str], context_ref: str | None = None) -> bytes:
    """Compacted JSON-LD: one node object per subject, CURIEs from ``prefixes``, sorted.

    The ``@context`` is embedded (the prefixes), unless ``context_ref`` names a context file.
    """
    import pyoxigraph

    c = compactor(prefixes)

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
        for _key, vals in node.items():
            if isinstance(vals, list) and len(vals) > 1:
                vals.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        graph.append(node)
    # one node per line: readable, diff-friendly, and json's fast C encoder (no indent)
    context = context_ref if context_ref is not None else dict(sorted(prefixes.items()))
    head = json.dumps({"@context": context}, ensure_ascii=False, sort_keys=True)[:-1]
    body = ",\n".join(json.dumps(node, ensure_ascii=False, sort_keys=True) for node in graph)
    return f'{head}, "@graph": [\n{body}\n]}}\n'.encode()


# --------------------------------------------------------------------------- VoID + DCAT


def _slug(compact: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", compact).strip("-")


def latest_issued(triples: list) -> str | None:
    """The latest ``dcterms:issued`` date (xsd:date) in the data: the dataset's dcterms:modified."""
    dates = [t.object.value for t in triples
             if t.predicate.value == VOID_PREFIXES["dcterms"] + "issued"
             and getattr(t.object, "datatype", None) is not None
             and t.object.datatype.value == VOID_PREFIXES["xsd"] + "date"]
    return max(dates) if dates else None


def void_triples(graphs: dict[str, list], merged: list, sizes: dict[str, int], prefixes: dict[str, str],
                 checksums: dict[str, str] | None = None) -> list:
    """The VoID/DCAT-AP description of ``merged`` (and its named ``graphs``) as pyoxigraph triples.

    ``sizes`` and ``checksums`` (SHA-256, hex): of the distribution files, by file name.
    """
    import pyoxigraph
    from pyoxigraph import Literal, NamedNode, Triple

    V = VOID_PREFIXES["void"]
    DCAT = VOID_PREFIXES["dcat"]
    DCT = VOID_PREFIXES["dcterms"]
    SD = VOID_PREFIXES["sd"]
    XSD = VOID_PREFIXES["xsd"]
    c = compactor(prefixes)
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

    SPDX = VOID_PREFIXES["spdx"]
    ds = DATASET
    issued = Literal(__released__, datatype=NamedNode(XSD + "date"))
    latest = latest_issued(merged)
    modified = Literal(latest, datatype=NamedNode(XSD + "date")) if latest else issued

    # the catalog, its publisher, the SPARQL endpoint, what the dataset is: data, in VOID_TEMPLATE
    out += [Triple(q.subject, q.predicate, q.object)
            for q in pyoxigraph.parse(path=str(VOID_TEMPLATE), format=pyoxigraph.RdfFormat.TURTLE)]
    for node in (CATALOG, ds):
        add(node, DCT + "issued", issued)
        add(node, DCT + "modified", modified)
    add(ds, VOID_PREFIXES["owl"] + "versionInfo", Literal(__version__))
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
        if media != "text/csv":  # void:dataDump: RDF dumps only
            add(ds, V + "dataDump", url)
        add(node, RDF_TYPE, NamedNode(DCAT + "Distribution"))
        add(node, DCT + "title", Literal(title, language="en"))
        add(node, DCT + "identifier", Literal(fname))
        add(node, DCAT + "accessURL", url)
        add(node, DCAT + "downloadURL", url)
        add(node, DCAT + "mediaType", NamedNode(MEDIA + media))
        add(node, DCAT + "byteSize", integer(size, "nonNegativeInteger"))
        add(node, DCT + "license", NamedNode(LICENSE))
        add(node, DCT + "issued", issued)
        add(node, DCT + "modified", modified)
        if checksums and fname in checksums:
            check = NamedNode(node + "-sha256")
            add(node, SPDX + "checksum", check)
            add(check, RDF_TYPE, NamedNode(SPDX + "Checksum"))
            add(check, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256"))
            add(check, SPDX + "checksumValue", Literal(checksums[fname], datatype=NamedNode(XSD + "hexBinary")))
    return sorted(set(out), key=_sort_key)


# --------------------------------------------------------------------------- all of it


def write_exports(project: Project, outdir: Path) -> list[Path]:
    """Write every export of ``project`` into ``outdir``; returns the files written."""
    import hashlib

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
        write_bytes(outdir / "statements.csv", statements_csv(graphs, prefixes)),
    ]
    sizes = {p.name: p.stat().st_size for p in written if p.name in DISTRIBUTIONS}
    checksums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written if p.name in DISTRIBUTIONS}
    void_prefixes = {**VOID_PREFIXES, **{k: v for k, v in prefixes.items() if k not in VOID_PREFIXES}}
    void = void_triples(graphs, merged, sizes, void_prefixes, checksums)
    written.append(write_bytes(outdir / "void.ttl", serialize_turtle(void, void_prefixes)))
    return written


# --------------------------------------------------------------------------- CSV for spreadsheets

#: statements.csv columns
STATEMENT_COLUMNS = ("entity", "property", "value", "language", "source", "evidence", "locator")
#: properties that are columns of statements.csv rather than rows: the provenance of an entity
PROVENANCE = {
    VOID_PREFIXES["dcterms"] + "source": "source",
    "https://w3id.org/ipkg/ontology#evidence": "evidence",
    "https://w3id.org/ipkg/ontology#locator": "locator",
}
SOURCE_GRAPH_NS = "https://w3id.org/ipkg/id/source/"
#: several values in one cell
JOIN = " | "


def _csv_bytes(header, rows) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read the Chinese text right)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _cell(term, c) -> tuple[str, str]:
    """(value, language) of a term for a CSV cell: IRIs as CURIEs where a prefix fits."""
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode):
        return c(term.value), ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}", ""
    return term.value, term.language or ""


def statements_csv(graphs: dict[str, list], prefixes: dict[str, str]) -> bytes:
    """One row per statement and named graph: (entity, property, value, language, source, evidence, locator).

    The provenance columns are the entity's ``dcterms:source``, ``ipkg:evidence`` and
    ``ipkg:locator`` within the same named graph (several joined with `` | ``); in a source
    document's graph the source is that document when the entity names none.
    """
    c = compactor(prefixes)
    rows = []
    for name in sorted(graphs):
        triples = graphs[name]
        prov: dict = defaultdict(lambda: defaultdict(list))
        for t in triples:
            col = PROVENANCE.get(t.predicate.value)
            if col:
                prov[t.subject][col].append(_cell(t.object, c)[0])
        for t in triples:
            if t.predicate.value in PROVENANCE:
                continue
            p = prov.get(t.subject, {})
            sources = p.get("source") or ([c(name)] if name.startswith(SOURCE_GRAPH_NS) else [])
            value, lang = _cell(t.object, c)
            rows.append((_cell(t.subject, c)[0], c(t.predicate.value), value, lang, JOIN.join(sorted(sources)),
                         JOIN.join(sorted(p.get("evidence", []))), JOIN.join(sorted(p.get("locator", [])))))
    rows.sort()
    return _csv_bytes(STATEMENT_COLUMNS, rows)


def class_tables(triples: list, prefixes: dict[str, str]) -> dict[str, bytes]:
    """``tables/<class>.csv`` → CSV bytes: one row per entity of the class, one column per property.

    Columns: ``id``, then each property the class's entities use (a literal's language makes
    its own column, e.g. ``skos:prefLabel@zh``), labels first; several values joined with `` | ``.
    """
    import pyoxigraph

    c = compactor(prefixes)
    by_subject: dict = defaultdict(lambda: defaultdict(list))
    members: dict[str, set] = defaultdict(set)
    for t in triples:
        if t.predicate.value == RDF_TYPE and isinstance(t.object, pyoxigraph.NamedNode):
            members[t.object.value].add(t.subject)
        value, lang = _cell(t.object, c)
        by_subject[t.subject][c(t.predicate.value) + (f"@{lang}" if lang else "")].append(value)
    first = ("skos:prefLabel@en", "skos:prefLabel@zh", "rdfs:label@en", "rdfs:label@zh")
    out = {}
    for cls in sorted(members):
        subjects = sorted(members[cls], key=lambda s: _cell(s, c)[0])
        keys = {k for s in subjects for k in by_subject[s]}
        columns = [k for k in first if k in keys] + sorted(keys - set(first))
        rows = [[_cell(s, c)[0]] + [JOIN.join(sorted(by_subject[s].get(k, []))) for k in columns] for s in subjects]
        out[f"tables/{_slug(c(cls).replace(':', '-'))}.csv"] = _csv_bytes(["id", *columns], rows)
    return out


def write_tables(project: Project, outdir: Path) -> list[Path]:
    """Write ``tables/<class>.csv`` (one table per class of the merged graph) into ``outdir``."""
    # the tables sort their rows and cells themselves: the triples need no order
    merged = list(set().union(*_named_graph_sets(project).values()))
    return [write_bytes(Path(outdir) / name, data) for name, data in class_tables(merged, project.prefixes).items()]


# --------------------------------------------------------------------------- GraphML / GEXF

#: node attributes written as numbers (xsd-typed "double" in GraphML and GEXF), so that Gephi can
#: size, colour and filter by them; a value that is not a number goes to ``<name>_text``.
NUMERIC_ATTRIBUTES = ("value",)


def network_for_export(G):
    """A copy of the view graph ``G`` with :data:`NUMERIC_ATTRIBUTES` as floats."""
    H = G.copy()
    for _, a in H.nodes(data=True):
        for key in NUMERIC_ATTRIBUTES:
            if key in a and isinstance(a[key], str):
                try:
                    a[key] = float(a[key])
                except ValueError:
                    a[f"{key}_text"] = a.pop(key)
    return H


def write_network(G, fmt: str, out: Path) -> Path:
    """Write a view graph as GraphML or GEXF (atomically), numbers typed; GEXF gets Gephi colours.

    Two exports of the same graph are byte-identical (the GEXF date networkx adds is dropped).
    """
    import networkx as nx

    from .atomic import replaced_file
    from .errors import IpkgError

    out = Path(out)
    if fmt not in ("graphml", "gexf"):
        raise IpkgError(f"unknown export format {fmt!r}", hint="use graphml or gexf")
    H = network_for_export(G)
    with replaced_file(out) as tmp:
        if fmt == "graphml":
            nx.write_graphml(H, tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)
        else:
            for _, a in H.nodes(data=True):
                a["label"] = a.get("label_en", "")
                colour = a.get("colour", "#757575").lstrip("#")
                a["viz"] = {"color": {"r": int(colour[0:2], 16), "g": int(colour[2:4], 16),
                                      "b": int(colour[4:6], 16), "a": 1.0}}
            for _s, _o, k, a in H.edges(keys=True, data=True):
                a["label"] = a.get("label_en", k)
            nx.write_gexf(H, tmp, encoding="utf-8", prettyprint=True)
            data = tmp.read_bytes()
            tmp.write_bytes(re.sub(rb' lastmodifieddate="[^"]*"', b"", data, count=1))
    return out
