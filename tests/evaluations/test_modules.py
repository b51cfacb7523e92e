"""The app's modules import one another without a circle; the outcome types are a leaf."""

from __future__ import annotations

import ast
from pathlib import Path

import evaluations

APP = Path(evaluations.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The `evaluations.*` modules `path` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "evaluations":
                found |= {f"evaluations.{alias.name}" for alias in node.names}
            elif node.module.startswith("evaluations."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("evaluations.")}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.parts
    }
    return {
        name: {target for target in _imports(path) if target in modules}
        for name, path in modules.items()
    }


def test_the_outcome_types_import_nothing_of_the_app():
    assert _imports(APP / "outcomes.py") == set()


def test_no_module_imports_itself_through_a_circle():
    graph = _graph()
    # A service enqueues the task that calls it back: the one allowed circle, as in every
    # app (the task module is imported where the task is sent).
    graph["evaluations.services.evaluation"].discard("evaluations.tasks")
    circles = []

    def visit(name: str, path: list[str]) -> None:
        for target in graph.get(name, ()):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            else:
                visit(target, [*path, target])

    for start in graph:
        visit(start, [start])
    assert circles == []
