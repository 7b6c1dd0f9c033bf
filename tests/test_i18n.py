"""Translations: every message id is a literal (so it can be extracted), and the catalogues."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.i18n import LANGUAGES, _, ngettext, speaking, supported, weekday
from bot.tools import catalogues

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
    assert names == {"en": "Friday", "ru": "пятница", "es": "viernes", "pt_BR": "sexta-feira"}
    with speaking("ru"):
        assert weekday(4, label=True) == "Пятница"


def test_every_shipped_language_has_a_complete_catalogue() -> None:
    assert catalogues.translations() == ("ru", "es", "pt_BR")
    problems = [line for result in catalogues.check_all(catalogues.translations())
                for line in result.lines()]  # fmt: skip
    assert problems == [], "\n".join(problems[:20])


def test_the_catalogue_check_finds_what_is_missing_fuzzy_stale_or_reshaped() -> None:
    source = catalogues.template()
    catalog = catalogues.read(catalogues.po_path("ru"), "ru")
    ids = [m.id for m in catalog if isinstance(m.id, str) and m.id]
    named = next(i for i in ids if "{name}" in i)
    bold = next(i for i in ids if "<b>" in i and i != named)
    gone, doubtful = ids[0], ids[1]
    del catalog[gone]
    catalog[doubtful].flags.add("fuzzy")
    catalog.add("A text no source asks for any more", "Старый текст")
    catalog[named].string = str(catalog[named].string).replace("{name}", "{имя}")
    catalog[bold].string = str(catalog[bold].string).replace("<b>", "").replace("</b>", "")
    found = catalogues.check("ru", source, catalog)
    assert found.missing == [gone]
    assert found.fuzzy == [doubtful]
    assert found.stale == ["A text no source asks for any more"]
    assert sorted(found.mismatched) == sorted([named, bold])
    assert not found.ok


def test_the_bot_reads_a_translation_and_plural_forms() -> None:
    with speaking("ru"):
        assert _("Not yet") != "Not yet"
        forms = {ngettext("{name}: {count} question", "{name}: {count} questions", n)
                 for n in (1, 2, 5)}  # fmt: skip
    assert len(forms) == 3, "Russian has three plural forms"
    with speaking("en"):
        assert _("Not yet") == "Not yet"
