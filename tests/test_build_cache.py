"""The content-addressed caches that keep `ipkg build` fast never serve a stale answer:
changing what a cached computation reads changes (or recomputes) what it returns."""

from __future__ import annotations

import pytest

from ipkg import safety
from ipkg.errors import IpkgError

PLAIN = "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:p ?o }"
# the same query with a SERVICE clause: a one-word change of the text
FEDERATED = "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { SERVICE <http://x/> { ?s ex:p ?o } }"


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
