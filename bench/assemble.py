"""Concatenate bench/results/*.md into BENCHMARKS.md, under a header describing this machine.

Usage: python bench/assemble.py            (writes BENCHMARKS.md at the repository root)

Each results file is written by one bench script and carries its own machine line; the header
here records where BENCHMARKS.md was assembled. ``machine_info()`` is shared by the scripts.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
LIBRARIES = ("ipkg", "rdflib", "pyshacl", "pyoxigraph", "oxigraph", "networkx", "pylode")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine_info() -> dict[str, str]:
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib} {importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{lib} (not installed)")
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    return {
        "CPU": _cpu_model(),
        "cores": f"{usable} usable of {cores}",
        "RAM": _ram_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "libraries": ", ".join(versions),
    }


def machine_markdown() -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in machine_info().items())


def main() -> int:
    parts = sorted(RESULTS.glob("*.md"))
    out = ["# Benchmarks", "", "Assembled by `python bench/assemble.py` from `bench/results/*.md`;",
           "each section was written by the bench script it names. Machine where this file was assembled:", "",
           machine_markdown(), ""]
    for p in parts:
        out += [p.read_text(encoding="utf-8").rstrip(), ""]
    target = REPO / "BENCHMARKS.md"
    tmp = target.with_name(".BENCHMARKS.md.tmp")
    tmp.write_text("\n".join(out), encoding="utf-8")
    os.replace(tmp, target)
    print(f"wrote {target} from {len(parts)} result files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
