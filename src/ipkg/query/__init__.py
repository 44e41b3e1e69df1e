"""Run SPARQL over the ipkg graph: in memory (pyoxigraph or rdflib), on a store, or at an endpoint.

Every engine returns the same :class:`QueryResult`, whose terms are SPARQL 1.1 JSON term
dictionaries (``{"type": "uri", "value": …}``), so that results from pyoxigraph, rdflib and a remote
endpoint can be printed, compared and tested the same way.

* ``oxigraph`` (default): a :class:`pyoxigraph.Store` in memory, loaded from the same files the
  project loader reads (``ontology/`` and every RDF file under ``graph/``).
* ``rdflib``: the same files in an :class:`rdflib.Graph`.
* ``store``: an on-disk Oxigraph store (``ipkg.store.open_store``).
* ``endpoint``: any SPARQL 1.1 Protocol endpoint, over :mod:`ipkg.http` (httpx).

Parameters (``--param name=value``) are bound as RDF terms, never pasted into the query text: as
``substitutions`` for pyoxigraph and ``initBindings`` for rdflib. An endpoint cannot take bindings,
so there the term – serialised by pyoxigraph, hence always one well-formed, escaped RDF term – goes
into a ``VALUES`` block at the start of the top-level ``WHERE`` group.

One module a job; this package re-exports the public names, so ``from ipkg.query import X`` is
the way in:

==============  ==============================================================================
``results``     :class:`QueryResult`, SPARQL JSON terms as Python values, normalised rows
``terms``       pyoxigraph / rdflib terms → SPARQL JSON terms
``params``      ``--param`` values as RDF terms; binding them (``VALUES``) for endpoints
``source``      inline SPARQL, a ``.rq`` file or an example name → the query text
``syntax``      the sandboxed parse (query kind) and syntax errors with a caret
``project``     the project's files loaded into pyoxigraph or rdflib
``labels``      the label rule for result IRIs
``engines``     :class:`Engine`, :class:`OxigraphEngine`, :class:`RdflibEngine`
``endpoint``    :class:`EndpointEngine` and the readers of what endpoints answer
``run``         :func:`get_engine`, :func:`run_query`, :func:`add_labels`
``formats``     :func:`format_result`: table, csv, tsv, json, md, ttl, nt
==============  ==============================================================================
"""

from __future__ import annotations

from .. import paths, vocab  # names the single-module ipkg.query had; its users still reach them
from ..textable import text_width
from ..vocab import PREFIXES, compact
from .endpoint import EndpointEngine, _parse_graph_body, _parse_json_results
from .engines import Engine, OxigraphEngine, RdflibEngine
from .formats import FORMATS, format_result
from .labels import LABEL_QUERY
from .params import bind_values, parse_param_value, parse_params
from .project import load_oxigraph, load_rdflib, project_files
from .results import NUMERIC_TYPES, RDF_LANGSTRING, XSD, QueryResult, Term, normalise_term, normalised_rows, to_python
from .run import ENGINES, add_labels, get_engine, run_query
from .source import QuerySource, resolve_query
from .syntax import check_syntax, syntax_error

__all__ = [
    "ENGINES", "FORMATS", "LABEL_QUERY", "NUMERIC_TYPES", "PREFIXES", "RDF_LANGSTRING", "XSD",
    "Engine", "EndpointEngine", "OxigraphEngine", "QueryResult", "QuerySource", "RdflibEngine", "Term",
    "_parse_graph_body", "_parse_json_results", "add_labels", "bind_values", "check_syntax", "compact",
    "format_result", "get_engine", "load_oxigraph", "load_rdflib", "normalise_term", "normalised_rows",
    "parse_param_value", "parse_params", "paths", "project_files", "resolve_query", "run_query", "syntax_error",
    "text_width", "to_python", "vocab",
]
