"""The import graph of ``src/ipkg`` has no circle.

Every ``import`` counts, at module level or inside a function: a lazy import hides a circle from
Python but not from the reader, who can no longer say which module is built on which.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import ipkg

PACKAGE = Path(ipkg.__file__).resolve().parent

#: Circles allowed for now (each entry the set of modules on the circle): none.
KNOWN: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = PACKAGE.parent / name.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """module → the ipkg modules it imports (``from . import x`` counts as importing ``x``)."""
    graph = nx.DiGraph()
    for path in sorted(package.rglob("*.py")):
        name = _module_name(path)
        graph.add_node(name)
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            for target in candidates:
                if target.split(".")[0] == "ipkg" and target != name and _is_module(target):
                    graph.add_edge(name, target)
    return graph


def test_the_scan_sees_imports_of_every_kind():
    """The scanner finds module-level, function-level, relative and absolute imports."""
    graph = import_graph()
    assert graph.has_edge("ipkg.cli", "ipkg.errors")  # module level, relative
    assert graph.has_edge("ipkg.query.source", "ipkg.examples")  # inside a function: from .. import examples
    assert graph.has_edge("ipkg.views.site", "ipkg.views.builders")  # a sibling in a subpackage
    assert graph.has_edge("ipkg.site.gallery", "ipkg.serve")  # two levels up: from ..serve import


def test_a_circle_is_found():
    """The check below can fail: a made-up circle a → b → a is reported."""
    graph = nx.DiGraph([("ipkg.a", "ipkg.b"), ("ipkg.b", "ipkg.a")])
    assert [set(c) for c in nx.simple_cycles(graph)] == [{"ipkg.a", "ipkg.b"}]


def test_no_import_circles():
    circles = [c for c in nx.simple_cycles(import_graph()) if set(c) not in KNOWN]
    assert not circles, "import circles in src/ipkg:\n" + "\n".join(" → ".join([*c, c[0]]) for c in circles)
