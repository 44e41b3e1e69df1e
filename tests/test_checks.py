"""Hygiene checks (queries/checks/*-violation.rq): each finds what it is for, and the repository
graph is clean (this last test fails until the data are tidy — intended)."""

from __future__ import annotations

import pytest
from rdflib import Graph

PREFIXES = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix iorg: <https://w3id.org/ipkg/id/org/> .
@prefix isrc: <https://w3id.org/ipkg/id/source/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/vocab#> .
"""


def rows(check: str, data: str, ontology: Graph):
    from ipkg.checks import load_checks, run_checks

    g = Graph().parse(data=PREFIXES + data, format="turtle")
    checks = [c for c in load_checks() if c.name == check]
    assert checks, check
    results, _ = run_checks(g, ontology, checks=checks)
    return results


@pytest.fixture(scope="module")
def ontology(project):
    return project.ontology


def test_checks_have_severity_and_messages():
    from ipkg.checks import load_checks

    checks = {c.name: c for c in load_checks()}
    assert set(checks) >= {"undeclared-terms", "missing-source", "orphan-nodes", "ontology-labels"}
    assert checks["undeclared-terms"].severity == "Violation"
    assert checks["missing-source"].severity == "Violation"
    assert checks["orphan-nodes"].severity == "Warning"
    for c in checks.values():
        assert c.message_en and c.message_zh and c.message_en != c.message_zh


def test_undeclared_terms(ontology):
    found = rows("undeclared-terms", """
        iorg:a a ex:Widget ; ex:size 3 ; rdfs:label "a" ; skos:prefLabel "a"@en ; org:unitOf iorg:b .
        iorg:b a ipkg:Court .""", ontology)
    assert sorted(r.message_en for r in found) == [
        "class ex:Widget is not declared in the ipkg ontology",
        "property ex:size is not declared in the ipkg ontology",
    ]
    assert all(r.severity == "Violation" and r.focus.endswith("/org/a") for r in found)


def test_missing_source(ontology):
    found = rows("missing-source", """
        iorg:a a ipkg:Court ; dcterms:source isrc:x .
        iorg:b a ipkg:Court .""", ontology)
    assert [r.focus for r in found] == ["https://w3id.org/ipkg/id/org/b"]


def test_orphan_nodes(ontology):
    found = rows("orphan-nodes", """
        iorg:a a ipkg:Court ; skos:prefLabel "a"@en ; dcterms:source isrc:x .
        iorg:b a ipkg:Court ; org:subOrganizationOf iorg:c ; dcterms:source isrc:x .
        iorg:c a ipkg:Court ; dcterms:source isrc:x .
        iorg:d a ipkg:Court ; dcterms:source iorg:d .""", ontology)
    assert sorted(r.focus.rsplit("/", 1)[1] for r in found) == ["a", "d"]


def test_ontology_labels():
    from ipkg.checks import load_checks, run_checks

    onto = Graph().parse(data=PREFIXES + """
        ipkg:Good a owl:Class ; rdfs:label "good"@en , "好"@zh ; skos:definition "d"@en , "定义"@zh .
        ipkg:Bad a owl:Class ; rdfs:label "bad"@en .""", format="turtle")
    checks = [c for c in load_checks() if c.name == "ontology-labels"]
    found, _ = run_checks(Graph(), onto, checks=checks)
    assert sorted(r.message_en for r in found) == [
        "ipkg:Bad lacks a Chinese rdfs:label",
        "ipkg:Bad lacks a Chinese skos:definition",
        "ipkg:Bad lacks an English skos:definition",
    ]


def test_repository_graph_passes_every_check(project):
    from ipkg.checks import run_checks

    found, names = run_checks(project.data, project.ontology)
    assert len(names) >= 4
    assert not found, "\n".join(f"{r.check}: {r.message_en}" for r in found)
