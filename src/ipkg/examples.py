"""The example queries in ``queries/*.rq``: reading their headers and publishing them as RDF.

Each ``.rq`` file starts with comment lines::

    # title: …             # title@zh: …
    # description: …       # description@zh: …
    # subject: ipkg:Case ipkg:charge      (optional; dcterms:subject of the example)
    # param: name=value                   (optional; default binding, same syntax as --param)

:func:`write_examples` writes ``queries/examples.ttl`` in the SIB *sparql-examples* convention
(https://github.com/sib-swiss/sparql-examples): each query is a ``sh:SPARQLExecutable`` and a
``sh:SPARQLSelectExecutable`` / ``sh:SPARQLAskExecutable`` / ``sh:SPARQLConstructExecutable``
(DESCRIBE: ``spex:describe``) with the query text in ``sh:select`` / ``sh:ask`` / ``sh:construct``,
``rdfs:label`` and ``rdfs:comment`` in English and Chinese, ``dcterms:subject``, ``sh:prefixes``
pointing to the prefix declarations and, when an endpoint is known, ``schema:target``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .atomic import write_bytes
from .errors import IpkgError

EXAMPLES_NS = "https://w3id.org/ipkg/.well-known/sparql-examples/"
SPEX = "https://purl.expasy.org/sparql-examples/ontology#"
REQUIRED = ("title", "title@zh", "description", "description@zh")


@dataclass
class Example:
    """One example query and its bilingual header."""

    name: str
    path: Path
    query: str
    meta: dict[str, str] = field(default_factory=dict)
    subjects: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.meta.get("title", self.name)

    @property
    def title_zh(self) -> str:
        return self.meta.get("title@zh", "")

    @property
    def description(self) -> str:
        return self.meta.get("description", "")

    @property
    def description_zh(self) -> str:
        return self.meta.get("description@zh", "")

    @property
    def iri(self) -> str:
        return EXAMPLES_NS + self.name

    @property
    def form(self) -> str:
        """``select``, ``ask``, ``construct`` or ``describe``."""
        body = "\n".join(ln for ln in self.query.splitlines() if not ln.lstrip().startswith("#"))
        body = re.sub(r"(?i)PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>", " ", body)
        m = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
        return m.group(1).lower() if m else "select"


def examples_dir() -> Path:
    return paths.folder("queries")


def parse_example(path: Path) -> Example:
    """Read one ``.rq`` file and its header comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IpkgError(f"cannot read example query: {exc}", path=path) from None
    meta: dict[str, str] = {}
    subjects: list[str] = []
    params: list[str] = []
    last = None
    for _lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*([A-Za-z]+(?:@[a-z]+)?)\s*:\s?(.*)$", line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "subject":
                subjects += value.split()
            elif key == "param":
                params.append(value)
            else:
                meta[key] = value
            last = key
        elif last in meta and line[1:].strip():  # continuation line
            meta[last] += " " + line[1:].strip()
    return Example(path.stem, path, text, meta, subjects, params)


def list_examples(folder: Path | None = None) -> list[Example]:
    """Every ``*.rq`` directly in ``queries/`` (not ``queries/checks/``), sorted by name."""
    folder = Path(folder) if folder else examples_dir()
    if not folder.is_dir():
        return []
    return [parse_example(p) for p in sorted(folder.glob("*.rq"))]


def get_example(name: str, folder: Path | None = None) -> Example:
    """The example called ``name``; an :class:`IpkgError` listing the names when there is none."""
    folder = Path(folder) if folder else examples_dir()
    path = folder / f"{name}.rq"
    if path.is_file():
        return parse_example(path)
    names = [p.stem for p in sorted(folder.glob("*.rq"))] if folder.is_dir() else []
    close = [n for n in names if name.lower() in n.lower()]
    listing = ", ".join(names) if names else "(none found)"
    raise IpkgError(f"no example query called {name!r}",
                    hint=(f"did you mean {', '.join(close)}? " if close else "")
                    + f"available: {listing}")


def examples_graph(examples: list[Example] | None = None, target: str | None = None):
    """The examples as an rdflib Graph in the SIB sparql-examples convention."""
    from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, SH

    from .vocab import PREFIXES

    examples = list_examples() if examples is None else examples
    g = Graph()
    ex = Namespace(EXAMPLES_NS)
    schema = Namespace("https://schema.org/")
    spex = Namespace(SPEX)
    g.bind("ex", ex)
    g.bind("sh", SH)
    g.bind("schema", schema)
    g.bind("spex", spex)
    g.bind("dcterms", DCTERMS)
    prefixes = ex["prefixes"]
    g.add((prefixes, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")))
    g.add((prefixes, RDFS.label, Literal("Prefixes used by the ipkg example queries", lang="en")))
    g.add((prefixes, RDFS.label, Literal("ipkg 示例查询所用的前缀", lang="zh")))
    for prefix, ns in sorted(PREFIXES.items()):
        decl = BNode(f"prefix_{re.sub(r'[^A-Za-z0-9]', '_', prefix)}")
        g.add((prefixes, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(ns, datatype=XSD.anyURI)))
    kinds = {"select": (SH.SPARQLSelectExecutable, SH.select),
             "ask": (SH.SPARQLAskExecutable, SH.ask),
             "construct": (SH.SPARQLConstructExecutable, SH.construct),
             "describe": (spex.SPARQLDescribeExecutable, spex.describe)}
    for example in examples:
        node = URIRef(example.iri)
        cls, prop = kinds[example.form]
        g.add((node, RDF.type, SH.SPARQLExecutable))
        g.add((node, RDF.type, cls))
        g.add((node, prop, Literal(_query_body(example.query))))
        g.add((node, SH.prefixes, prefixes))
        g.add((node, RDFS.label, Literal(example.title, lang="en")))
        if example.title_zh:
            g.add((node, RDFS.label, Literal(example.title_zh, lang="zh")))
        if example.description:
            g.add((node, RDFS.comment, Literal(example.description, lang="en")))
        if example.description_zh:
            g.add((node, RDFS.comment, Literal(example.description_zh, lang="zh")))
        g.add((node, DCTERMS.identifier, Literal(example.name)))
        for subject in example.subjects:
            iri = _expand(subject, PREFIXES)
            if iri:
                g.add((node, DCTERMS.subject, URIRef(iri)))
        for param in example.params:
            g.add((node, schema.keywords, Literal(f"parameter {param}")))
        if target:
            g.add((node, schema.target, URIRef(target)))
    return g


def _query_body(text: str) -> str:
    """The query without its header comment block (the header is in the labels and comments)."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"


def _expand(curie: str, prefixes: dict[str, str]) -> str | None:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, sep, local = curie.partition(":")
    if sep and prefix in prefixes:
        return prefixes[prefix] + local
    return None


def write_examples(outdir: Path, target: str | None = None) -> list[Path]:
    """Write ``outdir/queries/examples.ttl`` and a copy of every example ``.rq`` file.

    Returns the paths written. Each file is written to a temporary file first and then moved
    into place, so a reader never sees half a file.
    """
    outdir = Path(outdir)
    qdir = outdir / "queries"
    qdir.mkdir(parents=True, exist_ok=True)
    examples = list_examples()
    for example in examples:
        missing = [k for k in REQUIRED if not example.meta.get(k)]
        if missing:
            raise IpkgError(f"example query lacks header line(s): {', '.join('# ' + k + ':' for k in missing)}",
                            path=example.path, line=1)
    written: list[Path] = []
    ttl = examples_graph(examples, target).serialize(format="turtle")
    written.append(write_bytes(qdir / "examples.ttl", ttl.encode("utf-8")))
    for example in examples:
        written.append(write_bytes(qdir / example.path.name, example.path.read_bytes()))
    return written



__all__ = ["Example", "list_examples", "get_example", "parse_example", "examples_graph",
           "write_examples", "EXAMPLES_NS"]
