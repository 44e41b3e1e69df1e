"""Screenshots of the views in headless Chromium, for the documentation (docs/screenshots/).

    python -m ipkg.views.screenshots [--out docs/screenshots] [--size 1366x768]

Builds every curated view (and the view of the Supreme People's Procuratorate) from the
project's graph into a temporary folder, opens each page in Chromium (Python playwright,
``/usr/bin/chromium`` or ``$IPKG_CHROMIUM``) at a classroom projector's resolution and saves
what a reader sees at first sight; plus the institutions map in Chinese and as of an earlier
date, and the functions view with its largest badge opened. Needs the ``test`` extra
(playwright) and a Chromium; it is a documentation tool, not part of ``ipkg build``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .builders import VIEWS, Context, build
from .render import render_data, view_data, write_text_atomic

CHROMIUM = os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def pages(graph, outdir: Path) -> dict[str, Path]:
    """Write the pages to shoot; returns name -> path."""
    ctx = Context(graph)
    out = {}
    for name in VIEWS:
        G = build(graph, name, ctx=ctx)
        out[name] = write_text_atomic(outdir / f"{name}.html", render_data(view_data(G, graph, ctx=ctx)))
    G = build(graph, "", entity="iorg:spp", depth=1, ctx=ctx)
    out["ego-spp"] = write_text_atomic(outdir / "ego-spp.html", render_data(view_data(G, graph, ctx=ctx)))
    return out


def shoot(paths: dict[str, Path], dest: Path, size=(1366, 768)) -> list[Path]:
    from playwright.sync_api import sync_playwright

    dest.mkdir(parents=True, exist_ok=True)
    written = []
    shots = [(name, name, "", "") for name in paths]
    shots += [
        ("institutions-zh", "institutions", "zh", ""),
        ("institutions-as-of", "institutions", "", "asof"),
        ("functions-open", "functions", "", "open"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for shot, name, lang, extra in shots:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(paths[name].as_uri())
            page.wait_for_function("window.ipkgView && ipkgView.ready === true", timeout=60000)
            if lang:
                page.evaluate("l => ipkgView.setLang(l)", lang)
            if extra == "asof":
                dates = page.evaluate("ipkgView.asOfDates")
                if dates:
                    page.evaluate("d => ipkgView.setAsOf(d)", dates[0])
            if extra == "open":
                big = page.evaluate("ipkgView.badges().filter(b => b.group === 'figure')"
                                    ".sort((a, b) => a.count - b.count)[0]")
                if big:
                    page.evaluate("id => ipkgView.toggleBadge(id)", big["id"])
                    page.wait_for_timeout(300)
                    page.evaluate("id => ipkgView.select(id)", big["id"].split(":", 1)[1].rsplit(":", 1)[0])
            page.wait_for_timeout(300)
            path = dest / f"{shot}.png"
            page.screenshot(path=str(path))
            written.append(path)
            page.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ipkg.views.screenshots", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--size", default="1366x768", help="viewport WIDTHxHEIGHT (default 1366x768)")
    args = ap.parse_args(argv)
    w, _, h = args.size.partition("x")
    from . import load_graph

    graph = load_graph()
    with tempfile.TemporaryDirectory() as tmp:
        for path in shoot(pages(graph, Path(tmp)), args.out, (int(w), int(h))):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
