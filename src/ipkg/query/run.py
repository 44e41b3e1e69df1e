"""Choosing an engine and running a query: what ``ipkg query`` and ``ipkg.api`` call."""

from __future__ import annotations

from pathlib import Path

from .. import paths, vocab
from ..errors import IpkgError
from .endpoint import EndpointEngine
from .engines import Engine, OxigraphEngine, RdflibEngine
from .params import parse_params
from .project import load_oxigraph, load_rdflib
from .results import QueryResult
from .source import resolve_query

ENGINES = ("oxigraph", "rdflib")


_ENGINE_CACHE: dict[tuple, Engine] = {}


def get_engine(engine: str = "oxigraph", *, endpoint: str | None = None, store: str | Path | None = None,
               root: Path | None = None, timeout: float = 30.0, user: str | None = None,
               password: str | None = None, cache: bool = True) -> Engine:
    """The engine the CLI options ask for (in-memory engines are cached per data root)."""
    if endpoint:
        return EndpointEngine(endpoint, timeout=timeout, user=user, password=password)
    if store:
        from ..store import open_store

        path = Path(store)
        if not path.exists():
            raise IpkgError("no Oxigraph store here", path=path)
        return OxigraphEngine(open_store(path), union_default_graph=False)
    if engine not in ENGINES:
        raise IpkgError(f"unknown engine {engine!r}", hint=f"one of {', '.join(ENGINES)}")
    key = (engine, str(Path(root).resolve()) if root else str(paths.data_root()))
    if cache and key in _ENGINE_CACHE:
        return _ENGINE_CACHE[key]
    eng: Engine = OxigraphEngine(load_oxigraph(root)) if engine == "oxigraph" else RdflibEngine(load_rdflib(root))
    if cache:
        _ENGINE_CACHE[key] = eng
    return eng


def run_query(query: str, *, params=None, engine: str | Engine = "oxigraph", lang: str | None = None,
              **engine_options) -> QueryResult:
    """Resolve ``query`` (SPARQL, .rq path or example name), bind ``params``, run it.

    ``lang`` (``en``/``zh``) adds labels for the IRIs in the result.
    Example defaults (``# param:`` header lines) apply to parameters not given.
    """
    src = resolve_query(query)
    bound = {}
    if src.example is not None:
        bound.update(parse_params(src.example.params))
    bound.update(parse_params(params))
    eng = engine if isinstance(engine, Engine) else get_engine(engine, **engine_options)
    result = eng.run(vocab.with_prefixes(src.text), bound, src.origin)
    if lang:
        add_labels(result, eng, lang)
    return result


def add_labels(result: QueryResult, engine: Engine, lang: str = "en") -> QueryResult:
    iris = {t["value"] for r in result.rows for t in r.values() if t and t["type"] == "uri"}
    result.labels = engine.labels(iris, lang) if iris else {}
    return result
