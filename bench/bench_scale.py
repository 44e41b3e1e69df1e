"""Scale benchmark (issue #8): synth, load, validate, GROUP BY and 2-hop lookups at growing sizes.

    python bench/bench_scale.py --sizes 1000,10000,100000            # minutes
    python bench/bench_scale.py --sizes 1000000,2000000                # tens of minutes
    python bench/bench_scale.py --sizes 1000000 --reuse              # validate the kept files again
    python bench/bench_scale.py --report-only                         # re-render the table/plot

Each size N: ``ipkg synth --cases N`` (in process, timed); the curated graph files plus the
synthetic file loaded with ``ipkg.store.load_files`` in a child process (wall time, peak RSS of
the process tree) beside ``oxigraph load --location DIR --file ...`` of the same files (the floor;
``ipkg load`` ends with a compaction, so ``oxigraph optimize`` of the raw folder is timed too, apart);
``validate_store`` in a child process (peak RSS summed over the worker processes) beside plain
whole-graph validation (``ipkg.validate.validate_graph`` on an rdflib graph) where that stays
under --pyshacl-max; a GROUP BY over all cases (count by crime type and year) on the on-disk
store; the median of 200 two-hop neighbourhood lookups. Results are cached per size in
WORKDIR/results.json and rendered to bench/results/scale.md and scale.png, with validation time
over the raw load time of the same files in the same run (issue #19: at most 1.5) and, between
consecutive sizes, the growth of each time per 10x of data (10 = linear).

--reuse takes WORKDIR/synth-N.nt and WORKDIR/store-N as they are (kept by an earlier --keep run;
symbolic links to them do too: nothing is written into the store) and times the raw load and the
validation again, side by side, keeping the other figures of the cached result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _pss(pid: int) -> int:
    """Proportional set size (bytes) of one process: its private pages plus its share of the pages
    it shares (a forked worker's pages are not counted twice, as summed RSS counts them)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], timeout: float | None = None) -> dict:
    """Run ``cmd``; wall seconds, peak RSS and peak PSS (bytes), each summed over the whole
    process tree, exit code."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = peak_pss = 0
    timed_out = False
    while proc.poll() is None:
        try:
            procs = [ps, *ps.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
            peak_pss = max(peak_pss, sum(_pss(p.pid) for p in procs))
        except psutil.Error:
            pass
        if timeout and time.monotonic() - start > timeout:
            for p in [ps, *ps.children(recursive=True)]:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            timed_out = True
            break
        time.sleep(0.05)
    out, err = proc.communicate()
    return {"seconds": time.monotonic() - start, "peak_rss": peak, "peak_pss": peak_pss, "rc": proc.returncode,
            "timed_out": timed_out, "stdout": out[-2000:], "stderr": err[-2000:]}


def settle() -> bool:
    """Start the next timed step from the same state every time: what earlier steps wrote is
    flushed (the kernel writes gigabytes of dirty pages back after a load, on the same 2 cores: a
    validation timed during the write-back of the raw store took 55.6 s, the same validation on
    the same store afterwards 40.9 s), then, where allowed (root), the page cache is dropped, so
    each step reads its input from disk as after a reboot instead of from whatever earlier steps
    left cached (or this VM had already reclaimed). Whether it was dropped."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        dropped = True
    except OSError:
        dropped = False
    time.sleep(1)
    return dropped


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_size(n: int, work: Path, args) -> dict:
    from ipkg.load import load_project
    from ipkg.synth import write_synthetic

    project = load_project()
    data_files = [str(p) for p in project.data_files]
    res: dict = {"cases": n, "loadavg_start": os.getloadavg()[0]}
    synth = work / f"synth-{n}.nt"
    store = work / f"store-{n}"
    if args.reuse:
        return bench_reused(n, work, args, data_files, synth, store)
    t = time.monotonic()
    stats = write_synthetic(n, synth, seed=42)
    res["synth_s"] = time.monotonic() - t
    res["triples"] = stats.triples
    res["synth_tps"] = stats.triples / res["synth_s"]
    res["file_mb"] = synth.stat().st_size / 1e6
    print(f"[{n}] synth {res['synth_s']:.1f}s {stats.triples:,} triples", flush=True)

    raw = work / f"raw-{n}"
    for d in (store, raw):
        shutil.rmtree(d, ignore_errors=True)
    load_pairs(res, store, raw, data_files, synth, args.load_runs)
    res["store_mb"] = dir_size(store) / 1e6
    print(f"[{n}] load {res['load_s']:.1f}s, of which compaction {res['load_compact_s']:.1f}s "
          f"(raw oxigraph load {res['raw_load_s']:.1f}s, + optimize {res['raw_optimize_s']:.1f}s; "
          f"paired ratios: load/raw {res['load_raw_ratio']:.2f}, bulk part/raw {res['bulk_raw_ratio']:.2f}, "
          f"load/(raw + optimize) {res['load_rawopt_ratio']:.2f})", flush=True)

    if n <= args.validate_max:
        validate(res, n, store, args.validate_runs)
    if n <= args.pyshacl_max:
        code = (
            "import json; from rdflib import Graph; from ipkg.load import load_project; "
            "from ipkg.validate import validate_graph; from ipkg.store_validate import result_keys; "
            f"p = load_project(); g = p.data + Graph(); g.parse({str(synth)!r}, format='nt'); "
            "r = validate_graph(g, p.shapes, p.ontology, checks=False); "
            "print(json.dumps({'results': len(result_keys(r.shacl_graph))}))"
        )
        m = run_measured([sys.executable, "-c", code], timeout=args.pyshacl_budget)
        if m["timed_out"]:
            res["plain_s"] = None
            res["plain_note"] = f"stopped after {args.pyshacl_budget:.0f} s"
        else:
            assert m["rc"] == 0, m["stderr"]
            info = json.loads(m["stdout"].strip().splitlines()[-1])
            res.update(plain_s=m["seconds"], plain_rss=m["peak_rss"], plain_results=info["results"])
        print(f"[{n}] plain validation {res.get('plain_s')}", flush=True)

    import pyoxigraph as ox

    from ipkg.store import open_store

    st = open_store(store)
    prefixes = "PREFIX ipkg: <https://w3id.org/ipkg/ontology#> PREFIX dct: <http://purl.org/dc/terms/>\n"
    # the obvious query: Oxigraph joins each pattern to the previous one by index look-ups (~40 us
    # per case on disk) and computes YEAR() per case
    naive = prefixes + """SELECT ?crime ?year (COUNT(?c) AS ?n) WHERE { ?c a ipkg:Case ; ipkg:charge ?crime ; dct:date ?d }
    GROUP BY ?crime (YEAR(?d) AS ?year) ORDER BY ?crime ?year"""
    # the same counts: each pattern in its own sub-SELECT (evaluated alone, then hash-joined), counted
    # per (crime, day) first, so YEAR() runs once per distinct day
    q = prefixes + """SELECT ?crime ?year (SUM(?k) AS ?n) WHERE {
      { SELECT ?crime ?d (COUNT(*) AS ?k) WHERE {
          { SELECT ?c WHERE { ?c a ipkg:Case } }
          { SELECT ?c ?crime WHERE { ?c ipkg:charge ?crime } }
          { SELECT ?c ?d WHERE { ?c dct:date ?d } } } GROUP BY ?crime ?d }
      BIND(YEAR(?d) AS ?year) } GROUP BY ?crime ?year ORDER BY ?crime ?year"""

    def rows_of(query):
        return [(str(r["crime"]), str(r["year"]), int(r["n"].value)) for r in st.query(query)]

    times = []
    for _ in range(2):
        t = time.monotonic()
        rows = rows_of(q)
        times.append(time.monotonic() - t)
    if not args.skip_naive_groupby:
        t = time.monotonic()
        naive_rows = rows_of(naive)
        res["groupby_naive_s"] = time.monotonic() - t
        assert naive_rows == rows, "the two GROUP BY formulations disagree"
    total = sum(r[2] for r in rows)
    assert total >= n, (total, n)
    res["groupby_cold_s"], res["groupby_s"], res["groupby_rows"] = times[0], times[1], len(rows)
    rng = random.Random(7)
    lat = []
    for _ in range(200):
        case = f"https://w3id.org/ipkg/id/synth/case/s42-{rng.randrange(1, n + 1):07d}"
        t = time.monotonic()
        rows = list(st.query("SELECT ?s ?p ?o ?p2 ?o2 WHERE { ?s ?p ?o OPTIONAL { ?o ?p2 ?o2 } }",
                             substitutions={ox.Variable("s"): ox.NamedNode(case)}))
        lat.append(time.monotonic() - t)
        assert rows
    res["twohop_ms"] = statistics.median(lat) * 1000
    res["twohop_p95_ms"] = sorted(lat)[int(0.95 * len(lat))] * 1000
    print(f"[{n}] group by {res['groupby_s']:.2f}s, 2-hop {res['twohop_ms']:.2f} ms", flush=True)
    del st
    if not args.keep:
        shutil.rmtree(store, ignore_errors=True)
        synth.unlink()
    return res


def ipkg_load(store: Path, files: list) -> dict:
    """``ipkg.store.load_files`` in a child process (wall time, peak memory of the tree) and the
    seconds of its final compaction as it measured them."""
    shutil.rmtree(store, ignore_errors=True)
    code = ("import json; from ipkg.store import load_files; "
            f"s = load_files({files!r}, {str(store)!r}, count=False); "
            "print(json.dumps({'compact_s': s.compact_seconds}))")
    settle()
    m = run_measured([sys.executable, "-c", code])
    assert m["rc"] == 0, m["stderr"]
    m["compact_s"] = json.loads(m["stdout"].strip().splitlines()[-1])["compact_s"]
    return m


def raw_load(raw: Path, files: list) -> dict:
    """``oxigraph load`` of the same files into a fresh folder: the floor."""
    shutil.rmtree(raw, ignore_errors=True)
    settle()
    m = run_measured([shutil.which("oxigraph"), "load", "--location", str(raw), "--file", *files])
    assert m["rc"] == 0, m["stderr"]
    return m


def load_pairs(res: dict, store: Path, raw: Path, data_files: list, synth: Path, runs: int) -> None:
    """``ipkg load`` and raw ``oxigraph load`` of the same files, in turn, ``runs`` times (this
    machine's speed drifts by a fifth within minutes: only ratios taken pair by pair mean
    something), then ``oxigraph optimize`` of the last raw folder (the compaction ``ipkg load``
    ends with), timed apart. Medians of the times and of the per-pair ratios: ``ipkg load`` to
    the raw load, its bulk part (without the compaction) to the raw load, and ``ipkg load`` to
    the raw load plus ``oxigraph optimize`` (the same end state)."""
    files = [*data_files, str(synth)]
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(ipkg_load(store, files))
        theirs.append(raw_load(raw, files))
    settle()
    m = run_measured([shutil.which("oxigraph"), "optimize", "--location", str(raw)])
    assert m["rc"] == 0, m["stderr"]
    res["raw_optimize_s"] = m["seconds"]
    shutil.rmtree(raw, ignore_errors=True)
    med = statistics.median
    res["load_runs_s"] = [o["seconds"] for o in ours]
    res["raw_load_runs_s"] = [t["seconds"] for t in theirs]
    res["load_s"], res["load_compact_s"] = med(res["load_runs_s"]), med(o["compact_s"] for o in ours)
    res["raw_load_s"] = med(res["raw_load_runs_s"])
    res["load_rss"] = max(o["peak_rss"] for o in ours)
    res["raw_load_rss"] = max(t["peak_rss"] for t in theirs)
    res["load_raw_ratio"] = med(o["seconds"] / t["seconds"] for o, t in zip(ours, theirs))
    res["bulk_raw_ratio"] = med((o["seconds"] - o["compact_s"]) / t["seconds"] for o, t in zip(ours, theirs))
    res["load_rawopt_ratio"] = med(o["seconds"] / (t["seconds"] + res["raw_optimize_s"])
                                   for o, t in zip(ours, theirs))


def validate(res: dict, n: int, store: Path, runs: int = 1) -> None:
    """``validate_store`` in a child process, ``runs`` times: the median wall time (every run's
    in ``validate_runs_s``), the highest peak RSS and PSS of the process tree, the seconds of each
    named step and the result keys of the median run."""
    import statistics

    measured = []
    for _ in range(runs):
        measured.append(_validate_once(store))
    times = [m["seconds"] for m, _ in measured]
    m, info = sorted(measured, key=lambda mi: mi[0]["seconds"])[len(measured) // 2]
    res.update(validate_s=statistics.median(times), validate_runs_s=times,
               validate_rss=max(x["peak_rss"] for x, _ in measured),
               validate_pss=max(x["peak_pss"] for x, _ in measured),
               focus_nodes=info["focus"],
               validate_version="compiled SPARQL", validate_results=info["results"],
               validate_phases=info["phases"])
    assert len({i["results"] for _, i in measured}) == 1, "the runs disagree on the report"
    print(f"[{n}] validate_store {res['validate_s']:.1f}s (runs: {', '.join(f'{t:.1f}' for t in times)}) "
          f"= {res['validate_s'] / res['raw_load_s']:.2f} x raw load; "
          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(info["phases"].items(), key=lambda kv: -kv[1])[:6]), flush=True)


def _validate_once(store: Path) -> tuple[dict, dict]:
    code = (
        "import json; from ipkg.load import load_project; "
        "from ipkg.store_validate import validate_store_graph, StoreValidationStats, result_keys; "
        "p = load_project(); st = StoreValidationStats(); "
        f"r = validate_store_graph({str(store)!r}, p.shapes, p.ontology, stats=st); "
        "print(json.dumps({'focus': st.focus_nodes, 'batches': st.batches, 'results': len(result_keys(r)), "
        "'phases': st.phase_seconds}))"
    )
    settle()
    m = run_measured([sys.executable, "-c", code])
    assert m["rc"] == 0, m["stderr"]
    return m, json.loads(m["stdout"].strip().splitlines()[-1])


def bench_reused(n: int, work: Path, args, data_files: list, synth: Path, store: Path) -> dict:
    """--reuse: raw load and validation again, on the kept files, in this run."""
    assert synth.exists() and store.exists(), f"--reuse needs {synth} and {store}"
    cache = work / "results.json"
    res = json.loads(cache.read_text()).get(str(n), {}) if cache.exists() else {}
    res["loadavg_start"] = os.getloadavg()[0]
    res["cases"] = n
    m = raw_load(work / f"raw-{n}", [*data_files, str(synth)])
    shutil.rmtree(work / f"raw-{n}", ignore_errors=True)
    res["raw_load_s"], res["raw_load_rss"] = m["seconds"], m["peak_rss"]
    print(f"[{n}] raw oxigraph load {res['raw_load_s']:.1f}s", flush=True)
    validate(res, n, store, args.validate_runs)
    return res


def growth(rows: list, key: str) -> dict:
    """cases -> how much ``key`` grows per 10x of data from the previous size (10 = linear)."""
    import math

    out = {}
    for a, b in zip(rows, rows[1:]):
        if a.get(key) and b.get(key) and b["cases"] > a["cases"]:
            out[b["cases"]] = (b[key] / a[key]) ** (1 / math.log10(b["cases"] / a["cases"]))
    return out


def runs_note(r: dict) -> str:
    runs = r.get("validate_runs_s") or []
    if len(runs) < 2:
        return ""
    return f", median of {len(runs)}: " + ", ".join(f"{t:.1f}" for t in runs)


def load_ratios(r: dict) -> str:
    if "bulk_raw_ratio" not in r:
        return ""
    runs = len(r.get("load_runs_s") or [])
    return (f" ({r['bulk_raw_ratio']:.2f}; {r['load_rawopt_ratio']:.2f}"
            f"{'; medians of ' + str(runs) + ' pairs' if runs > 1 else ''})")


def fmt(v, spec="{:.1f}"):
    return "–" if v is None else spec.format(v)


def render(results: dict) -> None:
    rows = [results[k] for k in sorted(results, key=int)]
    gib = 1024 ** 3
    mem = psutil.virtual_memory().total / gib
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    import pyoxigraph
    import pyshacl

    lines = [
        "# Scale benchmark (issue #8)",
        "",
        f"Machine: {os.cpu_count()} cores ({model}), {mem:.0f} GiB RAM, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}, pyshacl {pyshacl.__version__}. One-minute load average at the "
        "start and end of each size's run: "
        + "; ".join(f"{r['cases']:,}: {r['loadavg_start']:.1f} → {r['loadavg_end']:.1f}" for r in rows
                    if "loadavg_start" in r and "loadavg_end" in r)
        + " (2 cores; above 2, other processes shared the machine and times are upper bounds).",
        "",
        "Data: `ipkg synth --seed 42` (about 12 triples per case) plus the curated graph files. Times in seconds "
        "unless stated; memory is the peak RSS of the whole process tree (validation workers included); "
        "for validation also the peak PSS summed over the tree (a page two processes share counted once), "
        "and its time against the previous size's. Before each timed step the kernel writes back what "
        "the previous one wrote (`os.sync()`) and, where allowed, drops the page cache: each step reads its "
        "input from disk, as after a reboot.",
        "",
        "| cases | triples | synth s (triples/s) | load s (compaction) | raw `oxigraph load` s (+ optimize) "
        "| load/raw (bulk part/raw; load/(raw + optimize)) | load peak MiB | store MB "
        "| validate_store s (version) | validate/raw load | growth per 10x | × previous size | peak MiB (PSS) "
        "| plain validation s | peak MiB "
        "| GROUP BY s (cold) | 2-hop ms (p95) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    grow = growth(rows, "validate_s")
    times = {b["cases"]: b["validate_s"] / a["validate_s"] for a, b in zip(rows, rows[1:])
             if a.get("validate_s") and b.get("validate_s")}
    for r in rows:
        ratio = r.get("validate_s") and r.get("raw_load_s") and r["validate_s"] / r["raw_load_s"]
        lines.append(
            f"| {r['cases']:,} | {r['triples']:,} | {r['synth_s']:.1f} ({r['synth_tps'] / 1000:,.0f}k) "
            f"| {r['load_s']:.1f}{' (' + format(r['load_compact_s'], '.1f') + ')' if 'load_compact_s' in r else ''} "
            f"| {r['raw_load_s']:.1f}"
            f"{' (+' + format(r['raw_optimize_s'], '.1f') + ')' if 'raw_optimize_s' in r else ''} "
            f"| {r.get('load_raw_ratio', r['load_s'] / r['raw_load_s']):.2f}{load_ratios(r)} "
            f"| {r['load_rss'] / 2**20:,.0f} | {r['store_mb']:,.0f} "
            f"| {fmt(r.get('validate_s'))}{' (' + r.get('validate_version', 'pyshacl batches') + ')' if r.get('validate_s') else ''}"
            f"{runs_note(r)} "
            f"| {fmt(ratio or None, '{:.2f}')} | {fmt(grow.get(r['cases']))} | {fmt(times.get(r['cases']), '{:.2f}')} "
            f"| {fmt(r.get('validate_rss') and r['validate_rss'] / 2**20, '{:,.0f}')}"
            f" ({fmt(r.get('validate_pss') and r['validate_pss'] / 2**20, '{:,.0f}')}) "
            f"| {fmt(r.get('plain_s')) if 'plain_note' not in r else r['plain_note']} "
            f"| {fmt(r.get('plain_rss') and r['plain_rss'] / 2**20, '{:,.0f}')} "
            f"| {fmt(r.get('groupby_s'), '{:.2f}')} ({fmt(r.get('groupby_cold_s'), '{:.2f}')}){' naive ' + format(r['groupby_naive_s'], '.1f') if r.get('groupby_naive_s') else ''} "
            f"| {fmt(r.get('twohop_ms'), '{:.2f}')} ({fmt(r.get('twohop_p95_ms'), '{:.2f}')}) |"
        )
    lines.append("")
    # the table goes between the markers of bench/results/scale.md (the prose around it is hand-written)
    md = RESULTS / "scale.md"
    table = "\n".join(lines[2:])
    text = md.read_text() if md.exists() else "<!-- table -->\n<!-- /table -->\n"
    head, rest = text.split("<!-- table -->", 1)
    _, tail = rest.split("<!-- /table -->", 1)
    tmp = md.with_suffix(".md.tmp")
    tmp.write_text(head + "<!-- table -->\n" + table + "<!-- /table -->" + tail)
    os.replace(tmp, md)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    x = [r["triples"] for r in rows]
    for key, label in (("synth_s", "ipkg synth"), ("load_s", "ipkg load"), ("raw_load_s", "oxigraph load (raw)"),
                       ("validate_s", "validate_store"), ("plain_s", "plain validation (rdflib+pyshacl)"),
                       ("groupby_s", "GROUP BY crime, year")):
        pts = [(r["triples"], r[key]) for r in rows if r.get(key)]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("triples (synthetic cases + curated graph)")
    ax.set_ylabel("seconds")
    ax.set_title("ipkg at scale (2 cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=120)
    print("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated case counts")
    ap.add_argument("--workdir", default="/tmp/ipkg-scale", help="where files and stores go (needs disk)")
    ap.add_argument("--validate-max", type=int, default=10**12,
                    help="skip validate_store above this many cases (default: validate at every size; 0: never)")
    ap.add_argument("--validate-runs", type=int, default=1,
                    help="validate each store this many times and report the median (default 1)")
    ap.add_argument("--load-runs", type=int, default=1,
                    help="time ipkg load and the raw oxigraph load in turn this many times (medians, paired ratios)")
    ap.add_argument("--reuse", action="store_true",
                    help="time the raw load and validation again on WORKDIR's kept synth-N.nt and store-N")
    ap.add_argument("--pyshacl-max", type=int, default=10_000, help="skip plain validation above this many cases")
    ap.add_argument("--pyshacl-budget", type=float, default=900, help="seconds before plain validation is stopped")
    ap.add_argument("--skip-naive-groupby", action="store_true", help="do not time the naive GROUP BY formulation")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic files and stores")
    ap.add_argument("--report-only", action="store_true", help="only render the cached results")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "results.json"
    results = json.loads(cache.read_text()) if cache.exists() else {}
    if not args.report_only:
        for n in (int(float(s)) for s in args.sizes.split(",")):
            results[str(n)] = bench_size(n, work, args)
            results[str(n)]["loadavg_end"] = os.getloadavg()[0]
            cache.write_text(json.dumps(results, indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    render(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
