"""The house's layers, read from the code: imports only point down, the core never touches
Telegram, and no application file grows past 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.config import ROOT

# Each layer and what it must never import (prefixes of module names). From the top:
# bot/__main__ → bot/simulation, bot/runner → bot/app → handlers → bot/core → bot/db, i18n…
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.core": (
        "telegram",
        "handlers",
        "bot.app",
        "bot.runner",
        "bot.simulation",
        "bot.tools",
        "bot.__main__",
    ),
    "handlers": ("bot.app", "bot.runner", "bot.simulation", "bot.tools", "bot.__main__"),
    "bot.app": ("bot.runner", "bot.simulation", "bot.tools", "bot.__main__"),
    "bot.runner": ("bot.simulation", "bot.tools", "bot.__main__"),
    "bot.tools": ("telegram", "handlers", "bot.app", "bot.runner", "bot.simulation"),
    "bot.db": ("telegram", "handlers", "bot.core", "bot.app", "bot.simulation"),
    "bot.i18n": ("telegram", "handlers", "bot.core", "bot.app", "bot.simulation"),
    "bot.config": ("telegram", "handlers", "bot.core", "bot.app", "bot.simulation"),
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every application module by dotted name."""
    found = {}
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path) -> set[str]:
    """The modules a file imports (at any depth of the file, lazily or not)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def layer_of(module: str) -> str | None:
    """The most specific layer a module belongs to."""
    candidates = [layer for layer in FORBIDDEN if module == layer or module.startswith(layer + ".")]
    return max(candidates, key=len, default=None)


@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_only_point_down(module: str) -> None:
    layer = layer_of(module)
    if layer is None:
        return
    path = modules()[module]
    wrong = sorted(
        name
        for name in imported(path)
        for bad in FORBIDDEN[layer]
        if name == bad or name.startswith(bad + ".")
    )
    assert not wrong, f"{module} ({layer}) imports {wrong}"


def test_the_core_never_imports_telegram() -> None:
    core = [name for name in modules() if layer_of(name) == "bot.core"]
    assert len(core) > 15
    for name in core:
        assert not any(
            i == "telegram" or i.startswith("telegram.") for i in imported(modules()[name])
        ), name


def test_no_application_file_is_over_400_lines() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long
