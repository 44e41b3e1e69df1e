"""The ipkg command line: help, version, every subcommand documented with an example."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ipkg import __version__
from ipkg.cli import COMMANDS, _load_command, build_parser, main


def registered():
    return [name for name in COMMANDS if _load_command(name) is not None]


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"ipkg {__version__}"


def test_help_lists_every_registered_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for name in registered():
        assert name in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: ipkg" in capsys.readouterr().out


@pytest.mark.parametrize("name", registered())
def test_each_command_has_help_and_an_example(name, capsys):
    module = _load_command(name)
    assert module.HELP.strip() and "\n" not in module.HELP.strip()
    assert "Example" in module.DESCRIPTION or f"ipkg {name}" in module.DESCRIPTION
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    assert f"usage: ipkg {name}" in capsys.readouterr().out


def test_a_broken_command_module_is_an_internal_error(monkeypatch, capsys):
    """A subcommand module that fails to import is a bug (exit 3, one line), never a command left out."""
    monkeypatch.delenv("IPKG_DEBUG", raising=False)
    monkeypatch.setitem(sys.modules, "ipkg.commands.stats", None)
    assert main(["--version"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("ipkg: internal error: ModuleNotFoundError: import of ipkg.commands.stats halted")
    assert "Traceback" not in err


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", "--no-such-option"])
    assert info.value.code == 2


def test_python_m_ipkg_works():
    proc = subprocess.run([sys.executable, "-m", "ipkg", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ipkg {__version__}"


def test_parser_builds():
    assert build_parser().prog == "ipkg"


def test_a_command_imports_only_its_own_module():
    """`ipkg build …` builds the parser of its own command only: the query engine and the
    server (other commands' modules) are not imported at start-up."""
    import subprocess
    import sys

    code = ("import sys; from ipkg.cli import build_parser, _command_in; "
            "p = build_parser(only=_command_in(['build', '--help'])); "
            "print(sorted(m for m in ('ipkg.commands.serve', 'ipkg.commands.query', 'ipkg.serve') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    full = subprocess.run([sys.executable, "-c", code.replace("only=_command_in(['build', '--help'])", "")],
                          capture_output=True, text=True, check=True).stdout
    assert "ipkg.commands.serve" in full  # the whole parser does import them (ipkg --help lists all)
