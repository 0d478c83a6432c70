"""The product apps hold product code: benchmark, research and demo tooling live in `bench/`
and `demo/`, which the product never imports (at module level or inside a function), and the
solver imports no Django (no database)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = ("web", "marketplace", "factories", "orders", "matching", "production")
TOOLING = ("bench", "demo")
SOLVER = ROOT / "matching" / "solver"
# what the solver may not import: the web framework and every app around it
NOT_FOR_THE_SOLVER = ("django", "rest_framework", "celery", *PRODUCT_APPS, *TOOLING)


def _python_files(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        yield from (
            path for path in sorted(folder.rglob("*.py")) if "__pycache__" not in path.parts
        )


def _imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute module ``path`` imports, anywhere in it, with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _imports_of(path: Path, packages: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imported_modules(path)
        if module.split(".")[0] in packages
    ]


def test_no_product_module_imports_the_bench_or_the_demo() -> None:
    found = [
        hit
        for path in _python_files(*(ROOT / app for app in PRODUCT_APPS))
        for hit in _imports_of(path, TOOLING)
    ]
    assert found == []


def test_the_product_apps_hold_no_benchmark_or_demo_module() -> None:
    found = [
        str(path.relative_to(ROOT))
        for app in PRODUCT_APPS
        for path in sorted((ROOT / app).rglob("*"))
        if "__pycache__" not in path.parts
        and any(word in path.name for word in ("bench", "demo", "screenshot", "geography"))
    ]
    assert found == []


def test_the_solver_imports_no_django_and_no_app() -> None:
    found = [
        hit
        for path in _python_files(SOLVER)
        for hit in _imports_of(path, NOT_FOR_THE_SOLVER)
        if not hit.split(" imports ")[1].startswith("matching.solver")
    ]
    assert found == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from bench.market_generate import generate_market\n")
    hits = [module for line, name in _imported_modules(module) if name.startswith("bench")]
    assert hits == [module]
