"""ipkg build: exports that round-trip, determinism, atomicity, error format, VoID counts."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from buildhold import wait_for_hold
from ipkg import build as build_mod
from ipkg.cli import main
from ipkg.load import GRAPH_NS, load_rdf_dataset, load_rdf_file

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = URIRef("https://w3id.org/ipkg/dataset")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_dist_has_every_export(built_dist):
    for name in ("ipkg.ttl", "ipkg.nt", "ipkg.jsonld", "context.jsonld", "ipkg.trig", "void.ttl"):
        assert (built_dist / name).stat().st_size > 0, name
    assert (built_dist / "ontology" / "index.html").read_text(encoding="utf-8").lstrip().startswith("<!DOCTYPE")
    assert not list(built_dist.parent.glob("site.tmp-*"))


@pytest.mark.parametrize("name", ["ipkg.ttl", "ipkg.nt", "ipkg.jsonld", "ipkg.trig"])
def test_exports_are_isomorphic_to_the_merged_graph(built_dist, project, name):
    assert isomorphic(load_rdf_file(built_dist / name), project.merged())


@pytest.mark.parametrize("name, fmt", [("ipkg.ttl", "turtle"), ("ipkg.nt", "nt"), ("ipkg.trig", "trig")])
def test_exports_parse_with_rdflib(built_dist, project, name, fmt):
    """An independent parser (rdflib's own) reads the same triples."""
    if fmt == "trig":
        ds = Dataset()
        ds.parse(built_dist / name, format="trig")
        g = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g = Graph().parse(built_dist / name, format=fmt)
    assert isomorphic(g, project.merged())


def test_jsonld_embeds_its_context(built_dist, project):
    doc = json.loads((built_dist / "ipkg.jsonld").read_text(encoding="utf-8"))
    ctx = json.loads((built_dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert doc["@context"] == ctx  # embedded; the separate file holds the same context
    assert ctx["ipkg"] == "https://w3id.org/ipkg/ontology#"
    # compact IRIs are used, so the context matters
    assert any(node["@id"].startswith("iorg:") for node in doc["@graph"])


def test_ntriples_sorted(built_dist):
    lines = (built_dist / "ipkg.nt").read_bytes().splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))


def test_trig_has_one_graph_per_source_document(built_dist, project):
    ds = load_rdf_dataset(built_dist / "ipkg.trig")
    graphs = {str(g.identifier): g for g in ds.graphs() if len(g)}
    source_files = [p for p in project.data_files if project.relpath(p).parts[1] == "sources"]
    expected_sources = {project.graph_name(p) for p in source_files}
    for iri in expected_sources:
        assert iri in set(project.source_documents().values())
        assert iri in graphs
        union = Graph()
        for p in source_files:
            if project.graph_name(p) == iri:
                union += project.files[p]
        assert isomorphic(graphs[iri], union), iri
    others = {GRAPH_NS + p.stem for p in project.files if p not in source_files and project.kind(p) != "shapes"}
    assert set(graphs) == expected_sources | others


def test_void_counts_are_real(built_dist, project):
    void = load_rdf_file(built_dist / "void.ttl")
    merged = project.merged()

    def one(s, p):
        values = list(void.objects(s, p))
        assert len(values) == 1, (s, p, values)
        return values[0].toPython()

    assert one(DATASET, VOID.triples) == len(merged)
    assert one(DATASET, VOID.distinctSubjects) == len(set(merged.subjects()))
    assert one(DATASET, VOID.entities) == len(set(merged.subjects(RDF_TYPE)))
    assert one(DATASET, URIRef("http://purl.org/dc/terms/license")) is not None
    classes = {}
    for part in void.objects(DATASET, VOID.classPartition):
        classes[one(part, VOID["class"])] = one(part, VOID.entities)
    real = {}
    for cls in set(merged.objects(None, RDF_TYPE)):
        real[str(cls)] = len(set(merged.subjects(RDF_TYPE, cls)))
    assert {str(k): v for k, v in classes.items()} == real
    ds = load_rdf_dataset(built_dist / "ipkg.trig")
    trig = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    subsets = {str(one(s, SD.name)): one(s, VOID.triples) for s in void.objects(DATASET, VOID.subset)}
    assert subsets == trig
    for dist in void.objects(DATASET, DCAT.distribution):
        fname = one(dist, URIRef("http://purl.org/dc/terms/identifier"))
        assert one(dist, DCAT.byteSize) == (built_dist / fname).stat().st_size
        assert str(one(dist, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")


def test_two_builds_are_byte_identical(built_dist, tmp_path):
    out = tmp_path / "again"
    # a separate process: different hash seed, fresh caches
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "ipkg", "build", "--out", str(out), "-q"], check=True, env=env)
    a, b = snapshot(built_dist), snapshot(out)
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert not different


# --------------------------------------------------------------------------- atomicity


def small_build(out: Path) -> int:
    return main(["build", "--out", str(out), "-q", "--no-views", "--no-docs"])


def test_load_error_leaves_dist_untouched(project_copy, tmp_path, capsys):
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    bad = project_copy / "graph" / "reference" / "vocabularies.ttl"
    bad.write_text(bad.read_text(encoding="utf-8") + "\nbroken triple here\n", encoding="utf-8")
    assert small_build(out) == 2
    assert snapshot(out) == before
    assert not list(tmp_path.glob("dist.tmp-*"))
    assert "vocabularies.ttl:" in capsys.readouterr().err


class FakeReport:
    conforms = False
    results = ["x"]

    def format_text(self, color=False):
        return "Violation: fake report for the atomicity test"


def test_violations_leave_dist_untouched(tmp_path, monkeypatch, capsys):
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    real_step_function = build_mod._step_function
    monkeypatch.setattr(
        build_mod, "_step_function",
        lambda step: (lambda project: FakeReport()) if step == "validate" else real_step_function(step),
    )
    assert small_build(out) == 1
    captured = capsys.readouterr()
    assert "fake report" in captured.out
    assert "left unchanged" in captured.err
    assert snapshot(out) == before


def test_real_violation_leaves_dist_untouched(project_copy, tmp_path, capsys):
    """A violation stops the build (and its second process): the previous output stays, no
    staging folder is left behind."""
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    # an observation whose value is a string breaks the modelling contract
    (project_copy / "graph" / "reference" / "zz-bad.ttl").write_text(
        "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
        "<https://w3id.org/ipkg/id/obs/test-bad> a qb:Observation ;\n"
        '  <http://purl.org/linked-data/sdmx/2009/measure#obsValue> "many" .\n',
        encoding="utf-8",
    )
    assert small_build(out) == 1
    assert snapshot(out) == before
    assert not list(tmp_path.glob("dist.tmp-*"))


@pytest.mark.parametrize("module", ["ipkg.validate", "ipkg.examples", "ipkg.site"])
def test_a_broken_step_module_is_an_internal_error_and_publishes_nothing(module, tmp_path, monkeypatch, capsys):
    """A step's module that cannot be imported fails the build with exit code 3 (a bug), never a
    warning and a published, unvalidated site."""
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    capsys.readouterr()
    monkeypatch.delenv("IPKG_DEBUG", raising=False)
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    assert small_build(out) == 3
    err = capsys.readouterr().err
    assert f"step failed: ModuleNotFoundError: import of {module} halted" in err and "bug in ipkg" in err
    assert "NOT validated" not in err
    assert snapshot(out) == before


@pytest.mark.parametrize("step", ["export", "docs"])
def test_killed_build_leaves_dist_intact(tmp_path, step):
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    env = {**os.environ, build_mod.HOLD_ENV: step}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipkg", "build", "--out", str(out), "-q", "--no-views"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = wait_for_hold(proc, 60)
        assert "holding after " + step in line
        assert list(tmp_path.glob("dist.tmp-*")), "the build writes into a temp folder"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert snapshot(out) == before
    # the next build cleans up and works
    assert small_build(out) == 0
    assert not list(tmp_path.glob("dist.tmp-*"))
    assert (out / "ipkg.ttl").exists()


def test_refuses_to_replace_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert small_build(out) == 2
    assert (out / "notes.txt").read_text() == "keep me"
    assert "refusing to replace" in capsys.readouterr().err


# --------------------------------------------------------------------------- error format


BROKEN = {
    "syntax": ("ex:a ex:p ex:b\nex:c ex:p ex:d .\n", "dot"),
    "prefix": ("ex:a ex:p nope:b .\n", "undeclared prefix 'nope:'"),
}


@pytest.mark.parametrize("folder", ["ontology", "graph", "shapes"])
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_error_format(project_copy, tmp_path, folder, kind, capsys):
    body, message = BROKEN[kind]
    (project_copy / folder).mkdir(exist_ok=True)
    bad = project_copy / folder / "zz-broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\n" + body, encoding="utf-8")
    out = tmp_path / "dist"
    assert small_build(out) == 2
    err = capsys.readouterr().err
    line = 3 if kind == "syntax" else 2
    col = 1 if kind == "syntax" else 11
    errors = [x for x in err.splitlines() if x.startswith("ipkg build: error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"ipkg build: error: {bad}:{line}:{col}: "), err
    assert message in err
    assert "hint:" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_error_format_in_a_subprocess(project_copy, tmp_path):
    bad = project_copy / "ontology" / "ipkg.ttl"
    bad.write_text(bad.read_text(encoding="utf-8").replace("ipkg:Court a owl:Class ;", "ipkg:Court a owl:Class ;;;\n xx:y", 1), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "ipkg", "build", "--out", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env={**os.environ, "IPKG_DATA": str(project_copy)},
    )
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "dist").exists()


# --------------------------------------------------------------------------- #13: literals, warnings, audit

ESTABLISHMENTS = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
@prefix iorg: <https://w3id.org/ipkg/id/org/> .
@prefix iest: <https://w3id.org/ipkg/id/establishment/> .
@prefix isrc: <https://w3id.org/ipkg/id/source/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

iest:zz-test-typed a ipkg:Establishment ;
    skos:prefLabel "Test establishment (typed date)"@en , "测试设立（带类型日期）"@zh ;
    org:resultingOrganization iorg:spp ;
    prov:wasAssociatedWith iorg:spp ;
    dcterms:date "15/03/2024"^^xsd:date ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .

iest:zz-test-untyped a ipkg:Establishment ;
    skos:prefLabel "Test establishment (plain date)"@en , "测试设立（无类型日期）"@zh ;
    org:resultingOrganization iorg:spp ;
    prov:wasAssociatedWith iorg:spp ;
    dcterms:date "2024-3-15" ;
    dcterms:source isrc:shanghai-ip-white-paper-2023-text .
"""


def test_ill_formed_and_untyped_dates_are_not_published(project_copy, tmp_path, capsys):
    """Reproduction (#13): both dates passed validation and 'ipkg build' published them (exit 0),
    with only a raw rdflib traceback on stderr."""
    out = tmp_path / "dist"
    assert small_build(out) == 0
    before = snapshot(out)
    capsys.readouterr()
    (project_copy / "graph" / "reference" / "zz-dates.ttl").write_text(ESTABLISHMENTS, encoding="utf-8")
    assert small_build(out) == 1
    captured = capsys.readouterr()
    assert snapshot(out) == before
    assert "Traceback" not in captured.err and "Failed to convert" not in captured.err
    typed = next(i for i, line in enumerate(ESTABLISHMENTS.splitlines(), 1) if "15/03/2024" in line)
    assert (f"graph/reference/zz-dates.ttl:{typed}: violation: [ill-formed-literal] dcterms:date "
            '"15/03/2024" is not a valid xsd:date: expected YYYY-MM-DD') in captured.out, captured.out
    assert "ipkgsh:EstablishmentShape-date" in captured.out and "value 2024-3-15" in captured.out


def test_build_summarises_warnings_by_rule(project_copy, tmp_path, capsys):
    from ipkg.validate import validate_project

    (project_copy / "graph" / "reference" / "zz-undated.ttl").write_text(
        "@prefix ipkg: <https://w3id.org/ipkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix schema: <https://schema.org/> .\n\n"
        "<https://w3id.org/ipkg/id/event/zz-undated> a ipkg:Event ;\n"
        '    skos:prefLabel "Undated test event"@en , "无日期测试活动"@zh ;\n'
        "    schema:organizer <https://w3id.org/ipkg/id/org/spp> ;\n"
        "    dcterms:source <https://w3id.org/ipkg/id/source/shanghai-ip-white-paper-2023-text> .\n",
        encoding="utf-8")
    report = validate_project()
    code = main(["build", "--out", str(tmp_path / "dist"), "--no-views", "--no-docs", "--no-audit"])
    err = capsys.readouterr().err
    assert code == 0
    summary = next(line for line in err.splitlines() if re.match(r"ipkg build: \d+ warnings?: ", line))
    assert summary.startswith(f"ipkg build: {report.warnings} warning")
    counts = dict((rule, int(n)) for n, rule in re.findall(r"(\d+) (\S+?)(?:,|$)", summary.split(": ", 2)[2]))
    assert sum(counts.values()) == report.warnings and counts.get("ipkgsh:EventShape-startDate", 0) >= 1
    listed = [line for line in err.splitlines() if re.match(r"  \S+\.ttl:\d+: \S+: ", line)]
    assert 1 <= len(listed) <= 5
    assert any("graph/reference/zz-undated.ttl:6: ipkgsh:EventShape-startDate" in line for line in err.splitlines()) \
        or report.warnings > 5
    main(["build", "--out", str(tmp_path / "dist"), "-q", "--no-views", "--no-docs", "--no-audit"])
    assert "warning" not in capsys.readouterr().err  # -q: nothing but errors and reports


def test_build_audits_against_the_source_texts(project_copy, tmp_path, capsys, monkeypatch, seeds_dir):
    import re as _re

    out = tmp_path / "dist"
    monkeypatch.delenv("IPKG_SEEDS", raising=False)
    assert main(["build", "--out", str(out), "--no-views", "--no-docs"]) == 0
    assert "audit skipped: no source texts found" in capsys.readouterr().err
    monkeypatch.setenv("IPKG_SEEDS", str(seeds_dir))
    assert main(["build", "--out", str(out), "--no-views", "--no-docs"]) == 0
    assert _re.search(r"ipkg build: audit: \d+ observations, \d+ evidence phrases checked, 0 mismatches",
                      capsys.readouterr().err)
    before = snapshot(out)
    # one evidence phrase that is not in its source text
    target = sorted((project_copy / "graph" / "sources").glob("*.ttl"))[0]
    text = target.read_text(encoding="utf-8")
    m = _re.search(r'ipkg:evidence "([^"]+)"', text)
    target.write_text(text[:m.start(1)] + "zz a phrase no source contains" + text[m.end(1):], encoding="utf-8")
    line = text.count("\n", 0, m.start()) + 1
    monkeypatch.delenv("IPKG_SEEDS")
    assert main(["build", "--out", str(out), "--no-views", "--no-docs", "--sources", str(seeds_dir)]) == 1
    captured = capsys.readouterr()
    assert snapshot(out) == before
    assert "evidence phrase not found in source text" in captured.out and "zz a phrase" in captured.out
    assert _re.search(rf"{target.name}:\d+: ", captured.out) and line > 0
    assert "the audit found" in captured.err and "left unchanged" in captured.err
    assert main(["build", "--out", str(out), "--no-views", "--no-docs", "--sources", str(tmp_path / "nope")]) == 2
    assert main(["build", "--out", str(out), "--no-views", "--no-docs", "--no-audit"]) == 0


# --------------------------------------------------------------------------- unchanged files linked


def test_a_rebuild_links_unchanged_files_and_writes_changed_ones(project_copy, tmp_path):
    """A file whose bytes the rebuild would write again is the same file (hard-linked from the
    output it replaces, not created anew); a changed page is written; a file edited in place in
    the output, or one with another name elsewhere, is never reused; the result equals a build
    into an empty folder, byte for byte."""
    out = tmp_path / "dist"
    assert small_build(out) == 0
    spp, browse = out / "id" / "org" / "spp.html", out / "browse.html"
    stats, nt = out / "stats" / "index.html", out / "ipkg.nt"
    inode = {p: p.stat().st_ino for p in (spp, browse, stats, nt)}
    # edited in place by someone after the build: must not be carried into the new output
    stats.write_bytes(stats.read_bytes().replace(b"<h1", b"<h1 data-edited", 1))
    # another name for a published file: linking it would tie the new output to that name
    os.link(browse, tmp_path / "elsewhere.html")
    # and a graph change that alters the page of the SPP and the N-Triples export
    (project_copy / "graph" / "reference" / "zz-edit.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://w3id.org/ipkg/id/org/spp> skos:altLabel "test edit"@en .\n', encoding="utf-8")
    assert small_build(out) == 0
    assert b"test edit" in spp.read_bytes() and spp.stat().st_ino != inode[spp]
    assert b"test edit" in nt.read_bytes()
    assert b"data-edited" not in stats.read_bytes()
    assert browse.stat().st_ino != inode[browse]
    others = [p for p in (out / "id").rglob("*.html") if p != spp][:50]
    before = {p: p.stat().st_ino for p in others}
    assert small_build(out) == 0  # nothing changed since: every file is linked
    assert all(p.stat().st_ino == before[p] for p in others)
    assert all(p.stat().st_nlink == 1 for p in out.rglob("*") if p.is_file() and p.name != "browse.html")
    fresh = tmp_path / "fresh"
    assert small_build(fresh) == 0
    assert snapshot(fresh) == snapshot(out)


def test_reusing_links_only_identical_single_name_files(tmp_path):
    from ipkg.atomic import reusing, write_bytes, write_staged

    published, staging = tmp_path / "site", tmp_path / "site.tmp"
    published.mkdir()
    staging.mkdir()
    (published / "same.txt").write_bytes(b"same")
    (published / "other.txt").write_bytes(b"old")
    (published / "twice.txt").write_bytes(b"twice")
    os.link(published / "twice.txt", tmp_path / "second-name.txt")
    with reusing(staging, published):
        write_staged(staging / "same.txt", b"same")
        write_staged(staging / "other.txt", b"new")
        write_bytes(staging / "twice.txt", b"twice")
        write_bytes(staging / "fresh.txt", b"fresh")
    assert (staging / "same.txt").stat().st_ino == (published / "same.txt").stat().st_ino
    assert (staging / "other.txt").read_bytes() == b"new"
    assert (published / "other.txt").read_bytes() == b"old"
    assert (staging / "twice.txt").stat().st_ino != (published / "twice.txt").stat().st_ino
    assert (staging / "fresh.txt").read_bytes() == b"fresh"
    # outside the context nothing is linked
    write_staged(staging / "again.txt", b"same")
    (published / "again.txt").write_bytes(b"same")
    assert (staging / "again.txt").stat().st_ino != (published / "again.txt").stat().st_ino
