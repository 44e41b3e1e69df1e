"""ipkg validate: the report on the repository graph, user files, output formats, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

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
    for a, b in same:
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
    f = tmp_path / "no-zh.ttl"
    f.write_text((DATA / "user-ok.ttl").read_text(encoding="utf-8").replace(' , "示例区人民检察院"@zh', ""), encoding="utf-8")
    code, out, _ = run_cli(capsys, f)
    assert code == 0 and "1 warning(s)" in out, out
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
