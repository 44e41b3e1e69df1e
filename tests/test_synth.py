"""ipkg synth: reproducible, streamed synthetic cases shaped like (and linked to) the real graph."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from ipkg.cli import main
from ipkg.errors import IpkgError
from ipkg.synth import SYNTH, real_entities, write_synthetic

IPKG = Namespace("https://w3id.org/ipkg/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCT = Namespace("http://purl.org/dc/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")


@pytest.fixture(scope="module")
def entities():
    return real_entities()


@pytest.fixture(scope="module")
def curated():
    from ipkg.load import load_project

    return load_project().data


@pytest.fixture(scope="module")
def small(tmp_path_factory, entities):
    out = tmp_path_factory.mktemp("synth") / "s.nt"
    stats = write_synthetic(2000, out, seed=11, entities=entities)
    g = Graph()
    g.parse(out, format="nt")
    return stats, g, out


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path, entities):
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    write_synthetic(1500, a, seed=5, entities=entities)
    write_synthetic(1500, b, seed=5, entities=entities)
    write_synthetic(1500, c, seed=6, entities=entities)
    assert _sha(a) == _sha(b)
    assert _sha(a) != _sha(c)
    assert not list(tmp_path.glob(".*.tmp")), "temp file left behind"


def test_counts_and_triples_per_case(small):
    stats, g, _ = small
    assert len(g) == stats.triples
    cases = set(g.subjects(RDF.type, IPKG.Case))
    assert len(cases) == 2000 == stats.cases
    per_case = len(g) / len(cases)
    assert 10 <= per_case <= 14, per_case
    assert all(str(c).startswith(SYNTH) for c in cases)


def test_links_point_at_real_entities(small, curated):
    _, g, _ = small
    real_subjects = set(curated.subjects(RDF.type, None))
    for prop in (IPKG.charge, IPKG.function):
        targets = set(g.objects(None, prop))
        assert targets and targets <= real_subjects, prop
    handlers = set(g.objects(None, IPKG.handledBy))
    synthetic = {h for h in handlers if str(h).startswith(SYNTH)}
    assert synthetic and handlers - synthetic, "both synthetic district and real bodies handle cases"
    assert handlers - synthetic <= real_subjects
    # every synthetic body hangs under a real one
    for body in synthetic:
        parent = g.value(body, ORG.subOrganizationOf)
        assert parent in real_subjects, body
    # crime types reached by cases lead on to Criminal Law articles in the curated graph
    articles = {curated.value(c, IPKG.article) for c in g.objects(None, IPKG.charge)}
    assert None not in articles


def test_every_synthetic_node_has_labels_and_synthetic_source(small):
    _, g, _ = small
    source = URIRef(SYNTH + "source/s11")
    assert (source, RDF.type, IPKG.SourceDocument) in g
    assert any("SYNTHETIC" in str(n) for n in g.objects(source, SKOS.note))
    typed = set(g.subjects(RDF.type, None))
    for node in typed:
        langs = Counter(l.language for l in g.objects(node, SKOS.prefLabel) if isinstance(l, Literal))
        assert langs == {"en": 1, "zh": 1}, (node, langs)
        assert (node, DCT.source, source) in g, node


def test_skew_of_crimes_years_and_amounts(small):
    _, g, _ = small
    crimes = Counter(str(o).rsplit("/", 1)[1] for o in g.objects(None, IPKG.charge))
    top = crimes.most_common(1)[0][0]
    assert "trademark" in top
    years = Counter(str(d)[:4] for d in g.objects(None, DCT.date))
    assert set(years) <= {str(y) for y in range(2019, 2025)} and len(years) == 6
    assert years["2024"] > years["2019"]
    values = sorted(int(v) for v in g.objects(None, URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")))
    assert len(values) > 100
    median, mean = values[len(values) // 2], sum(values) / len(values)
    assert mean > 1.5 * median, "lognormal amounts are right-skewed"


def test_planted_cases_have_two_english_labels(tmp_path, entities):
    out = tmp_path / "p.nt"
    stats = write_synthetic(500, out, seed=2, entities=entities, plant=4)
    g = Graph().parse(out, format="nt")
    doubled = [c for c in g.subjects(RDF.type, IPKG.Case)
               if sum(l.language == "en" for l in g.objects(c, SKOS.prefLabel)) == 2]
    assert stats.planted == len(doubled) == 4
    assert stats.triples == len(g)


def test_cli_and_errors(tmp_path, capsys):
    out = tmp_path / "x.nt"
    assert main(["synth", "--cases", "300", "--out", str(out), "--seed", "9"]) == 0
    assert "300 cases" in capsys.readouterr().out and out.stat().st_size > 0
    assert main(["synth", "--cases", "0", "--out", str(out)]) == 2
    assert main(["synth", "--cases", "10", "--out", str(tmp_path / "nope" / "x.nt")]) == 2
    with pytest.raises(IpkgError):
        write_synthetic(10, tmp_path / "y.nt", plant=11)
