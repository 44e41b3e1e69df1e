"""ipkg build: validate the graph and write every export into site/."""

from __future__ import annotations

import sys

HELP = "validate the graph and write all exports, docs and views into site/"

DESCRIPTION = """\
Load ontology/, graph/ and shapes/, validate the graph against the SHACL shapes, and write
into the output folder (default: site/ in the current folder; dist/ is left to Python packaging):

  ipkg.ttl  ipkg.nt  ipkg.jsonld (context embedded; also context.jsonld)  ipkg.trig (one named
  graph per source)  void.ttl (VoID + DCAT-AP)  statements.csv  tables/<class>.csv
  ontology/index.html (pyLODE)  queries/  views/  index.html  SHA256SUMS (sha256sum -c)
  id/**.html|.ttl|.jsonld (a page per entity)  ontology/class|property/ (a page per term)
  stats/ (charts)  queries/index.html (query gallery)  browse.html (search)  .htaccess

Warnings do not stop the build; it prints how many there are by rule and the first few
(ipkg validate lists them all). When the source texts are available the build also runs
'ipkg audit' (every evidence phrase and figure against its source text): the folder given
with --sources, else $IPKG_SEEDS, else ../shared/seeds next to the project; without them
the audit is skipped with a note.

The output folder is replaced as a whole and atomically: when the graph has SHACL violations
or ill-formed literals, or the audit finds mismatches (exit 1), or a file cannot be loaded
(exit 2), the report or error is printed and the previous output folder is left exactly as
it was. Files in it that ipkg did not write are kept. Two builds of the same input are
byte-identical.

Examples:
  ipkg build                      # build site/
  ipkg build --sources ../shared/seeds   # audit against these source texts
  ipkg build --out /tmp/site -q   # elsewhere, no progress or summary
  ipkg build --no-views --no-docs --no-site # only the data exports (faster)
"""


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="DIR", default="site", help="output folder (default: site)")
    parser.add_argument("--no-views", action="store_true", help="skip the HTML views")
    parser.add_argument("--no-site", action="store_true",
                        help="skip the browsable site (entity pages, charts, query gallery, search)")
    parser.add_argument("--no-docs", action="store_true", help="skip the pyLODE ontology documentation")
    parser.add_argument("--sources", metavar="DIR",
                        help="source texts to audit against "
                             "(default: $IPKG_SEEDS, else ../shared/seeds next to the project)")
    parser.add_argument("--no-audit", action="store_true", help="skip the audit even when the source texts are found")
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
        audit=not args.no_audit,
        sources=args.sources,
        site=not args.no_site,
        progress=progress if show_progress else None,
        warn=warn,
    )
    failed = result.failed_step
    if failed == "validate":
        color = sys.stdout.isatty()
        print(result.report.format_text(color=color))
        print(
            f"ipkg build: the graph does not conform to the shapes; {result.out} was left unchanged",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if failed == "audit":
        print(result.audit.format_text())
        print(
            f"ipkg build: the audit found {len(result.audit.mismatches)} mismatch(es) against the source "
            f"texts in {result.sources}; {result.out} was left unchanged",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not args.quiet:
        if result.report is not None:
            for i, line in enumerate(result.report.severity_lines("Warning", limit=5)):
                print(f"ipkg build: {line}" if i == 0 else line, file=sys.stderr)
        if result.audit is not None:
            print(f"ipkg build: {result.audit.summary()} ({result.sources})", file=sys.stderr)
        elif result.audit_skipped:
            print(f"ipkg build: audit skipped: {result.audit_skipped}", file=sys.stderr)
        n_files = len(result.files)
        print(
            f"built {result.out} ({result.triples} triples, {n_files} files) in {result.total_seconds:.2f} s"
        )
    return EXIT_OK
