"""ipkg stats: the counts agree with SPARQL over the merged graph, in every format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ipkg.cli import main
from ipkg.stats import compute, render


@pytest.fixture(scope="module")
def stats(project):
    return compute(project)


def table(stats, name):
    return next(t for t in stats["tables"] if t.name == name)


def sparql_counts(project, query):
    return {str(row[0]): int(row[1]) for row in project.merged().query(query)}


def test_class_counts_match_sparql(project, stats):
    real = sparql_counts(project, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    rows = table(stats, "classes").rows
    assert len(rows) == len(real)
    assert sum(r[2] for r in rows) == sum(real.values())
    assert dict((r[0], r[2]) for r in rows)["owl:Class"] == real["http://www.w3.org/2002/07/owl#Class"]


def test_source_counts_match_sparql(project, stats):
    real = sparql_counts(
        project,
        """PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX qb: <http://purl.org/linked-data/cube#>
        SELECT ?src (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s dcterms:source ?src . ?s a qb:Observation } GROUP BY ?src""",
    )
    rows = table(stats, "sources").rows
    # stats counts ipkg:DerivedObservation too; plain qb:Observation counts are a lower bound
    obs = {r[0]: r[3] for r in rows}
    for src, n in real.items():
        key = src.replace("https://w3id.org/ipkg/id/source/", "isrc:")
        assert obs.get(key, 0) >= n
    total = sparql_counts(
        project,
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?src (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s dcterms:source ?src } GROUP BY ?src",
    )
    assert sorted(r[2] + r[3] for r in rows) == sorted(total.values())


def test_function_counts_match_sparql(project, stats):
    real = sparql_counts(
        project,
        "PREFIX ipkg: <https://w3id.org/ipkg/ontology#> SELECT ?f (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ipkg:function ?f } GROUP BY ?f",
    )
    rows = table(stats, "functions").rows
    assert sorted(r[2] + r[3] for r in rows) == sorted(real.values())


def test_totals(project, stats):
    assert stats["totals"]["triples"] == len(project.merged())


def test_formats_parse(stats):
    doc = json.loads(render(stats, "json"))
    assert doc["totals"]["triples"] == stats["totals"]["triples"]
    assert len(doc["classes"]) == len(table(stats, "classes").rows)
    rows = list(csv.DictReader(io.StringIO(render(stats, "csv"))))
    assert {r["table"] for r in rows} >= {"classes"}
    assert len(rows) == sum(len(t.rows) for t in stats["tables"])
    md = render(stats, "md")
    assert "| class | label | entities |" in md
    text = render(stats, "table")
    assert text.startswith("Totals: ")


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_cli(fmt, capsys):
    assert main(["stats", "--format", fmt]) == 0
    assert capsys.readouterr().out.strip()
