"""ipkg push: upload the build to a SPARQL 1.1 Graph Store endpoint and check what arrived."""

from __future__ import annotations

HELP = "upload the build (merged graph + one named graph per source) to a SPARQL Graph Store endpoint"

DESCRIPTION = """\
Upload the build to a SPARQL 1.1 Graph Store Protocol endpoint, one request per graph:
site/ipkg.nt (the merged graph) to the store's default graph, or to the named graph given with
--default-graph; and every named graph of site/ipkg.trig (one per source document, one per
reference file) to the graph of the same name, so the store keeps where each triple came from.
POST adds the triples, --replace uses PUT and replaces each graph's content.

Afterwards the triples of every graph are counted through the store's SPARQL endpoint (--sparql,
or derived: Oxigraph /store -> /query, Virtuoso /sparql-graph-crud-auth -> /sparql, Fuseki
/data -> /sparql) and compared with what was sent.

Credentials (--user/--password) are sent only when the server asks (HTTP 401), as Digest when it
offers Digest (Virtuoso), else Basic; a redirect of a write is refused, and so is any redirect to
another origin. --timeout bounds the whole push.

Exit codes: 0 every graph sent and counted as expected; 1 the store holds other counts than sent;
2 the build is missing, or the endpoint is unreachable, refuses (401/403), redirects or fails.

Examples:
  ipkg push --endpoint http://127.0.0.1:7878/store
  ipkg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba --password dba \\
            --default-graph https://w3id.org/ipkg/graph/all --replace
  ipkg push --endpoint https://example.org/rdf-graph-store --sparql https://example.org/sparql
"""


def add_arguments(parser) -> None:
    from ..cli import seconds

    parser.add_argument("--endpoint", required=True, metavar="URL", help="the Graph Store endpoint")
    parser.add_argument("--default-graph", "--graph", dest="graph", metavar="IRI",
                        help="named graph for the merged graph (default: the store's default graph)")
    parser.add_argument("--no-named-graphs", action="store_true",
                        help="send only the merged graph, not the per-source named graphs")
    parser.add_argument("--replace", action="store_true", help="replace each graph (HTTP PUT) instead of adding (POST)")
    parser.add_argument("--site", "--dist", dest="site", default="site", metavar="DIR",
                        help="the build folder (default: site)")
    parser.add_argument("--sparql", metavar="URL", help="SPARQL query endpoint for the count check (default: derived)")
    parser.add_argument("--no-check", action="store_true", help="do not count the triples after the push")
    parser.add_argument("--user", help="user name (sent only when the server asks: Digest or Basic)")
    parser.add_argument("--password", help="password")
    parser.add_argument("--timeout", type=seconds, default=120.0, help="seconds for the whole push (default: 120)")


def run(args) -> int:
    from pathlib import Path

    from ..push import push

    result = push(args.endpoint, site=Path(args.site), default_graph=args.graph, named=not args.no_named_graphs,
                  replace=args.replace, user=args.user, password=args.password, timeout=args.timeout,
                  sparql=args.sparql, check=not args.no_check, echo=print)
    line = f"{result.method}: {result.triples} triples in {len(result.graphs)} graphs ({result.bytes} bytes) sent"
    if result.sparql:
        line += f"; counts checked at {result.sparql}"
    print(line)
    return 0
