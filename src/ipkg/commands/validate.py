"""ipkg validate: check the graph, or your own RDF files, against the SHACL shapes and hygiene checks."""

from __future__ import annotations

HELP = "validate the graph (or your RDF files) against the SHACL shapes and hygiene checks"

DESCRIPTION = """\
Without PATH, validate the repository graph (graph/) against shapes/ with the ontology merged
in, and run the hygiene checks in queries/checks/. With PATHs (files or folders of .ttl .trig
.nt .nq .jsonld), validate those files together with the whole repository graph, ontology
and shapes (so your data can point at any existing entity); only results about your files
are reported: about your subjects, about your triples, or new results on a graph node your
triples point at (a sum your new part breaks). Each result names the focus node, its label,
and the path:line where it is defined (in your file, for your files).

A literal whose lexical form does not fit its datatype ("15/03/2024"^^xsd:date,
"1,369"^^xsd:integer, "yes"^^xsd:boolean) is a violation (check ill-formed-literal, run even
with --no-checks) at the literal's line, with the form expected. The --format ttl report is a
SHACL report graph: sh:conforms is false as soon as there is any result, warnings included.

Exit 0 when there is no violation (warnings allowed), 1 with violations (or warnings with
--fail-on warning), 2 when something cannot be loaded.

Examples:
  ipkg validate                             # the repository graph, text report
  ipkg validate my-data.ttl more/           # your files against the ontology and shapes
  ipkg validate --format json > report.json
  ipkg validate --format md --lang zh       # Markdown, messages in Chinese
  ipkg validate --fail-on warning           # CI: warnings fail too
  ipkg validate --store store/              # a large store built with 'ipkg load'
  ipkg validate --endpoint http://127.0.0.1:8890/sparql?default-graph-uri=urn:my:data
                                            # data in another SPARQL 1.1 store, checked there

--store and --endpoint run the same compiled SHACL constraints and SHACL-SPARQL rules (see
docs/scale.md); on a terminal a progress line (constraint, n of N, elapsed) goes to stderr
(-q: none; -v: also when stderr is not a terminal). --endpoint pages through answers
(--page-size) and gives up, with exit code 2 and no report, when one answer takes longer than
--timeout or the whole run longer than --time-limit.
"""


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="RDF files or folders to validate (default: the repository graph)")
    parser.add_argument("--format", choices=("text", "json", "md", "ttl"), default="text",
                        help="report format (default: text)")
    parser.add_argument("--fail-on", choices=("violation", "warning"), default="violation",
                        help="lowest severity that makes the exit code 1 (default: violation)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="language of messages and labels (default: en)")
    parser.add_argument("--store", metavar="DIR", help="validate an on-disk store (see 'ipkg load') instead of files")
    parser.add_argument("--endpoint", metavar="URL",
                        help="validate the data of a SPARQL 1.1 query endpoint (its default graph) instead of files")
    parser.add_argument("--user", help="user name at --endpoint (sent only when the server asks)")
    parser.add_argument("--password", help="password at --endpoint")
    parser.add_argument("--timeout", type=_seconds, default=120.0,
                        help="seconds for one complete answer from --endpoint (default: 120)")
    parser.add_argument("--time-limit", type=_seconds, metavar="SECONDS",
                        help="give up (exit 2, no report) when --endpoint validation takes longer")
    parser.add_argument("--page-size", type=_positive, default=10_000, metavar="ROWS",
                        help="rows per request at --endpoint (default: 10000; keep it under the "
                             "server's result limit, e.g. Virtuoso's ResultSetMaxRows)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="progress lines also when stderr is not a terminal")
    parser.add_argument("--no-checks", action="store_true", help="skip the hygiene checks (queries/checks)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour in text output (default: auto = on a terminal)")


def _seconds(text: str) -> float:
    from ..cli import seconds

    return seconds(text)


def _positive(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return n


def run(args) -> int:
    import sys

    from ..errors import EXIT_FAILED, EXIT_INPUT, EXIT_OK, IpkgError
    from ..load import load_project

    project = load_project()
    if args.store and args.endpoint:
        raise IpkgError("give either --store or --endpoint, not both", exit_code=EXIT_INPUT)
    if args.store or args.endpoint:
        if args.paths:
            raise IpkgError(f"give either PATHs or {'--store' if args.store else '--endpoint'}, not both",
                            exit_code=EXIT_INPUT)
        from ..store_validate import progress_printer, validate_store

        where = args.store
        if args.endpoint:
            from ..endpoint_store import EndpointStore

            where = EndpointStore(args.endpoint, timeout=args.timeout or 86400 * 7, time_limit=args.time_limit or None,
                                  page_size=args.page_size, user=args.user, password=args.password)
        progress = None if args.quiet else progress_printer(verbose=args.verbose)
        report = validate_store(where, project.shapes, project.ontology, progress=progress)
    else:
        from ..validate import collect_files, validate_project

        files = collect_files(args.paths) if args.paths else ()
        report = validate_project(project, files, checks=not args.no_checks)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(report.format(args.format, color=color, lang=args.lang))
    sys.stdout.flush()
    return EXIT_FAILED if report.fails(args.fail_on) else EXIT_OK
