"""The one SPARQL lexer (ipkg.sparql_lex) and the jobs built on it: the SERVICE/nesting scan
(ipkg.safety), prefix detection (ipkg.vocab) and parameter binding (ipkg.query.params)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ipkg import sparql_lex, vocab
from ipkg.query import bind_values, parse_params
from ipkg.safety import find_service, scan_query

PIECES = ['"', "'", '"""', "'''", "\\", "\n", "\r", "#", "<", ">", "{", "}", "(", ")", " ", "?", ":",
          ".", "SERVICE", "service", "ex", "1", "_", "知识", "İ", "\\u0053"]


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_tokens_cover_the_text_once_in_order(text):
    at = 0
    for _kind, start, end in sparql_lex.tokens(text):
        assert start == at and end > start
        at = end
    assert at == len(text)


def test_token_kinds():
    text = 'SELECT ?x # {c}\nWHERE { ?x rdfs:label "a}" ; <p> \'\'\'b\n\'\'\' }'
    assert list(sparql_lex.words(text)) == [
        ("name", "SELECT"), ("name", "?x"), ("comment", "# {c}"), ("name", "WHERE"), ("punct", "{"),
        ("name", "?x"), ("name", "rdfs:label"), ("string", '"a}"'), ("punct", ";"), ("iri", "<p>"),
        ("string", "'''b\n'''"), ("punct", "}")]


def test_service_after_a_character_whose_lower_case_is_longer_is_found():
    """'İ'.lower() is two characters: a scan over text.lower() lost its place after it."""
    query = "# İ\nSELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert find_service(query) == query.index("SERVICE")


def test_scan_ignores_service_in_names_strings_iris_and_comments():
    query = 'SELECT ?service WHERE { ex:service service:x "SERVICE" . <http://x/SERVICE> ?p ?o } # SERVICE'
    scan = scan_query(query)
    assert scan.service_at is None and scan.depth == 1


def test_prefixes_are_read_from_names_only():
    used, declared = vocab.used_and_declared('PREFIX ex: <x>\nSELECT * { ex:a iorg:b ?c:d _:e "skos:x" } # owl:x')
    assert used == {"ex", "iorg"} and declared == {"ex"}


def test_values_open_the_top_level_where_group():
    """A variable called ?where is not the keyword; the VALUES block opens the WHERE group."""
    text = bind_values("SELECT ?where WHERE { ?where ?p ?o }", parse_params(["o=1"]))
    assert text.startswith("SELECT ?where WHERE { VALUES (?o) {")
