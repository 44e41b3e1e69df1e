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
