"""What ipkg's HTTP client (ipkg.http, httpx) costs per request, and what a push costs.

Usage: python bench/bench_http.py [--requests N]     (writes bench/results/http.md)

In one run, against the real Oxigraph server (in memory, 127.0.0.1):
* per-request latency of a tiny SPARQL query: a bare urllib POST (the baseline: what ipkg used
  before 0.1.0, without redirect checks, auth by challenge or a total deadline) side by side with
  ipkg.http.request (median of N each, interleaved);
* `ipkg push` of the build (12 graphs, merged + named) with the count check, against the same
  Oxigraph server and, where Debian's Virtuoso is installed, a fresh Virtuoso (Digest auth);
  baseline: the merged graph alone without the check (--no-named-graphs --no-check). Best of 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from assemble import machine_markdown  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    from ipkg import build, serve
    from ipkg.cli import main as ipkg
    from ipkg.http import request

    lines = ["# HTTP client and push", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
             f"`python bench/bench_http.py --requests {args.requests}` (one run; load average at start "
             f"{os.getloadavg()[0]:.1f} on this shared machine).", "", machine_markdown(), ""]
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build.build(site, views=False, docs=False)
        port = serve._free_loopback_port()
        ox = serve.start_server(None, f"127.0.0.1:{port}", read_only=False, quiet=True)
        virtuoso = None
        try:
            url = f"http://127.0.0.1:{port}/query"
            form = {"query": "SELECT (1 AS ?n) WHERE {}"}
            accept = "application/sparql-results+json"

            def bare():
                req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                             headers={"Accept": accept})
                with urllib.request.urlopen(req, timeout=30) as resp:
                    resp.read()

            def client():
                request(url, method="POST", data=form, accept=accept)

            times = {"bare urllib": [], "ipkg.http": []}
            for _ in range(args.requests):
                for name, fn in (("bare urllib", bare), ("ipkg.http", client)):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            lines += ["| one tiny SPARQL query over HTTP | median (ms) | p95 (ms) |", "|---|---:|---:|"]
            for name, ts in times.items():
                ts.sort()
                lines.append(f"| {name} | {statistics.median(ts) * 1000:.2f} | {ts[int(len(ts) * 0.95)] * 1000:.2f} |")
            lines.append("")

            targets = [("Oxigraph server", ["--endpoint", f"http://127.0.0.1:{port}/store"])]
            import virtuoso as vt

            if vt.available() is None:
                virtuoso = vt.start(Path(tmp) / "virtuoso")
                targets.append(("Virtuoso 7.2 (Digest)", ["--endpoint", virtuoso.graph_store, "--user", "dba",
                                                          "--password", "dba", "--default-graph",
                                                          "https://w3id.org/ipkg/graph/all"]))
            lines += ["| ipkg push --replace (best of 3) | merged graph only, no check (s) | every graph + count check (s) |",
                      "|---|---:|---:|"]
            for name, target in targets:
                base = ["push", "--site", str(site), "--replace", *target]
                t_base = best(lambda: ipkg([*base, "--no-named-graphs", "--no-check"]) == 0 or sys.exit(1))
                t_full = best(lambda: ipkg(base) == 0 or sys.exit(1))
                lines.append(f"| {name} | {t_base:.2f} | {t_full:.2f} |")
        finally:
            serve.stop_server(ox)
            if virtuoso is not None:
                virtuoso.stop()
    lines += ["", "The build: 7201 triples; 'every graph' = the merged graph + 11 named graphs (14,402 triples sent)."]
    out = REPO / "bench" / "results" / "http.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
