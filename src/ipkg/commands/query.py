"""ipkg query: run SPARQL (inline, a .rq file or an example name) on the graph or an endpoint."""

from __future__ import annotations

HELP = "run a SPARQL query (inline, a .rq file or an example name) on the graph or an endpoint"

DESCRIPTION = """\
Run one SPARQL query. QUERY is inline SPARQL, a path to a .rq file, or the name of an example
query in queries/ ('ipkg query --list' shows them). By default the query runs on an in-memory
pyoxigraph store loaded from ontology/ and graph/; --engine rdflib runs the same files on rdflib,
--store DIR on an on-disk Oxigraph store, --endpoint URL on any SPARQL 1.1 Protocol endpoint.

Labels: with --lang en|zh (default en) every column holding IRIs gets a neighbouring
'<var>Label' column with the IRI's skos:prefLabel (or rdfs:label) in that language, in every
output format; --no-labels turns this off. Table and Markdown output shorten IRIs with the
project prefixes (iorg:spp); csv/tsv/json keep full IRIs. json is SPARQL 1.1 Query Results JSON.
CONSTRUCT/DESCRIBE results print as subject/predicate/object rows, or as RDF with --format ttl|nt.

Parameters: --param name=value binds ?name as an RDF term (never pasted into the query text):
<https://…> or prefix:local is an IRI, "text"@zh a language string, 42 a number, anything else
a plain string. Example queries declare default values in '# param:' lines.

Prefixes: a query may use the project prefixes (ipkg:, iorg:, skos: …; 'ipkg query --prefixes'
lists them, from ontology/prefixes.ttl) without declaring them; its own PREFIX lines win.

Examples:
  ipkg query --list
  ipkg query --prefixes
  ipkg query 'SELECT ?unit WHERE { ?unit org:unitOf iorg:spp }'
  ipkg query org-hierarchy
  ipkg query lookup-by-chinese-name --param name=知识产权 --lang zh
  ipkg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
  ipkg query queries/growth-rates.rq --format csv > growth.csv
  ipkg query who-says --param text=640 --engine rdflib
  ipkg query facts-per-source --endpoint http://127.0.0.1:7878/query --format json
"""


def add_arguments(parser) -> None:
    from ..cli import seconds
    from ..query import FORMATS

    parser.add_argument("query", nargs="?", help="inline SPARQL, a .rq file, or an example name")
    parser.add_argument("--list", action="store_true", help="list the example queries and exit")
    parser.add_argument("--prefixes", action="store_true",
                        help="print the project prefixes (declared for every query that does not "
                             "declare them) as SPARQL PREFIX lines and exit")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of labels (default: en)")
    parser.add_argument("--no-labels", action="store_true", help="do not add <var>Label columns")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="bind ?NAME to VALUE (repeatable)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                       help="in-memory engine (default: oxigraph)")
    where.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 Protocol query endpoint")
    where.add_argument("--store", metavar="DIR", help="an on-disk Oxigraph store")
    parser.add_argument("--timeout", type=seconds, default=30.0,
                        help="seconds to wait for a complete answer from --endpoint (default: 30)")
    parser.add_argument("--width", type=int, metavar="COLUMNS",
                        help="wrap table cells to fit COLUMNS (default: the terminal's width when "
                             "printing to a terminal; 0: never wrap). Values are never cut")
    parser.add_argument("--user", help="user name for HTTP basic auth at --endpoint")
    parser.add_argument("--password", help="password for HTTP basic auth at --endpoint")


def run(args) -> int:
    import sys

    from ..errors import IpkgError
    from ..examples import list_examples
    from ..query import add_labels, format_result, get_engine, run_query

    if args.prefixes:
        from ..vocab import sparql_prologue

        sys.stdout.write(sparql_prologue())
        return 0
    if args.list:
        for ex in list_examples():
            print(f"{ex.name:32s} {ex.title}")
        return 0
    if not args.query:
        raise IpkgError("no query given", hint="ipkg query NAME|FILE.rq|'SELECT …'; ipkg query --list")
    engine = get_engine(args.engine, endpoint=args.endpoint, store=args.store, timeout=args.timeout,
                        user=args.user, password=args.password)
    result = run_query(args.query, params=args.param, engine=engine)
    labels = not args.no_labels and args.format not in ("ttl", "nt")
    if labels and result.kind != "ask":
        add_labels(result, engine, args.lang)
    width = args.width
    if width is None and sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size().columns
    out = format_result(result, args.format, labels=labels, width=width or None)
    if args.format == "table" or sys.stdout.isatty():
        from ..safety import terminal_safe

        out = terminal_safe(out)  # escape sequences in the data must not drive the terminal
    sys.stdout.write(out)
    return 0
