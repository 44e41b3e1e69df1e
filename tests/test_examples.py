"""The example queries: headers, expected rows on pyoxigraph AND rdflib, and their RDF publication."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipkg import examples, query

EXPECTED = Path(__file__).parent / "data" / "expected"
NAMES = [ex.name for ex in examples.list_examples()]


@pytest.fixture(scope="module")
def engines():
    return {"oxigraph": query.get_engine("oxigraph"), "rdflib": query.get_engine("rdflib")}


def test_at_least_thirty_examples_with_bilingual_headers():
    exs = examples.list_examples()
    assert len(exs) >= 30
    for ex in exs:
        for key in examples.REQUIRED:
            assert ex.meta.get(key), f"{ex.name}: missing '# {key}:'"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in ex.title_zh), ex.name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in ex.description_zh), ex.name
        for subject in ex.subjects:
            assert examples._expand(subject, query.PREFIXES), f"{ex.name}: unknown prefix in {subject}"


@pytest.mark.parametrize("name", NAMES)
def test_example_rows_match_expected_on_both_engines(name, engines):
    path = EXPECTED / f"{name}.json"
    assert path.is_file(), f"no expected rows for {name}: run python tests/regen_expected.py {name} and review"
    expected = json.loads(path.read_text(encoding="utf-8"))["rows"]
    for engine_name, engine in engines.items():
        rows = query.normalised_rows(query.run_query(name, engine=engine))
        # compared as JSON text, so that 1 and true (or 97 and 97.0) are not taken as equal
        assert json.dumps(rows, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False), \
            f"{name} on {engine_name} differs from {path.name}"


def test_every_expected_file_belongs_to_an_example():
    assert sorted(p.stem for p in EXPECTED.glob("*.json")) == sorted(NAMES)


def test_examples_have_rows():
    """A query that returns nothing on the shipped graph is probably a wrong query."""
    empty = [n for n in NAMES if not json.loads((EXPECTED / f"{n}.json").read_text("utf-8"))["rows"]]
    assert not empty


def test_write_examples_sib_convention(tmp_path):
    from rdflib import RDF, RDFS, Graph, URIRef
    from rdflib.namespace import DCTERMS, SH

    written = examples.write_examples(tmp_path)
    ttl = tmp_path / "queries" / "examples.ttl"
    assert ttl in written
    for name in NAMES:
        assert (tmp_path / "queries" / f"{name}.rq").read_text("utf-8") == \
            (examples.examples_dir() / f"{name}.rq").read_text("utf-8")
    g = Graph().parse(ttl)
    nodes = set(g.subjects(RDF.type, SH.SPARQLExecutable))
    assert len(nodes) == len(NAMES)
    for ex in examples.list_examples():
        node = URIRef(ex.iri)
        assert node in nodes
        langs = {l.language for l in g.objects(node, RDFS.label)}
        assert langs == {"en", "zh"}
        assert {l.language for l in g.objects(node, RDFS.comment)} == {"en", "zh"}
        assert list(g.objects(node, DCTERMS.subject)), ex.name
        prop = {"select": SH.select, "ask": SH.ask, "construct": SH.construct}[ex.form]
        cls = {"select": SH.SPARQLSelectExecutable, "ask": SH.SPARQLAskExecutable,
               "construct": SH.SPARQLConstructExecutable}[ex.form]
        assert (node, RDF.type, cls) in g
        (text,) = list(g.objects(node, prop))
        assert not str(text).startswith("#")
        assert query.check_syntax(str(text)) in ("select", "ask", "graph")
        prefixes = g.value(node, SH.prefixes)
        declared = {str(g.value(d, SH.prefix)) for d in g.objects(prefixes, SH.declare)}
        assert {"ipkg", "iorg", "skos"} <= declared
    # nothing half-written left behind
    assert not [p for p in (tmp_path / "queries").iterdir() if p.name.startswith(".")]


def test_example_header_missing_is_refused(tmp_path, monkeypatch):
    from ipkg.errors import IpkgError

    qdir = tmp_path / "queries"
    qdir.mkdir()
    (qdir / "bad.rq").write_text("# title: only a title\nSELECT * WHERE { ?s ?p ?o }\n")
    monkeypatch.setattr(examples, "examples_dir", lambda: qdir)
    with pytest.raises(IpkgError) as err:
        examples.write_examples(tmp_path / "out")
    assert "description" in str(err.value)
