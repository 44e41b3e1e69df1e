"""The ``ipkg`` command line: a thin layer that finds the subcommand and maps errors to exit codes.

Each subcommand lives in ``ipkg/commands/<name>.py`` and provides:

* ``HELP`` – one line for ``ipkg --help``;
* ``DESCRIPTION`` – a paragraph plus at least one example, shown by ``ipkg <name> --help``;
* ``add_arguments(parser)`` – its options;
* ``run(args) -> int`` – the exit code. Heavy libraries are imported inside ``run``.

Errors a user can cause are raised as :class:`ipkg.errors.IpkgError` and printed as
``path:line:col: message`` – never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, IpkgError

#: Subcommands in the order ``ipkg --help`` lists them.
COMMANDS = (
    "build",
    "validate",
    "audit",
    "stats",
    "query",
    "serve",
    "push",
    "diff",
    "view",
    "export",
    "load",
    "synth",
)

EPILOG = """\
exit codes:
  0    success (the graph conforms; warnings allowed)
  1    the input was read and found wanting (SHACL violations, audit mismatches, a push
       whose counts differ, 'ipkg diff' found differences)
  2    the input could not be used (syntax error, missing file, bad option, unreachable endpoint)
  3    internal error: a bug in ipkg (or a broken installation), please report it
  130  interrupted (Ctrl-C)

Run 'ipkg COMMAND --help' for a command's options and examples.
"""


def seconds(text: str) -> float:
    """argparse type for a time limit: a positive number of seconds (0 allowed: no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (0 <= value <= 86400 * 7):
        raise argparse.ArgumentTypeError(f"must be between 0 and 604800 seconds, not {text}")
    return value


def _load_command(name: str):
    """The module of subcommand ``name``. Every one ships with ipkg: one that is missing or fails
    to import raises (the CLI reports an internal error, exit code 3), it is never left out."""
    return importlib.import_module(f"ipkg.commands.{name}")


def _command_in(argv: Sequence[str] | None) -> str | None:
    """The subcommand ``argv`` names, when it is the first argument (``ipkg build …``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return args[0] if args and args[0] in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, the options of that subcommand alone (the others are
    listed, not imported: ``ipkg build`` need not import the query engine and the server)."""
    parser = argparse.ArgumentParser(
        prog="ipkg",
        description="ipkg: an open knowledge graph of China's intellectual-property enforcement.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ipkg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = _load_command(name)
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    # rdflib logs a traceback for every ill-formed typed literal ("2020-02-30"^^xsd:date); the
    # literal itself is reported by validation, the traceback would only alarm
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    try:
        parser = build_parser(only=_command_in(argv))
    except Exception as exc:  # a subcommand module that is missing or broken: a bug, not bad input
        return _internal_error("", exc)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return int(args._run(args) or 0)
    except IpkgError as exc:
        from .safety import terminal_safe

        print(f"ipkg {args.command}: error: {terminal_safe(exc.format())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ipkg {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the system refused: disk full, read-only folder, no permission …
        from .safety import terminal_safe

        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ipkg {args.command}: error: {terminal_safe(where + (exc.strerror or str(exc)))}\n"
              f"  hint: {_os_hint(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # a bug in ipkg: one line, never a traceback (IPKG_DEBUG=1 shows it)
        return _internal_error(f" {args.command}", exc)


def _internal_error(command: str, exc: Exception) -> int:
    """Report a bug in ipkg in one line (IPKG_DEBUG=1 re-raises it) and return its exit code, 3."""
    import os

    if os.environ.get("IPKG_DEBUG"):
        raise exc
    print(f"ipkg{command}: internal error: {type(exc).__name__}: {exc}\n"
          "  hint: this is a bug in ipkg, please report it; set IPKG_DEBUG=1 to see the traceback", file=sys.stderr)
    return EXIT_INTERNAL


def _os_hint(exc: OSError) -> str:
    import errno

    return {
        errno.ENOSPC: "the disk is full: free some space and run the command again (nothing "
                      "half-written was kept)",
        errno.EDQUOT: "the disk quota is exhausted: free some space and run the command again",
        errno.EROFS: "the folder is on a read-only file system: choose another output folder",
        errno.EACCES: "permission denied: choose a folder you can write to (--out, --store)",
        errno.EPERM: "operation not permitted: choose a folder you can write to",
        errno.EMFILE: "too many open files: raise 'ulimit -n' and run again",
    }.get(exc.errno or 0, "the operating system refused; check the path and the disk, then run again")


def entry_point() -> None:
    sys.exit(main())
