"""Tests for ``ipkg audit``: evidence phrases and figures checked against source texts."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipkg.audit import audit_project, normalise, value_in_phrase
from ipkg.cli import main

DATA = Path(__file__).parent / "data" / "audit"
SEEDS = DATA / "seeds"
GRAPH = DATA / "graph.ttl"
REAL_SEEDS = Path(os.environ.get("IPKG_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))


def _expected_lines() -> list[str]:
    g = "graph.ttl"
    s = "seeds"
    return [
        f'{g}:24: iobs:fx-absent: evidence phrase not found in source text — file 900_fixture.txt, phrase "the county office received 12 files"',
        f'{g}:30: iobs:fx-wrong-value: value 8 not found in evidence phrase — file 900_fixture.txt, phrase "A panel of nine judges"',
        f'{g}:65: iobs:fx-towns: evidence phrase has 16 words (at most 15) — file 900_fixture.txt, phrase "volunteers worked in twenty-one towns across the long and winding valley of the eastern river basin."',
        f'{g}:71: iobs:fx-silent: observation has no ipkg:evidence — file 900_fixture.txt, phrase ""',
        f'{g}:82: iobs:fx-derived-bad: derived observation has no ipkg:derivationMethod — file 900_fixture.txt, phrase ""',
        f'{g}:88: imeas:fx-programme: cited source file not found in {s} — file 901_missing.txt, phrase "The quoted programme"',
    ]


def test_fixture_mismatch_lines_and_exit_code(capsys, monkeypatch):
    monkeypatch.chdir(DATA)  # paths in the output are shown relative to the working folder
    rc = main(["audit", "--sources", "seeds", "--graph", "graph.ttl"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 1
    assert out[:-1] == _expected_lines()
    assert out[-1] == "audit: 12 observations, 10 evidence phrases checked, 6 mismatches"


def test_fixture_line_numbers_point_at_block_start():
    lines = GRAPH.read_text(encoding="utf-8").splitlines()
    report = audit_project(SEEDS, [GRAPH])
    for m in report.mismatches:
        assert lines[m.line - 1].startswith(m.entity + " ")


def test_fixture_matches_are_not_reported():
    report = audit_project(SEEDS, [GRAPH])
    flagged = {m.entity for m in report.mismatches}
    # whitespace run, word number, "640 million", "1.8 times", "approximately 88.9%",
    # curly quotes in the text vs straight quotes in the phrase, a complete derived figure
    for ok in ("iobs:fx-files", "iobs:fx-judges", "iobs:fx-fund", "iobs:fx-growth",
               "iobs:fx-spent", "iobs:fx-volunteers", "iobs:fx-derived-ok"):
        assert ok not in flagged


def test_json_format(capsys):
    rc = main(["audit", "--sources", str(SEEDS), "--graph", str(GRAPH), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert data["observations"] == 12
    assert data["evidence_phrases"] == 10
    assert data["mismatch_count"] == 6
    assert [m["entity"] for m in data["mismatches"]] == [
        "iobs:fx-absent", "iobs:fx-wrong-value", "iobs:fx-towns", "iobs:fx-silent",
        "iobs:fx-derived-bad", "imeas:fx-programme"]
    assert data["mismatches"][0]["line"] == 24


def test_clean_graph_exits_zero(tmp_path, capsys):
    g = tmp_path / "clean.ttl"
    g.write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix ipkg: <https://w3id.org/ipkg/ontology#> .\n"
        "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
        "@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .\n"
        "<urn:src> a ipkg:SourceDocument ; dcterms:identifier \"900_fixture.txt\" .\n"
        "<urn:o> a qb:Observation ; sdmx-measure:obsValue 9 ; dcterms:source <urn:src> ;\n"
        "    ipkg:evidence \"A panel of nine judges\" .\n",
        encoding="utf-8")
    rc = main(["audit", "--sources", str(SEEDS), "--graph", str(g)])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out == ["audit: 1 observations, 1 evidence phrases checked, 0 mismatches"]


def test_missing_sources_folder_exits_two(tmp_path, capsys):
    rc = main(["audit", "--sources", str(tmp_path / "nope"), "--graph", str(GRAPH)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "sources folder not found" in err
    assert "Traceback" not in err


def test_unparsable_graph_exits_two(capsys):
    rc = main(["audit", "--sources", str(SEEDS), "--graph", str(DATA / "broken.ttl")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "broken.ttl:2" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("value", "phrase", "found"),
    [
        ("13486", "accepted 13,486 IP-related criminal arrest reviews", True),
        ("81", "(accounting for 81% of prosecuted cases)", True),
        ("8", "(accounting for 81% of prosecuted cases)", False),
        ("80", "with more than 80% of these", True),
        ("9", "the nine-year prison sentence", True),
        ("9", "Nine cases", True),
        ("640000000", "a 640 million RMB award", True),
        ("494000", "concluded 494,000 intellectual property cases", True),
        ("21000", "21,000 individuals were prosecuted", True),
        ("1.8", "rose 1.8 times", True),
        ("56.63", "reaching 56.63 percent", True),
        ("88.9", "approximately 88.9% of them", True),
        ("500000", "nearly half a million IP cases", True),
        ("3.9", "growing nearly 3.9 times annually", True),
        ("3", "growing nearly 3.9 times annually", False),
        ("70.6", "the 70.6% year-on-year increase", True),
        ("70", "the 70.6% year-on-year increase", False),
        ("2024", "in 2024, 546 protests", True),
        ("123", "rose 123.0% on the year", True),
        ("1.8", "rose 1.80 times", True),
        ("1.8", "rose 1.81 times", False),
        ("123", "rose 123.5% on the year", False),
    ],
)
def test_value_in_phrase(value, phrase, found):
    assert value_in_phrase(Decimal(value), normalise(phrase)) is found


@given(st.integers(min_value=0, max_value=10**9))
def test_grouped_integers_are_found_and_neighbours_are_not(n):
    phrase = f"a total of {n:,} cases"
    assert value_in_phrase(Decimal(n), phrase)
    assert not value_in_phrase(Decimal(n + 1), phrase)


def test_normalise_quotes_and_whitespace():
    assert normalise("the \u201cIron Fist\u201d\n  campaign\u2019s") == 'the "Iron Fist" campaign\'s'


@pytest.mark.skipif(not REAL_SEEDS.is_dir(), reason="shared seeds folder not present")
def test_repository_graph_has_no_mismatches():
    report = audit_project(REAL_SEEDS)
    assert report.observations > 0
    assert report.mismatches == [], "\n" + report.format_text()


@pytest.mark.parametrize("ontology", [
    "<urn:onto> a <http://www.w3.org/2002/07/owl#Ontology> .\n",
    # an ontology that states what the audit reads: the data's own graph is audited then
    "<urn:onto> a <http://www.w3.org/2002/07/owl#Ontology> ; <http://purl.org/dc/terms/source> <urn:s> .\n",
])
def test_the_build_audit_from_the_loaded_project_equals_the_audit_of_the_files(tmp_path, ontology):
    """audit_data (the build: the project's merged graph, the files holding each triple from the
    parsed quads) finds exactly what auditing the files' own graphs finds, planted faults included."""
    import shutil

    from ipkg.audit import audit, audit_data
    from ipkg.load import load_project

    root = tmp_path / "p"
    for name in ("ontology", "graph", "shapes"):
        (root / name).mkdir(parents=True)
    (root / "ontology" / "o.ttl").write_text(ontology, encoding="utf-8")
    (root / "shapes" / "s.ttl").write_text("<urn:shape> a <http://www.w3.org/ns/shacl#NodeShape> .\n", encoding="utf-8")
    shutil.copy(GRAPH, root / "graph" / "graph.ttl")
    (root / "graph" / "more.ttl").write_text(  # a second file stating a triple of the first again
        "@prefix ipkg: <https://w3id.org/ipkg/ontology#> .\n"
        "<https://w3id.org/ipkg/id/obs/fx-absent> ipkg:evidence \"the county office received 12 files\" .\n",
        encoding="utf-8")
    project = load_project(root)
    fast = audit_data(project, SEEDS)
    slow = audit({p: project.files[p] for p in project.data_files}, SEEDS)
    assert fast.mismatches == slow.mismatches
    assert (fast.observations, fast.phrases) == (slow.observations, slow.phrases)
    assert len(fast.mismatches) >= 6
