"""Where ipkg finds the ontology, graph, shapes and queries it ships with.

In a source checkout these are the repository's top-level folders; in an installed wheel they
are packaged under ``ipkg/_data`` (see ``[tool.hatch.build.targets.wheel.force-include]`` in
``pyproject.toml``). ``IPKG_DATA`` overrides both, for tests and for users with their own copy.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDERS = ("ontology", "graph", "shapes", "queries")


def _looks_like_data_root(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "graph").is_dir()


def data_root() -> Path:
    """The folder that holds ``ontology/``, ``graph/``, ``shapes/`` and ``queries/``."""
    env = os.environ.get("IPKG_DATA")
    if env:
        return Path(env)
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
