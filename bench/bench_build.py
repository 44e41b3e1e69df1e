"""How long `ipkg build` takes on the curated graph, and where the time goes.

Usage: python bench/bench_build.py [--runs N]     (writes bench/results/build.md)

Measures, in one run, on the same files:
* the bare cost of parsing them with rdflib (Graph.parse per file) and with pyoxigraph;
* `ipkg.build.build()` in-process, per step (median of N runs, pyLODE cache warm), plus one
  run with a cold pyLODE cache;
* `python -m ipkg build` as a subprocess (median of N runs; includes interpreter start-up and
  imports), full and with --no-views --no-docs;
* the browsable site (ipkg.site): a full build against `--no-site`, run in turn (A B A B …) so
  that drift of a shared machine touches both alike, and the output's file count and size.
Target: a full build in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assemble import machine_markdown  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 2.0


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    runs = args.runs

    import pyoxigraph
    import rdflib

    from ipkg.build import build
    from ipkg.load import load_project

    load_before = os.getloadavg()[0]
    project = load_project()
    paths = list(project.files)
    triples = len(project.merged())

    def rdflib_parse():
        for p in paths:
            rdflib.Graph().parse(p, format="turtle")

    def oxigraph_parse():
        for p in paths:
            list(pyoxigraph.parse(path=str(p), format=pyoxigraph.RdfFormat.TURTLE))

    t_rdflib = median_time(rdflib_parse, runs)
    t_oxi = median_time(oxigraph_parse, runs)
    t_load = median_time(load_project, runs)

    rows: dict[str, list[float]] = {}
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        build(out)  # warm the pyLODE cache
        for _ in range(runs):
            t0 = time.perf_counter()
            result = build(out)
            totals.append(time.perf_counter() - t0)
            assert result.conforms, "the graph does not conform; fix it before benchmarking"
            for name, secs in result.timings:
                rows.setdefault(name, []).append(secs)
        saved_cache = os.environ.get("IPKG_CACHE_DIR")
        os.environ["IPKG_CACHE_DIR"] = str(Path(tmp) / "cold-cache")
        t0 = time.perf_counter()
        cold = build(Path(tmp) / "cold")
        t_cold = time.perf_counter() - t0
        if saved_cache is None:  # put the caller's cache setting back
            del os.environ["IPKG_CACHE_DIR"]
        else:
            os.environ["IPKG_CACHE_DIR"] = saved_cache
        cold_docs = dict(cold.timings).get("docs", 0.0)

        def sub(*extra):
            subprocess.run([sys.executable, "-m", "ipkg", "build", "-q", "--out", str(Path(tmp) / "sub"), *extra],
                           check=True, stderr=subprocess.DEVNULL)

        with_site, without_site = [], []
        for _ in range(runs):  # paired: full build, then the same without the site
            t0 = time.perf_counter()
            sub()
            with_site.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            sub("--no-site")
            without_site.append(time.perf_counter() - t0)
        t_sub = statistics.median(with_site)
        t_sub_nosite = statistics.median(without_site)
        site_ratio = statistics.median(a / b for a, b in zip(with_site, without_site))
        sub()
        files = [p for p in (Path(tmp) / "sub").rglob("*") if p.is_file()]
        site_files = [p for p in files if p.relative_to(Path(tmp) / "sub").parts[0] in ("id", "stats", "static", "browse.html")
                      or p.parent.name in ("class", "property")]
        site_bytes = sum(p.stat().st_size for p in site_files)
        t_sub_min = median_time(lambda: sub("--no-views", "--no-docs"), runs)
        t_import = median_time(lambda: subprocess.run([sys.executable, "-c", "import rdflib, pyoxigraph, pyshacl"], check=True), runs)

    t_inproc = statistics.median(totals)
    load_after = os.getloadavg()[0]
    lines = [
        "## `ipkg build` on the curated graph",
        "",
        f"Written by `python bench/bench_build.py --runs {runs}`: medians of {runs} runs, "
        f"{len(paths)} files, {triples} triples (ontology + data).",
        "",
        machine_markdown(),
        f"- **load average** (1 min) at start / end: {load_before:.1f} / {load_after:.1f}"
        + (" — the machine was busy; times are inflated" if max(load_before, load_after) > (os.cpu_count() or 1) else ""),
        "",
        "| what | seconds |",
        "|---|---:|",
        f"| parse the same files with rdflib (`Graph.parse`, no build) | {t_rdflib:.3f} |",
        f"| parse the same files with pyoxigraph (no conversion) | {t_oxi:.3f} |",
        f"| `load_project()` (pyoxigraph + conversion to rdflib, merged graphs) | {t_load:.3f} |",
        f"| `build()` in-process, pyLODE cache warm | {t_inproc:.3f} |",
    ]
    for name, values in rows.items():
        lines.append(f"| &nbsp;&nbsp;step `{name}` | {statistics.median(values):.3f} |")
    lines += [
        f"| `build()` in-process, pyLODE cache cold (one run; docs step {cold_docs:.2f} s) | {t_cold:.3f} |",
        f"| `python -m ipkg build` subprocess, full | {t_sub:.3f} |",
        f"| `python -m ipkg build --no-site` subprocess (paired with the line above) | {t_sub_nosite:.3f} |",
        f"| &nbsp;&nbsp;the site's cost: full / `--no-site`, median of the pairs | ×{site_ratio:.2f} (+{t_sub - t_sub_nosite:.2f} s) |",
        f"| `python -m ipkg build --no-views --no-docs` subprocess | {t_sub_min:.3f} |",
        f"| interpreter start + `import rdflib, pyoxigraph, pyshacl` alone | {t_import:.3f} |",
        "",
        f"Target ≤ {TARGET_S:.0f} s for a full build: "
        + ("met" if t_sub <= TARGET_S else "**not met**")
        + f" ({t_sub:.2f} s as a subprocess, {t_inproc:.2f} s in-process).",
        "",
        f"The site adds {len(site_files)} files ({site_bytes / 2**20:.1f} MiB) to the output of {len(files)} files.",
        "",
    ]
    target = REPO / "bench" / "results" / "build.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
