"""Translations: every message id is a literal (so it can be extracted), and the catalogues."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.i18n import LANGUAGES, speaking, supported, weekday

TRANSLATORS = {"_": 1, "ngettext": 2}  # function name: how many leading literal arguments


def calls(path: Path) -> list[tuple[int, str, list[ast.expr]]]:
    """Every call to a translation function in a file: (line, name, arguments)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id in TRANSLATORS:
            found.append((node.lineno, node.func.id, node.args))
    return found


def sources() -> list[Path]:
    """The application's Python files."""
    return sorted(p for package in ("bot", "handlers") for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_id_is_a_literal(path: Path) -> None:
    for line, name, args in calls(path):
        literal = args[: TRANSLATORS[name]]
        assert all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in literal), (
            f"{path.name}:{line}: {name}() needs a literal text, or it can't be translated"
        )


def test_no_text_is_translated_at_import_time() -> None:
    for path in sources():
        module = ast.parse(path.read_text())
        for node in module.body:  # top-level statements run at import, before any language
            for call in ast.walk(node):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    break
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") in TRANSLATORS:
                    raise AssertionError(f"{path.name}:{call.lineno}: translated at import")


def test_telegram_language_codes_map_to_shipped_languages() -> None:
    assert [supported(c) for c in ("ru", "es-419", "pt-br", "pt", "en-GB", "de", None)] == [
        "ru", "es", "pt_BR", "pt_BR", "en", "en", "en"
    ]  # fmt: skip


def test_weekdays_come_from_cldr() -> None:
    names = {}
    for language in LANGUAGES:
        with speaking(language):
            names[language] = weekday(4)
    assert names == {"en": "Friday", "ru": "Пятница", "es": "Viernes", "pt_BR": "Sexta-feira"}
