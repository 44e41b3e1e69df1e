"""What the forgiving text match of who-says / lookup-by-chinese-name costs, beside exact matching.

    python bench/bench_matching.py [--repeat 15] [--out bench/results/matching.md]

Baseline: the queries as they were (exact CONTAINS on STR(), Chinese labels only). Now: the
shipped queries (both sides drop commas and spaces, fold full-width digits, lower-case). Both run
in one process on the in-memory pyoxigraph store and on rdflib, median of --repeat runs after one
warm-up (rdflib: a third of the runs). One run on one machine: a rough guide, not a claim.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_queries import machine  # noqa: E402

BASELINE = {
    "who-says": ("text=13,486", """
PREFIX ipkg: <https://w3id.org/ipkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?text ?resource ?evidence ?locator ?source ?file WHERE {
  ?resource ipkg:evidence ?evidence ; dcterms:source ?source .
  FILTER(CONTAINS(STR(?evidence), STR(?text)))
  ?source a ipkg:SourceDocument .
  OPTIONAL { ?source dcterms:identifier ?file }
  OPTIONAL { ?resource ipkg:locator ?locator }
} ORDER BY ?file ?resource"""),
    "lookup-by-chinese-name": ("name=最高人民检察院", """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?name ?entity ?type ?zhLabel ?enLabel WHERE {
  ?entity skos:prefLabel|skos:altLabel ?zhLabel .
  FILTER(LANGMATCHES(LANG(?zhLabel), "zh") && CONTAINS(STR(?zhLabel), STR(?name)))
  ?entity a ?type .
  OPTIONAL { ?entity skos:prefLabel ?enLabel . FILTER(LANG(?enLabel) = "en") }
} ORDER BY ?entity ?zhLabel"""),
}


def timed(run, repeat: int) -> tuple[float, int]:
    rows = len(run().rows)  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "matching.md")
    args = ap.parse_args()
    from ipkg import query

    lines = ["# Forgiving text match: cost beside exact matching", "",
             "`python bench/bench_matching.py` – median per query, in-memory engines.", "",
             "| query | engine | exact (baseline) ms | rows | forgiving ms | rows | ratio |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for engine_name in ("oxigraph", "rdflib"):
        engine = query.get_engine(engine_name)
        repeat = args.repeat if engine_name == "oxigraph" else max(1, args.repeat // 3)
        for name, (param, text) in BASELINE.items():
            base, base_rows = timed(lambda: query.run_query(text, params=[param], engine=engine), repeat)
            now, now_rows = timed(lambda: query.run_query(name, engine=engine), repeat)
            lines.append(f"| {name} | {engine_name} | {base * 1000:.1f} | {base_rows} | {now * 1000:.1f} "
                         f"| {now_rows} | {now / base:.1f}× |")
            print(lines[-1], flush=True)
    lines += ["", "Machine:", *machine(), ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
