"""ipkg stats: counts per class, per source document and per procuratorial function."""

from __future__ import annotations

HELP = "count entities per class, per source document and per procuratorial function"

DESCRIPTION = """\
Load the project and print three tables: entities per class (rdf:type), entities and figures
(observations) per source document (dcterms:source), and per procuratorial function
(ipkg:function), after a line of totals.

Examples:
  ipkg stats                    # aligned text tables
  ipkg stats --format md        # Markdown, e.g. for a report
  ipkg stats --format csv > stats.csv
  ipkg stats --format json | python -m json.tool
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "--format", choices=("table", "csv", "json", "md"), default="table", help="output format (default: table)"
    )


def run(args) -> int:
    from ..load import load_project
    from ..stats import compute, render

    print(render(compute(load_project()), args.format))
    return 0
