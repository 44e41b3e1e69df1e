"""``ipkg audit``: check the evidence phrases in the graph against the source texts."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "check evidence phrases and figures against the source texts"

DESCRIPTION = """\
Check every node that carries ipkg:evidence against the source text it cites: the cited
file (dcterms:identifier of its ipkg:SourceDocument) must exist in the sources folder, the
phrase must occur in it (whitespace and curly quotes normalised) and have at most 15 words,
and an observation's value must appear in its phrase ("13,486", "81%", "nine",
"640 million"). Also lists reported observations without evidence and derived observations
without prov:wasDerivedFrom or ipkg:derivationMethod. One line per mismatch, pointing at the
Turtle line where the entity's block starts, then a summary line.

Exit status: 0 no mismatches, 1 mismatches found, 2 the graph or the sources folder could
not be read.

examples:
  ipkg audit --sources ../shared/seeds
  ipkg audit --sources ../shared/seeds --format json > audit.json
  ipkg audit --sources seeds --graph graph/sources/000-spp-new-phase-2025.ttl --graph graph/reference
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sources", required=True, type=Path, metavar="DIR",
                        help="folder holding the source texts (NNN_*.txt)")
    parser.add_argument("--graph", action="append", type=Path, metavar="PATH",
                        help="graph file or folder to audit instead of the repository graph "
                             "(repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    from ..audit import audit_project

    report = audit_project(args.sources, args.graph)
    print(report.to_json() if args.format == "json" else report.format_text())
    return 0 if report.ok else 1
