"""Every figure the source texts state is cited by an evidence phrase in the graph.

The audit checks graph -> text; this checks text -> graph. The numbers left over are pinned
here, each with the reason it is not a figure, so a newly uncovered number fails the test.
"""

from pathlib import Path

import pytest

from ipkg.coverage import Uncovered, coverage, uncovered_numbers
from ipkg.load import load_project

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

#: (file, number, words that follow it) -> why it is not a figure for the graph
NOT_FIGURES = {
    ("000_dfa5ce9af53d0671.txt", "four", "key attributes"): "the article's own forecast, stated twice",
    ("002_378a394f6912b650.txt", "three", "causes in terms"): "a rank (the top three), not a count",
    ("002_378a394f6912b650.txt", "one", "case, deriving"): "part of a definition in footnote 1",
    ("004_32a9707c7b60b5c5.txt", "three", "key signals"): "how the commentary structures itself",
}


def test_uncovered_numbers_skips_years_lists_footnotes_and_dates():
    text = ("On April 23, 2025, it said: 1. There were 12 cases[footnoteRef:0] in 2024. "
            "2. Nine persons and 7 others were approved. [0: note]")
    left = uncovered_numbers(text, ["12 cases", "Nine persons"])
    assert [u.number for u in left] == ["7"]


def test_uncovered_number_words_are_reported():
    left = uncovered_numbers("Procuratorates handled five cases.", [])
    assert [u.number for u in left] == ["five"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_every_number_in_the_sources_is_cited_or_explained():
    left = coverage(load_project().data, SEEDS)
    found = set()
    for u in left:
        key = next((k for k in NOT_FIGURES if k[0] == u.file and k[1] == u.number
                    and f"{u.number} {k[2]}" in u.context), None)
        assert key is not None, f"not cited by any evidence phrase: {u.format()}"
        found.add(key)
    assert found == set(NOT_FIGURES), "an explained number is now cited; drop it from NOT_FIGURES"


def test_uncovered_format_names_file_and_context():
    u = Uncovered("x.txt", "7", "and 7 others")
    assert u.format() == "x.txt: '7' not cited by any evidence phrase: …and 7 others…"
