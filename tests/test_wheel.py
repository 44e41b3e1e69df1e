"""The wheel ships ontology/graph/shapes: installed (not editable) in a fresh venv, `ipkg build` works.

Builds the wheel with ``pip wheel --no-deps`` (no build isolation when hatchling is installed,
so it works offline), installs it into a fresh venv that sees the running interpreter's
site-packages through a ``.pth`` file (the dependencies come from there, whether the tests run on
a system Python or inside a virtualenv; ``--system-site-packages`` would give the *base*
interpreter's packages inside a virtualenv), and runs ``ipkg build`` in an empty folder.
Takes about 10-30 s; part of the normal suite and of CI.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ipkg.load import load_project, load_rdf_file

REPO = Path(__file__).resolve().parents[1]


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "wheels"), str(REPO)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.insert(4, "--no-build-isolation")
    run(cmd)
    (wheel,) = (tmp / "wheels").glob("ipkg-*.whl")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # The venv's own site-packages comes first (the wheel), then the running interpreter's
    # (the dependencies). Plain path lines: the outer folders' own .pth files (an editable
    # install of the checkout) are not processed, so the checkout cannot leak in.
    inner = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(inner, "_outer_site.pth").write_text("\n".join(sorted(outer)) + "\n", encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", "--force-reinstall", str(wheel)])
    return venv


def test_installed_wheel_builds(wheel_venv, tmp_path):
    python = wheel_venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("IPKG_DATA", "PYTHONPATH")}
    where = run([str(python), "-c", "import ipkg, ipkg.paths; print(ipkg.__file__); print(ipkg.paths.data_root())"], env=env, cwd=tmp_path)
    module_file, data_root = where.stdout.split()
    assert module_file.startswith(str(wheel_venv)), "the venv must use the installed wheel, not the checkout"
    assert data_root.startswith(str(wheel_venv)) and data_root.endswith("_data")
    run([str(wheel_venv / "bin" / "ipkg"), "build", "-q"], env=env, cwd=tmp_path)
    built = load_rdf_file(tmp_path / "site" / "ipkg.nt")
    shipped = load_project(data_root)  # the wheel's own copy of ontology/ and graph/
    assert len(built) == len(shipped.merged()) > 1000
    assert (tmp_path / "site" / "void.ttl").exists()


def test_installed_wheel_ships_the_prefix_file_and_the_query_page(wheel_venv, tmp_path):
    python = wheel_venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("IPKG_DATA", "PYTHONPATH")}
    out = run([str(python), "-c",
               "import ipkg.vocab as v, ipkg.querypage as q; print(v.prefix_file()); print(len(v.PREFIXES));"
               "print(all((q.STATIC / n).is_file() for n in q.ASSETS)); print(b'ipkg-config' in q.page_html())"],
              env=env, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(wheel_venv)) and out[0].endswith("_data/ontology/prefixes.ttl")
    assert int(out[1]) >= 40 and out[2:] == ["True", "True"]
