"""Where ipkg finds the ontology, graph, shapes and queries it ships with.

In order: ``IPKG_DATA`` if set (tests, users with their own copy); else the ipkg project folder
that holds the current working directory (like git finding its repository: a folder with
``ontology/ipkg.ttl``, ``graph/`` and ``shapes/``), so that after a plain ``pip install .`` the
files a curator edits are the files ``ipkg validate`` reads; else the copy packaged in the wheel
under ``ipkg/_data`` (see ``[tool.hatch.build.targets.wheel.force-include]`` in
``pyproject.toml``); else the checkout this module lives in (an editable install).
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDERS = ("ontology", "graph", "shapes", "queries")


def _looks_like_data_root(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "graph").is_dir()


def _project_around(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "ontology" / "ipkg.ttl").is_file() and (folder / "graph").is_dir() \
                and (folder / "shapes").is_dir():
            return folder
    return None


def data_root() -> Path:
    """The folder that holds ``ontology/``, ``graph/``, ``shapes/`` and ``queries/``."""
    env = os.environ.get("IPKG_DATA")
    if env:
        return Path(env)
    try:
        found = _project_around(Path.cwd().resolve())
    except OSError:  # the working directory was removed
        found = None
    if found is not None:
        return found
    here = Path(__file__).resolve().parent
    packaged = here / "_data"
    if _looks_like_data_root(packaged):
        return packaged
    checkout = here.parents[1]  # src/ipkg -> repository root
    if _looks_like_data_root(checkout):
        return checkout
    return packaged  # lets callers report a clear "missing folder" error


def folder(name: str) -> Path:
    """One of :data:`FOLDERS` under :func:`data_root`."""
    return data_root() / name
