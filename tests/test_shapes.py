"""The SHACL shapes: coverage of the ontology, the shape metadata, and one valid and one invalid
example per rule (tests/data/shapes/<NodeShape>/valid-*.ttl and invalid-<rule>-*.ttl).

Each example names its focus node in a ``# focus:`` comment; an invalid example names the
constraint component and the rule (property shape, or SPARQL constraint) it breaks in
``# expect-component:`` / ``# expect-shape:``. Supporting nodes in the examples are typed only,
so results are compared on the focus node alone: a valid example has none, an invalid example
has exactly the one it expects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "tests" / "data" / "shapes"
SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/ipkg/shapes#"


def sh(name: str) -> URIRef:
    return URIRef(SH + name)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    from ipkg.load import load_rdf_file

    return load_rdf_file(REPO / "ontology" / "ipkg.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    from ipkg.load import load_rdf_file

    g = Graph()
    for f in sorted((REPO / "shapes").glob("*.ttl")):
        g += load_rdf_file(f)
    return g


def node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted(s for s in shapes.subjects(RDF.type, sh("NodeShape")))


def rules(shapes: Graph, shape: URIRef) -> list[URIRef]:
    """The property shapes and SPARQL constraints of a node shape."""
    return sorted(list(shapes.objects(shape, sh("property"))) + list(shapes.objects(shape, sh("sparql"))))


def local(iri) -> str:
    return str(iri).replace(SHAPES_NS, "")


# ------------------------------------------------------------------ coverage and metadata


def test_every_ontology_class_has_a_node_shape(ontology, shapes):
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    targeted = set(shapes.objects(None, sh("targetClass")))
    missing = sorted(str(c) for c in classes - targeted)
    assert not missing, f"classes without a node shape: {missing}"
    # and one node shape of its own (not only the shared EntityShape)
    own = {c for s in node_shapes(shapes) for c in shapes.objects(s, sh("targetClass"))
           if len(list(shapes.objects(s, sh("targetClass")))) == 1}
    assert not sorted(str(c) for c in classes - own)


def test_every_shape_has_an_iri_messages_comment_and_severity(shapes):
    problems = []
    for shape in node_shapes(shapes):
        assert isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS)
        for rule in rules(shapes, shape):
            if not isinstance(rule, URIRef) or not local(rule).startswith(local(shape) + "-"):
                problems.append(f"{rule}: rule of {local(shape)} without an IRI <NodeShape>-<rule>")
                continue
            langs = sorted(m.language for m in shapes.objects(rule, sh("message")) if isinstance(m, Literal))
            if langs != ["en", "zh"]:
                problems.append(f"{local(rule)}: sh:message languages {langs}")
            if not any(c.language == "en" for c in shapes.objects(rule, RDFS.comment)):
                problems.append(f"{local(rule)}: no rdfs:comment")
            severity = shapes.value(rule, sh("severity")) or shapes.value(shape, sh("severity"))
            if (rule, RDF.type, sh("SPARQLConstraint")) in shapes:
                severity = shapes.value(shape, sh("severity"))
            if severity not in (sh("Violation"), sh("Warning"), sh("Info")):
                problems.append(f"{local(rule)}: no sh:severity")
    assert not problems, "\n".join(problems)


def test_every_node_shape_has_valid_and_invalid_examples(shapes):
    problems = []
    for shape in node_shapes(shapes):
        folder = EXAMPLES / local(shape)
        if not list(folder.glob("valid-*.ttl")):
            problems.append(f"{local(shape)}: no valid-*.ttl")
        if not list(folder.glob("invalid-*.ttl")):
            problems.append(f"{local(shape)}: no invalid-*.ttl")
    assert not problems, "\n".join(problems)


def test_every_rule_is_broken_by_some_invalid_example(shapes):
    expected = {m for f in EXAMPLES.rglob("invalid-*.ttl")
                for m in re.findall(r"# expect-shape: ipkgsh:(\S+)", f.read_text(encoding="utf-8"))}
    missing = [local(r) for s in node_shapes(shapes) for r in rules(shapes, s) if local(r) not in expected]
    assert not missing, f"rules no invalid example breaks: {missing}"


def test_no_example_folder_without_a_shape(shapes):
    names = {local(s) for s in node_shapes(shapes)}
    stray = sorted(d.name for d in EXAMPLES.iterdir() if d.is_dir() and d.name not in names)
    assert not stray


# ------------------------------------------------------------------ the examples

EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.ttl"))


def _expectations(path: Path):
    text = path.read_text(encoding="utf-8")
    focus = URIRef(re.search(r"^# focus: (\S+)", text, re.M).group(1))
    comp = re.search(r"^# expect-component: sh:(\S+)", text, re.M)
    rule = re.search(r"^# expect-shape: ipkgsh:(\S+)", text, re.M)
    expected = {(comp.group(1), SHAPES_NS + rule.group(1))} if comp and rule else set()
    return focus, expected


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example(path, shapes, ontology):
    from ipkg.load import load_rdf_file
    from ipkg.validate import validate_graph

    assert path.name.startswith(("valid-", "invalid-")), path.name
    focus, expected = _expectations(path)
    if path.name.startswith("invalid-"):
        assert expected, f"{path.name} does not say which rule it breaks"
        rule_name = next(iter(expected))[1].split("-", 1)[1]
        assert path.name.startswith("invalid-"), rule_name
    data = load_rdf_file(path)
    report = validate_graph(data, shapes, ontology, checks=False, report_focus={focus})
    got = {(r.component, r.rule) for r in report.results}
    assert all(r.focus == str(focus) for r in report.results)
    assert got == expected, "\n".join(f"{r.severity} {r.rule}: {r.message_en}" for r in report.results)


# ------------------------------------------------------------------ standard SHACL only

#: variables a SHACL-SPARQL engine pre-binds (SHACL 5.3.1 / 6.2)
PRE_BOUND = {"this", "shapesGraph", "currentShape", "value", "PATH"}


def _sparql_problems(query: str) -> list[str]:
    """What SHACL 5.3.1 forbids in a SPARQL-based constraint: MINUS, SERVICE, VALUES, rebinding
    a pre-bound variable (BIND/AS ?this) and sub-selects that do not return $this."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    problems: list[str] = []
    uses_this = bool(re.search(r"[?$]this\b", query))

    def get(node, key):
        return dict.get(node, key)

    def walk(node) -> None:
        if isinstance(node, CompValue):
            if node.name in ("InlineData", "MinusGraphPattern", "ServiceGraphPattern"):
                problems.append({"InlineData": "VALUES", "MinusGraphPattern": "MINUS",
                                 "ServiceGraphPattern": "SERVICE"}[node.name])
            if node.name == "ValuesClause" and get(node, "var") is not None:
                problems.append("VALUES")
            if node.name == "Bind" and str(get(node, "var")) in PRE_BOUND:
                problems.append(f"BIND (… AS ?{node['var']})")
            if node.name == "vars" and get(node, "evar") is not None and str(get(node, "evar")) in PRE_BOUND:
                problems.append(f"(… AS ?{node['evar']})")
            if node.name == "SubSelect" and uses_this:
                projected = {str(get(v, "var")) for v in (get(node, "projection") or []) if isinstance(v, CompValue)}
                if "this" not in projected:
                    problems.append("a sub-select that does not return $this")
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, ParseResults)):
            for item in node:
                walk(item)

    walk(parseQuery(query))
    return problems


def test_sparql_constraints_use_only_standard_shacl_sparql(shapes):
    """Reproduction (#13): the growth rule used VALUES, which SHACL forbids in SPARQL-based
    constraints, so a conformant engine had to refuse the whole shapes graph."""
    checked, problems = 0, []
    for constraint, query in shapes.subject_objects(sh("select")):
        checked += 1
        problems += [f"{local(constraint)}: {p}" for p in _sparql_problems(str(query))]
    for constraint, query in shapes.subject_objects(sh("ask")):
        checked += 1
        problems += [f"{local(constraint)}: {p}" for p in _sparql_problems(str(query))]
    assert checked >= 6
    assert not problems, "\n".join(problems)
    # the checker itself catches each forbidden form
    for bad in ("SELECT $this WHERE { VALUES ?d { 1 } $this ?p ?d }",
                "SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }",
                "SELECT $this WHERE { BIND (1 AS ?this) }",
                "SELECT $this WHERE { { SELECT (COUNT(*) AS ?n) WHERE { $this ?p ?o } } }"):
        assert _sparql_problems(bad), bad


PLANTED = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix iex: <https://example.org/ipkg-test/> .

iex:no-labels a ipkg:Procuratorate ; dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .
iex:est a ipkg:Establishment ; skos:prefLabel "e"@en , "e"@zh ;
    org:resultingOrganization iex:no-labels ; dcterms:date "2024-3-15" ; dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .
iex:total a qb:Observation ; skos:prefLabel "total"@en , "总数"@zh ; sdmx-measure:obsValue 10 ;
    dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .
iex:part1 a qb:Observation ; skos:prefLabel "part 1"@en , "部分1"@zh ; sdmx-measure:obsValue 4 ; ipkg:partOf iex:total ;
    ipkg:subsetOf iex:part2 ; dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .
iex:part2 a qb:Observation ; skos:prefLabel "part 2"@en , "部分2"@zh ; sdmx-measure:obsValue 3 ; ipkg:partOf iex:total ;
    dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .
"""


def _result_keys(g) -> dict:
    from collections import Counter

    from rdflib import BNode

    report = next(g.subjects(RDF.type, sh("ValidationReport")))
    keys: Counter = Counter()
    for r in g.objects(report, sh("result")):
        v = lambda n: g.value(r, sh(n))  # noqa: E731, B023 - called within this iteration
        path = v("resultPath")
        if isinstance(path, BNode):
            inverse = g.value(path, sh("inversePath"))
            path = f"^{inverse}" if inverse is not None else "complex"
        shape = v("sourceShape")
        keys[(str(v("focusNode")), None if path is None else str(path),
              str(v("sourceConstraintComponent")), str(v("resultSeverity")),
              "bnode" if isinstance(shape, BNode) else str(shape))] += 1
    return keys


PLAIN_PYSHACL = """
import sys
from pathlib import Path

import pyshacl
from rdflib import Graph

root, planted = Path(sys.argv[1]), sys.argv[2]
data, ontology, shapes = Graph(), Graph(), Graph()
for f in sorted((root / "ontology").glob("*.ttl")):
    ontology.parse(f, format="turtle")
for f in sorted((root / "graph").rglob("*.ttl")):
    data.parse(f, format="turtle")
data.parse(planted, format="turtle")
for f in sorted((root / "shapes").glob("*.ttl")):
    shapes.parse(f, format="turtle")
_, report, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                advanced=True, allow_warnings=True, allow_infos=True)
sys.stdout.write(report.serialize(format="nt"))
"""


def test_plain_pyshacl_gives_the_same_report_as_ipkg(project, tmp_path):
    """Any SHACL engine can check the graph: plain pyshacl in its own process (files parsed by
    rdflib, SHACL-SPARQL on, nothing patched or split) on the curated graph plus planted faults
    reports exactly what ipkg validate reports (focus node, path, component, severity, shape)."""
    import subprocess
    import sys

    from rdflib import Graph

    from ipkg.validate import validate_graph

    planted_file = tmp_path / "planted.ttl"
    planted_file.write_text(PLANTED, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", PLAIN_PYSHACL, str(project.root), str(planted_file)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = Graph().parse(data=proc.stdout, format="nt")

    data = Graph()
    for t in project.data:
        data.add(t)
    data += Graph().parse(data=PLANTED, format="turtle")
    ours = validate_graph(data, project.shapes, project.ontology, checks=False)
    a, b = _result_keys(ours.shacl_graph), _result_keys(theirs)
    assert a == b, f"only ipkg: {a - b}\nonly pyshacl: {b - a}"
    # the planted faults are found, by core and by SPARQL-based constraints
    rules = {(r.focus.rsplit("/", 1)[-1], local(r.rule)) for r in ours.results if r.focus.startswith("https://example.org/")}
    assert {("no-labels", "EntityShape-prefLabel-en"), ("no-labels", "EntityShape-prefLabel-zh"),
            ("est", "EstablishmentShape-date"), ("est", "EstablishmentShape-wasAssociatedWith"),
            ("total", "SumOfPartsShape-rule"), ("part1", "SubsetShape-rule")} <= rules, rules
    assert sum(b.values()) >= 10
