"""Shared fixtures: the loaded project, one build per session, the source texts, project copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: test files whose tests share no costly fixture (each validates its own small graph): pytest-xdist
#: hands them out test by test; every other file goes to one worker whole (see below)
SPREAD = {"test_shapes.py", "test_w3c_shacl.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """For ``--dist loadgroup`` (pyproject.toml): each test file is one group, run by one worker,
    so a module fixture (a browser, a started server, a loaded store) is made once; only the files
    in :data:`SPREAD` are split between the workers, so the longest file does not run alone."""
    for item in items:
        if item.path.name not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(item.path.name))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def project():
    """The project as shipped (ontology/, graph/, shapes/), loaded once per session."""
    from ipkg.load import load_project

    return load_project()


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory) -> Path:
    """One full ``ipkg build --out <tmp>/site`` per session; tests must not modify it."""
    from ipkg.cli import main

    out = tmp_path_factory.mktemp("build") / "site"
    code = main(["build", "--out", str(out), "-q"])
    assert code == 0, f"ipkg build failed with exit code {code}"
    return out


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The source texts (../shared/seeds next to the repository)."""
    path = Path(os.environ.get("IPKG_SEEDS", REPO.parent / "shared" / "seeds"))
    if not path.is_dir():
        pytest.skip(f"source texts not found at {path} (set IPKG_SEEDS)")
    return path


def copy_project(dest: Path) -> Path:
    """Copy ontology/, graph/, shapes/ and queries/ of the checkout to ``dest``; returns ``dest``."""
    from ipkg.paths import data_root

    src = data_root()
    for name in ("ontology", "graph", "shapes", "queries"):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name)
        else:
            (dest / name).mkdir(parents=True)
    return dest


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """A writable copy of the project, with IPKG_DATA pointing at it."""
    root = copy_project(tmp_path / "data")
    monkeypatch.setenv("IPKG_DATA", str(root))
    return root


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A real Virtuoso server on loopback (tests/virtuoso.py); skipped with the reason where absent."""
    import virtuoso as vt

    reason = vt.available()
    if reason:
        pytest.skip(reason)
    server = vt.start(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
