"""``ipkg export``: write the graph or one view as GraphML or GEXF for Gephi and friends."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "export the graph or one view as GraphML or GEXF (for Gephi)"

DESCRIPTION = """\
Write the entity graph -- every entity and every link between entities, or one view of it --
as GraphML or GEXF, with networkx's writers. Node ids are IRIs; node attributes are class
(CURIE), group, label_en, label_zh, colour, shape and, where present, functions, dates
(foundingDate, issued ...), value (a number, typed double, so Gephi can size and filter by it)
and unit; edge keys and the 'predicate' attribute are property CURIEs, with label_en/label_zh.
GEXF files also carry the legend colours for Gephi, and no export date: two exports of the same
graph are byte-identical. --view takes the same names as
'ipkg view' (or an entity, with --depth).

examples:
  ipkg export --format graphml --out ipkg.graphml
  ipkg export --format gexf --view institutions --out institutions.gexf
  ipkg export --format graphml --view iorg:spp --depth 2 --out spp.graphml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=("graphml", "gexf"), help="file format")
    parser.add_argument("--view", default="all", metavar="NAME",
                        help="functions, institutions, crimes, campaigns, sources, all (default) or an entity")
    parser.add_argument("--as-of", metavar="DATE", help="institutions only: keep what existed on DATE")
    parser.add_argument("--depth", type=int, metavar="N", help="entity views: links away from the entity (default 1)")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="file to write")


def run(args: argparse.Namespace) -> int:
    from ..export import write_network
    from ..views import load_graph
    from ..views.builders import build_named

    G = build_named(load_graph(), args.view, as_of=args.as_of, depth=args.depth)
    path = write_network(G, args.format, args.out)
    print(f"{path}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    return 0
