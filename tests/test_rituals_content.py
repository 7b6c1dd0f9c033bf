"""The rituals' content (data/<lang>/rituals.json): loading, the checker's rules, a translation
that lacks it, and selection."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.content import (
    CHECKIN_PARTS,
    DATA_DIR,
    RITUAL_BANKS,
    Content,
    ContentError,
    RitualItem,
    load_content,
    pick_checkin,
    pick_date_question,
    pick_love_map,
)
from bot.tools.content_check import check, main
from bot.tools.content_check.structure import (
    MIN_CHECKIN_PER_PART,
    MIN_DATE_GESTURES,
    MIN_DATE_QUESTIONS,
    MIN_LOVE_MAPS,
)


@pytest.fixture(scope="module")
def real() -> Content:
    return load_content()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of English and Russian, the Russian without its rituals.json."""
    for lang in ("en", "ru"):
        shutil.copytree(DATA_DIR / lang, tmp_path / "data" / lang)
    (tmp_path / "data" / "ru" / "rituals.json").unlink()
    return tmp_path / "data"


def edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def rules(report: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.rule, []).append(problem.message)
    return found


def test_shipped_rituals_meet_their_floors(real: Content) -> None:
    assert len(real.love_maps) >= MIN_LOVE_MAPS
    assert len(real.date_questions) >= MIN_DATE_QUESTIONS
    assert len(real.date_gestures) >= MIN_DATE_GESTURES
    for part in CHECKIN_PARTS:
        assert sum(i.part == part for i in real.checkin) >= MIN_CHECKIN_PER_PART
    for item in real.love_maps + real.checkin + real.date_questions + real.date_gestures:
        assert real.by_id[item.id] is item
    assert check(real).ok


def test_a_translation_without_rituals_shows_english_and_is_reported(data_dir: Path) -> None:
    english, ru = load_content("en", data_dir), load_content("ru", data_dir)
    assert ru.love_maps[0].text == english.love_maps[0].text
    gaps = {gap.bank for gap in ru.untranslated}
    assert gaps == {"love_maps", "checkin", "date_questions", "date_gestures"}
    untranslated = " ".join(rules(check(ru, english))["untranslated"])
    for bank in gaps:
        assert bank in untranslated
    assert main(["--data", str(data_dir)]) == 1


def test_every_shipped_translation_has_its_rituals(real: Content) -> None:
    for lang in ("ru", "es", "pt_BR"):
        translated = load_content(lang)
        assert not [gap for gap in translated.untranslated if gap.bank in RITUAL_BANKS], lang
        assert check(translated, real).ok, lang


def test_a_translated_ritual_text_is_used_and_checked(data_dir: Path) -> None:
    english = load_content("en", data_dir)
    first = english.love_maps[0].id
    path = data_dir / "ru" / "rituals.json"
    path.write_text(
        json.dumps(
            {"love_maps": [{"id": first, "text": "Что бы ты заказал первым в новом кафе?"}]}
        ),
        encoding="utf-8",
    )
    ru = load_content("ru", data_dir)
    assert ru.by_id[first].text.startswith("Что бы ты")
    assert set(rules(check(ru, english))) == {"untranslated"}, "the rest is only untranslated"
    # A translated ritual text is held to the language's rules like any other.
    path.write_text(
        json.dumps({"love_maps": [{"id": first, "text": "Ты любишь кофе"}]}), encoding="utf-8"
    )
    assert "closed-question" in rules(check(load_content("ru", data_dir), english))


@pytest.mark.parametrize(
    ("where", "change", "error"),
    [
        ("en", lambda d: d["checkin"][0].update(part="soon"), "part"),
        ("en", lambda d: d.update(extra=[]), "unknown keys extra"),
        ("en", lambda d: d.pop("date_gestures"), "date_gestures"),
        ("en", lambda d: d.update(love_maps=[]), "love_maps is empty"),
        ("en", lambda d: d["love_maps"][1].update(id=d["love_maps"][0]["id"]), "duplicate ids"),
    ],
)
def test_schema_errors(data_dir: Path, where: str, change: Any, error: str) -> None:
    edit(data_dir / where / "rituals.json", change)
    with pytest.raises(ContentError, match=error):
        load_content("en", data_dir)


def test_a_translated_id_english_lacks_is_a_schema_error(data_dir: Path) -> None:
    (data_dir / "ru" / "rituals.json").write_text(
        json.dumps({"checkin": [{"id": "checkin-nope", "text": "Как дела?"}]}), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="checkin-nope"):
        load_content("ru", data_dir)


def test_checker_rules_apply_to_ritual_texts(real: Content) -> None:
    closed = RitualItem("map-x", "Do you like tea?")
    twin = RitualItem("map-y", real.by_id["mind-001"].text.replace("small", "little"))
    long = RitualItem("date-g-x", "Plan something. " * 20)
    spoiled = dataclasses.replace(
        real,
        love_maps=[*real.love_maps[: MIN_LOVE_MAPS - 3], closed, twin],
        checkin=[i for i in real.checkin if i.part != "need"],
        date_gestures=[*real.date_gestures, long],
        by_id={},
        pools={},
    )
    found = rules(check(spoiled))
    assert any("map-x" in m for m in found["closed-question"])
    assert any("map-y" in m for m in found["near-duplicate"])
    assert any("date-g-x" in m for m in found["too-long"])
    assert any("love-map questions" in m for m in found["too-few"])
    assert any("part 'need'" in m for m in found["too-few"])


def test_the_tables_count_the_ritual_texts(
    capsys: pytest.CaptureFixture[str], real: Content
) -> None:
    assert main(["--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Ritual texts" in out
    assert f"love-map questions {len(real.love_maps)}".split() == next(
        line.split() for line in out.splitlines() if line.startswith("love-map questions")
    )


def test_love_maps_do_not_repeat_until_every_one_was_asked(real: Content) -> None:
    history: list[str] = []
    for week in range(len(real.love_maps)):
        history.append(pick_love_map(real, history, f"week {week}").id)
    assert sorted(history) == sorted(i.id for i in real.love_maps)
    again = pick_love_map(real, history, "next")
    assert again.id == history[0], "then the least recently asked comes back first"


def test_a_check_in_asks_one_prompt_per_part_in_order(real: Content) -> None:
    history: list[str] = []
    for week in range(MIN_CHECKIN_PER_PART):
        chosen = pick_checkin(real, history, f"week {week}")
        assert [i.part for i in chosen] == list(CHECKIN_PARTS)
        assert not {i.id for i in chosen} & set(history)
        history += [i.id for i in chosen]


def test_date_questions_rotate(real: Content) -> None:
    history = [pick_date_question(real, [], "a").id]
    assert pick_date_question(real, history, "b").id != history[0]
