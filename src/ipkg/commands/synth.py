"""``ipkg synth``: write synthetic case-level data shaped like the real graph (for scale tests)."""

from __future__ import annotations

HELP = "write synthetic case data (N-Triples) linked to the real graph, for scale tests"
DESCRIPTION = """\
Stream N synthetic ipkg:Case nodes as N-Triples to FILE: each case points at the real crime types,
procuratorial functions and national/provincial bodies of the graph (plus synthetic district
procuratorates and courts under them), with a date in 2019-2024, an outcome, a defendant count and,
for about one case in eight, an amount-involved observation. About 12 triples per case. Every
synthetic node has English and Chinese labels and cites one synthetic source document marked as
synthetic; all IRIs lie under https://w3id.org/ipkg/id/synth/. The same seed gives a byte-identical
file. --plant K gives K cases a second English label, a known number of SHACL violations.

examples:
  ipkg synth --cases 100000 --out synth.nt --seed 42
  ipkg synth --cases 1000 --out small.nt --plant 3
"""


def add_arguments(parser) -> None:
    parser.add_argument("--cases", type=int, required=True, metavar="N", help="number of cases")
    parser.add_argument("--out", required=True, metavar="FILE", help="output N-Triples file (.nt)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    parser.add_argument("--plant", type=int, default=0, metavar="K", help="cases to give a deliberate SHACL violation")


def run(args) -> int:
    import time

    from ..errors import IpkgError
    from ..synth import write_synthetic

    if not args.out.endswith(".nt"):
        raise IpkgError("the output is N-Triples; name it *.nt", path=args.out)
    start = time.monotonic()
    stats = write_synthetic(args.cases, args.out, seed=args.seed, plant=args.plant)
    dt = time.monotonic() - start
    print(f"wrote {stats.path}: {stats.cases:,} cases, {stats.triples:,} triples "
          f"({stats.triples / stats.cases:.1f}/case, {stats.amounts:,} amounts, {stats.planted} planted) "
          f"in {dt:.1f} s ({stats.triples / dt:,.0f} triples/s)")
    return 0
