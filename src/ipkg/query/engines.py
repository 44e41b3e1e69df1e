"""The in-memory engines (pyoxigraph, rdflib; an on-disk Oxigraph store too) and their base class."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import IpkgError
from ..terms import json_from_rdflib as _from_rdflib
from ..terms import to_json as _from_oxigraph
from ..terms import to_rdflib
from ..vocab import PREFIXES
from .labels import LABEL_QUERY, _pick_labels
from .params import _check_param_names, bind_values
from .results import QueryResult, _graph_result
from .syntax import _kind_of, _oxigraph_syntax_error, check_syntax


class Engine:
    """Something that answers SPARQL: :meth:`run` and :meth:`labels`."""

    name = "engine"

    def run(self, text: str, params: Mapping | None = None, origin: str = "<query>") -> QueryResult:
        raise NotImplementedError

    def labels(self, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
        iris = sorted(set(iris))
        if not iris:
            return {}
        pairs = []
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            values = " ".join(f"<{i}>" for i in chunk if _safe_iri(i))
            if not values:
                continue
            res = self.run(LABEL_QUERY % values)
            for r in res.rows:
                label, subject = r.get("label"), r.get("s")
                if label and subject and label["type"] == "literal":
                    is_pref = (r.get("pref") or {}).get("value") in ("true", "1")
                    pairs.append((subject["value"], label["value"], label.get("xml:lang"), is_pref))
        return _pick_labels(pairs, lang)


def _safe_iri(iri: str) -> bool:
    return not re.search(r'[\x00-\x20<>"{}|^`\\]', iri)


class OxigraphEngine(Engine):
    """pyoxigraph: an in-memory store loaded from the project, or an on-disk store."""

    name = "oxigraph"

    def __init__(self, store, union_default_graph: bool = False):
        self.store = store
        self.union = union_default_graph

    def run(self, text, params=None, origin="<query>"):
        from ..safety import refuse_service
        from ..sandbox import run_isolated, supported

        # pyoxigraph would connect to the SERVICE IRI. The engine runs in a child without
        # network access (and some queries abort Oxigraph: ipkg.sandbox); where that sandbox
        # exists, the linear scan suffices for the message and rdflib's parse (0.2 s) is skipped
        refuse_service(text, origin, parse=not supported())
        _check_param_names(text, params, origin)

        return run_isolated(self._execute, text, params, origin, origin=origin)

    def run_many(self, jobs, origin="<queries>"):
        """The result of every ``(query, params, origin)`` in ``jobs``, as :meth:`run` gives it,
        with the same checks, but all run in one sandboxed child instead of one child each.
        When that child dies (an Oxigraph crash), each query runs again in its own child, so
        the error names the query."""
        from ..safety import refuse_service
        from ..sandbox import EngineCrash, run_isolated, supported

        for text, params, where in jobs:
            refuse_service(text, where, parse=not supported())
            _check_param_names(text, params, where)

        def run_all():
            return [self._execute(text, params, where) for text, params, where in jobs]

        try:
            return run_isolated(run_all, origin=origin)
        except EngineCrash:
            return [self.run(text, params, where) for text, params, where in jobs]

    def _execute(self, text, params, origin):
        import pyoxigraph as ox

        subs = {ox.Variable(k): v for k, v in (params or {}).items()}
        try:
            try:
                res = self.store.query(text, substitutions=subs or None,
                                       use_default_graph_as_union=self.union)
            except RuntimeError as exc:
                # Oxigraph substitutes only variables the query projects (SEP-0007); for the
                # others bind through a VALUES block (terms serialised by pyoxigraph).
                if not subs or "projection" not in str(exc):
                    raise
                res = self.store.query(bind_values(text, params), use_default_graph_as_union=self.union)
        except SyntaxError as exc:
            raise _oxigraph_syntax_error(exc, text, origin) from None
        except (OSError, RuntimeError) as exc:
            raise IpkgError(f"query failed: {exc}", path=origin) from None
        kind = _kind_of(res)
        if kind == "ask":
            return QueryResult("ask", boolean=bool(res))
        if kind == "graph":
            return _graph_result((_from_oxigraph(t.subject), _from_oxigraph(t.predicate),
                                  _from_oxigraph(t.object)) for t in res)
        variables = [v.value for v in res.variables]
        rows = [{v: _from_oxigraph(sol[v]) for v in variables} for sol in res]
        return QueryResult("select", variables, rows)

    def labels(self, iris, lang="en"):
        import pyoxigraph as ox

        skos_pref = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
        rdfs_label = ox.NamedNode(PREFIXES["rdfs"] + "label")
        pairs = []
        for iri in set(iris):
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                continue
            for pred, is_pref in ((skos_pref, True), (rdfs_label, False)):
                for q in self.store.quads_for_pattern(node, pred, None, None if self.union else ox.DefaultGraph()):
                    if isinstance(q.object, ox.Literal):
                        pairs.append((iri, q.object.value, q.object.language, is_pref))
        return _pick_labels(pairs, lang)


class RdflibEngine(Engine):
    """rdflib's SPARQL engine over an in-memory Graph (slower; a cross-check)."""

    name = "rdflib"

    def __init__(self, graph):
        self.graph = graph

    def run(self, text, params=None, origin="<query>"):
        from ..safety import refuse_service

        refuse_service(text, origin)  # rdflib would fetch the SERVICE IRI with urllib
        check_syntax(text, origin)  # one syntax-error format for every engine
        _check_param_names(text, params, origin)
        from ..sandbox import run_isolated

        return run_isolated(self._execute, text, params, origin, origin=origin,
                            what="the query engine (rdflib)")

    def _execute(self, text, params, origin):
        from rdflib import Variable

        bindings = {Variable(k): to_rdflib(v) for k, v in (params or {}).items()}
        try:
            res = self.graph.query(text, initBindings=bindings or None)
        except Exception as exc:  # rdflib's parser and evaluator raise many types
            raise IpkgError(f"rdflib could not run the query: {exc}", path=origin) from None
        if res.type == "ASK":
            return QueryResult("ask", boolean=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return _graph_result((_from_rdflib(s), _from_rdflib(p), _from_rdflib(o))
                                 for s, p, o in res.graph)
        variables = [str(v) for v in res.vars]
        rows = [{v: _from_rdflib(row[i]) for i, v in enumerate(variables)} for row in res]
        return QueryResult("select", variables, rows)

    def labels(self, iris, lang="en"):
        from rdflib import Literal, URIRef
        from rdflib.namespace import RDFS, SKOS

        pairs = []
        for iri in set(iris):
            for pred, is_pref in ((SKOS.prefLabel, True), (RDFS.label, False)):
                for obj in self.graph.objects(URIRef(iri), pred):
                    if isinstance(obj, Literal):
                        pairs.append((iri, str(obj), obj.language, is_pref))
        return _pick_labels(pairs, lang)
