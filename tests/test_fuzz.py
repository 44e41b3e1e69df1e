"""Bounded fuzzing of the loaders and the validator (hypothesis; about 30 s in all).

The only exception a loader may raise is :class:`ipkg.errors.IpkgError`; ``ipkg validate FILE``
must end with exit code 0, 1 or 2. Anything else (a RecursionError, a KeyError, a crash) is a bug.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
SEED_TTL = (REPO / "graph" / "reference" / "sources.ttl").read_bytes()[:4000]
SEED_JSONLD = json.dumps({
    "@context": {"skos": "http://www.w3.org/2004/02/skos/core#", "iorg": "https://w3id.org/ipkg/id/org/"},
    "@graph": [{"@id": "iorg:spp", "@type": "skos:Concept",
                "skos:prefLabel": [{"@value": "SPP", "@language": "en"}, {"@value": "最高检", "@language": "zh"}],
                "skos:related": {"@id": "iorg:spc"}, "skos:notation": {"@value": "1", "@type": "xsd:integer"}}],
}, ensure_ascii=False).encode()
EXTENSIONS = [".ttl", ".nt", ".trig", ".nq", ".jsonld"]
#: IPKG_FUZZ_EXAMPLES=5000 for a longer hunt; CI keeps the default
EXAMPLES = int(os.environ.get("IPKG_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def _load(data: bytes, suffix: str):
    from ipkg.errors import IpkgError
    from ipkg.load import load_rdf_file

    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / ("fuzz" + suffix)
        path.write_bytes(data)
        try:
            load_rdf_file(path)
        except IpkgError as exc:
            assert exc.exit_code == 2
            assert exc.message and "Traceback" not in exc.format()
            if exc.line is not None:
                assert exc.line >= 1 and (exc.col is None or exc.col >= 1)


@st.composite
def mutated(draw, seed: bytes):
    """``seed`` with a few random edits: delete, insert, duplicate, overwrite, truncate."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "overwrite", "truncate"]))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        n = draw(st.integers(1, 40))
        if op == "delete":
            del data[i:i + n]
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.binary(min_size=1, max_size=8),
                                       st.sampled_from([b"[", b"(", b"]", b'"', b"<", b"@prefix", b"\\u", b"\xe4\xb8",
                                                        b"\x00", b'"""', b"^^", b"@", b"_:", b";", b".", b"{"])))
        elif op == "duplicate":
            data[i:i] = data[i:i + n] * draw(st.integers(1, 50))
        elif op == "overwrite":
            data[i:i + 1] = draw(st.binary(min_size=1, max_size=1))
        else:
            del data[i:]
    return bytes(data)


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from(EXTENSIONS))
def test_random_bytes(data, suffix):
    _load(data, suffix)


@FUZZ
@given(data=mutated(SEED_TTL), suffix=st.sampled_from([".ttl", ".trig"]))
def test_mutated_turtle(data, suffix):
    _load(data, suffix)


@FUZZ
@given(data=mutated(SEED_JSONLD))
def test_mutated_jsonld(data):
    _load(data, ".jsonld")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10),
              st.sampled_from(["@id", "@type", "@value", "@language", "@list", "@set", "@graph", "@context",
                               "@reverse", "@index", "@base", "@vocab", "_:b", "http://example.org/p", "skos:x",
                               "xsd:integer", "en", "file:///etc/passwd", "context.jsonld", "https://x.org/c"])),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["@id", "@type", "@value", "@language", "@list", "@graph", "@context",
                                         "@reverse", "@nest", "@included", "@import", "@propagate",
                                         "http://example.org/p", "p", "skos:prefLabel"]),
                        children, max_size=4)),
    max_leaves=20,
)


@FUZZ
@given(doc=json_values)
def test_structured_jsonld(doc):
    """JSON-LD built from the keywords, including @context references (local and remote)."""
    _load(json.dumps(doc).encode(), ".jsonld")


@pytest.fixture(scope="module")
def mini_root(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("mini") / "data")
    shutil.rmtree(root / "graph" / "sources")
    return root


@settings(max_examples=max(40, EXAMPLES // 10), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated((REPO / "graph" / "reference" / "organisations-places-periods.ttl").read_bytes()[:2500]))
def test_validate_cli_on_mutated_turtle(data, mini_root, monkeypatch, capsys):
    """``ipkg validate FILE`` in-process: exit 0, 1 or 2 — never an exception (IPKG_DEBUG=1)."""
    from ipkg.cli import main

    monkeypatch.setenv("IPKG_DATA", str(mini_root))
    monkeypatch.setenv("IPKG_DEBUG", "1")
    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / "user.ttl"
        path.write_bytes(data)
        code = main(["validate", str(path), "--format", "json"])
    out = capsys.readouterr()
    assert code in (0, 1, 2), out.err
    if code in (0, 1):
        json.loads(out.out)  # a complete report
    else:
        assert out.err.startswith("ipkg validate: error: ")
