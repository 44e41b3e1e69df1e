"""``ipkg view``: draw one view of the graph as a self-contained HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "draw a view (or an entity's neighbourhood) as one offline HTML page"

DESCRIPTION = """\
Write one interactive view of the graph as a single self-contained HTML file (vis-network
inlined, no request leaves the page) and print its path. NAME is one of the curated views
-- functions, institutions, crimes, campaigns, sources -- or 'all', or any entity: an IRI,
a CURIE (iorg:spp), a slug (spp) or an exact English or Chinese label (case-insensitive);
an entity gives its neighbourhood up to --depth links. An unknown or ambiguous entity is an
error (exit 2) that lists the candidates. The page has a legend, a search box for English
and Chinese labels, an English/Chinese toggle and a side panel with each node's facts and
sources. Colours, shapes and which properties become edges are set in ontology/views.toml.

examples:
  ipkg view institutions --as-of 2021-12-31 --out institutions-2021.html
  ipkg view crimes --lang zh
  ipkg view iorg:spp --depth 2
  ipkg view 最高人民检察院
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME",
                        help="functions, institutions, crimes, campaigns, sources, all, or an entity")
    parser.add_argument("--as-of", metavar="DATE",
                        help="institutions only: keep what existed on DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
    parser.add_argument("--depth", type=int, metavar="N",
                        help="entity views: how many links away from the entity to go (default 1)")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="where to write the page (default: ./<name>.html)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="language the page opens in (default en; the page can switch)")


def run(args: argparse.Namespace) -> int:
    from ..views import Context, load_graph, write_view
    from ..views.builders import build_named

    graph = load_graph()
    ctx = Context(graph)
    G = build_named(graph, args.name, as_of=args.as_of, depth=args.depth, ctx=ctx)
    out = args.out or Path(f"{G.graph['name']}.html")
    path = write_view(G, graph, out, lang=args.lang, ctx=ctx)
    print(path)
    return 0
