"""Release habits: the build folder, checksums, CSV tables, JSON-LD for every processor, DCAT-AP,
ipkg diff, GraphML/GEXF for Gephi, licences and citation metadata."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from ipkg import __released__, __version__
from ipkg.build import MARKER
from ipkg.cli import main

REPO = Path(__file__).resolve().parents[1]


def nt_triples(path: Path) -> set:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))


def small_build(out: Path) -> int:
    return main(["build", "--out", str(out), "-q", "--no-views", "--no-docs"])


# --------------------------------------------------------------------------- the build folder


def test_default_build_folder_is_site_and_a_wheel_in_dist_survives(project_copy, tmp_path, monkeypatch):
    work = tmp_path / "checkout"
    work.mkdir()
    wheel = work / "dist" / "ipkg-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK\x03\x04 a wheel python -m build left here")
    monkeypatch.chdir(work)
    assert main(["build", "-q", "--no-views", "--no-docs"]) == 0
    assert (work / "site" / "ipkg.nt").is_file() and (work / "site" / MARKER).is_file()
    assert sorted(p.name for p in (work / "dist").iterdir()) == [wheel.name]
    assert wheel.read_bytes().startswith(b"PK")
    assert sorted(p.name for p in work.iterdir()) == ["dist", "site"]


def test_files_ipkg_did_not_write_survive_a_rebuild(project_copy, tmp_path, capsys):
    out = tmp_path / "dist"  # even when told to build into dist/
    assert small_build(out) == 0
    wheel = out / "ipkg-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK wheel")
    (out / "notes").mkdir()
    (out / "notes" / "todo.txt").write_text("mine", encoding="utf-8")
    before = (out / "ipkg.nt").read_bytes()
    assert small_build(out) == 0
    assert wheel.read_bytes() == b"PK wheel" and (out / "notes" / "todo.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "ipkg.nt").read_bytes() == before
    listed = (out / MARKER).read_text(encoding="utf-8").splitlines()
    assert "ipkg.nt" in listed and wheel.name not in listed and "notes/todo.txt" not in listed
    assert wheel.name not in (out / "SHA256SUMS").read_text(encoding="utf-8")
    # a file of its own where the build writes: refused, nothing changed
    (out / "ipkg.nt").unlink()
    (out / MARKER).write_bytes((out / MARKER).read_bytes().replace(b"\nipkg.nt\n", b"\n"))
    (out / "ipkg.nt").write_text("my own file", encoding="utf-8")
    capsys.readouterr()
    assert small_build(out) == 2
    assert "ipkg did not write" in capsys.readouterr().err
    assert (out / "ipkg.nt").read_text(encoding="utf-8") == "my own file" and wheel.exists()


def test_a_build_folder_of_an_older_ipkg_is_replaced_and_its_foreign_files_kept(project_copy, tmp_path):
    from ipkg.build import LEGACY_MARKERS

    out = tmp_path / "site"
    assert small_build(out) == 0
    (out / MARKER).rename(out / LEGACY_MARKERS[0])  # as ipkg < 0.1.0 left it: no file list
    (out / "old-export.nt").write_text("", encoding="utf-8")  # not ipkg's now: kept
    (out / "queries" / "stale.rq").write_text("", encoding="utf-8")  # in a folder the build writes: replaced
    assert small_build(out) == 0
    assert (out / "old-export.nt").exists() and not (out / "queries" / "stale.rq").exists()
    assert (out / MARKER).exists() and not (out / LEGACY_MARKERS[0]).exists()


def test_serve_store_is_not_left_in_the_checkout(built_dist, tmp_path, monkeypatch):
    from ipkg import serve

    monkeypatch.setenv("IPKG_CACHE_DIR", str(tmp_path / "cache"))
    store = serve.prepare_store(built_dist)
    assert (store / "CURRENT").is_file()
    assert store.is_relative_to(tmp_path / "cache")
    assert not list(built_dist.parent.glob("*-store"))


def test_gitignore_lists_what_ipkg_writes():
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    for entry in ("/site/", "/dist/", "/dist-store/", ".ipkg-cache/"):
        assert entry in lines


# --------------------------------------------------------------------------- checksums


def test_sha256sum_checks_the_published_files(built_dist, tmp_path):
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        pytest.skip("sha256sum (GNU coreutils) is not installed")
    run = subprocess.run([sha256sum, "-c", "--strict", "SHA256SUMS"], cwd=built_dist, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    listed = [line.split("  ", 1)[1] for line in (built_dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    published = sorted(str(p.relative_to(built_dist)) for p in built_dist.rglob("*")
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(built_dist).parts)
                       and p.name != "SHA256SUMS")
    assert listed == published
    assert {"ipkg.nt", "ipkg.jsonld", "void.ttl", "statements.csv", "index.html"} <= set(listed)
    # a changed byte is caught
    copy = tmp_path / "copy"
    shutil.copytree(built_dist, copy)
    with open(copy / "ipkg.nt", "r+b") as f:
        f.seek(100)
        f.write(b"X")
    run = subprocess.run([sha256sum, "-c", "--quiet", "SHA256SUMS"], cwd=copy, capture_output=True, text=True)
    assert run.returncode == 1 and "ipkg.nt: FAILED" in run.stdout


# --------------------------------------------------------------------------- JSON-LD


def test_jsonld_is_read_alone_by_pyoxigraph_rdflib_and_pyld(built_dist, tmp_path):
    expected = nt_triples(built_dist / "ipkg.nt")
    alone = tmp_path / "ipkg.jsonld"  # no context.jsonld next to it
    shutil.copy(built_dist / "ipkg.jsonld", alone)
    # pyoxigraph
    assert set(ox.parse(path=str(alone), format=ox.RdfFormat.JSON_LD)) == expected
    # rdflib
    g = Graph().parse(alone, format="json-ld")
    assert isomorphic(g, Graph().parse(built_dist / "ipkg.nt", format="nt"))
    # pyld, with a document loader that fails: nothing may be fetched
    pyld = pytest.importorskip("pyld")
    from pyld import jsonld

    def no_loading(url, options=None):
        raise AssertionError(f"pyld tried to load {url}")

    doc = json.loads(alone.read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_loading})
    assert pyld is not None and set(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)) == expected


# --------------------------------------------------------------------------- DCAT-AP

DCAT_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <urn:test:> .

:Catalog a sh:NodeShape ; sh:targetClass dcat:Catalog ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] , [ sh:path dct:description ; sh:minCount 1 ] ,
    [ sh:path dct:publisher ; sh:minCount 1 ; sh:class foaf:Agent ] ,
    [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] ,
    [ sh:path dcat:service ; sh:minCount 1 ; sh:class dcat:DataService ] ,
    [ sh:path dct:issued ; sh:datatype xsd:date ; sh:minCount 1 ] ,
    [ sh:path dct:modified ; sh:datatype xsd:date ; sh:minCount 1 ] ,
    [ sh:path dct:license ; sh:minCount 1 ] .
:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ] , [ sh:path dct:description ; sh:minCount 1 ] ,
    [ sh:path dct:publisher ; sh:minCount 1 ] , [ sh:path dcat:distribution ; sh:minCount 5 ] ,
    [ sh:path dct:issued ; sh:datatype xsd:date ; sh:minCount 1 ; sh:maxCount 1 ] ,
    [ sh:path dct:modified ; sh:datatype xsd:date ; sh:minCount 1 ; sh:maxCount 1 ] .
:Distribution a sh:NodeShape ; sh:targetClass dcat:Distribution ;
  sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
    [ sh:path dcat:downloadURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
    [ sh:path dcat:mediaType ; sh:minCount 1 ] , [ sh:path dct:license ; sh:minCount 1 ] ,
    [ sh:path dcat:byteSize ; sh:minCount 1 ] ,
    [ sh:path spdx:checksum ; sh:minCount 1 ; sh:maxCount 1 ; sh:node :Checksum ] .
:Checksum a sh:NodeShape ;
  sh:property [ sh:path spdx:algorithm ; sh:hasValue spdx:checksumAlgorithm_sha256 ] ,
    [ sh:path spdx:checksumValue ; sh:datatype xsd:hexBinary ; sh:pattern "^[0-9a-f]{64}$" ; sh:minCount 1 ] .
:DataService a sh:NodeShape ; sh:targetClass dcat:DataService ;
  sh:property [ sh:path dcat:endpointURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
    [ sh:path dct:title ; sh:minCount 1 ] , [ sh:path dcat:servesDataset ; sh:minCount 1 ] .
"""


def test_void_is_dcat_ap_complete(built_dist, project):
    from pyshacl import validate

    void = Graph().parse(built_dist / "void.ttl", format="turtle")
    conforms, _, text = validate(void, shacl_graph=Graph().parse(data=DCAT_SHAPES, format="turtle"))
    assert conforms, text
    # the validation has targets: it is not vacuous
    dcat = "http://www.w3.org/ns/dcat#"
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for cls in ("Catalog", "Dataset", "Distribution", "DataService"):
        assert list(void.subjects(rdf_type, URIRef(dcat + cls))), cls
    # checksums and sizes are those of the files
    rows = void.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?file ?size ?sum WHERE { ?d a dcat:Distribution ; dct:identifier ?file ; dcat:byteSize ?size ;
                                        spdx:checksum/spdx:checksumValue ?sum }""")
    files = {str(r.file): (int(r.size), str(r.sum)) for r in rows}
    assert set(files) == {"ipkg.ttl", "ipkg.nt", "ipkg.jsonld", "ipkg.trig", "statements.csv"}
    for name, (size, digest) in files.items():
        data = (built_dist / name).read_bytes()
        assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest()), name
    dumps = {str(o).rsplit("/", 1)[1] for o in void.objects(URIRef("https://w3id.org/ipkg/dataset"),
                                                            URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert dumps == {"ipkg.ttl", "ipkg.nt", "ipkg.jsonld", "ipkg.trig"}  # RDF only, not the CSV
    # issued = the release date; modified = the latest dcterms:issued date in the data (not the clock)
    dates = [str(o) for o in project.merged().objects(None, URIRef("http://purl.org/dc/terms/issued"))
             if getattr(o, "datatype", None) == URIRef("http://www.w3.org/2001/XMLSchema#date")]
    (issued,) = void.objects(URIRef("https://w3id.org/ipkg/dataset"), URIRef("http://purl.org/dc/terms/issued"))
    (modified,) = void.objects(URIRef("https://w3id.org/ipkg/dataset"), URIRef("http://purl.org/dc/terms/modified"))
    assert str(issued) == __released__ and str(modified) == max(dates)


# --------------------------------------------------------------------------- CSV


def read_csv(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read the Chinese right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_statements_csv(built_dist):
    rows = read_csv(built_dist / "statements.csv")
    assert list(rows[0]) == ["entity", "property", "value", "language", "source", "evidence", "locator"]
    # one row per statement and named graph, provenance properties as columns
    prov = {"http://purl.org/dc/terms/source", "https://w3id.org/ipkg/ontology#evidence",
            "https://w3id.org/ipkg/ontology#locator"}
    quads = list(ox.parse(path=str(built_dist / "ipkg.trig"), format=ox.RdfFormat.TRIG))
    assert len(rows) == sum(1 for q in quads if q.predicate.value not in prov)
    office = [r for r in rows if r["entity"] == "iorg:spp-ipr-procuratorial-office" and r["property"] == "org:purpose"]
    assert {r["language"] for r in office} == {"en", "zh"}
    for r in office:
        assert r["source"] == "isrc:spp-ipr-office-news-2023" and r["locator"] == "para 2"
        assert "the SPP established the IPR Procuratorial Office in November 2020" in r["evidence"].split(" | ")


def test_class_tables(built_dist, project):
    from rdflib.namespace import RDF, SKOS

    ipkg = "https://w3id.org/ipkg/ontology#"
    rows = read_csv(built_dist / "tables" / "ipkg-Procuratorate.csv")
    merged = project.merged()
    members = set(merged.subjects(RDF.type, URIRef(ipkg + "Procuratorate")))
    assert len(rows) == len(members) > 5
    assert list(rows[0])[:3] == ["id", "skos:prefLabel@en", "skos:prefLabel@zh"]
    spp = next(r for r in rows if r["id"] == "iorg:spp")
    zh = [str(o) for o in merged.objects(URIRef("https://w3id.org/ipkg/id/org/spp"), SKOS.prefLabel) if o.language == "zh"]
    assert spp["skos:prefLabel@zh"] == " | ".join(sorted(zh))
    tables = {p.name for p in (built_dist / "tables").iterdir()}
    classes = {str(o) for o in merged.objects(None, RDF.type)}
    assert len(tables) == len(classes)
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(built_dist / "tables" / "qb-Observation.csv", encoding="utf-8-sig")
    assert df.columns[0] == "id" and len(df) == len(set(merged.subjects(
        RDF.type, URIRef("http://purl.org/linked-data/cube#Observation"))))


# --------------------------------------------------------------------------- ipkg diff


def test_diff_between_two_builds_with_a_known_edit(project_copy, tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    assert small_build(old) == 0
    src = project_copy / "graph" / "sources" / "003-spp-ipr-office-news-2023.ttl"
    text = src.read_text(encoding="utf-8")
    edited = text.replace('schema:foundingDate "2020-11"^^xsd:gYearMonth ;', 'schema:foundingDate "2020-12"^^xsd:gYearMonth ;', 1)
    edited = edited.replace('    org:headOf iorg:spp-ipr-procuratorial-office ;\n',
                            '    org:headOf iorg:spp-ipr-procuratorial-office ;\n    skos:altLabel "T. Liu"@en ;\n', 1)
    edited = edited.replace('"SPP’s IPR Procuratorial Office"@en , ', "", 1)
    assert edited.count("2020-12") == 1 + text.count("2020-12") and '"T. Liu"@en' in edited
    src.write_text(edited, encoding="utf-8")
    assert small_build(new) == 0
    capsys.readouterr()

    assert main(["diff", str(old), str(new)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        '~ iorg:spp-ipr-procuratorial-office schema:foundingDate "2020-11"^^xsd:gYearMonth -> "2020-12"^^xsd:gYearMonth',
        '- iorg:spp-ipr-procuratorial-office skos:altLabel "SPP’s IPR Procuratorial Office"@en',
        '+ iperson:liu-taizong skos:altLabel "T. Liu"@en',
    ]
    assert err.strip() == "1 added, 1 removed, 1 changed"

    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["added"] == [["<https://w3id.org/ipkg/id/person/liu-taizong>",
                             "<http://www.w3.org/2004/02/skos/core#altLabel>", '"T. Liu"@en']]
    assert len(doc["removed"]) == 1 and len(doc["changed"]) == 1

    assert main(["diff", str(old), str(old / "ipkg.nt")]) == 0  # same statements (folder vs file)
    assert capsys.readouterr().out == ""
    assert main(["diff", str(old), str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err


# --------------------------------------------------------------------------- Gephi


def test_graphml_and_gexf_have_numeric_values_and_gexf_is_deterministic(tmp_path):
    import networkx as nx

    outs = []
    for i in range(2):  # two processes, different hash seeds
        out = tmp_path / f"all{i}.gexf"
        env = {**os.environ, "PYTHONHASHSEED": str(100 + i)}
        subprocess.run([sys.executable, "-m", "ipkg", "export", "--format", "gexf", "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"lastmodifieddate" not in outs[0]
    assert b'title="value" type="double"' in outs[0]
    g = nx.read_gexf(tmp_path / "all0.gexf")
    values = [a["value"] for _, a in g.nodes(data=True) if "value" in a]
    assert len(values) > 100 and all(isinstance(v, float) for v in values)
    assert main(["export", "--format", "graphml", "--out", str(tmp_path / "all.graphml")]) == 0
    text = (tmp_path / "all.graphml").read_text(encoding="utf-8")
    assert '<key id="value" for="node" attr.name="value" attr.type="double"/>' in text
    h = nx.read_graphml(tmp_path / "all.graphml", force_multigraph=True)
    assert sorted(a["value"] for _, a in h.nodes(data=True) if "value" in a) == sorted(values)


# --------------------------------------------------------------------------- licences, citation, changelog


def test_licence_files():
    mit = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in mit
    data = (REPO / "LICENSE-DATA").read_text(encoding="utf-8")
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in data
    assert "Attribution 4.0 International Public License" in data and "Section 8 -- Interpretation." in data
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "CC-BY-4.0 AND MIT" and project["license-files"] == ["LICENSE", "LICENSE-DATA"]


def test_citation_cff_is_valid_and_agrees_with_the_package():
    import jsonschema
    import yaml

    schema = json.loads((REPO / "tests" / "data" / "cff" / "schema-1.2.0.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    cff["date-released"] = str(cff["date-released"])  # YAML may read the quoted date as a string already
    jsonschema.validate(cff, schema)
    assert cff["cff-version"] == "1.2.0" and cff["version"] == __version__ and cff["date-released"] == __released__
    assert set(cff["license"]) == {"MIT", "CC-BY-4.0"}
    # and an invalid one is caught (the schema check is not vacuous)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**cff, "license": "not-a-licence"}, schema)


def test_changelog_has_this_release():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text and "## [Unreleased]" in text
    assert f"## [{__version__}] - {__released__}" in text
    assert "### Added" in text
