"""ipkg push: upload the build to a SPARQL 1.1 Graph Store Protocol endpoint."""

from __future__ import annotations

HELP = "upload the build to a SPARQL Graph Store endpoint (POST to add, PUT to replace)"

DESCRIPTION = """\
Upload dist/ipkg.nt to a SPARQL 1.1 Graph Store Protocol endpoint: POST adds the triples,
--replace uses PUT and replaces the graph's content. The target is the default graph, or the
named graph given with --graph. Unreachable endpoints and refused access (HTTP 401/403) are
reported with exit code 2.

Examples:
  ipkg push --endpoint http://127.0.0.1:7878/store
  ipkg push --endpoint http://127.0.0.1:7878/store --graph https://w3id.org/ipkg/graph/all --replace
  ipkg push --endpoint https://example.org/rdf-graph-store --user alice --password secret
"""


def add_arguments(parser) -> None:
    from ..cli import seconds

    parser.add_argument("--endpoint", required=True, metavar="URL", help="the Graph Store endpoint")
    parser.add_argument("--graph", metavar="IRI", help="named graph to write (default: the default graph)")
    parser.add_argument("--replace", action="store_true", help="replace the graph (HTTP PUT) instead of adding (POST)")
    parser.add_argument("--dist", default="dist", help="the build folder (default: dist)")
    parser.add_argument("--user", help="user name for HTTP basic auth")
    parser.add_argument("--password", help="password for HTTP basic auth")
    parser.add_argument("--timeout", type=seconds, default=120.0, help="seconds to wait (default: 120)")


def run(args) -> int:
    from pathlib import Path

    from ..push import push

    result = push(args.endpoint, dist=Path(args.dist), graph=args.graph, replace=args.replace,
                  user=args.user, password=args.password, timeout=args.timeout)
    print(f"{result.method} {result.url}: {result.triples} triples ({result.bytes} bytes) sent")
    return 0
