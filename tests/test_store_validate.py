"""validate_store: bounded-memory SHACL validation of an Oxigraph store, checked against plain pyshacl."""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef

from ipkg.load import load_project
from ipkg.store import load_files
from ipkg.store_validate import StoreValidationStats, result_keys, validate_store_graph
from ipkg.synth import write_synthetic

SH = Namespace("http://www.w3.org/ns/shacl#")

# two planted faults beside the curated data: a period that ends before it starts (a SHACL-SPARQL
# rule, run as a whole-store query) and a case charged with something that is not a crime type
# (a core sh:class constraint, run batch-wise)
PLANTED = """\
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/ipkg/id/period/test-backwards> a ipkg:Period ;
    skos:prefLabel "test period"@en , "测试期间"@zh ;
    skos:notation "test" ;
    schema:startDate "2024-12-31"^^xsd:date ;
    schema:endDate "2024-01-01"^^xsd:date ;
    dcterms:source <https://w3id.org/ipkg/ontology> .
<https://w3id.org/ipkg/id/case/test-bad-charge> a ipkg:Case ;
    skos:prefLabel "test case"@en , "测试案件"@zh ;
    ipkg:charge <https://w3id.org/ipkg/id/function/criminal> ;
    dcterms:source <https://w3id.org/ipkg/id/source/spp-new-phase-2025> .
"""


@pytest.fixture(scope="module")
def project():
    return load_project()


def _plain(data, project):
    """The whole-graph validation of ipkg.validate (pyshacl on ontology + data, SPARQL rules)."""
    from ipkg.validate import validate_graph

    return validate_graph(data, project.shapes, project.ontology, checks=False).shacl_graph


def test_same_results_as_plain_pyshacl_on_the_curated_graph(tmp_path, project):
    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED)
    load_files([*project.data_files, planted], tmp_path / "st")
    data = project.data + Graph()
    data.parse(planted, format="turtle")
    plain = result_keys(_plain(data, project))
    stats = StoreValidationStats()
    # a small batch size forces many batches, so batch boundaries are exercised
    store = result_keys(validate_store_graph(tmp_path / "st", project.shapes, project.ontology,
                                             batch_size=100, stats=stats))
    assert stats.batches > 3 and stats.sparql_constraints >= 1
    assert store == plain
    period = URIRef("https://w3id.org/ipkg/id/period/test-backwards")
    case = URIRef("https://w3id.org/ipkg/id/case/test-bad-charge")
    assert any(f == period and c == SH.SPARQLConstraintComponent for f, _, c, _ in store)
    assert any(f == case and c == SH.ClassConstraintComponent for f, _, c, _ in store)


def test_planted_violations_in_synthetic_cases_are_found(tmp_path, project):
    synth = tmp_path / "s.nt"
    write_synthetic(600, synth, seed=4, plant=3)
    load_files([*project.data_files, synth], tmp_path / "st")
    stats = StoreValidationStats()
    report = validate_store_graph(tmp_path / "st", project.shapes, project.ontology, batch_size=250, stats=stats)
    assert stats.focus_nodes > 600
    # the planted cases are those with two English labels in the file
    g = Graph().parse(synth, format="nt")
    en = {}
    for s, o in g.subject_objects(URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")):
        if o.language == "en":
            en[s] = en.get(s, 0) + 1
    planted = {s for s, n in en.items() if n == 2}
    assert len(planted) == 3
    synth_results = {(f, p, s) for f, p, _, s in result_keys(report) if "/synth/" in str(f)}
    assert {f for f, _, _ in synth_results} == planted
    assert all(s == SH.Violation for _, _, s in synth_results)


def test_validate_store_returns_the_project_report(tmp_path, project):
    from ipkg.report import ValidationReport
    from ipkg.store_validate import validate_store

    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED)
    load_files([*project.data_files, planted], tmp_path / "st")
    report = validate_store(tmp_path / "st", project.shapes, project.ontology, workers=1)
    assert isinstance(report, ValidationReport)
    assert not report.conforms
    assert any("test-bad-charge" in str(r.focus) for r in report.results)
