"""No import circle among the modules of tradedash and mock_exchange: every import counts, including
those under ``if TYPE_CHECKING:`` and inside functions (a circle there is still two rooms that are one)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def module_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module name -> the project modules it imports, for every ``.py`` file under ``root/<package>``.

    ``from a.b import c`` counts as importing ``a.b.c`` when that is a module, else ``a.b``; a
    module's own parent packages are not counted (importing them is how Python finds it).
    """
    files = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def nearest_module(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    prefix = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    prefix = node.module or ""
                targets = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
            else:
                continue
            for target in targets:
                module = nearest_module(target)
                if module is not None and module != name and not name.startswith(module + "."):
                    imported.add(module)
        graph[name] = imported
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_tradedash_and_mock_exchange_have_no_import_circle():
    graph = module_graph(REPO, ("tradedash", "mock_exchange"))
    assert "tradedash.app" in graph and "mock_exchange.cli" in graph
    assert import_cycles(graph) == []


def test_the_check_finds_a_circle_closed_by_a_type_checking_import(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import B\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\nclass B: ...\n",
        "pkg/c.py": "def late():\n    from . import a\n",
        "pkg/d.py": "from pkg import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    assert import_cycles(module_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b", "pkg.c"]]
