"""The query gallery: every example query (``queries/*.rq``, :mod:`ipkg.examples`) with its
question in English and Chinese, the SPARQL, and the rows it returns, run at build time on the
graph being built (Oxigraph, in memory).

Each query also gets a link that opens it in the query page of ``ipkg serve``:
``<origin>/?query=<the query, URL-encoded>``, where ``<origin>`` is the address ``ipkg serve``
listens on by default (:data:`ipkg.serve.DEFAULT_BIND`, ``http://127.0.0.1:7878``); when the
gallery itself is opened from a server at another address, ``static/site.js`` rewrites those
links to that page's own origin (``data-serve`` marks them).
"""

from __future__ import annotations

from urllib.parse import quote

#: rows shown per query; the rest are counted
MAX_ROWS = 50


def serve_origin() -> str:
    from ..serve import DEFAULT_BIND

    return "http://" + DEFAULT_BIND


def serve_link(query: str, origin: str | None = None) -> str:
    return f"{origin or serve_origin()}/?query={quote(query, safe='')}"


def _store(project):
    import pyoxigraph as ox

    store = ox.Store()
    quads = [q for p in project.files if project.kind(p) != "shapes" for q in project.quads[p]]
    if all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):  # as Turtle files give them
        store.extend(quads)
    else:
        store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return store


def run_examples(project, model) -> list[dict]:
    """Every example with its rows (cells with labels and page links, relative to ``queries/``)."""
    from ..examples import list_examples
    from ..query import OxigraphEngine, parse_params

    engine = OxigraphEngine(_store(project))
    examples = list_examples()
    jobs = [(ex.query, parse_params(ex.params) if ex.params else {}, str(ex.path)) for ex in examples]
    out = []
    for ex, result in zip(examples, engine.run_many(jobs, origin="queries/"), strict=True):
        item = {
            "name": ex.name,
            "title": {"en": ex.title, "zh": ex.title_zh or ex.title},
            "description": {"en": ex.description, "zh": ex.description_zh or ex.description},
            "query": ex.query,
            "form": ex.form,
            "serve": serve_link(ex.query),
            "params": ex.params,
        }
        if result.kind == "ask":
            item.update(kind="ask", boolean=bool(result.boolean), variables=[], rows=[], total=0)
        else:
            variables = list(result.variables)
            rows = []
            for r in result.rows[:MAX_ROWS]:
                rows.append([_cell(model, r.get(v)) for v in variables])
            item.update(kind=result.kind, variables=variables, rows=rows, total=len(result.rows))
        out.append(item)
    return out


def _cell(model, term) -> dict:
    if term is None:
        return {"text": "", "lang": ""}
    if term["type"] == "uri":
        ref = model.ref(term["value"], "queries")
        return {"text": ref["curie"], "label": ref["label"], "href": ref["href"]}
    if term["type"] == "bnode":
        return {"text": "_:" + term["value"], "lang": ""}
    return {"text": term["value"], "lang": term.get("xml:lang", "")}
