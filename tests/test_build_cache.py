"""The content-addressed caches that keep `ipkg build` fast never serve a stale answer:
changing what a cached computation reads changes (or recomputes) what it returns."""

from __future__ import annotations

import pytest

from ipkg import safety
from ipkg.errors import IpkgError

# a query that names a service but has no SERVICE clause (so the parser must read it)
PLAIN = "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:service ?o }"
# the same query with a SERVICE clause
FEDERATED = "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { SERVICE <http://x/> { ?s ex:service ?o } }"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IPKG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _entries(cache_dir):
    return sorted(p.name for p in cache_dir.glob("sparql-service-*")) if cache_dir.is_dir() else []


def test_service_verdict_is_cached_and_served_from_the_cache(cache_dir, monkeypatch):
    assert safety._algebra_has_service(PLAIN) is False
    assert len(_entries(cache_dir)) == 1
    # a second call does not parse: the parser is gone, the verdict still comes back
    monkeypatch.setattr(safety, "_parse_has_service", lambda q: pytest.fail("parsed again"))
    assert safety._algebra_has_service(PLAIN) is False


def test_a_changed_query_text_is_parsed_again_not_served_stale(cache_dir, monkeypatch):
    assert safety._algebra_has_service(PLAIN) is False
    calls = []
    real = safety._parse_has_service
    monkeypatch.setattr(safety, "_parse_has_service", lambda q: calls.append(q) or real(q))
    assert safety._algebra_has_service(FEDERATED) is True
    assert calls == [FEDERATED]
    assert len(_entries(cache_dir)) == 2
    # and the cached True verdict is read back as True
    monkeypatch.setattr(safety, "_parse_has_service", lambda q: pytest.fail("parsed again"))
    assert safety._algebra_has_service(FEDERATED) is True


def test_a_damaged_or_foreign_entry_is_parsed_again(cache_dir):
    assert safety._algebra_has_service(FEDERATED) is True
    (entry,) = cache_dir.glob("sparql-service-*")
    entry.write_bytes(b"no-service")  # no checksum header: damaged, a miss
    assert safety._algebra_has_service(FEDERATED) is True
    from ipkg import cache

    # a well-formed entry that holds no verdict this version writes: the query is parsed
    payload = b"maybe"
    import hashlib

    entry.write_bytes(b"ipkg-cache-1 " + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    assert cache._read_entry(entry) == payload
    assert safety._algebra_has_service(FEDERATED) is True


def test_shapes_with_service_are_refused_with_a_warm_cache(cache_dir):
    from rdflib import Graph, Literal, URIRef

    g = Graph()
    g.add((URIRef("http://example.org/s"), URIRef("http://www.w3.org/ns/shacl#select"), Literal(PLAIN)))
    safety.refuse_service_in_shapes(g)
    safety.refuse_service_in_shapes(g)  # warm
    g.add((URIRef("http://example.org/t"), URIRef("http://www.w3.org/ns/shacl#select"), Literal(FEDERATED)))
    with pytest.raises(IpkgError, match="SERVICE"):
        safety.refuse_service_in_shapes(g)


def test_compiled_templates_follow_a_changed_template(cache_dir, tmp_path):
    """The site's Jinja2 bytecode cache (in the ipkg cache folder) never serves the compiled
    code of a template whose source changed."""
    import jinja2

    from ipkg.site import _bytecode_cache

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("first {{ x }}", encoding="utf-8")

    def render():
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                                 bytecode_cache=_bytecode_cache(), auto_reload=False)
        return env.get_template("t.j2").render(x=1)

    assert render() == "first 1"
    assert list((cache_dir / "jinja2").iterdir()), "the compiled template was stored"
    assert render() == "first 1"  # from the cache
    (folder / "t.j2").write_text("second {{ x }}", encoding="utf-8")
    assert render() == "second 1"


# --------------------------------------------------------------------------- validation and audit

BAD_OBSERVATION = (
    "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
    "<https://w3id.org/ipkg/id/obs/test-bad> a qb:Observation ;\n"
    '  <http://purl.org/linked-data/sdmx/2009/measure#obsValue> "many" .\n'
)


def _results(report) -> list[tuple]:
    return [(r.severity, r.focus, r.source_shape, r.result_path, r.value, r.file, r.line, r.message_en)
            for r in report.all_results]


def test_the_shacl_report_is_served_from_the_cache_and_recomputed_when_a_file_changes(
        cache_dir, project_copy, monkeypatch):
    """The second validation of the same files reads the report from the cache (pyshacl is not
    run: it is made to fail); a one-file change is a miss and its new violation is reported."""
    from ipkg import validate as v
    from ipkg.load import load_project

    first = v.validate_project(load_project(project_copy))
    assert list(cache_dir.glob("reports/*.nt")), "the report was not stored"
    real = v._pyshacl_validate
    monkeypatch.setattr(v, "_pyshacl_validate", lambda *a, **k: pytest.fail("pyshacl ran on a hit"))
    second = v.validate_project(load_project(project_copy))
    assert _results(second) == _results(first) and second.conforms == first.conforms
    assert first.conforms and len(first.all_results) > 0  # the curated graph has warnings

    (project_copy / "graph" / "reference" / "zz-bad.ttl").write_text(BAD_OBSERVATION, encoding="utf-8")
    calls = []
    monkeypatch.setattr(v, "_pyshacl_validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    third = v.validate_project(load_project(project_copy))
    assert calls == [1]
    assert not third.conforms
    assert any(r.focus.endswith("obs/test-bad") or "test-bad" in r.focus for r in third.all_results
               if r.severity == "Violation")
    assert len(list(cache_dir.glob("reports/*.nt"))) == 2


def test_a_change_of_the_code_is_a_miss(cache_dir, project_copy, monkeypatch):
    from ipkg import cache
    from ipkg import validate as v
    from ipkg.load import load_project

    v.validate_project(load_project(project_copy))
    monkeypatch.setattr(cache, "_FINGERPRINT", ["another version of ipkg"])
    calls = []
    real = v._pyshacl_validate
    monkeypatch.setattr(v, "_pyshacl_validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    v.validate_project(load_project(project_copy))
    assert calls == [1]


def test_a_report_that_names_blank_nodes_of_the_data_is_not_cached(cache_dir, project_copy):
    """Blank nodes are renamed on every parse: a stored report could not point at them again."""
    from ipkg import validate as v
    from ipkg.load import load_project

    (project_copy / "graph" / "reference" / "zz-bad.ttl").write_text(
        BAD_OBSERVATION.replace("<https://w3id.org/ipkg/id/obs/test-bad>", "[]"), encoding="utf-8")
    report = v.validate_project(load_project(project_copy))
    assert not report.conforms
    assert not list(cache_dir.glob("reports/*.nt"))


def test_the_audit_is_served_from_the_cache_and_follows_a_changed_source_text(
        cache_dir, project_copy, seeds_dir, tmp_path, monkeypatch):
    import shutil

    from ipkg import audit as a
    from ipkg.load import load_project

    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    first = a.audit_cached(load_project(project_copy), seeds)
    assert first.ok and first.phrases > 300
    assert len(list(cache_dir.glob("audits/*.json"))) == 1
    real = a.audit
    monkeypatch.setattr(a, "audit", lambda *x, **k: pytest.fail("audited again on a hit"))
    second = a.audit_cached(load_project(project_copy), seeds)
    assert (second.observations, second.phrases, second.mismatches) == (
        first.observations, first.phrases, first.mismatches)

    # one source text loses its digits: a miss, and the audit now finds mismatches
    text = sorted(seeds.glob("002_*.txt"))[0]
    text.write_text("".join(c for c in text.read_text(encoding="utf-8") if not c.isdigit()), encoding="utf-8")
    calls = []
    monkeypatch.setattr(a, "audit", lambda *x, **k: calls.append(1) or real(*x, **k))
    third = a.audit_cached(load_project(project_copy), seeds)
    assert calls == [1] and not third.ok


def test_a_cached_build_is_byte_identical_to_an_uncached_one(cache_dir, project_copy, tmp_path):
    """Build, build again from the cache (validation report and audit served from it), and
    build with an empty cache: the three output folders are the same, byte for byte."""
    import filecmp
    import shutil

    from ipkg.build import build

    def files(folder):
        return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())

    a = build(tmp_path / "a", root=project_copy, audit=False, docs=False)
    assert a.conforms
    b = build(tmp_path / "b", root=project_copy, audit=False, docs=False)
    assert list(cache_dir.glob("reports/*.nt"))
    shutil.rmtree(cache_dir)
    c = build(tmp_path / "c", root=project_copy, audit=False, docs=False)
    assert b.conforms and c.conforms
    names = files(tmp_path / "a")
    assert names == files(tmp_path / "b") == files(tmp_path / "c")
    for other in ("b", "c"):
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / other, [str(n) for n in names], shallow=False)
        assert not mismatch and not errors, (other, mismatch[:5], errors[:5])


def test_a_text_that_cannot_spell_service_is_not_parsed(cache_dir, monkeypatch):
    """No backslash and no stretch that upper-cases to SERVICE: no parser can find the keyword,
    so none is run (and nothing is cached); every other text is read by the parser."""
    monkeypatch.setattr(safety, "_parse_has_service", lambda q: pytest.fail(f"parsed {q!r}"))
    assert safety._algebra_has_service("SELECT ?s WHERE { ?s <http://example.org/p> ?o }") is False
    assert _entries(cache_dir) == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { service <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { \u017fERVICE <http://x/> { ?s ?p ?o } }",  # long s upper-cases to S
    "SELECT * WHERE { SERV\\u0049CE <http://x/> { ?s ?p ?o } }",  # an escape spells I
])
def test_every_spelling_of_service_is_still_parsed_and_refused(cache_dir, query):
    assert safety._may_spell_service(query)
    with pytest.raises(IpkgError, match="SERVICE"):
        safety.refuse_service(query)
