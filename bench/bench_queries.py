"""Benchmark the example queries: over HTTP on 'oxigraph serve-read-only' vs rdflib in process.

    python bench/bench_queries.py [--repeat 7] [--out bench/results/queries.md]

Builds site/ into a temporary folder, loads it into an Oxigraph store (ipkg.serve.prepare_store),
starts the real read-only server on a free loopback port, and times every example query end to
end through ipkg's own Protocol client (POST, JSON results, parsed) – median of --repeat runs
after one warm-up. The same queries run on rdflib in process (one timed run each after loading).
Writes a Markdown table with machine details. One run on one machine: a rough guide, not a claim.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> list[str]:
    import pyoxigraph
    import rdflib

    info = [f"- Python {platform.python_version()} on {platform.platform()}",
            f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores"]
    try:
        import psutil

        info.append(f"- RAM: {psutil.virtual_memory().total / 2**30:.1f} GiB")
    except ImportError:
        pass
    try:
        model = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                     if l.startswith("model name"))
        info[1] = f"- CPU: {model}, {os.cpu_count()} logical cores"
    except (OSError, StopIteration):
        pass
    info.append(f"- pyoxigraph {pyoxigraph.__version__} (server: oxigraph {pyoxigraph.__version__} "
                f"from the 'oxigraph' PyPI package), rdflib {rdflib.__version__}")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "queries.md"))
    args = ap.parse_args(argv)

    from ipkg import build, examples, query, serve

    names = [ex.name for ex in examples.list_examples()]
    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "site"
        result = build.build(dist, views=False, docs=False)
        store = serve.prepare_store(dist, Path(tmp) / "store")
        port = free_port()
        proc = serve.start_server(store, f"127.0.0.1:{port}", timeout_s=30, quiet=True)
        from ipkg.guard import Guard

        guard = Guard(("127.0.0.1", 0), ("127.0.0.1", port)).start()
        try:
            def timed(url: str) -> dict[str, float]:
                engine = query.get_engine(endpoint=url)
                out: dict[str, float] = {}
                for name in names:
                    query.run_query(name, engine=engine)  # warm-up
                    times = []
                    for _ in range(args.repeat):
                        t = time.perf_counter()
                        query.run_query(name, engine=engine)
                        times.append((time.perf_counter() - t) * 1000)
                    out[name] = statistics.median(times)
                return out

            # what `ipkg serve` users reach: the SERVICE guard in front of oxigraph
            http_ms = timed("http://%s:%d/query" % guard.address)
            direct_ms = timed(f"http://127.0.0.1:{port}/query")
        finally:
            guard.stop()
            serve.stop_server(proc)
    t = time.perf_counter()
    rdf = query.get_engine("rdflib", cache=False)
    rdflib_load = time.perf_counter() - t
    rdflib_ms: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name in names:
        t = time.perf_counter()
        res = query.run_query(name, engine=rdf)
        rdflib_ms[name] = (time.perf_counter() - t) * 1000
        rows[name] = len(res.rows) if res.kind != "ask" else 1

    overall_http = statistics.median(http_ms.values())
    overall_direct = statistics.median(direct_ms.values())
    overall_rdflib = statistics.median(rdflib_ms.values())
    lines = ["# Example-query latency: Oxigraph server over HTTP vs rdflib in process", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `python bench/bench_queries.py "
             f"--repeat {args.repeat}` (one run).", "", *machine(), "",
             f"- graph: {result.triples} triples (site/ipkg.nt), {len(names)} example queries",
             f"- HTTP: what `ipkg serve` runs — the SERVICE guard (`ipkg.guard`) in front of "
             f"`oxigraph serve-read-only` on 127.0.0.1 — with ipkg's HTTP client (ipkg.http on httpx: POST, SPARQL JSON, "
             f"parsed); median of {args.repeat} runs after a warm-up; also oxigraph reached directly",
             f"- rdflib: in-process `Graph.query`, one run each (load: {rdflib_load:.2f} s)", "",
             f"**Median over all queries: HTTP via ipkg serve {overall_http:.1f} ms (oxigraph directly "
             f"{overall_direct:.1f} ms), rdflib {overall_rdflib:.1f} ms** "
             f"(target ≤ 10 ms over HTTP: {'met' if overall_http <= 10 else 'NOT met'}); "
             f"slowest over HTTP: {max(http_ms.values()):.1f} ms.", "",
             "| query | rows | HTTP via ipkg serve (ms) | oxigraph directly (ms) | rdflib (ms) |",
             "|---|---:|---:|---:|---:|"]
    for name in names:
        lines.append(f"| {name} | {rows[name]} | {http_ms[name]:.1f} | {direct_ms[name]:.1f} "
                     f"| {rdflib_ms[name]:.1f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.tmp")
    tmp_out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp_out, out)
    print("\n".join(lines[:14]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
