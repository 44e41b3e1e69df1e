"""ipkg serve: serve the built graph read-only over the SPARQL 1.1 Protocol (Oxigraph server)."""

from __future__ import annotations

HELP = "serve the built graph read-only over SPARQL (the Oxigraph server)"

DESCRIPTION = """\
Serve the graph over the SPARQL 1.1 Protocol with the Oxigraph server from the 'oxigraph' PyPI
package, read-only. Builds site/ first when it is missing, loads site/ipkg.nt (default graph),
site/ipkg.trig (named graphs, one per source document or reference file) and the example
queries (graph <https://w3id.org/ipkg/.well-known/sparql-examples>) into an on-disk store in
the cache folder ($IPKG_CACHE_DIR or ~/.cache/ipkg/stores/, replaced atomically), then runs
'oxigraph serve-read-only --location DIR --bind HOST:PORT --timeout-s N'. Updates and Graph Store
writes are refused (HTTP 403). Ctrl-C stops the server and leaves no process behind.

Examples:
  ipkg serve                              # http://127.0.0.1:7878/ ; endpoint /query
  ipkg serve --bind 127.0.0.1:8080 --timeout 10
  ipkg serve --store /data/ipkg-store     # serve an existing Oxigraph store as it is
  ipkg query org-hierarchy --endpoint http://127.0.0.1:7878/query
"""


def add_arguments(parser) -> None:
    from ..cli import seconds
    from ..serve import DEFAULT_BIND, DEFAULT_TIMEOUT_S

    parser.add_argument("--bind", default=DEFAULT_BIND, help=f"HOST:PORT to listen on (default: {DEFAULT_BIND})")
    parser.add_argument("--site", "--dist", dest="dist", default="site", metavar="DIR",
                        help="the build folder (default: site)")
    parser.add_argument("--store", metavar="DIR", help="serve this existing Oxigraph store instead of the build")
    parser.add_argument("--timeout", type=lambda t: int(seconds(t)), default=DEFAULT_TIMEOUT_S,
                        help=f"stop queries after this many seconds (default: {DEFAULT_TIMEOUT_S}; 0 = no limit)")
    parser.add_argument("--max-memory", type=int, default=2048, metavar="MiB",
                        help="restart the SPARQL engine when it uses more memory than this "
                             "(default: 2048; 0 = no limit)")


def run(args) -> int:
    from pathlib import Path

    from ..serve import serve

    return serve(dist=Path(args.dist), store=Path(args.store) if args.store else None,
                 bind=args.bind, timeout_s=args.timeout or None, memory_mb=args.max_memory or None)
