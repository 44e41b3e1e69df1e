"""Benchmark the educator views: build/render time in Python and time to interactive in headless
chromium for each curated view, plus a synthetic 2,000-node view (positions precomputed, physics
off) with a responsiveness probe (search+select, zoom).

Time to first render = ``window.ipkgView.timings.ready``: milliseconds from navigation start until
the page has drawn the graph in its final layout, fitted to the window (org chart and overviews:
positions fixed, box heights measured; ego/all views: physics stabilised and switched off, or
the first draw of precomputed positions), i.e. what a reader sees and can click. Measured at a
1366x768 viewport (a classroom projector).

Usage:  python bench/bench_views.py [--runs 3] [--out bench/results/views.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

CHROMIUM = os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGET_MS = 1000  # issue #11: each curated view first drawn, fitted, within 1 s


def machine() -> list[str]:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        chromium = "unknown"
    import networkx

    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- RAM: {psutil.virtual_memory().total / 2**30:.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, networkx {networkx.__version__}",
        f"- Browser: {chromium} (headless, --disable-gpu: software rendering)",
        f"- Load average when the run started: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(other jobs share the machine; timings are noisy when this exceeds the core count)",
    ]


def synthetic_graph(n_orgs=100, n_units=400, n_obs=1500, seed=7) -> Graph:
    """~2,000 entities shaped like the real graph: organisations, units, figures, one source."""
    rnd = random.Random(seed)
    IPKG = Namespace("https://w3id.org/ipkg/ontology#")
    ID = "https://w3id.org/ipkg/id/synth/"
    ORG = Namespace("http://www.w3.org/ns/org#")
    DCT = Namespace("http://purl.org/dc/terms/")
    QB = Namespace("http://purl.org/linked-data/cube#")
    g = Graph()
    src = URIRef(ID + "source")
    g.add((src, RDF.type, IPKG.SourceDocument))
    g.add((src, SKOS.prefLabel, Literal("synthetic source", lang="en")))
    g.add((src, SKOS.prefLabel, Literal("合成来源", lang="zh")))
    fns = [URIRef(ID + f"function-{i}") for i in range(4)]
    for i, f in enumerate(fns):
        g.add((f, RDF.type, IPKG.ProcuratorialFunction))
        g.add((f, SKOS.prefLabel, Literal(f"function {i}", lang="en")))
        g.add((f, SKOS.prefLabel, Literal(f"职能{i}", lang="zh")))
    orgs = []
    for i in range(n_orgs):
        o = URIRef(ID + f"org-{i}")
        orgs.append(o)
        g.add((o, RDF.type, IPKG.Procuratorate))
        g.add((o, SKOS.prefLabel, Literal(f"Procuratorate {i}", lang="en")))
        g.add((o, SKOS.prefLabel, Literal(f"第{i}检察院", lang="zh")))
        if i:
            g.add((o, ORG.subOrganizationOf, orgs[rnd.randrange(0, max(1, i // 3))]))
    units = []
    for i in range(n_units):
        u = URIRef(ID + f"unit-{i}")
        units.append(u)
        g.add((u, RDF.type, IPKG.Department))
        g.add((u, SKOS.prefLabel, Literal(f"Department {i}", lang="en")))
        g.add((u, SKOS.prefLabel, Literal(f"部门{i}", lang="zh")))
        g.add((u, ORG.unitOf, rnd.choice(orgs)))
        g.add((u, IPKG.function, rnd.choice(fns)))
        g.add((u, SKOS.prefLabel, Literal(f"Department {i}", lang="en")))
    for i in range(n_obs):
        ob = URIRef(ID + f"obs-{i}")
        g.add((ob, RDF.type, QB.Observation))
        g.add((ob, SKOS.prefLabel, Literal(f"Figure {i}", lang="en")))
        g.add((ob, SKOS.prefLabel, Literal(f"数据{i}", lang="zh")))
        g.add((ob, IPKG.reportingBody, rnd.choice(units + orgs)))
        g.add((ob, IPKG.function, rnd.choice(fns)))
        g.add((ob, Namespace("http://purl.org/linked-data/sdmx/2009/measure#").obsValue, Literal(rnd.randrange(1, 10000))))
        g.add((ob, DCT.source, src))
    return g


def page_metrics(browser, path: Path, probe: bool = False) -> dict:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    outgoing: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outgoing.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("window.ipkgView && window.ipkgView.ready === true", timeout=120000)
    m = {
        "ready_ms": page.evaluate("ipkgView.timings.ready"),
        "first_draw_ms": page.evaluate("ipkgView.timings.firstDraw"),
        "script_start_ms": page.evaluate("ipkgView.timings.scriptStart"),
        "nodes": page.evaluate("ipkgView.nodeCount"),
        "edges": page.evaluate("ipkgView.edgeCount"),
        "outgoing": len(outgoing),
    }
    if probe:
        m["search_ms"] = page.evaluate("""async () => {
            const label = ipkgView.data.nodes[1234].label_zh;
            const t = performance.now();
            const id = ipkgView.search(label);
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            if (!id) throw new Error('search found nothing');
            return performance.now() - t;
        }""")
        m["zoom_ms"] = page.evaluate("""async () => {
            const net = ipkgView.network;
            const t = performance.now();
            const drawn = new Promise(r => net.once('afterDrawing', r));
            net.moveTo({scale: net.getScale() * 2.5});
            await drawn;
            return performance.now() - t;
        }""")
        m["lang_ms"] = page.evaluate("""async () => {
            const t = performance.now();
            ipkgView.setLang('zh');
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            return performance.now() - t;
        }""")
    ctx.close()
    return m


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "views.md")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from ipkg.views import builders, load_graph, render

    machine_lines = machine()
    t = time.perf_counter()
    graph = load_graph()
    load_s = time.perf_counter() - t
    ctx = builders.Context(graph)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        views = [(name, None) for name in builders.VIEWS] + [("ego-spp", "iorg:spp")]
        for name, entity in views:
            t = time.perf_counter()
            G = builders.build(graph, name, entity=entity, ctx=ctx) if entity else builders.build(graph, name, ctx=ctx)
            build_s = time.perf_counter() - t
            t = time.perf_counter()
            path = render.write_view(G, graph, tmp / f"{name}.html", ctx=ctx)
            render_s = time.perf_counter() - t
            runs = [page_metrics(browser, path) for _ in range(args.runs)]
            mode = render.view_data(G, graph, ctx=ctx)["layout"]["mode"]
            rows.append({
                "name": name, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                "first_draw_ms": statistics.median(r["first_draw_ms"] for r in runs),
                "build_s": build_s, "render_s": render_s, "size_kb": path.stat().st_size / 1024,
                "ready_ms": statistics.median(r["ready_ms"] for r in runs),
                "ready_max": max(r["ready_ms"] for r in runs),
                "outgoing": sum(r["outgoing"] for r in runs),
                "layout": {"orgchart": "org chart (build time)", "overview": "overview (columns, badges)"}.get(
                    mode, "physics (seeded), then off" if G.number_of_nodes() <= 300 else "precomputed (spring_layout)"),
            })
            print(rows[-1], flush=True)

        synth = synthetic_graph()
        sctx = builders.Context(synth)
        t = time.perf_counter()
        S = builders.whole(synth, ctx=sctx)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        path = render.write_view(S, synth, tmp / "synthetic.html", ctx=sctx)
        render_s = time.perf_counter() - t
        runs = [page_metrics(browser, path, probe=True) for _ in range(args.runs)]
        synth_row = {
            "nodes": S.number_of_nodes(), "edges": S.number_of_edges(), "build_s": build_s,
            "render_s": render_s, "size_kb": path.stat().st_size / 1024,
            "ready_ms": statistics.median(r["ready_ms"] for r in runs),
            "ready_max": max(r["ready_ms"] for r in runs),
            "search_ms": statistics.median(r["search_ms"] for r in runs),
            "zoom_ms": statistics.median(r["zoom_ms"] for r in runs),
            "lang_ms": statistics.median(r["lang_ms"] for r in runs),
            "outgoing": sum(r["outgoing"] for r in runs),
        }
        print(synth_row, flush=True)
        browser.close()

    lines = [
        "# Views benchmark",
        "",
        f"`python bench/bench_views.py --runs {args.runs}` on {time.strftime('%Y-%m-%d %H:%M %Z')}.",
        "",
        "Machine:",
        "",
        *machine_lines,
        "",
        f"Project graph loaded in {load_s:.2f} s ({len(graph)} triples, ontology + data).",
        "",
        "Time to first render = `window.ipkgView.timings.ready`: ms from navigation start until the graph",
        "is drawn in its final layout and fitted to a 1366x768 window (first draw: the first canvas frame,",
        f"before the fit). Median of {args.runs} page loads (max in brackets). Target: each curated view ≤ {TARGET_MS} ms.",
        "",
        "| view | nodes | edges | layout | build (s) | render+write (s) | HTML (KiB) | first draw ms | first render median (max) ms | within target | requests leaving page |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        ok = "yes" if r["ready_ms"] <= TARGET_MS else "NO"  # the median; the slowest run beside it
        lines.append(
            f"| {r['name']} | {r['nodes']} | {r['edges']} | {r['layout']} | {r['build_s']:.3f} | {r['render_s']:.3f} | "
            f"{r['size_kb']:.0f} | {r['first_draw_ms']:.0f} | {r['ready_ms']:.0f} ({r['ready_max']:.0f}) | {ok} | {r['outgoing']} |"
        )
    s = synth_row
    lines += [
        "",
        "## Synthetic view (positions precomputed in Python, physics off)",
        "",
        "A generated graph shaped like the real one (procuratorates in a hierarchy, departments, figures",
        "with reporting body, function and source), drawn as the `all` view.",
        "",
        "| nodes | edges | build (s) | render+write incl. spring_layout (s) | HTML (KiB) | TTI median (max) ms | search+select ms | zoom ×2.5 redraw ms | language switch ms | requests leaving page |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['nodes']} | {s['edges']} | {s['build_s']:.2f} | {s['render_s']:.2f} | {s['size_kb']:.0f} | "
        f"{s['ready_ms']:.0f} ({s['ready_max']:.0f}) | {s['search_ms']:.0f} | {s['zoom_ms']:.0f} | {s['lang_ms']:.0f} | {s['outgoing']} |",
        "",
        "search+select: `ipkgView.search(label)` (scan of all labels, select, start of the focus",
        "animation, side panel) until two animation frames later; zoom: `network.moveTo` until the",
        "next `afterDrawing`; language switch: relabel all nodes and the UI until two frames later.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
