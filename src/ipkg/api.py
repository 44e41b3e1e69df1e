"""The notebook API: load the graph once, then ask it questions in SPARQL.

>>> import ipkg.api
>>> kg = ipkg.api.load()
>>> kg.query("ASK { ?s ?p ?o }")
True

Rows are dictionaries of plain Python values (IRIs as ``str``, numbers as ``int``/``float``):

>>> rows = kg.query('''
...     PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
...     SELECT ?label WHERE { ?spp skos:prefLabel ?label FILTER(LANG(?label) = "zh") }
... ''', spp="iorg:spp")
>>> rows[0]["label"]
'最高人民检察院'

Keyword arguments bind variables as RDF terms (``iorg:spp`` or ``<https://…>`` is an IRI, other
strings are literals) – they are never pasted into the query text, so any string is safe:

>>> kg.query("SELECT ?n WHERE { BIND(STRLEN(?text) AS ?n) }", text='"} ; DROP ALL ; {"')
[{'n': 18}]

The project prefixes (``ontology/prefixes.ttl``; ``kg.prefixes``) need no ``PREFIX`` lines,
and the CURIEs ipkg prints (``iorg:spp``) can be pasted back:

>>> sorted(r["unit"] for r in kg.query("SELECT ?unit WHERE { ?unit org:unitOf iorg:spp }"))[0]
'https://w3id.org/ipkg/id/org/spp-ip-procuratorial-department'
>>> kg.prefixes["iorg"]
'https://w3id.org/ipkg/id/org/'

The example queries in ``queries/`` run by name:

>>> "org-hierarchy" in kg.examples()
True
>>> kg.example("org-hierarchy").title_zh
'机构层级：各机构及内设部门的直接上级'
>>> kg.query("ask-spp-has-ip-department")
True
>>> {r["articleNumber"] for r in kg.query("amendment-xi-changes") if r["change"] == "inserted"}
{'219-1'}

With pandas installed, :meth:`KnowledgeGraph.df` returns a DataFrame with a ``<var>Label``
column after each column of IRIs, as ``ipkg query`` prints (English by default; ``lang="zh"``;
``labels=False`` for none):

>>> df = kg.df("crime-type-tree")
>>> int((df["articleNumber"] == "219-1").sum())
1
>>> "crimeTypeLabel" in df.columns
True
"""

from __future__ import annotations

from pathlib import Path

from .errors import IpkgError
from .examples import Example, get_example, list_examples
from .query import PREFIXES, QueryResult, add_labels, get_engine, normalised_rows, parse_params, run_query, to_python

__all__ = ["load", "connect", "KnowledgeGraph", "QueryResult", "run_query", "list_examples",
           "get_example", "normalised_rows"]


class KnowledgeGraph:
    """The graph behind one engine (in-memory pyoxigraph by default, rdflib, a store or an endpoint)."""

    def __init__(self, engine):
        self.engine = engine
        #: the project prefixes, declared for every query that does not declare them
        self.prefixes = dict(PREFIXES)

    def __repr__(self) -> str:
        return f"<ipkg KnowledgeGraph on {self.engine.name}>"

    def result(self, sparql: str, lang: str | None = None, **params) -> QueryResult:
        """The full :class:`~ipkg.query.QueryResult` (terms as SPARQL JSON dicts)."""
        result = run_query(sparql, params=parse_params(params), engine=self.engine)
        if lang and result.kind != "ask":
            add_labels(result, self.engine, lang)
        return result

    def query(self, sparql: str, **params):
        """Run SPARQL (inline, a .rq path or an example name).

        SELECT → ``list[dict]``; ASK → ``bool``; CONSTRUCT/DESCRIBE → list of
        ``{"subject", "predicate", "object"}`` dicts. Keyword arguments bind variables.
        """
        result = self.result(sparql, **params)
        if result.kind == "ask":
            return bool(result.boolean)
        return result.plain_rows()

    def df(self, sparql: str, lang: str = "en", labels: bool = True, **params):
        """The result as a pandas DataFrame with ``<var>Label`` columns (in ``lang``), like the CLI.

        ``labels=False`` leaves them out. Labels follow the one rule of
        :func:`ipkg.query.add_labels` (skos:prefLabel, else rdfs:label, in ``lang``, else English).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("KnowledgeGraph.df needs pandas: pip install 'ipkg[pandas]' "
                              "(or pip install pandas); KnowledgeGraph.query works without it") from None
        result = self.result(sparql, lang=lang if labels else None, **params)
        if result.kind == "ask":
            return pd.DataFrame([{"boolean": bool(result.boolean)}])
        variables, rows = result.labelled() if labels else (result.variables, result.rows)
        return pd.DataFrame([{v: to_python(r.get(v)) for v in variables} for r in rows], columns=variables)

    def example(self, name: str) -> Example:
        """The example query ``name``: ``.title``, ``.title_zh``, ``.description``, ``.query``…"""
        return get_example(name)

    def examples(self) -> dict[str, str]:
        """``{name: English title}`` for every example query."""
        return {ex.name: ex.title for ex in list_examples()}


def load(root: str | Path | None = None, engine: str = "oxigraph") -> KnowledgeGraph:
    """Load the project's ontology and graph into memory (pyoxigraph, or ``engine="rdflib"``)."""
    return KnowledgeGraph(get_engine(engine, root=Path(root) if root else None))


def connect(endpoint: str | None = None, *, store: str | Path | None = None, timeout: float = 30.0,
            user: str | None = None, password: str | None = None) -> KnowledgeGraph:
    """A graph behind a SPARQL endpoint URL, or an on-disk Oxigraph store (``store=DIR``)."""
    if not endpoint and not store:
        raise IpkgError("connect() needs an endpoint URL or store=DIR")
    return KnowledgeGraph(get_engine(endpoint=endpoint, store=store, timeout=timeout,
                                     user=user, password=password))
