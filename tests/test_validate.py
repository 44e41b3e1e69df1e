"""ipkg validate: the report on the repository graph, user files, output formats, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from ipkg.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "validate"
IPKG = "https://w3id.org/ipkg/ontology#"
SHAPES = "https://w3id.org/ipkg/shapes#"
LOC = re.compile(r"[\w./-]+\.(?:ttl|nt|jsonld):\d+")


@pytest.fixture(scope="module")
def repo_report(project):
    from ipkg.validate import validate_project

    return validate_project(project)


def run_cli(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ the repository graph


def test_repository_graph_has_no_violations(repo_report):
    assert repo_report.conforms, repo_report.format_text()


def _linked(project, link: str):
    return sorted(project.data.subject_objects(URIRef(IPKG + link)))


def test_known_contradictions_in_the_shanghai_white_paper_are_reported(project, repo_report):
    """The four contradictions of the Shanghai 2023 white paper, found through the links the data
    uses (no IRIs hard-coded): 129 vs parts summing to 130; 2 vs 1 and 5 vs 4 (restatesExactly);
    17 cases as a subset of 16."""
    from ipkg.validate import validate_project  # noqa: F401  (the report comes from the fixture)

    value = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    v = lambda n: project.data.value(n, value).toPython()  # noqa: E731
    warnings = {(r.focus, r.rule) for r in repo_report.results if r.severity == "Warning"}

    totals = {t for _, t in _linked(project, "partOf")}
    bad_sums = [t for t in totals
                if v(t) == 129 and sum(v(p) for p in project.data.subjects(URIRef(IPKG + "partOf"), t)) == 130]
    assert bad_sums, "no total of 129 whose parts sum to 130 in the graph"
    for t in bad_sums:
        assert (str(t), SHAPES + "SumOfPartsShape-rule") in warnings

    same = [(a, b) for a, b in _linked(project, "restatesExactly") if {v(a), v(b)} in ({2, 1}, {5, 4})]
    assert {frozenset((v(a), v(b))) for a, b in same} >= {frozenset((2, 1)), frozenset((5, 4))}
    for a, _b in same:
        assert (str(a), SHAPES + "RestatementShape-rule") in warnings

    subsets = [(a, b) for a, b in _linked(project, "subsetOf") if (v(a), v(b)) == (17, 16)]
    assert subsets
    for a, _ in subsets:
        assert (str(a), SHAPES + "SubsetShape-rule") in warnings

    arithmetic = [r for r in repo_report.results if r.rule and r.rule.endswith("Shape-rule")]
    assert len(arithmetic) >= 4
    for r in arithmetic:
        assert r.location and r.location.startswith("graph/sources/"), r
        assert re.search(r"\d", r.message_en) and re.search(r"\d", r.message_zh)


def test_every_arithmetic_warning_names_the_figures_values(repo_report):
    for r in repo_report.results:
        if r.rule == SHAPES + "SumOfPartsShape-rule":
            assert re.search(r"stated as \d+ but its \d+ parts .* sum to \d+", r.message_en), r.message_en


# ------------------------------------------------------------------ output formats carry path:line


def test_text_json_md_ttl_carry_path_line(capsys):
    path = DATA / "user-violation.ttl"
    where = f"{Path('tests/data/validate/user-violation.ttl')}:9"
    for fmt in ("text", "json", "md", "ttl"):
        code, out, err = run_cli(capsys, "--format", fmt, path)
        assert code == 1, (fmt, err)
        assert where in out or str(path) + ":9" in out, (fmt, out[:2000])
    code, out, _ = run_cli(capsys, "--format", "json", path)
    doc = json.loads(out)
    r = next(r for r in doc["results"] if r["rule"] == SHAPES + "EntityShape-source")
    assert r["line"] == 9 and r["file"].endswith("user-violation.ttl")
    assert r["component"] == "MinCountConstraintComponent" and r["severity"] == "Violation"
    assert r["message_zh"] and r["message_en"]
    code, out, _ = run_cli(capsys, "--format", "ttl", path)
    g = Graph().parse(data=out, format="turtle")
    assert any(str(o).endswith("user-violation.ttl:9") for o in g.objects(None, URIRef(SHAPES + "definedAt")))


def test_lang_zh_gives_chinese_messages(capsys):
    code, out, _ = run_cli(capsys, "--lang", "zh", DATA / "user-violation.ttl")
    assert code == 1 and "每个实体必须至少引用一个来源" in out


def test_no_colour_when_not_a_terminal(capsys):
    _, out, _ = run_cli(capsys, DATA / "user-violation.ttl")
    assert "\033[" not in out
    _, out, _ = run_cli(capsys, "--color", "always", DATA / "user-violation.ttl")
    assert "\033[31m" in out


# ------------------------------------------------------------------ user files and exit codes


def test_conforming_user_file_exits_0(capsys):
    code, out, _ = run_cli(capsys, DATA / "user-ok.ttl")
    assert code == 0, out
    assert "0 violation(s), 0 warning(s)" in out


def test_warnings_fail_only_with_fail_on_warning(capsys, tmp_path):
    f = tmp_path / "no-level.ttl"
    f.write_text((DATA / "user-ok.ttl").read_text(encoding="utf-8").replace("    ipkg:level ilvl:district ;\n", ""), encoding="utf-8")
    code, out, _ = run_cli(capsys, f)
    assert code == 0 and "0 violation(s), 1 warning(s)" in out, out
    code, _, _ = run_cli(capsys, "--fail-on", "warning", f)
    assert code == 1


def test_unknown_class_and_property_are_reported_by_name(capsys):
    code, out, _ = run_cli(capsys, DATA / "user-unknown-class.ttl")
    assert code == 1
    assert "class ex:Foo is not declared in the ipkg ontology" in out
    assert "property ex:colour is not declared in the ipkg ontology" in out


def test_undeclared_prefix_is_a_load_error_with_position(capsys):
    code, out, err = run_cli(capsys, DATA / "user-undeclared-prefix.ttl")
    assert code == 2
    assert re.search(r"user-undeclared-prefix\.ttl:3:\d+: .*prefix", err), err


def test_folder_of_user_files_and_other_formats(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "--format", "json", DATA / "user-office.nt", DATA / "user-team.jsonld")
    doc = json.loads(out)
    locations = {r["focus"]: r["location"] for r in doc["results"] + doc["checks"]["results"]}
    assert locations["https://w3id.org/ipkg/id/org/example-nt-office"].endswith("user-office.nt:1")
    assert locations["https://w3id.org/ipkg/id/org/example-jsonld-team"].endswith("user-team.jsonld:9")
    # only the user's subjects are reported, not the reference graph's
    assert all("/reference/" not in (loc or "") for loc in locations.values())
    code, _, err = run_cli(capsys, tmp_path)
    assert code == 2 and "no RDF files" in err
    code, _, err = run_cli(capsys, tmp_path / "missing.ttl")
    assert code == 2


def test_malformed_shapes_file_exits_2_with_position(capsys, project_copy):
    bad = project_copy / "shapes" / "broken.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<https://example.org/s> sh:path <https://example.org/p> ;\n    sh:minCount 1 1 .\n", encoding="utf-8")
    code, out, err = run_cli(capsys)
    assert code == 2
    assert re.search(r"shapes/broken\.ttl:4:\d+: ", err), err


# ------------------------------------------------------------------ origins


def test_origins_turtle_ntriples_jsonld(tmp_path):
    from ipkg.origins import Origins

    o = Origins.from_files([DATA / "user-ok.ttl", DATA / "user-office.nt", DATA / "user-team.jsonld"])
    assert o.lookup("https://w3id.org/ipkg/id/org/example-district-procuratorate")[1] == 10
    assert o.lookup("https://w3id.org/ipkg/id/org/example-nt-office")[1] == 1
    assert o.lookup("https://w3id.org/ipkg/id/org/example-jsonld-team")[1] == 9
    # not defined at column 0: first mention
    assert o.lookup("https://w3id.org/ipkg/id/level/district")[1] == 12
    assert o.lookup("https://w3id.org/ipkg/id/org/nowhere") is None


def test_origins_cover_every_subject_of_the_repository(project):
    from ipkg.origins import Origins

    o = Origins.from_files([p for p in project.files])
    subjects = {s for s in project.data.subjects() if isinstance(s, URIRef)}
    missing = [s for s in subjects if o.lookup(s) is None]
    assert not missing, missing[:10]


# ------------------------------------------------------------------ user files in the context of the graph


def test_user_file_referring_to_entities_of_other_graph_files_conforms(capsys):
    """Reproduction (#13): a correct new file whose entities point at iorg:zhejiang-procuratorate,
    iind:… and other nodes defined in graph/sources/ gave 5 false violations and 2 false warnings
    when only graph/reference/ was merged in."""
    code, out, err = run_cli(capsys, "--format", "json", DATA / "user-context.ttl")
    doc = json.loads(out)
    assert doc["results"] == [] and doc["checks"]["results"] == [], out
    assert code == 0 and doc["conforms"] and not err


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in {
    "dcterms": "http://purl.org/dc/terms/", "ipkg": IPKG, "idoc": "https://w3id.org/ipkg/id/doc/",
    "iobs": "https://w3id.org/ipkg/id/obs/", "iorg": "https://w3id.org/ipkg/id/org/",
    "iev": "https://w3id.org/ipkg/id/event/", "isrc": "https://w3id.org/ipkg/id/source/",
    "qb": "http://purl.org/linked-data/cube#", "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#", "prov": "http://www.w3.org/ns/prov#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "xsd": "http://www.w3.org/2001/XMLSchema#",
}.items())


def test_a_new_part_that_breaks_a_projects_sum_is_reported_at_the_users_line(project, capsys, tmp_path):
    """A result about a project node counts when the user's triples cause it: a part added to a
    total that adds up makes the sum wrong, and the warning points at the user's file."""
    value = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    part_of = URIRef(IPKG + "partOf")
    total = next(t for t in sorted(set(project.data.objects(None, part_of)))
                 if project.data.value(t, value) is not None
                 and sum(project.data.value(p, value).toPython() for p in project.data.subjects(part_of, t))
                 == project.data.value(t, value).toPython()
                 and (t, URIRef(IPKG + "qualifier"), None) not in project.data)
    # a part states its value on one axis its total is broken down by (docs/modeling.md, breakdowns)
    axis = sorted(project.data.objects(total, URIRef(IPKG + "brokenDownBy")))[0]
    code = next(c for p in sorted(project.data.subjects(part_of, total)) for c in project.data.objects(p, axis))
    f = _write(tmp_path / "extra-part.ttl", PREFIXES + f"""
iobs:example-extra-part a qb:Observation ;
    skos:prefLabel "Example extra part"@en , "示例额外部分"@zh ;
    sdmx-measure:obsValue 7 ;
    <{axis}> <{code}> ;
    ipkg:partOf <{total}> ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .
""")
    code, out, _ = run_cli(capsys, "--format", "json", f)
    doc = json.loads(out)
    sums = [r for r in doc["results"] if r["rule"] == SHAPES + "SumOfPartsShape-rule"]
    assert [r["focus"] for r in sums] == [str(total)], out
    line = next(i for i, t in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if "ipkg:partOf" in t)
    assert sums[0]["file"].endswith("extra-part.ttl") and sums[0]["line"] == line  # where the total is mentioned
    assert sums[0]["severity"] == "Warning" and code == 1  # (the bare observation has violations of its own)


def test_results_the_project_already_has_are_not_the_users(repo_report, capsys, tmp_path):
    """Pointing at a project node that has warnings of its own does not report them."""
    warned = next(r.focus for r in repo_report.results
                  if r.severity == "Warning" and r.focus.startswith("https://") and "/obs/" not in r.focus)
    f = _write(tmp_path / "about.ttl", PREFIXES + f"""
idoc:example-about-agreement a ipkg:Agreement ;
    skos:prefLabel "Example agreement"@en , "示例协议"@zh ;
    dcterms:creator iorg:spp ;
    ipkg:party iorg:spp , iorg:zhejiang-procuratorate ;
    schema:about <{warned}> ;
    dcterms:date "2024-03-15"^^xsd:date ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .
""")
    code, out, _ = run_cli(capsys, "--format", "json", f)
    doc = json.loads(out)
    assert code == 0 and doc["results"] == [] and doc["checks"]["results"] == [], out


# ------------------------------------------------------------------ ill-formed literals


ILL_FORMED = PREFIXES + """
idoc:example-dated-agreement a ipkg:Agreement ;
    skos:prefLabel "Example dated agreement"@en , "示例协议"@zh ;
    dcterms:creator iorg:spp ;
    ipkg:party iorg:spp , iorg:zhejiang-procuratorate ;
    dcterms:date "15/03/2024"^^xsd:date ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .

iev:example-establishment a ipkg:Establishment ;
    skos:prefLabel "Example establishment"@en , "示例设立"@zh ;
    org:resultingOrganization iorg:zhejiang-procuratorate ;
    prov:wasAssociatedWith iorg:spp ;
    dcterms:date "2024-3-15" ;
    schema:endDate "2020-02-30"^^xsd:date ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .

iobs:example-figure a qb:Observation ;
    skos:prefLabel "Example figure"@en , "示例数据"@zh ;
    sdmx-measure:obsValue "1,369"^^xsd:integer ;
    ipkg:publicLaw "yes"^^xsd:boolean ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .
"""


def test_ill_formed_literals_are_violations_with_line_and_expected_form(capsys, tmp_path):
    """Reproduction (#13): "15/03/2024"^^xsd:date passed (with a raw rdflib traceback on stderr)."""
    f = _write(tmp_path / "dates.ttl", ILL_FORMED)
    code, out, err = run_cli(capsys, "--format", "json", f)
    assert code == 1
    assert "Traceback" not in err and "Failed to convert" not in err and "weird boolean" not in err, err
    doc = json.loads(out)
    bad = {r["value"]: r for r in doc["checks"]["results"] if r["check"] == "ill-formed-literal"}
    assert set(bad) == {"15/03/2024", "2020-02-30", "1,369", "yes"}, bad
    lines = {v: i for i, line in enumerate(ILL_FORMED.splitlines(), 1) for v in bad if f'"{v}"' in line}
    for v, r in bad.items():
        assert r["severity"] == "Violation" and r["file"].endswith("dates.ttl") and r["line"] == lines[v], r
    assert "expected YYYY-MM-DD" in bad["15/03/2024"]["message_en"]
    assert "day that exists" in bad["2020-02-30"]["message_en"]
    assert "no thousands separator" in bad["1,369"]["message_en"]
    assert "true, false, 1 or 0" in bad["yes"]["message_en"]
    assert bad["15/03/2024"]["result_path"] == "http://purl.org/dc/terms/date"
    # an untyped date where a date is expected is a violation of the shape
    untyped = [r for r in doc["results"] if r["value"] == "2024-3-15"]
    assert [(r["rule"], r["severity"]) for r in untyped] == [(SHAPES + "EstablishmentShape-date", "Violation")]
    text_code, text, _ = run_cli(capsys, f)
    assert re.search(r"dates\.ttl:\d+: violation: \[ill-formed-literal\] dcterms:date \"15/03/2024\" is not a valid xsd:date", text)


def test_ill_formed_literals_in_the_repository_graph_fail_validation(capsys, project_copy):
    _write(project_copy / "graph" / "reference" / "zz-dates.ttl", ILL_FORMED)
    code, out, err = run_cli(capsys)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"graph/reference/zz-dates\.ttl:\d+: violation: \[ill-formed-literal\]", out), out


def test_malformed_jsonld_language_tag_is_refused_not_dropped(capsys, tmp_path):
    f = _write(tmp_path / "lang.jsonld", json.dumps({
        "@id": "https://w3id.org/ipkg/id/org/example-x",
        "http://www.w3.org/2004/02/skos/core#prefLabel": [{"@value": "Example", "@language": "en_US"}],
    }, indent=1))
    line = next(i for i, t in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if "en_US" in t)
    code, _, err = run_cli(capsys, f)
    assert code == 2 and re.search(rf"lang\.jsonld:{line}: malformed language tag 'en_US'", err), err


def test_lexical_forms():
    from ipkg.load import XSD, lexical_problem

    good = [("2024-03-15", "date"), ("2024-02-29", "date"), ("2024", "gYear"), ("2024-03", "gYearMonth"),
            ("--02-29", "gMonthDay"), ("1369", "integer"), ("-5", "integer"), ("81.5", "decimal"),
            ("1.2E4", "double"), ("true", "boolean"), ("0", "boolean"), ("2024-03-15T09:30:00Z", "dateTime")]
    bad = [("15/03/2024", "date"), ("2023-02-29", "date"), ("2024-3-15", "date"), ("24", "gYear"),
           ("2024-13", "gYearMonth"), ("--04-31", "gMonthDay"), ("1,369", "integer"), (" 12", "integer"),
           ("1.5", "integer"), ("-1", "nonNegativeInteger"), ("1e5", "decimal"), ("yes", "boolean"),
           ("TRUE", "boolean"), ("2024-03-15T25:00:00", "dateTime")]
    assert [x for x in good if lexical_problem(x[0], XSD + x[1])] == []
    assert [x for x in bad if not lexical_problem(x[0], XSD + x[1])] == []
    assert lexical_problem("x", XSD + "string") is None and lexical_problem("x", "https://example.org/dt") is None


# ------------------------------------------------------------------ labels and the report graph


def test_missing_chinese_label_is_a_violation(capsys, tmp_path):
    """docs/modeling.md requires one @en and one @zh label; the shapes now agree (it was a warning)."""
    f = _write(tmp_path / "no-zh.ttl", (DATA / "user-ok.ttl").read_text(encoding="utf-8").replace(' , "示例区人民检察院"@zh', ""))
    code, out, _ = run_cli(capsys, "--format", "json", f)
    doc = json.loads(out)
    assert code == 1
    assert [(r["rule"], r["severity"]) for r in doc["results"]] == [(SHAPES + "EntityShape-prefLabel-zh", "Violation")]
    assert "modeling.md" in (REPO / "docs" / "modeling.md").name
    assert "prefLabel-zh" in (REPO / "docs" / "modeling.md").read_text(encoding="utf-8")


def test_report_graph_conforms_only_without_any_result(capsys, tmp_path):
    """SHACL: sh:conforms is false as soon as there is a result; the exit code lets warnings pass."""
    sh = "http://www.w3.org/ns/shacl#"
    f = _write(tmp_path / "warn.ttl", PREFIXES + """
iev:example-undated-event a ipkg:Event ;
    skos:prefLabel "Example undated event"@en , "示例无日期活动"@zh ;
    schema:organizer iorg:spp ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .
""")
    code, out, _ = run_cli(capsys, "--format", "ttl", f)
    g = Graph().parse(data=out, format="turtle")
    severities = {str(o).rsplit("#", 1)[-1] for o in g.objects(None, URIRef(sh + "resultSeverity"))}
    assert code == 0 and severities == {"Warning"}, out
    assert set(g.objects(None, URIRef(sh + "conforms"))) == {Literal(False)}
    code, out, _ = run_cli(capsys, "--format", "ttl", DATA / "user-ok.ttl")
    g = Graph().parse(data=out, format="turtle")
    assert code == 0 and set(g.objects(None, URIRef(sh + "conforms"))) == {Literal(True)}


@pytest.mark.parametrize("tag", ["en_US", "x", "zh-CN-abcdefghijk", "123"])
def test_malformed_turtle_language_tag_names_the_tag(capsys, tmp_path, tag):
    f = _write(tmp_path / "lang.ttl", PREFIXES + f'\niorg:example-x skos:prefLabel "X"@{tag} .\n')
    line = len(PREFIXES.splitlines()) + 2
    code, _, err = run_cli(capsys, f)
    assert code == 2 and re.search(rf"lang\.ttl:{line}:\d+: malformed language tag @{re.escape(tag)} ", err), err
    assert "language tags look like @en, @zh or @zh-Hans" in err


def test_the_memoised_shapes_graph_answers_what_the_graph_holds():
    """pyshacl reads a memoised copy of the shapes graph; a change after a lookup is seen."""
    from rdflib import Literal, URIRef

    from ipkg.validate import memo_copy

    s, p = URIRef("urn:s"), URIRef("urn:p")
    g = memo_copy(__import__("rdflib").Graph())
    assert list(g.objects(s, p)) == [] and list(g.predicate_objects(s)) == []
    g.add((s, p, Literal(1)))
    assert list(g.objects(s, p)) == [Literal(1)]
    assert list(g.predicate_objects(s)) == [(p, Literal(1))]
    g.remove((s, p, Literal(1)))
    assert list(g.objects(s, p)) == [] and list(g.predicate_objects(s)) == []
