"""Issue 15, tried as a researcher would: each friction point is a test on real output.

Prefixes known without PREFIX lines (one prefix file), printed CURIEs pasted back, matching
that ignores thousands separators / case / full-width digits, tables that neither cut nor tag
nor misalign, label columns in ``kg.df`` by default, founding dates that agree with
establishments. (The query page and the second engine: test_querypage.py,
test_examples_virtuoso.py.)
"""

from __future__ import annotations

import re

import pytest

from ipkg import api, examples, load, query, vocab
from ipkg.cli import main
from ipkg.paths import data_root


def run_cli(capsys, *argv):
    code = main(["query", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ one prefix file


def test_one_prefix_file_feeds_loader_query_and_examples():
    path = vocab.prefix_file()
    assert path == data_root() / "ontology" / "prefixes.ttl"
    declared = dict(re.findall(r"(?m)^@prefix ([\w\-]+): <([^>]+)> \.", path.read_text("utf-8")))
    assert vocab.PREFIXES == declared and len(declared) >= 40
    assert load.PREFIXES is vocab.PREFIXES and query.PREFIXES is vocab.PREFIXES
    assert not (data_root() / "docs" / "prefixes.ttl").exists()  # the old copy is gone
    g = examples.examples_graph()
    from rdflib.namespace import SH

    published = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(None, SH.declare)}
    assert published == vocab.PREFIXES


def test_prefix_file_holds_no_triples(project):
    quads, prefixes = load._parse_quads(vocab.prefix_file())
    assert quads == [] and prefixes == vocab.PREFIXES
    # so the loaders leave it out of the ontology files (it is no ontology, it names no graph)
    assert vocab.prefix_file() not in project.files and vocab.prefix_file() not in query.project_files()


def test_query_prefixes_lists_them(capsys):
    code, out, _ = run_cli(capsys, "--prefixes")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(vocab.PREFIXES)
    assert any(re.fullmatch(r"PREFIX iorg:\s+<https://w3id.org/ipkg/id/org/>", line) for line in lines)
    # what it prints is a valid prologue
    assert query.check_syntax(out + "ASK {}") == "ask"


def test_curies_without_prefix_lines_work_in_the_cli(capsys):
    code, out, err = run_cli(capsys, "SELECT ?s WHERE { ?s a ipkg:Court } ORDER BY ?s", "--format", "csv",
                             "--no-labels")
    assert code == 0, err
    assert out.splitlines()[1:] == ["https://w3id.org/ipkg/id/org/peoples-courts-nationwide",
                                    "https://w3id.org/ipkg/id/org/shanghai-courts",
                                    "https://w3id.org/ipkg/id/org/shanghai-high-court",
                                    "https://w3id.org/ipkg/id/org/spc"]


def test_printed_curies_can_be_pasted_back(capsys):
    code, out, _ = run_cli(capsys, "units-under-spp", "--no-labels", "--width", "0")
    curie = next(c for c in out.split() if c.startswith("iorg:") and c != "iorg:spp")
    code, out, err = run_cli(capsys, f"ASK {{ {curie} (org:unitOf|org:subOrganizationOf)+ iorg:spp }}")
    assert (code, out) == (0, "true\n"), err


def test_own_prefix_lines_win_and_only_used_prefixes_are_added():
    text = "PREFIX iorg: <http://example.org/other/>\nSELECT * WHERE { iorg:x skos:prefLabel ?l }"
    full = vocab.with_prefixes(text)
    assert full.count("PREFIX iorg:") == 1 and "PREFIX skos:" in full and "PREFIX ipkg:" not in full
    # prefixes in strings, IRIs and comments are not "used"
    assert vocab.with_prefixes('SELECT * WHERE { ?s ?p "iorg:x" } # ifn:civil') == \
        'SELECT * WHERE { ?s ?p "iorg:x" } # ifn:civil'


def test_syntax_error_positions_are_the_users_lines(capsys):
    code, _, err = run_cli(capsys, "SELECT ?s WHERE {\n  ?s a ipkg:Court .\n  FILTR(?s)\n}")
    assert code == 2
    assert "<query>:3:" in err and "FILTR(?s)" in err and "PREFIX" not in err


def test_curies_without_prefix_lines_work_in_the_api():
    kg = api.load()
    rows = kg.query("SELECT ?label WHERE { iorg:spp skos:prefLabel ?label FILTER(LANG(?label) = 'zh') }")
    assert rows == [{"label": "最高人民检察院"}]
    assert kg.prefixes["ipkg"] == "https://w3id.org/ipkg/ontology#"


def test_curies_without_prefix_lines_reach_an_endpoint_declared():
    """A real Oxigraph server (which refuses an undeclared prefix) answers the hand-written
    query: ipkg declared the project prefixes it uses before sending it."""
    from ipkg import serve

    bind = f"127.0.0.1:{serve._free_loopback_port()}"
    server = serve.start_server(None, bind, read_only=False, quiet=True)
    try:
        endpoint = query.EndpointEngine(f"http://{bind}/query")
        q = "ASK { iorg:spp a ipkg:Procuratorate }"
        import httpx

        bare = httpx.post(f"http://{bind}/query", data={"query": q}, timeout=10)
        assert bare.status_code == 400  # the server itself does not know the project prefixes
        result = query.run_query(q, engine=endpoint)
        assert result.kind == "ask" and result.boolean is False  # declared, parsed, answered
    finally:
        serve.stop_server(server)


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize("value, found", [
    ("21000", "21,000 individuals"), ("21,000", "21,000 individuals"), ("２１０００", "21,000 individuals"),
    ("qinglang", "Qinglang"), ("QINGLANG", "Qinglang"), ("13 486", "13,486"),
])
def test_who_says_finds_what_people_type(value, found, capsys):
    code, out, err = run_cli(capsys, "who-says", "--param", f"text={value}", "--format", "csv")
    assert code == 0, err
    assert found in out


def test_full_width_digits_are_text_not_an_integer():
    term = query.parse_param_value("１３４８６")
    assert term.datatype.value.endswith("#string") and term.value == "１３４８６"
    assert query.parse_param_value("13486").datatype.value.endswith("#integer")


def test_lookup_finds_chinese_and_english_names(capsys):
    for value, entity in (("知识产权检察厅", "iorg:spp-ip-procuratorial-department"),
                          ("supreme people's court", "iorg:spc")):
        code, out, err = run_cli(capsys, "lookup-by-chinese-name", "--param", f"name={value}", "--width", "0")
        assert code == 0 and entity in out, err


# ------------------------------------------------------------------ tables


def _table(capsys, *argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    return out


def test_table_never_cuts_a_label_and_shows_no_language_tag(capsys):
    full = query.run_query("who-says", params=["text=qinglang"]).plain_rows()[0]["evidence"]
    assert len(full) > 60
    out = _table(capsys, "who-says", "--param", "text=qinglang", "--width", "0")
    assert full in out and "…" not in out
    out = _table(capsys, "lookup-by-chinese-name", "--width", "0")
    assert "@zh" not in out and "@en" not in out and "最高人民检察院" in out
    # narrow terminal: cells wrap within their column, nothing is lost
    out = _table(capsys, "who-says", "--param", "text=qinglang", "--width", "80", "--lang", "zh")
    assert max(query.text_width(line) for line in out.splitlines()) <= 80
    assert _column(out, "evidence").replace(" ", "") == full.replace(" ", "")
    label = query.run_query("who-says", params=["text=qinglang"], lang="zh").labels
    assert _column(out, "sourceLabel").replace(" ", "") in {v.replace(" ", "") for v in label.values()}


def _display_slice(line: str, start: int, end: int) -> str:
    out, col = "", 0
    for ch in line:
        if start <= col < end:
            out += ch
        col += query.text_width(ch)
    return out


def _column(table: str, name: str) -> str:
    """The text of column ``name`` of a one-row table, its wrapped pieces joined."""
    lines = table.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "})
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[rule])]
    heads = ["".join(_display_slice(h, *span).strip() for h in lines[:rule]) for span in spans]
    start, end = spans[heads.index(name)]
    return "".join(_display_slice(line, start, end).strip() + " " for line in lines[rule + 1:-1]).strip()


def test_table_columns_line_up_with_chinese_text(capsys):
    out = _table(capsys, "org-hierarchy", "--lang", "zh", "--width", "0")
    lines = out.splitlines()
    header, rule, body = lines[0], lines[1], lines[2:-1]
    assert any(re.search(r"[\u4e00-\u9fff]", line) for line in body)
    starts = [m.start() for m in re.finditer(r"-+", rule)]  # display column of each column
    for line in body:
        # the display column at which each cell starts must be a column start of the rule
        col, positions, prev_space = 0, [], 2
        for ch in line:
            if ch != " " and prev_space >= 2:
                positions.append(col)
            prev_space = prev_space + 1 if ch == " " else 0
            col += query.text_width(ch)
        assert positions[0] == 0 and set(positions) <= set(starts), line
    assert query.text_width(header.split()[0]) <= len(rule.split()[0])


def test_df_has_label_columns_by_default_like_the_cli(capsys):
    kg = api.load()
    df = kg.df("org-hierarchy")
    out = _table(capsys, "org-hierarchy", "--format", "csv")
    assert list(df.columns) == out.splitlines()[0].split(",")
    assert any(c.endswith("Label") for c in df.columns)
    assert not any(c.endswith("Label") for c in kg.df("org-hierarchy", labels=False).columns)
    assert "最高人民检察院" in set(kg.df("org-hierarchy", lang="zh").stack())


def test_founding_dates_agree_with_establishments():
    founded = {(r["organisation"], r["foundingDate"]) for r in query.run_query("founding-dates").plain_rows()}
    established = {(r["organisation"], r["date"]) for r in query.run_query("establishments").plain_rows()
                   if "date" in r}
    assert established <= founded and len(founded) >= len(established) == 7
