"""Every example query on a second real SPARQL 1.1 store: Virtuoso 7.2 (Debian), started by the tests.

The build's merged graph (``dist/ipkg.nt``) is stored in Virtuoso with the Graph Store protocol
(HTTP PUT, Digest auth) into one named graph, and the queries name it as their default graph
(``default-graph-uri``), so Virtuoso's own system graphs stay out. Each example must give the
rows of ``tests/data/expected`` – the same JSON values, so an integer 1 is not a boolean true –
and, when it has an ORDER BY, in the same order as the embedded engine (no ties left to chance).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import httpx
import pytest

from ipkg import examples, query

EXPECTED = Path(__file__).parent / "data" / "expected"
NAMES = [ex.name for ex in examples.list_examples()]
GRAPH = "https://w3id.org/ipkg/graph/all"


@pytest.fixture(scope="module")
def vt_engine(virtuoso, built_dist):
    nt = (built_dist / "ipkg.nt").read_bytes()
    resp = httpx.put(virtuoso.graph_store, params={"graph": GRAPH}, content=nt,
                     headers={"Content-Type": "application/n-triples"},
                     auth=httpx.DigestAuth(virtuoso.user, virtuoso.password), timeout=300)
    assert resp.status_code in (200, 201, 204), resp.text
    distinct = len({line for line in nt.decode("utf-8").splitlines() if line.strip()})
    (row,) = virtuoso.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    assert int(row["n"]) == distinct, "Virtuoso did not store every triple of the build"
    url = virtuoso.sparql + "?" + urllib.parse.urlencode({"default-graph-uri": GRAPH})
    return query.get_engine(endpoint=url, timeout=120)


def in_order(result: query.QueryResult) -> list[dict]:
    if result.kind == "ask":
        return [{"boolean": bool(result.boolean)}]
    return [{v: query.normalise_term(r.get(v)) for v in result.variables} for r in result.rows]


def strict(rows) -> str:
    """JSON text: 1 and true, 97 and 97.7, "1" and 1 all differ."""
    return json.dumps(rows, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_the_expected_rows_on_virtuoso(name, vt_engine):
    expected = json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))["rows"]
    result = query.run_query(name, engine=vt_engine)
    assert strict(query.normalised_rows(result)) == strict(expected), f"{name} differs on Virtuoso"
    ex = examples.get_example(name)
    body = "\n".join(line.split("#")[0] for line in ex.query.splitlines())
    if ex.form == "select" and re.search(r"(?i)\bORDER\s+BY\b", body):
        embedded = query.run_query(name, engine=query.get_engine("oxigraph"))
        assert strict(in_order(result)) == strict(in_order(embedded)), \
            f"{name}: rows come in another order on Virtuoso (ORDER BY leaves ties)"


# What people type, on both engines: the friction points of issue 15.
SEARCHES = [
    ("who-says", "text", "21000", "21,000 individuals"),         # thousands separator
    ("who-says", "text", "２１，０００", "21,000 individuals"),   # full-width digits and comma
    ("who-says", "text", "１３４８６", "13,486"),
    ("who-says", "text", "qinglang", "Qinglang"),                # letter case
    ("who-says", "text", "640 MILLION", "640 million"),
    ("lookup-by-chinese-name", "name", "知识产权检察厅", "最高人民检察院知识产权检察厅"),  # Chinese
    ("lookup-by-chinese-name", "name", "supreme people's procuratorate", "Supreme People's Procuratorate"),
]


@pytest.mark.parametrize("name, param, value, found", SEARCHES)
def test_matching_people_expect_on_both_engines(name, param, value, found, vt_engine):
    column = "evidence" if name == "who-says" else "label"
    for engine in (query.get_engine("oxigraph"), query.get_engine("rdflib"), vt_engine):
        rows = query.run_query(name, params=[f"{param}={value}"], engine=engine).plain_rows()
        assert any(found in r[column] for r in rows), f"{name} {value!r} on {engine.name}: {rows}"


def test_virtuoso_ask_answer_is_read_as_a_boolean(vt_engine):
    assert query.run_query("ASK { iorg:spp a ipkg:Procuratorate }", engine=vt_engine).boolean is True
    assert query.run_query("ASK { iorg:spp a ipkg:Court }", engine=vt_engine).boolean is False
