"""Every figure, figure-bearing sentence and capitalised name of the source texts is cited by
the graph.

The audit checks graph -> text; this checks text -> graph. The items left over are pinned
here, each with the reason it is not modelled, so a newly uncovered item fails the test, and
an explained item that becomes cited must be dropped from the list.
"""

import os
from pathlib import Path

import pytest

from ipkg.coverage import Uncovered, coverage, uncovered_names, uncovered_numbers, uncovered_sentences
from ipkg.load import load_project

SEEDS = Path(os.environ.get("IPKG_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))

#: (file, number, words that follow it) -> why it is not a figure for the graph
NOT_FIGURES = {
    ("000_dfa5ce9af53d0671.txt", "four", "key attributes"): "the article's own forecast, stated twice",
    ("002_378a394f6912b650.txt", "three", "causes in terms"): "a rank (the top three), not a count",
    ("002_378a394f6912b650.txt", "one", "case, deriving"): "part of a definition in footnote 1",
    ("004_32a9707c7b60b5c5.txt", "three", "key signals"): "how the commentary structures itself",
}


#: (file, first words of the sentence) -> why the figure-bearing sentence is not modelled
NOT_FIGURE_SENTENCES = {
    ("000_dfa5ce9af53d0671.txt", "Looking forward, the evolution of"): "the article's own forecast (its four attributes), not a fact",
    ("004_32a9707c7b60b5c5.txt", "We identify three key signals"): "how the commentary structures itself",
}

#: (file, name; "…" at the end: the name starts so) -> why the capitalised name has no node or label
NOT_MODELLED_NAMES = {
    ("001_e244d80678ca6ac6.txt", "Greater Protection for Trade Secrets"): "a heading of the article's own list of implications",
    ("001_e244d80678ca6ac6.txt", "Ongoing Challenges in Enforcement"): "a heading of the article's own list of implications",
    ("001_e244d80678ca6ac6.txt", "Evolving Legal Landscape"): "a heading of the article's own list of implications",
    ("001_e244d80678ca6ac6.txt", "International Legal Industry"): "the publisher's sign-off (page furniture), not a body",
    ("002_378a394f6912b650.txt", "Company A"): "a private company the text anonymises; no nodes for private parties",
    ("002_378a394f6912b650.txt", "Xi Jinping Thought on the Rule of Law"): "a political doctrine the text says the work followed; ipkg models bodies, measures and figures, not doctrines",
    ("002_378a394f6912b650.txt", "Protecting IP Empowering Digital Economy and Escorting …"):
        "the forum's theme: longer than an evidence phrase may be, so the forum carries it paraphrased (dcterms:description)",
    ("004_32a9707c7b60b5c5.txt", "Chinese and English"): "the languages the annual report was published in",
    ("004_32a9707c7b60b5c5.txt", "Precision Governance"): "a sub-heading of the commentary",
    ("004_32a9707c7b60b5c5.txt", "Heightened Severity"): "a sub-heading of the commentary",
    ("004_32a9707c7b60b5c5.txt", "Technical Innovation"): "a sub-heading of the commentary",
    ("004_32a9707c7b60b5c5.txt", "AI Empowerment"): "a sub-heading of the commentary",
    ("004_32a9707c7b60b5c5.txt", "Internet Sector"): "a sub-heading of the commentary",
    ("004_32a9707c7b60b5c5.txt", "Agricultural Supplies and Food"): "a sub-heading of the commentary (sectors, not bodies)",
    ("004_32a9707c7b60b5c5.txt", "Drug Sectors"): "a sub-heading of the commentary (sectors, not bodies)",
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
    left = coverage(load_project().data, SEEDS, kinds=("number",))
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


def test_uncovered_sentences_are_those_sharing_no_evidence_phrase():
    text = "There were 12 cases in all. Staff numbered 7 in the office. Nothing else happened."
    left = uncovered_sentences(text, ["12 cases"])
    assert [u.number for u in left] == ["Staff numbered 7 in the office."]
    assert left[0].kind == "sentence" and "figure-bearing sentence" in left[0].format()


def test_uncovered_names_skip_openers_headings_and_cited_names():
    text = ("Overall Situation And More\n"
            "The Foo Bar Office met the Baz Qux Centre and the Quux Board in March.\n")
    left = uncovered_names(text, ["Foo Bar Office", "the quux board"])
    assert [u.number for u in left] == ["Baz Qux Centre"]
    assert left[0].kind == "name" and "name 'Baz Qux Centre'" in left[0].format()
    # a long title is cited when an evidence phrase quotes six of its words in a row
    title = "Opinions on Serving the Construction of the Grand Innovation Hub by Procuratorates"
    assert uncovered_names(f"They released the {title}.", ["Construction of the Grand Innovation Hub was released"]) == []
    assert [u.number for u in uncovered_names(f"They released the {title}.", ["the Grand Innovation Hub"])] == [title]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_every_figure_bearing_sentence_is_cited_or_explained():
    left = coverage(load_project().data, SEEDS, kinds=("sentence",))
    found = set()
    for u in left:
        key = next((k for k in NOT_FIGURE_SENTENCES if k[0] == u.file and u.number.startswith(k[1])), None)
        assert key is not None, f"not cited by any evidence phrase: {u.format()}"
        found.add(key)
    assert found == set(NOT_FIGURE_SENTENCES), "an explained sentence is now cited; drop it from the list"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_every_capitalised_name_is_cited_or_explained():
    left = coverage(load_project().data, SEEDS, kinds=("name",))

    def explained(u):
        return next((k for k in NOT_MODELLED_NAMES if k[0] == u.file and (
            k[1] == u.number or (k[1].endswith(" …") and u.number.startswith(k[1][:-2])))), None)

    found = {explained(u) or (u.file, u.number) for u in left}
    unexplained = sorted(found - set(NOT_MODELLED_NAMES))
    assert not unexplained, "names no triple cites: " + "; ".join(f"{f}: {n}" for f, n in unexplained)
    assert found == set(NOT_MODELLED_NAMES), f"explained names now cited; drop them: {set(NOT_MODELLED_NAMES) - found}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_the_names_the_issue_lists_are_now_cited():
    """Issue 14 named these as things the sources name that had no node."""
    left = {u.number for u in coverage(load_project().data, SEEDS, kinds=("name",))}
    assert "SMEs" not in left
    g = load_project().data
    labels = {str(o).lower() for o in g.objects(None, None) if getattr(o, "language", None) == "en"}
    for thing in ("digital piracy", "injunctive relief", "criminal policy of combining leniency with severity",
                  "newly emerging forms of ip crime", "procuratorial organs nationwide", "people's courts nationwide",
                  "public security organs in shanghai", "people's courts in shanghai", "administrative authorities in shanghai"):
        assert thing in labels, thing
