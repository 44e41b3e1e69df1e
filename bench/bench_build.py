"""How long `ipkg build` takes on the curated graph, and where the time goes.

Usage: python bench/bench_build.py [--runs N]     (writes bench/results/build.md)

Everything is timed as a subprocess (`python -m ipkg build -q --out DIR`: interpreter start,
imports, the build, the atomic swap of the output folder), in turns, so that drift of a shared
machine touches every variant alike. Each turn runs, in this order:

* fresh: a full build with an empty `IPKG_CACHE_DIR` into a new output folder (what a fresh
  clone does first: nothing cached, every file created);
* cold cache: full build, then `--no-site`, each with an empty `IPKG_CACHE_DIR` (pyLODE page,
  view layouts, SERVICE verdicts of the shapes' SPARQL, compiled templates, validation report
  and audit all recomputed) into the output folder of the previous build (whose unchanged files
  are linked, not written again);
* warm cache: full build, then `--no-site`, with a cache filled by an earlier build;
* warm cache, one process (`IPKG_BUILD_JOBS=1`): what the second build process buys;
* edited: warm cache, but one graph file changed since the last build (a new alternative
  label on one organisation, different in every turn), so that the validation report, the
  audit and every page are computed again: what an editor of the graph waits for.

All builds read a copy of the project (``IPKG_DATA``), so that the edits never touch the
checkout, and run with Python's bytecode cache on, as an installed ipkg does
(``PYTHONDONTWRITEBYTECODE`` is removed from their environment).

Step times come from `ipkg build -v` of one extra warm run (two processes: the steps of the
second process overlap validate and site in the first). Also measured, as a floor: parsing
the same files with rdflib and pyoxigraph, the interpreter start + imports alone, and creating
the build's files in a new folder (or hard-linking them) with no build at all.
Target: a full build in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
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

    variants = ["fresh full (cold cache, new output folder)", "cold full", "cold --no-site", "warm full",
                "warm --no-site", "warm full, one process", "edited full (warm cache, one graph file changed)"]
    times: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm_cache = tmp / "warm-cache"
        data = tmp / "data"
        for name in ("ontology", "graph", "shapes", "queries"):
            shutil.copytree(REPO / name, data / name)
        edited = data / "graph" / "reference" / "zz-bench-edit.ttl"
        seeds = Path(os.environ.get("IPKG_SEEDS") or REPO.parent / "shared" / "seeds")

        def edit(i: int) -> None:
            edited.write_text(
                "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                f'<https://w3id.org/ipkg/id/org/spp> skos:altLabel "bench edit {i}"@en .\n', encoding="utf-8")

        def sub(out: str, *extra: str, cache: Path, jobs: str = "2", verbose: bool = False):
            env = {**os.environ, "IPKG_CACHE_DIR": str(cache), "IPKG_BUILD_JOBS": jobs, "IPKG_DATA": str(data)}
            # as installed: Python keeps the compiled modules (a sandbox that sets this would
            # time the compilation of every ipkg module in every build)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if seeds.is_dir():
                env["IPKG_SEEDS"] = str(seeds)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "ipkg", "build", "-v" if verbose else "-q",
                                   "--out", str(tmp / out), *extra],
                                  check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            return time.perf_counter() - t0, proc.stderr

        edit(-1)
        sub("full", cache=warm_cache)  # fill the warm cache
        for i in range(runs):
            fresh_cache = tmp / f"fresh-cache-{i}"
            times[variants[0]].append(sub(f"fresh-{i}", cache=fresh_cache)[0])
            shutil.rmtree(fresh_cache, ignore_errors=True)
            shutil.rmtree(tmp / f"fresh-{i}", ignore_errors=True)
            for name, extra in (("full", ()), ("--no-site", ("--no-site",))):
                cold = tmp / f"cold-{i}-{name}"
                times[f"cold {name}"].append(sub(name, *extra, cache=cold)[0])
                shutil.rmtree(cold, ignore_errors=True)
            times["warm full"].append(sub("full", cache=warm_cache)[0])
            times["warm --no-site"].append(sub("--no-site", "--no-site", cache=warm_cache)[0])
            times["warm full, one process"].append(sub("one", cache=warm_cache, jobs="1")[0])
            edit(i)
            times[variants[-1]].append(sub("full", cache=warm_cache)[0])
        edit(-1)  # the file as in the warm cache again
        _, verbose = sub("full", cache=warm_cache, verbose=True)
        _, verbose_one = sub("one", cache=warm_cache, jobs="1", verbose=True)
        files = [p for p in (tmp / "full").rglob("*") if p.is_file()]
        site_top = ("id", "stats", "static", "browse.html")
        site_files = [p for p in files if p.relative_to(tmp / "full").parts[0] in site_top
                      or p.parent.name in ("class", "property")]
        site_bytes = sum(p.stat().st_size for p in site_files)
        t_import = median_time(lambda: subprocess.run(
            [sys.executable, "-c", "import rdflib, pyoxigraph, pyshacl, jinja2"], check=True), runs)
        # the file system's share: create the build's files (same names, same bytes) in a new
        # folder beside it, and hard-link them instead (what a rebuild does for unchanged files)
        t_create, t_link = [], []
        for i in range(runs):
            made, linked = tmp / f"create-{i}", tmp / f"link-{i}"
            t0 = time.perf_counter()
            for p in files:
                dest = made / p.relative_to(tmp / "full")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(p.read_bytes())
            t_create.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for p in files:
                dest = linked / p.relative_to(tmp / "full")
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.link(made / p.relative_to(tmp / "full"), dest)
            t_link.append(time.perf_counter() - t0)
            shutil.rmtree(made)
            shutil.rmtree(linked)

    def steps(text: str) -> dict[str, float]:
        return {m.group(1): float(m.group(2)) for m in re.finditer(r"\] (\S+) … ([\d.]+) s", text)}

    two, one = steps(verbose), steps(verbose_one)
    second = ("audit", "export", "tables", "docs", "examples", "site-data", "views")
    med = {v: statistics.median(ts) for v, ts in times.items()}
    load_after = os.getloadavg()[0]
    busy = max(load_before, load_after) > (os.cpu_count() or 1)
    lines = [
        "## `ipkg build` on the curated graph",
        "",
        f"Written by `python bench/bench_build.py --runs {runs}`: medians of {runs} turns, every build a "
        f"subprocess (`python -m ipkg build -q`), {len(paths)} files, {triples} triples (ontology + data).",
        "",
        machine_markdown(),
        f"- **load average** (1 min) at start / end: {load_before:.1f} / {load_after:.1f}"
        + (" — the machine was busy; times are inflated" if busy else ""),
        "",
        "| build (subprocess, wall clock) | median s | min s | all runs |",
        "|---|---:|---:|---|",
    ]
    for v in variants:
        ts = times[v]
        lines.append(f"| {v} | {med[v]:.2f} | {min(ts):.2f} | {' '.join(f'{t:.2f}' for t in ts)} |")
    lines += [
        f"| &nbsp;&nbsp;the site's cost, warm: full − `--no-site` "
        f"| +{med['warm full'] - med['warm --no-site']:.2f} | | |",
        f"| &nbsp;&nbsp;the site's cost, cold: full − `--no-site` "
        f"| +{med['cold full'] - med['cold --no-site']:.2f} | | |",
        f"| interpreter start + `import rdflib, pyoxigraph, pyshacl, jinja2` alone | {t_import:.2f} | | |",
        f"| create the build's {len(files)} files in a new folder (no build; the file system's share) "
        f"| {statistics.median(t_create):.2f} | {min(t_create):.2f} | {' '.join(f'{t:.2f}' for t in t_create)} |",
        f"| hard-link them instead (what a rebuild does for unchanged files) "
        f"| {statistics.median(t_link):.2f} | {min(t_link):.2f} | {' '.join(f'{t:.2f}' for t in t_link)} |",
        f"| parse the same files with rdflib (`Graph.parse`, in-process, no build) | {t_rdflib:.2f} | | |",
        f"| parse the same files with pyoxigraph (in-process, no conversion) | {t_oxi:.2f} | | |",
        "",
        "Step times of one more warm full build (`ipkg build -v`), seconds. With two processes the "
        "steps marked ² run in the forked second process at the same time as validate and "
        "site (pages) in the first; the wall clock is not their sum.",
        "",
        "| step | two processes | one process |",
        "|---|---:|---:|",
    ]
    for name in one:
        lines.append(f"| {name}{'²' if name in second else ''} | {two.get(name, 0.0):.2f} | {one[name]:.2f} |")
    verdict = lambda t: "met" if t <= TARGET_S else "**not met**"  # noqa: E731
    lines += [
        "",
        f"Target ≤ {TARGET_S:.0f} s for a full build as a subprocess: fresh {verdict(med[variants[0]])} "
        f"({med[variants[0]]:.2f} s), cold cache {verdict(med['cold full'])} "
        f"({med['cold full']:.2f} s), warm cache {verdict(med['warm full'])} ({med['warm full']:.2f} s), "
        f"after editing one graph file {verdict(med[variants[-1]])} ({med[variants[-1]]:.2f} s).",
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
