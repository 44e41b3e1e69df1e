"""``ipkg audit``: check the evidence phrases in the graph against the source texts."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
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

With --coverage it also works the other way round: it lists every number in the cited
source texts that no evidence phrase contains (years, list numbering, footnote markers and
dates are skipped), every sentence stating a figure that shares no evidence phrase, and
every capitalised name (two or more capitalised words, or an acronym) that no evidence
phrase, English label or title contains, so a curator can see what is not yet modelled.
These lines are informational and do not change the exit status.

examples:
  ipkg audit --sources ../shared/seeds
  ipkg audit --sources ../shared/seeds --coverage
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
    parser.add_argument("--coverage", action="store_true",
                        help="also list numbers, figure-bearing sentences and capitalised names "
                             "in the source texts that nothing in the graph cites")


def run(args: argparse.Namespace) -> int:
    from ..audit import audit_project

    report = audit_project(args.sources, args.graph)
    missing = _coverage(args) if args.coverage else None
    if args.format == "json":
        data = json.loads(report.to_json())
        if missing is not None:
            data["coverage"] = [asdict(item) for item in missing]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(report.format_text())
        if missing is not None:
            for item in missing:
                print(f"coverage: {item.format()}")
            counts = {k: sum(1 for i in missing if i.kind == k) for k in ("number", "sentence", "name")}
            print(f"coverage: {counts['number']} number(s), {counts['sentence']} figure-bearing "
                  f"sentence(s) and {counts['name']} capitalised name(s) in the source texts "
                  "not cited by the graph")
    return 0 if report.ok else 1


def _coverage(args: argparse.Namespace):
    from rdflib import Graph

    from ..audit import load_graph
    from ..coverage import coverage

    merged = Graph()
    for g in load_graph(args.graph).values():
        merged += g
    return coverage(merged, args.sources)
