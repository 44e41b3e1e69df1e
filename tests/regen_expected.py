"""Regenerate tests/data/expected/<example>.json from the current graph (NOT run by the tests).

Run it after the graph changed on purpose, then REVIEW the diff by eye against the source texts
before committing: a wrong row is a bug in the query or in the data, not something to bless.

    python tests/regen_expected.py            # every example
    python tests/regen_expected.py growth-rates who-says

It runs each example on pyoxigraph and on rdflib and refuses to write when the two disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ipkg import examples, query

EXPECTED = Path(__file__).parent / "data" / "expected"


def expected_document(name: str, oxigraph, rdflib) -> dict:
    ex = examples.get_example(name)
    a = query.normalised_rows(query.run_query(name, engine=oxigraph))
    b = query.normalised_rows(query.run_query(name, engine=rdflib))
    if a != b:
        raise SystemExit(f"{name}: pyoxigraph and rdflib disagree; fix the query before regenerating")
    return {"example": name, "title": ex.title, "params": ex.params, "rows": a}


def main(names: list[str]) -> int:
    oxigraph = query.get_engine("oxigraph")
    rdflib = query.get_engine("rdflib")
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for name in names or [ex.name for ex in examples.list_examples()]:
        doc = expected_document(name, oxigraph, rdflib)
        path = EXPECTED / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {len(doc['rows'])} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
