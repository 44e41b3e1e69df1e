"""``ipkg load``: bulk-load RDF files into an on-disk Oxigraph store, atomically."""

from __future__ import annotations

HELP = "bulk-load RDF files (.nt .nq .ttl .trig) into an on-disk Oxigraph store"
DESCRIPTION = """\
Load one or more RDF files into the Oxigraph store folder DIR with Oxigraph's bulk loader.
The load is all or nothing: files are loaded into a temporary folder next to DIR which then
replaces DIR in one atomic rename, so a failed, interrupted or killed load leaves the previous
store as it was. Without --append the store afterwards holds exactly the given files.
Triples of .nt/.ttl files go to the default graph, quads of .nq/.trig files to their named graphs.
Before the swap the store is compacted (one sorted run per index): a bulk-loaded store is
otherwise read through many overlapping files, and 'ipkg validate --store' and queries take up to
twice as long on it. --no-compact skips this (a faster load, slower reads).
A progress bar is shown when stderr is a terminal.

examples:
  ipkg synth --cases 100000 --out synth.nt
  ipkg load dist/ipkg.trig synth.nt --store store/
  ipkg load more.nt --store store/ --append
  ipkg query --store store/ ...
"""


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="RDF files: .nt .nq .ttl .trig")
    parser.add_argument("--store", required=True, metavar="DIR", help="the store folder (created or replaced)")
    parser.add_argument("--append", action="store_true", help="add to the existing store instead of replacing it")
    parser.add_argument("--lenient", action="store_true",
                        help="skip IRI/literal validation (faster, for trusted input)")
    parser.add_argument("--no-compact", action="store_true",
                        help="do not compact the store after loading (faster load, slower queries and validation)")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def run(args) -> int:
    from ..store import load_files, tty_progress

    progress = None if args.no_progress else tty_progress(compacting=not args.no_compact)
    stats = load_files(args.files, args.store, progress=progress, append=args.append, lenient=args.lenient,
                       compact=not args.no_compact)
    compacted = f", compacted in {stats.compact_seconds:.1f} s" if not args.no_compact else ", not compacted"
    print(f"loaded {len(stats.files)} file(s), {stats.bytes / 1e6:,.1f} MB into {stats.store}: "
          f"{stats.quads:,} quads in the store ({stats.seconds:.1f} s{compacted})")
    return 0
