"""ipkg.api, the notebook API: its docstring examples run as tests, plus the error paths."""

from __future__ import annotations

import doctest
import sys

import pytest

import ipkg.api


def test_docstring_examples_run():
    result = doctest.testmod(ipkg.api, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0


def test_query_returns_python_values():
    kg = ipkg.api.load()
    rows = kg.query("growth-rates")
    row = next(r for r in rows if r["growth"].endswith("sh2023-arrest-review-cases-accepted-growth"))
    assert row["rate"] == pytest.approx(144.3)
    assert isinstance(row["laterValue"], int) and row["laterValue"] == 425
    assert row["impliedBase"] == pytest.approx(174.0)


def test_rdflib_engine_same_rows():
    a = ipkg.api.load().query("sums-not-adding-up")
    b = ipkg.api.load(engine="rdflib").query("sums-not-adding-up")
    assert a == b and a


def test_df_with_labels():
    pytest.importorskip("pandas")
    df = ipkg.api.load().df("org-hierarchy", lang="zh")
    assert {"body", "bodyLabel", "parent", "parentLabel"} <= set(df.columns)
    spp_dept = df[df["body"].str.endswith("/spp-ip-procuratorial-department")]
    assert spp_dept["parentLabel"].tolist() == ["最高人民检察院"]


def test_df_without_pandas_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install"):
        ipkg.api.load().df("org-hierarchy")


def test_examples_listing_and_unknown_example():
    kg = ipkg.api.load()
    names = kg.examples()
    assert len(names) >= 30 and names["who-says"].startswith("Which source says it")
    from ipkg.errors import IpkgError

    with pytest.raises(IpkgError, match="available: "):
        kg.example("nope")


def test_connect_needs_a_target():
    from ipkg.errors import IpkgError

    with pytest.raises(IpkgError):
        ipkg.api.connect()
