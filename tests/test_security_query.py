"""Attacks on `ipkg query` and on the queries validation runs (issue #18, items 1 and 2).

`ipkg query` runs its engine in a forked child under a no-network seccomp filter
(ipkg.sandbox): an Oxigraph abort becomes one error line, SERVICE cannot connect even if a
reading of the text missed it. queries/checks and SHACL-SPARQL shapes get the same SERVICE rule.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ipkg

#: the ipkg under test (this worktree's src/, or whatever PYTHONPATH points at)
SRC = str(Path(ipkg.__file__).resolve().parents[1])

from test_no_network import Canary, canary  # noqa: F401 - the fixture

ATTACKS = Path(__file__).parent / "attacks"
ROOT = Path(__file__).parents[1]


def ipkg(*args, cwd=None, env=None, timeout=120):
    import os

    env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    env.pop("IPKG_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ipkg", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=timeout)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_oxigraph_crashes_are_one_error_line(engine):
    """Both Oxigraph crashes of the issue, through `ipkg query FILE`: exit 2, one clear line."""
    panic = ipkg("query", "--engine", engine, str(ATTACKS / "oxigraph-order-by-panic.rq"))
    nested = ipkg("query", "--engine", engine, str(ATTACKS / "oxigraph-nested-groups.rq"))
    for res in (panic, nested):
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr and "panicked at" not in res.stderr
        assert res.stderr.startswith("ipkg query: "), res.stderr
    assert "nests { ( [ more than 64 levels deep" in nested.stderr
    if engine == "oxigraph":
        assert "crashed on this query (SIGABRT (panic: user-provided comparison function does not " \
               "correctly implement a total order))" in panic.stderr
    else:
        # the syntax check (Oxigraph) does not execute the query; rdflib then sorts it fine
        assert panic.returncode == 2 or panic.stdout


def test_syntax_check_survives_the_engine():
    """pyoxigraph has no parse-only call (its empty-store parse evaluates VALUES + ORDER BY):
    the check runs in a sandboxed child, so a crash there is an error, not the caller's end."""
    from ipkg.query import check_syntax
    from ipkg.sandbox import EngineCrash

    assert check_syntax("SELECT * WHERE { ?s ?p ?o } ORDER BY ?o") == "select"
    with pytest.raises(EngineCrash, match="total order"):
        check_syntax((ATTACKS / "oxigraph-order-by-panic.rq").read_text())


def test_query_engine_child_cannot_connect(canary):
    """Even a SERVICE the text checks missed could not connect: the engine runs sandboxed."""
    import pyoxigraph as ox

    from ipkg.query import OxigraphEngine

    eng = OxigraphEngine(ox.Store())
    res = eng._execute  # the function run_isolated runs in the child
    from ipkg.sandbox import run_isolated

    with pytest.raises(Exception):  # noqa: B017 - any failure, as long as nothing connects
        run_isolated(res, f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}", None, "<q>")
    assert canary.close(0.5) == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("glue", ["# c\rSERVICE", "1SERVICE", "trueSERVICE", "SERVICESILENT",
                                  "\\u0053ERVICE", ". SERVICE"])
def test_service_bypasses_are_refused_by_ipkg_query(engine, glue, capsys):
    from ipkg.cli import main

    canary = Canary()
    q = f"SELECT * WHERE {{ ?s ?p ?o {glue} <{canary.url}> {{ ?a ?b ?c }} }}"
    code = main(["query", "--engine", engine, q])
    err = capsys.readouterr().err
    assert code == 2 and "SERVICE (federated query) is not allowed" in err
    assert canary.close(0.3) == []


def test_service_in_a_check_query_is_refused(project_copy, capsys):
    from ipkg.cli import main

    canary = Canary()
    (project_copy / "queries" / "checks" / "evil-violation.rq").write_text(
        f"# severity: Warning\nSELECT ?focus WHERE {{ ?focus ?p ?o # x\rSERVICE <{canary.url}> {{ ?a ?b ?c }} }}\n")
    code = main(["validate"])
    err = capsys.readouterr().err
    assert code == 2 and "evil-violation.rq" in err and "SERVICE" in err
    assert canary.close(0.3) == []


def test_service_in_a_shacl_sparql_shape_is_refused(project_copy, capsys):
    from ipkg.cli import main

    canary = Canary()
    (project_copy / "shapes" / "evil.ttl").write_text(f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ipkg: <https://w3id.org/ipkg/ontology#> .
<urn:evil:shape> a sh:NodeShape ; sh:targetClass ipkg:Figure ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:select "SELECT $this WHERE {{ $this ?p ?o . trueSERVICE <{canary.url}> {{ ?a ?b ?c }} }}" ] .
""")
    code = main(["validate"])
    err = capsys.readouterr().err
    assert code == 2 and "SERVICE" in err, err
    assert canary.close(0.3) == []
