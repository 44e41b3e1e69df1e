"""ipkg query: engines, parameters, formats, labels and errors, through the CLI and the library."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ipkg import query
from ipkg.cli import main
from ipkg.errors import IpkgError

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def run_cli(capsys, *argv):
    code = main(["query", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_engines_agree_on_triple_count():
    ox = query.run_query(COUNT_ALL, engine="oxigraph").plain_rows()[0]["n"]
    rl = query.run_query(COUNT_ALL, engine="rdflib").plain_rows()[0]["n"]
    assert ox == rl > 1000


def test_same_files_as_the_project_loader(project):
    n = query.run_query(COUNT_ALL).plain_rows()[0]["n"]
    assert n == len(project.merged())


def test_syntax_error_shows_line_and_caret(capsys):
    code, out, err = run_cli(capsys, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTR(?s)\n}")
    assert code == 2
    assert out == ""
    assert "<query>:3:" in err and "SPARQL syntax error" in err
    lines = err.splitlines()
    src = next(i for i, l in enumerate(lines) if l.strip() == "FILTR(?s)")
    assert lines[src + 1].strip() == "^"
    assert lines[src].index("FILTR") <= lines[src + 1].index("^") <= lines[src].index(")")
    assert "Traceback" not in err


def test_undeclared_prefix_is_named(capsys):
    code, _, err = run_cli(capsys, "SELECT ?s WHERE { ?s ex:p ?o }")
    assert code == 2 and "undeclared prefix 'ex:'" in err and "--prefixes" in err


def test_syntax_error_in_rq_file_names_the_file(tmp_path, capsys):
    f = tmp_path / "bad.rq"
    f.write_text("SELECT * WHERE { ?s ?p }\n")
    code, _, err = run_cli(capsys, str(f))
    assert code == 2 and f"{f}:1:24:" in err


def test_syntax_error_same_format_on_rdflib(capsys):
    code, _, err = run_cli(capsys, "--engine", "rdflib", "SELECT * WHERE { ?s ?p }")
    assert code == 2 and "<query>:1:24:" in err


def test_unknown_example_lists_the_available_ones(capsys):
    code, out, err = run_cli(capsys, "no-such-example")
    assert code == 2
    assert "no example query called 'no-such-example'" in err
    assert "org-hierarchy" in err and "who-says" in err


def test_close_name_is_suggested(capsys):
    code, _, err = run_cli(capsys, "hierarchy")
    assert code == 2 and "did you mean org-hierarchy" in err


def test_list(capsys):
    code, out, _ = run_cli(capsys, "--list")
    assert code == 0
    assert len(out.splitlines()) >= 30 and out.startswith("agreements-and-parties")


def test_table_has_label_columns_and_compact_iris(capsys):
    code, out, _ = run_cli(capsys, "crime-type-tree")
    assert code == 0
    header = out.splitlines()[0].split()
    assert header[:4] == ["crimeType", "crimeTypeLabel", "broader", "broaderLabel"]
    assert "icrime:trade-secrets-for-overseas" in out
    assert "commercial espionage" not in out  # altLabel is not the label
    assert "stealing, spying on, buying or illegally providing" in out
    assert out.rstrip().endswith("18 rows")


def test_chinese_labels(capsys):
    code, out, _ = run_cli(capsys, "crime-type-tree", "--lang", "zh", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    by_iri = {r["crimeType"]: r for r in rows}
    row = by_iri["https://w3id.org/ipkg/id/crime/trade-secrets-for-overseas"]
    assert row["crimeTypeLabel"] == "为境外窃取、刺探、收买、非法提供商业秘密罪"
    assert row["articleNumber"] == "219-1"


def test_json_is_sparql_results_json(capsys):
    code, out, _ = run_cli(capsys, "amendment-xi-changes", "--format", "json", "--no-labels")
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["articleNumber", "change", "article", "crimeType"]
    inserted = [b for b in doc["results"]["bindings"] if b["change"]["value"] == "inserted"]
    assert [b["articleNumber"]["value"] for b in inserted] == ["219-1"]
    assert inserted[0]["article"] == {"type": "uri",
                                      "value": "https://w3id.org/ipkg/id/law/criminal-law-art-219-1"}


def test_tsv_and_md(capsys):
    code, out, _ = run_cli(capsys, "SELECT ?x WHERE { VALUES ?x { 1 \"a\"@zh <http://e/x> } }",
                           "--format", "tsv", "--no-labels")
    assert out.splitlines() == ["?x", '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', '"a"@zh', "<http://e/x>"]
    code, out, _ = run_cli(capsys, "SELECT ?x WHERE { VALUES ?x { \"a|b\" } }", "--format", "md")
    assert out.splitlines()[:3] == ["| x |", "|---|", "| a\\|b |"]


def test_ask_and_construct(capsys):
    code, out, _ = run_cli(capsys, "ask-spp-has-ip-department")
    assert (code, out) == (0, "true\n")
    code, out, _ = run_cli(capsys, "ASK { <http://nothing/here> ?p ?o }", "--format", "json")
    assert json.loads(out) == {"head": {}, "boolean": False}
    code, out, _ = run_cli(capsys, "construct-org-tree", "--format", "nt")
    from rdflib import Graph, URIRef

    g = Graph().parse(data=out, format="nt")
    org = "http://www.w3.org/ns/org#subOrganizationOf"
    assert (URIRef("https://w3id.org/ipkg/id/org/spp-ip-procuratorial-department"), URIRef(org),
            URIRef("https://w3id.org/ipkg/id/org/spp")) in g
    code, _, err = run_cli(capsys, "org-hierarchy", "--format", "ttl")
    assert code == 2 and "CONSTRUCT" in err


def test_param_binds_a_chinese_name(capsys):
    code, out, _ = run_cli(capsys, "lookup-by-chinese-name", "--param", "name=侵犯商业秘密罪",
                           "--format", "csv", "--no-labels")
    rows = list(csv.DictReader(io.StringIO(out)))
    crime = [r for r in rows if r["entity"] == "https://w3id.org/ipkg/id/crime/infringing-trade-secrets"]
    assert [r["enLabel"] for r in crime] == ["infringing trade secrets"]
    assert all("侵犯商业秘密罪" in r["zhLabel"] for r in rows)
    assert all(r["name"] == "侵犯商业秘密罪" for r in rows)


def test_param_iri(capsys):
    code, out, _ = run_cli(capsys, "trade-secret-figures", "--param", "group=icrime:copyright-crimes",
                           "--format", "csv", "--no-labels")
    crimes = {r["crimeType"] for r in csv.DictReader(io.StringIO(out))}
    assert "https://w3id.org/ipkg/id/crime/copyright-infringement" in crimes
    assert not any("secret" in c for c in crimes)


def test_param_unknown_variable_is_an_error(capsys):
    code, _, err = run_cli(capsys, "who-says", "--param", "txt=13,486")
    assert code == 2 and "no variable ?txt" in err


@pytest.mark.parametrize("value", ['"} ; DROP ALL ; {"', "<x> ?p ?o", "x\" } UNION { ?s ?p ?o } #",
                                   "') } ; INSERT DATA { <a> <b> <c> } #"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_injection_strings_are_just_strings(value, engine):
    before = query.run_query(COUNT_ALL, engine=engine).plain_rows()
    res = query.run_query("lookup-by-chinese-name", params=[f"name={value}"], engine=engine)
    assert res.rows == []
    res = query.run_query("who-says", params=[f"text={value}"], engine=engine)
    assert res.rows == []
    # the value arrives intact: it is one literal, compared as a whole
    echo = query.run_query("SELECT ?v WHERE { BIND(STR(?x) AS ?v) }", params=[f"x={value}"], engine=engine)
    expected = value[1:-1] if value.startswith('"') and value.endswith('"') else value
    assert echo.plain_rows() == [{"v": expected}]
    assert query.run_query(COUNT_ALL, engine=engine).plain_rows() == before


def test_bind_values_keeps_value_one_term():
    params = query.parse_params(['name=x" } ; DROP ALL ; { "'])
    text = query.bind_values("SELECT * WHERE { ?s ?p ?name }", params)
    assert text.count("{") == 3 and text.count("}") == 3  # braces inside the escaped literal excluded
    assert 'VALUES (?name) { ("x\\" } ; DROP ALL ; { \\"") }' in text
    query.check_syntax(text)


def test_bind_values_skips_braces_in_strings_and_comments():
    params = query.parse_params(["x=1"])
    text = query.bind_values('# {comment}\nCONSTRUCT { ?s <p> "{" } WHERE { ?s ?p ?x }', params)
    assert text.endswith("WHERE { VALUES (?x) { (\"1\"^^<http://www.w3.org/2001/XMLSchema#integer>) }  ?s ?p ?x }")


def test_param_value_syntax():
    import pyoxigraph as ox

    p = query.parse_params
    assert p(["a=iorg:spp"])["a"] == ox.NamedNode("https://w3id.org/ipkg/id/org/spp")
    assert p(["a=<http://x/y>"])["a"] == ox.NamedNode("http://x/y")
    assert p(['a="最高"@zh'])["a"] == ox.Literal("最高", language="zh")
    assert p(["a=42"])["a"] == ox.Literal("42", datatype=ox.NamedNode(query.XSD + "integer"))
    assert p(["a=13,486"])["a"] == ox.Literal("13,486")
    assert p(["a=unknownprefix:x"])["a"] == ox.Literal("unknownprefix:x")
    with pytest.raises(IpkgError):
        p(["novalue"])
    with pytest.raises(IpkgError):
        p(["bad name=1"])


def test_store_engine_matches_memory(tmp_path):
    store_mod = pytest.importorskip("ipkg.store")
    store_mod.load_files(query.project_files(), tmp_path / "store")
    res = query.run_query("facts-per-source", engine=query.get_engine(store=tmp_path / "store"))
    assert query.normalised_rows(res) == query.normalised_rows(query.run_query("facts-per-source"))


def test_store_missing_is_a_clear_error(tmp_path, capsys):
    code, _, err = run_cli(capsys, "org-hierarchy", "--store", str(tmp_path / "nope"))
    assert code == 2 and "nope" in err


def test_endpoint_unreachable(capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = run_cli(capsys, "org-hierarchy", "--endpoint", f"http://127.0.0.1:{port}/query",
                             "--timeout", "5")
    assert code == 2 and out == ""
    assert f"cannot reach http://127.0.0.1:{port}/query" in err and "Traceback" not in err


def test_endpoint_bad_url(capsys):
    code, _, err = run_cli(capsys, "org-hierarchy", "--endpoint", "ftp://x")
    assert code == 2 and "not an http(s) URL" in err


def test_truncated_or_invalid_json_is_an_error():
    good = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
    assert query._parse_json_results(good, "u").rows == [{"n": {"type": "literal", "value": "1"}}]
    for body in (good[:-5], b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled',
                 b"<html>busy</html>", b'{"head":{}}', b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":3}]}}'):
        with pytest.raises(IpkgError) as err:
            query._parse_json_results(body, "u")
        assert err.value.exit_code == 2 and "incomplete or invalid" in err.value.message
    with pytest.raises(IpkgError):
        query._parse_graph_body(b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> ", "application/n-triples", "u")
