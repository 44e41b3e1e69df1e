"""ipkg.load: project loading, the named-graph rule, and errors with exact positions."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from ipkg.errors import IpkgError
from ipkg.load import GRAPH_NS, load_project, load_rdf_dataset, load_rdf_file

DCT_ID = URIRef("http://purl.org/dc/terms/identifier")


def test_project_has_every_file(project):
    rels = {project.relpath(p).as_posix() for p in project.files}
    assert "ontology/ipkg.ttl" in rels
    assert {r for r in rels if r.startswith("graph/reference/")}
    assert len(project.ontology) > 500
    assert len(project.merged()) == len(project.ontology + project.data)


def test_files_match_rdflib_own_parser(project):
    """The pyoxigraph → rdflib conversion gives exactly what rdflib's Turtle parser gives."""
    for path in project.files:
        ref = Graph().parse(path, format="turtle")
        assert isomorphic(ref, project.files[path]), path


def test_named_graph_rule(project):
    sources = project.source_documents()
    graphs = project.named_graphs()
    for path in project.files:
        rel = project.relpath(path)
        if project.kind(path) == "shapes":
            continue
        name = project.graph_name(path)
        if rel.parts[:2] == ("graph", "sources") and re.match(r"\d{3}-", path.name):
            idents = [i for i, iri in sources.items() if iri == name]
            assert idents and idents[0].startswith(path.name[:3] + "_"), (rel, name)
        else:
            assert name == GRAPH_NS + path.stem
        assert set(project.files[path]) <= set(graphs[name])
    assert sum(len(g) for g in graphs.values()) >= len(project.merged())


def test_unknown_source_number_is_an_error(project_copy):
    (project_copy / "graph" / "sources").mkdir(exist_ok=True)
    (project_copy / "graph" / "sources" / "999-nothing.ttl").write_text(
        "<https://w3id.org/ipkg/id/org/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n"
    )
    project = load_project()
    with pytest.raises(IpkgError, match="'999_'"):
        project.named_graphs()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


PFX = "@prefix ex: <http://example.org/> .\n"


@pytest.mark.parametrize(
    "name, data, line, col, message",
    [
        ("dot.ttl", PFX + "ex:a ex:p ex:b\nex:c ex:p ex:d .\n", 3, 1, "dot"),
        ("prefix.ttl", PFX + 'ex:a ex:p "中文" ; ex:q foo:b .\n', 2, 23, "undeclared prefix 'foo:'"),
        ("string.ttl", PFX + 'ex:a ex:p "open .\n', 2, 11, "end of file"),
        ("iri.ttl", PFX + "ex:a ex:p <http://a b> .\n", 2, 11, "iri"),
        ("bad.nt", "<http://a> <http://b> .\n", 1, 23, "object"),
        ("bad.trig", "<http://g> { <http://a> <http://b> }\n", 1, 36, ""),
        ("bad.jsonld", '{"@id": "http://a",\n "http://p": [1,}\n', 2, 17, ""),
        ("utf8.ttl", PFX.encode() + b'ex:a ex:p "\xff" .\n', 2, 12, "utf-8"),
        ("nul.ttl", PFX.encode() + b"ex:a ex:p\x00 ex:b .\n", 2, 10, "nul"),
    ],
)
def test_errors_have_positions(tmp_path, name, data, line, col, message):
    path = write(tmp_path, name, data)
    with pytest.raises(IpkgError) as info:
        load_rdf_file(path)
    err = info.value
    assert (err.path, err.line, err.col) == (path, line, col), err.format()
    assert message in err.message.lower()
    assert err.format().startswith(f"{path}:{line}:{col}: ")
    assert err.exit_code == 2


def test_undeclared_known_prefix_hint_gives_the_declaration(tmp_path):
    path = write(tmp_path, "x.ttl", "iorg:spp a <http://a> .\n")
    with pytest.raises(IpkgError) as info:
        load_rdf_file(path)
    assert "iorg:" in info.value.message
    assert "@prefix iorg: <https://w3id.org/ipkg/id/org/> ." in info.value.hint


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.ttl", b"", "empty"),
        ("blank.ttl", b"  \n\n", "empty"),
        ("x.rdfxml", b"<a/>", "extension"),
    ],
)
def test_file_level_errors(tmp_path, name, data, message):
    path = write(tmp_path, name, data)
    with pytest.raises(IpkgError, match=message) as info:
        load_rdf_file(path)
    assert info.value.path == path


def test_missing_and_folder(tmp_path):
    with pytest.raises(IpkgError, match="no such file"):
        load_rdf_file(tmp_path / "missing.ttl")
    with pytest.raises(IpkgError, match="folder"):
        load_rdf_file(tmp_path)


def test_unreadable_file(tmp_path):
    import os

    path = write(tmp_path, "secret.ttl", "<http://a> <http://b> <http://c> .\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        with pytest.raises(IpkgError, match="permission"):
            load_rdf_file(path)
    finally:
        path.chmod(0o644)


def test_remote_jsonld_context_is_refused_without_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for ctx in ("https://schema.org/", ["http://example.org/ctx.jsonld"], {"@import": "https://x.org/c"}):
        doc = {"@context": ctx, "@id": "http://a", "name": "x"}
        path = write(tmp_path, "remote.jsonld", json.dumps(doc))
        with pytest.raises(IpkgError, match="remote JSON-LD context"):
            load_rdf_file(path)


def test_local_jsonld_context_is_inlined(tmp_path):
    write(tmp_path, "context.jsonld", json.dumps({"@context": {"ex": "http://example.org/"}}))
    path = write(tmp_path, "data.json", json.dumps({"@context": "context.jsonld", "@id": "ex:a", "ex:p": "v"}))
    g = load_rdf_file(path)
    assert list(g) == [(URIRef("http://example.org/a"), URIRef("http://example.org/p"), __import__("rdflib").Literal("v"))]


def test_trig_union_and_dataset(tmp_path):
    path = write(
        tmp_path,
        "d.trig",
        "<http://g1> { <http://a> <http://p> <http://b> . }\n"
        "<http://g2> { <http://a> <http://p> <http://c> . }\n"
        "<http://a> <http://p> <http://d> .\n",
    )
    assert len(load_rdf_file(path)) == 3
    ds = load_rdf_dataset(path)
    sizes = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert sizes == {"http://g1": 1, "http://g2": 1, "urn:x-rdflib:default": 1}


def test_missing_folder(tmp_path):
    (tmp_path / "ontology").mkdir()
    with pytest.raises(IpkgError, match="missing folder graph/"):
        load_project(tmp_path)
    with pytest.raises(IpkgError, match="does not exist"):
        load_project(tmp_path / "nowhere")


def test_hidden_files_are_ignored(project_copy):
    n = len(load_project().files)
    (project_copy / "graph" / ".#editor-lock.ttl").write_text("broken")
    assert len(load_project().files) == n
