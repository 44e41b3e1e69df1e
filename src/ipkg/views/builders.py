"""networkx builders for the educator views: one function per view.

Every builder takes an ``rdflib.Graph`` (ontology + data, e.g. ``Project.merged()``; a graph
without the ontology works too, the ontology file is then read for class and property labels)
and returns an ``nx.MultiDiGraph`` whose

* node ids are IRIs, with the attributes ``class`` (CURIE of the most specific type), ``group``
  (legend entry), ``label_en``, ``label_zh``, ``colour``, ``shape`` and, where the graph has
  them, ``functions`` (space-separated CURIEs), one attribute per date property in
  ``ontology/views.toml`` (``foundingDate``, ``issued`` …), ``established`` (date of an
  ``ipkg:Establishment``), ``value``/``unit`` for figures;
* edge keys are predicate CURIEs, with the attributes ``predicate``, ``label_en``, ``label_zh``.

All attribute values are strings, booleans or integers, so the graphs can be written to
GraphML and GEXF as they are. Which properties become edges in which view is declared in
``ontology/views.toml``, not here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
import tomllib
from collections import deque
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL, SKOS

from ..errors import IpkgError
from ..labels import VIEW_PROPERTIES, graph_label
from ..paths import folder
from ..vocab import Compactor

if TYPE_CHECKING:  # networkx is imported where a view is built: the site's pages need only Context
    import networkx as nx

#: The curated views, in the order the site lists them.
VIEWS = ("functions", "institutions", "crimes", "campaigns", "sources")

IPKG = "https://w3id.org/ipkg/ontology#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
_META_NS = (str(OWL), str(RDFS), str(RDF))
_FOUNDING_DATE = URIRef(SCHEMA + "foundingDate")
_DATE = URIRef(DCT + "date")
_FUNCTION = URIRef(IPKG + "function")
_OBS_VALUE = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
_UNIT = URIRef("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure")


def config_path() -> Path:
    return folder("ontology") / "views.toml"


def load_config(path: Path | None = None) -> dict:
    """``ontology/views.toml`` as a dict (IpkgError when missing or not valid TOML)."""
    path = path or config_path()
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise IpkgError("view configuration not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        raise IpkgError(
            f"not valid TOML: {exc}",
            path=path,
            line=int(m.group(1)) if m else None,
            col=int(m.group(2)) if m else None,
        ) from None


# --------------------------------------------------------------------------------------------
# dates


_DATE_RE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def date_start(lexical: str) -> dt.date | None:
    """The first day a (possibly partial) xsd date names: '2020' -> 2020-01-01,
    '2020-11' -> 2020-11-01. Dates without a year ('--04-23') give None."""
    m = _DATE_RE.match(str(lexical).strip())
    if not m or m.group(1).startswith("-"):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def parse_as_of(text: str) -> dt.date:
    """A user's ``--as-of``: 'YYYY-MM-DD', or 'YYYY-MM' / 'YYYY' meaning the end of that period."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(text).strip())
    if not m:
        raise IpkgError(
            f"--as-of {text!r} is not a date",
            hint="write YYYY-MM-DD, YYYY-MM (end of that month) or YYYY (end of that year)",
        )
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            mo = int(month)
            return dt.date(year, mo, calendar.monthrange(year, mo)[1])
        return dt.date(year, 12, 31)
    except (ValueError, calendar.IllegalMonthError):
        raise IpkgError(f"--as-of {text!r} is not a valid date", hint="e.g. 2021-06-30") from None


# --------------------------------------------------------------------------------------------
# context: labels, classes, groups


_NONE: tuple = ()


class GraphIndex:
    """The triples of an rdflib graph in dicts, for the thousands of lookups one build makes
    (each rdflib lookup costs a generator and a context check per triple it yields).

    Built once from the graph, which must not change afterwards. ``out``: subject →
    ``[(predicate, object)]``; ``sp``: ``(subject, predicate)`` → ``[object]``, both in the order
    ``graph.predicate_objects``/``graph.objects`` give (what "the first label met" means);
    :meth:`subject_objects`: in no particular order. The lists are shared: do not change them.
    """

    def __init__(self, graph: Graph):
        self.out: dict = {s: list(graph.predicate_objects(s)) for s in graph.subjects(unique=True)}
        sp: dict = {}
        for s, pos in self.out.items():
            for p, o in pos:
                found = sp.get((s, p))
                if found is None:
                    sp[(s, p)] = [o]
                else:
                    found.append(o)
        self.sp = sp
        self._by_p: dict | None = None

    def objects(self, s, p) -> list | tuple:
        return self.sp.get((s, p), _NONE)

    def predicate_objects(self, s) -> list | tuple:
        return self.out.get(s, _NONE)

    def subject_objects(self, p) -> list | tuple:
        if self._by_p is None:
            by_p: dict = {}
            for s, pos in self.out.items():
                for p_, o in pos:
                    by_p.setdefault(p_, []).append((s, o))
            self._by_p = by_p
        return self._by_p.get(p, _NONE)


class Context:
    """Lookups shared by the builders and the renderer (labels, CURIEs, classes, groups)."""

    def __init__(self, graph: Graph, config: dict | None = None):
        self.g = graph
        self.cfg = config if config is not None else load_config()
        self._label_cache: dict = {}
        self._expanded: dict[str, URIRef] = {}
        self._remembered: dict = {}
        self._prefix_map = dict(self.cfg.get("prefixes", {}))
        # views.toml's prefixes; any local name (CURIEs are shown, not parsed)
        self._compact = Compactor(self._prefix_map, local="any", unmatched="plain")
        if (URIRef(IPKG + "Procuratorate"), RDFS.label, None) in graph:
            self.onto = graph
        else:
            onto = Graph()
            path = folder("ontology") / "ipkg.ttl"
            if path.exists():
                onto.parse(path, format="turtle")
            self.onto = onto

    @cached_property
    def index(self) -> GraphIndex:
        """The graph's triples in dicts (:class:`GraphIndex`), built on first use."""
        return GraphIndex(self.g)

    @cached_property
    def _onto_index(self) -> GraphIndex:
        return self.index if self.onto is self.g else GraphIndex(self.onto)

    def objects(self, s, p) -> list | tuple:
        """``graph.objects(s, p)`` from the index, as a list (in the graph's order)."""
        return self.index.sp.get((s, p), _NONE)

    def remembered(self, kind: str, key, make):
        """``make()``, made once per ``(kind, key)`` for this context (its graph does not change);
        the value is shared: copy it before changing it."""
        k = (kind, key)
        if k not in self._remembered:
            self._remembered[k] = make()
        return self._remembered[k]

    # names ---------------------------------------------------------------------------------
    def curie(self, iri) -> str:
        return self._compact(iri) or ""

    def expand(self, curie: str) -> URIRef:
        found = self._expanded.get(curie)
        if found is None:
            prefix, _, local = curie.partition(":")
            if prefix not in self._prefix_map:
                raise IpkgError(f"unknown prefix in {curie!r}", path=config_path())
            found = self._expanded[curie] = URIRef(self._prefix_map[prefix] + local)
        return found

    def _lang_value(self, graphs, iri, props, lang):
        return graph_label(graphs, iri, (lang,), props)

    def _graphs(self) -> tuple:
        """The graph (and the ontology, when read apart) as :func:`graph_label` reads them."""
        return (self.index,) if self.onto is self.g else (self.index, self._onto_index)

    def label(self, iri, lang: str) -> str:
        """skos:prefLabel / rdfs:label / dcterms:title in ``lang``, else the other language,
        else the CURIE (memoised: the renderer asks for the same labels many times)."""
        key = (iri, lang)
        found = self._label_cache.get(key)
        if found is None:
            found = self._label_cache[key] = self._label(iri, lang)
        return found

    def _label(self, iri, lang: str) -> str:
        other = "zh" if lang == "en" else "en"
        return graph_label(self._graphs(), iri, (lang, other, ""), VIEW_PROPERTIES) or self.curie(iri)

    def labels(self, iri) -> dict[str, str]:
        return {"en": self.label(iri, "en"), "zh": self.label(iri, "zh")}

    # classes -------------------------------------------------------------------------------
    def types(self, iri) -> list[URIRef]:
        return sorted(
            (t for t in self.objects(iri, RDF.type) if isinstance(t, URIRef)), key=str
        )

    def is_entity(self, iri) -> bool:
        """Typed, and not an ontology term (class, property, the ontology itself)."""
        if not isinstance(iri, URIRef):
            return False
        ts = self.types(iri)
        return bool(ts) and not any(str(t).startswith(_META_NS) for t in ts)

    @cached_property
    def _super(self) -> dict[URIRef, list[URIRef]]:
        sup: dict[URIRef, list[URIRef]] = {}
        for g in {id(self.g): self.g, id(self.onto): self.onto}.values():
            for c, p in g.subject_objects(RDFS.subClassOf):
                if isinstance(c, URIRef) and isinstance(p, URIRef):
                    sup.setdefault(c, [])
                    if p not in sup[c]:
                        sup[c].append(p)
        return sup

    def ancestors(self, cls: URIRef) -> list[URIRef]:
        """``cls`` then its superclasses, nearest first (breadth first)."""
        cache = self.__dict__.setdefault("_anc_cache", {})
        if cls in cache:
            return cache[cls]
        seen, order, queue = {cls}, [cls], deque([cls])
        while queue:
            for p in sorted(self._super.get(queue.popleft(), []), key=str):
                if p not in seen:
                    seen.add(p)
                    order.append(p)
                    queue.append(p)
        cache[cls] = order
        return order

    def class_of(self, iri) -> URIRef | None:
        """The most specific type: the one with the most superclasses; ipkg: terms first."""
        ts = [t for t in self.types(iri) if not str(t).startswith(_META_NS)]
        if not ts:
            return None
        return sorted(ts, key=lambda t: (-len(self.ancestors(t)), not str(t).startswith(IPKG), str(t)))[0]

    @cached_property
    def _class_groups(self) -> dict[URIRef, str]:
        return {self.expand(c): grp for c, grp in self.cfg.get("classes", {}).items()}

    def group_of_class(self, cls: URIRef | None) -> str:
        if cls is None:
            return "other"
        for c in self.ancestors(cls):
            if c in self._class_groups:
                return self._class_groups[c]
        return "other"

    def group_of(self, iri) -> str:
        return self.group_of_class(self.class_of(iri))

    def instances(self, class_curie: str) -> set[URIRef]:
        """Instances of the class or of any of its subclasses."""
        target = self.expand(class_curie)
        out = set()
        for s, t in self.index.subject_objects(RDF.type):
            if isinstance(s, URIRef) and isinstance(t, URIRef) and target in self.ancestors(t):
                out.add(s)
        return out

    # attributes ----------------------------------------------------------------------------
    def group_style(self, group: str) -> dict:
        groups = self.cfg.get("groups", {})
        return groups.get(group) or groups.get("other") or {"colour": "#757575", "shape": "dot"}

    @cached_property
    def _establishments(self) -> dict[URIRef, list[URIRef]]:
        est: dict[URIRef, list[URIRef]] = {}
        for e, org in self.index.subject_objects(URIRef(ORG + "resultingOrganization")):
            est.setdefault(org, []).append(e)
        return est

    def establishments(self, iri) -> list[URIRef]:
        return sorted(self._establishments.get(iri, []), key=str)

    def founding_dates(self, iri) -> list[str]:
        """schema:foundingDate of the node and dcterms:date of its ipkg:Establishment events."""
        dates = [str(d) for d in self.objects(iri, _FOUNDING_DATE)]
        for e in self.establishments(iri):
            dates += [str(d) for d in self.objects(e, _DATE)]
        return sorted(set(dates))

    def founded_on(self, iri) -> dt.date | None:
        starts = [d for d in (date_start(x) for x in self.founding_dates(iri)) if d]
        return min(starts) if starts else None

    def node_attrs(self, iri) -> dict:
        cls = self.class_of(iri)
        group = self.group_of_class(cls)
        style = self.group_style(group)
        attrs = {
            "class": self.curie(cls) if cls is not None else "",
            "group": group,
            "label_en": self.label(iri, "en"),
            "label_zh": self.label(iri, "zh"),
            "colour": style["colour"],
            "shape": style["shape"],
        }
        fns = sorted(self.curie(o) for o in self.objects(iri, _FUNCTION))
        if fns:
            attrs["functions"] = " ".join(fns)
        for curie in self.cfg.get("dates", {}).get("properties", []):
            vals = sorted({str(o) for o in self.objects(iri, self.expand(curie))})
            if vals:
                attrs[curie.partition(":")[2]] = " ".join(vals)
        est = sorted(
            {str(d) for e in self.establishments(iri) for d in self.objects(e, _DATE)}
        )
        if est:
            attrs["established"] = " ".join(est)
        vals = [str(v) for v in self.objects(iri, _OBS_VALUE)]
        if vals:
            attrs["value"] = " ".join(sorted(vals))
            units = [self.curie(u) for u in self.objects(iri, _UNIT)]
            if units:
                attrs["unit"] = " ".join(sorted(units))
        return attrs

    def edge_attrs(self, pred) -> dict:
        return {"predicate": self.curie(pred), "label_en": self.label(pred, "en"), "label_zh": self.label(pred, "zh")}


# --------------------------------------------------------------------------------------------
# assembling graphs


def _assemble(ctx: Context, name: str, nodes: Iterable, edges: Iterable, meta: dict | None = None) -> nx.MultiDiGraph:
    import networkx as nx

    G = nx.MultiDiGraph()
    meta = meta or {}
    G.graph["name"] = name
    G.graph["title_en"] = meta.get("title", {}).get("en", name)
    G.graph["title_zh"] = meta.get("title", {}).get("zh", name)
    G.graph["description_en"] = meta.get("description", {}).get("en", "")
    G.graph["description_zh"] = meta.get("description", {}).get("zh", "")
    for n in sorted(set(nodes), key=str):
        G.add_node(str(n), **ctx.node_attrs(n))
    for s, p, o in sorted(set(edges), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        for n in (s, o):
            if str(n) not in G:
                G.add_node(str(n), **ctx.node_attrs(n))
        G.add_edge(str(s), str(o), key=ctx.curie(p), **ctx.edge_attrs(p))
    return G


def _anchored(ctx: Context, name: str) -> tuple[set, set]:
    """Anchors, then ``out`` properties followed outwards repeatedly, then ``in`` properties
    one hop backwards into what is there (see the header of ontology/views.toml)."""
    spec = ctx.cfg["views"][name]
    anchors: set = set()
    for c in spec.get("anchors", []):
        anchors |= ctx.instances(c)
    core = set(anchors)
    edges: set = set()
    outs = [ctx.expand(p) for p in spec.get("out", [])]
    frontier = deque(sorted(anchors, key=str))
    while frontier:
        s = frontier.popleft()
        for p in outs:
            for o in ctx.objects(s, p):
                if isinstance(o, URIRef) and o != s:
                    edges.add((s, p, o))
                    if o not in core:
                        core.add(o)
                        frontier.append(o)
    nodes = set(core)
    for p in (ctx.expand(x) for x in spec.get("in", [])):
        for s, o in ctx.index.subject_objects(p):
            if o in core and isinstance(s, URIRef) and s != o:
                edges.add((s, p, o))
                nodes.add(s)
    return nodes, edges


def _curated(graph: Graph, name: str, ctx: Context | None = None) -> nx.MultiDiGraph:
    ctx = ctx or Context(graph)
    nodes, edges = _anchored(ctx, name)
    return _assemble(ctx, name, nodes, edges, ctx.cfg["views"][name])


def functions(graph: Graph, ctx: Context | None = None) -> nx.MultiDiGraph:
    """The four procuratorial functions as hubs, with everything linked by ipkg:function."""
    return _curated(graph, "functions", ctx)


def institutions(graph: Graph, as_of: str | dt.date | None = None, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Organisations and their units in hierarchy (org:subOrganizationOf, org:unitOf).

    ``as_of`` keeps only what existed on that date: an entity whose founding date
    (schema:foundingDate or the date of its ipkg:Establishment; a partial date counts from its
    first day) is after ``as_of`` is dropped. Undated entities stay, with ``undated=True``."""
    ctx = ctx or Context(graph)
    G = _curated(graph, "institutions", ctx)
    cutoff = parse_as_of(as_of) if isinstance(as_of, str) else as_of
    for n in list(G.nodes):
        founded = ctx.founded_on(URIRef(n))
        G.nodes[n]["undated"] = founded is None
        if founded is not None:
            # the earliest founding date as the sources write it (2020-11, 2025-04-23 ...)
            G.nodes[n]["founded"] = min(ctx.founding_dates(URIRef(n)), key=lambda d: (date_start(d) or dt.date.max, d))
        if cutoff is not None and founded is not None and founded > cutoff:
            G.remove_node(n)
    if cutoff is not None:
        G.graph["name"] = f"institutions-{cutoff.isoformat()}"
        G.graph["as_of"] = cutoff.isoformat()
        G.graph["title_en"] += f" (as of {cutoff.isoformat()})"
        G.graph["title_zh"] += f"（截至{cutoff.isoformat()}）"
    return G


def crimes(graph: Graph, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Crime-type taxonomy -> Criminal Law articles -> cases charged -> figures per crime type."""
    return _curated(graph, "crimes", ctx)


def campaigns(graph: Graph, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Campaigns and measures, who runs or adopted them, and the figures that concern them."""
    return _curated(graph, "campaigns", ctx)


def sources(graph: Graph, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Source documents, their primary reports, and everything that cites them."""
    return _curated(graph, "sources", ctx)


# --------------------------------------------------------------------------------------------
# ego view and the whole graph


def _entity_edges(ctx: Context) -> set:
    skip = {ctx.expand(p) for p in ctx.cfg.get("ego", {}).get("skip_properties", ["rdf:type"])}
    skip.add(RDF.type)
    edges = set()
    entity = {}
    for s, p, o in ctx.g:
        if p in skip or not isinstance(o, URIRef) or not isinstance(s, URIRef) or s == o:
            continue
        for n in (s, o):
            if n not in entity:
                entity[n] = ctx.is_entity(n)
        if entity[s] and entity[o]:
            edges.add((s, p, o))
    return edges


def resolve_entity(graph: Graph, text: str, ctx: Context | None = None) -> URIRef:
    """An entity by IRI, CURIE, slug (last IRI segment) or exact en/zh label (case-insensitive,
    skos:prefLabel or skos:altLabel). Unknown or ambiguous -> IpkgError (exit 2) with candidates."""
    ctx = ctx or Context(graph)
    t = str(text).strip()
    if not t:
        raise IpkgError("no entity given", hint="give an IRI, a CURIE such as iorg:spp, a slug or a label")
    if re.match(r"^https?://", t):
        if ctx.is_entity(URIRef(t)):
            return URIRef(t)
        raise IpkgError(f"no entity with IRI <{t}> in the graph", hint=_suggest(ctx, t.rsplit("/", 1)[-1]))
    prefix = t.partition(":")[0]
    if ":" in t and " " not in t and prefix in ctx._prefix_map:
        iri = ctx.expand(t)
        if ctx.is_entity(iri):
            return iri
    key = t.casefold()
    found: set = set()
    for s in {s for s in ctx.g.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        if re.split(r"[/#]", str(s))[-1].casefold() == key and ctx.is_entity(s):
            found.add(s)
    for p in (SKOS.prefLabel, SKOS.altLabel):
        for s, lab in ctx.g.subject_objects(p):
            if str(lab).casefold() == key and ctx.is_entity(s):
                found.add(s)
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        listed = sorted(found, key=str)
        shown = ", ".join(f"{ctx.curie(s)} ({ctx.label(s, 'en')})" for s in listed[:12])
        more = f" and {len(listed) - 12} more" if len(listed) > 12 else ""
        raise IpkgError(
            f"{t!r} is ambiguous: {len(listed)} entities match",
            hint=f"name one of them by CURIE: {shown}{more}",
        )
    raise IpkgError(f"no entity matches {t!r}", hint=_suggest(ctx, t))


def _suggest(ctx: Context, text: str) -> str:
    names: dict[str, URIRef] = {}
    for s in {s for s in ctx.g.subjects(RDF.type, None) if isinstance(s, URIRef)}:
        if not ctx.is_entity(s):
            continue
        names.setdefault(re.split(r"[/#]", str(s))[-1].casefold(), s)
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for lab in ctx.g.objects(s, p):
                names.setdefault(str(lab).casefold(), s)
    close = difflib.get_close_matches(text.casefold(), list(names), n=8, cutoff=0.6)
    if not close:
        return "give an IRI, a CURIE such as iorg:spp, a slug such as spp, or an exact English or Chinese label"
    cands = sorted({names[c] for c in close}, key=str)
    return "did you mean: " + ", ".join(f"{ctx.curie(s)} ({ctx.label(s, 'en')})" for s in cands)


def ego(graph: Graph, entity: str, depth: int = 1, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Everything within ``depth`` links of ``entity`` (links followed in both directions).
    Hubs (groups listed in [ego] no_expand_groups) are shown but not expanded through.
    Each node gets ``depth`` = its distance from the centre."""
    ctx = ctx or Context(graph)
    if depth < 0:
        raise IpkgError(f"--depth must be 0 or more, not {depth}")
    centre = resolve_entity(graph, entity, ctx)
    edges = _entity_edges(ctx)
    adj: dict = {}
    for s, _p, o in edges:
        adj.setdefault(s, set()).add(o)
        adj.setdefault(o, set()).add(s)
    no_expand = set(ctx.cfg.get("ego", {}).get("no_expand_groups", []))
    dist = {centre: 0}
    queue = deque([centre])
    while queue:
        n = queue.popleft()
        if dist[n] >= depth or (n != centre and ctx.group_of(n) in no_expand):
            continue
        for m in sorted(adj.get(n, ()), key=str):
            if m not in dist:
                dist[m] = dist[n] + 1
                queue.append(m)
    kept = [(s, p, o) for s, p, o in edges if s in dist and o in dist]
    meta = ctx.cfg.get("ego", {})
    G = _assemble(ctx, "ego", dist, kept, meta)
    for n, d in dist.items():
        G.nodes[str(n)]["depth"] = d
    G.graph["name"] = "ego-" + re.split(r"[/#]", str(centre))[-1]
    G.graph["centre"] = str(centre)
    G.graph["depth"] = depth
    G.graph["title_en"] = f"{meta.get('title', {}).get('en', 'Neighbourhood')}: {ctx.label(centre, 'en')}"
    G.graph["title_zh"] = f"{meta.get('title', {}).get('zh', '关联网络')}：{ctx.label(centre, 'zh')}"
    return G


def whole(graph: Graph, ctx: Context | None = None) -> nx.MultiDiGraph:
    """Every entity and every IRI-valued link between entities (for ``ipkg export``)."""
    ctx = ctx or Context(graph)
    edges = _entity_edges(ctx)
    nodes = {s for s in ctx.g.subjects(RDF.type, None) if ctx.is_entity(s)}
    return _assemble(ctx, "all", nodes, edges, ctx.cfg.get("all", {}))


BUILDERS = {
    "functions": functions,
    "institutions": institutions,
    "crimes": crimes,
    "campaigns": campaigns,
    "sources": sources,
    "all": whole,
}


def build(graph: Graph, name: str, *, as_of: str | None = None, entity: str | None = None,
          depth: int = 1, ctx: Context | None = None) -> nx.MultiDiGraph:
    """One view by name ('functions' … 'sources', 'all'), or the ego view of ``entity``."""
    ctx = ctx or Context(graph)
    if entity is not None:
        return ego(graph, entity, depth, ctx)
    if name not in BUILDERS:
        raise IpkgError(f"unknown view {name!r}", hint="views: " + ", ".join((*VIEWS, "all")) + ", or an entity")
    if as_of is not None:
        if name != "institutions":
            raise IpkgError("--as-of applies to the institutions view only")
        return institutions(graph, as_of=as_of, ctx=ctx)
    return BUILDERS[name](graph, ctx=ctx)


def build_named(graph: Graph, name: str, *, as_of: str | None = None, depth: int | None = None,
                ctx: Context | None = None) -> nx.MultiDiGraph:
    """A curated view if ``name`` is one, else the ego view of the entity ``name`` names; says
    which option does not fit (what ``ipkg view`` and ``ipkg export`` take)."""
    if name in BUILDERS:
        if depth is not None:
            raise IpkgError("--depth applies to the view of an entity, not to a curated view")
        return build(graph, name, as_of=as_of, ctx=ctx)
    if as_of is not None:
        raise IpkgError("--as-of applies to the institutions view only")
    return build(graph, name, entity=name, depth=1 if depth is None else depth, ctx=ctx)


def to_json(G: nx.MultiDiGraph) -> dict:
    """A sorted, JSON-ready snapshot of a view's structure (for tests and diffs)."""
    return {
        "graph": {k: G.graph[k] for k in sorted(G.graph)},
        "nodes": [{"id": n, **{k: G.nodes[n][k] for k in sorted(G.nodes[n])}} for n in sorted(G.nodes)],
        "edges": sorted(
            ({"source": s, "target": o, "key": k, **{a: d[a] for a in sorted(d)}}
             for s, o, k, d in G.edges(keys=True, data=True)),
            key=lambda e: (e["source"], e["key"], e["target"]),
        ),
    }
