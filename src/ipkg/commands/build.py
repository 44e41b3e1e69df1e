"""ipkg build: validate the graph and write every export into dist/."""

from __future__ import annotations

import sys

HELP = "validate the graph and write all exports, docs and views into dist/"

DESCRIPTION = """\
Load ontology/, graph/ and shapes/, validate the graph against the SHACL shapes, and write
into the output folder (default: dist/ in the current folder):

  ipkg.ttl  ipkg.nt  ipkg.jsonld (+ context.jsonld)  ipkg.trig (one named graph per source)
  void.ttl (VoID + DCAT with counts)  ontology/index.html (pyLODE)  queries/  views/ index.html
  id/**.html|.ttl|.jsonld (a page per entity)  ontology/class|property/ (a page per term)
  stats/ (charts)  queries/index.html (query gallery)  browse.html (search)  .htaccess

The output folder is replaced as a whole and atomically: when the graph has SHACL violations
(exit 1) or a file cannot be loaded (exit 2) the report or error is printed and the previous
output folder is left exactly as it was. Two builds of the same input are byte-identical.

Examples:
  ipkg build                      # build dist/
  ipkg build --out /tmp/site -q   # elsewhere, no progress or summary
  ipkg build --no-views --no-docs --no-site # only the data exports (faster)
"""


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="DIR", default="dist", help="output folder (default: dist)")
    parser.add_argument("--no-views", action="store_true", help="skip the HTML views")
    parser.add_argument("--no-site", action="store_true",
                        help="skip the browsable site (entity pages, charts, query gallery, search)")
    parser.add_argument("--no-docs", action="store_true", help="skip the pyLODE ontology documentation")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and reports")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print one line per step even when stderr is not a terminal"
    )


def run(args) -> int:
    from ..build import build
    from ..errors import EXIT_FAILED, EXIT_OK

    show_progress = not args.quiet and (args.verbose or sys.stderr.isatty())

    def progress(i: int, n: int, name: str, seconds: float) -> None:
        print(f"[{i}/{n}] {name} … {seconds:.2f} s", file=sys.stderr, flush=True)

    def warn(message: str) -> None:
        print(f"ipkg build: warning: {message}", file=sys.stderr, flush=True)

    result = build(
        args.out,
        docs=not args.no_docs,
        views=not args.no_views,
        site=not args.no_site,
        progress=progress if show_progress else None,
        warn=warn,
    )
    if not result.conforms:
        color = sys.stdout.isatty()
        print(result.report.format_text(color=color))
        print(
            f"ipkg build: the graph does not conform to the shapes; {result.out} was left unchanged",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not args.quiet:
        n_files = len(result.files)
        print(
            f"built {result.out} ({result.triples} triples, {n_files} files) in {result.total_seconds:.2f} s"
        )
    return EXIT_OK
