"""The import contract beyond import-linter's layers (pyproject.toml): a process uses another
only through its public face, the package itself, never its internal modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = sorted(
    p.name
    for p in (ROOT / "bot").iterdir()
    if (p / "__init__.py").exists() and p.name not in {"delivery", "surfaces", "workspace", "standin"}
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def reaches_into(module: str, own: str) -> bool:
    parts = module.split(".")
    return (
        len(parts) >= 3 and parts[0] == "bot" and parts[1] in PROCESSES and parts[1] != own and parts[2] != "__init__"
    )


def test_the_processes_are_found() -> None:
    assert {"nonconformity", "training", "feedback", "audits", "documents", "reviews", "objectives"} <= set(PROCESSES)


def test_a_process_uses_another_only_through_its_public_face() -> None:
    breaches = []
    for process in PROCESSES:
        for path in sorted((ROOT / "bot" / process).rglob("*.py")):
            for line, module in imported_modules(path):
                # `from bot.training import blocks` names a module, not a value: that is reaching in too.
                if reaches_into(module, process) and (ROOT / Path(*module.split("."))).with_suffix(".py").exists():
                    breaches.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert breaches == []


def test_modules_and_functions_stay_readable() -> None:
    """docs/architecture.md: no module in bot/ or handlers/ over 400 lines, no function over 60."""
    too_long = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]):
        text = path.read_text()
        if text.count("\n") > 400:
            too_long.append(f"{path}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
                if node.end_lineno - node.lineno + 1 > 60:
                    too_long.append(f"{path}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == []
