"""ipkg diff: statements added, removed and changed between two builds."""

from __future__ import annotations

HELP = "list the statements added, removed and changed between two builds"

DESCRIPTION = """\
Compare two builds (folders written by 'ipkg build': their ipkg.nt is read) or two RDF files
(N-Triples, Turtle, TriG, N-Quads, JSON-LD; named graphs merged) and print one line per
difference, IRIs shortened with the project prefixes:

  ~ ENTITY PROPERTY OLD -> NEW   a value replaced by another of the same kind (language/datatype)
  - ENTITY PROPERTY VALUE        a statement only in OLD
  + ENTITY PROPERTY VALUE        a statement only in NEW

A summary ('N added, M removed, K changed') goes to stderr. --format json prints the terms in
N-Triples syntax instead.

Exit codes (as diff(1)): 0 the builds hold the same statements; 1 they differ; 2 a build
could not be read.

Examples:
  ipkg diff old-site/ site/
  ipkg diff old-site/ipkg.nt site/ipkg.ttl --format json
"""


def add_arguments(parser) -> None:
    parser.add_argument("old", metavar="OLD", help="the earlier build folder or RDF file")
    parser.add_argument("new", metavar="NEW", help="the later build folder or RDF file")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args) -> int:
    import sys

    from ..diff import diff_builds, format_json, format_text
    from ..errors import EXIT_FAILED, EXIT_OK
    from ..load import PREFIXES

    d = diff_builds(args.old, args.new)
    sys.stdout.write(format_json(d) if args.format == "json" else format_text(d, PREFIXES))
    print(d.summary(), file=sys.stderr)
    return EXIT_FAILED if d else EXIT_OK
