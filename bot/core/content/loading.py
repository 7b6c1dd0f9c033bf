"""Reading data/<lang>/: English with its tags, and each translation laid over it by id."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import ROOT
from bot.core.content.banks import (
    CHECKIN_PARTS,
    COSTS,
    ENERGIES,
    GESTURE_KINDS,
    MOODS,
    PLACES,
    RITUAL_BANKS,
    SUPPORT_BANKS,
    THEMES,
    TONES,
    Activity,
    Content,
    ContentError,
    Gesture,
    JarItem,
    Line,
    Question,
    RitualItem,
    Untranslated,
    ritual_lists,
    support_lists,
    text_entries,
)

DATA_DIR = ROOT / "data"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"missing content file {path}") from None
    except json.JSONDecodeError as error:
        raise ContentError(f"{path}: not valid JSON ({error})") from None


def _field(item: Any, name: str, kind: type, where: str, allowed: Iterable[Any] = ()) -> Any:
    if not isinstance(item, dict) or name not in item:
        raise ContentError(f"{where}: missing field {name!r}")
    value = item[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ContentError(f"{where}: field {name!r} must be {kind.__name__}")
    if isinstance(value, str) and not value.strip():
        raise ContentError(f"{where}: field {name!r} is empty")
    allowed = tuple(allowed)
    if allowed and value not in allowed:
        raise ContentError(f"{where}: field {name!r} must be one of {', '.join(map(str, allowed))}")
    return value


def _optional(item: dict[str, Any], name: str, kind: type, where: str, default: Any) -> Any:
    """An optional field: `default` when absent, else checked like a required one."""
    return _field(item, name, kind, where) if name in item else default


def _items(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise ContentError(f"{where}: expected a JSON array")
    return data


def _load_rituals(root: Path) -> dict[str, list[RitualItem]]:
    """The rituals' banks from rituals.json: every key present and none empty."""
    data = _read(root / "rituals.json")
    if not isinstance(data, dict):
        raise ContentError("rituals.json: expected a JSON object")
    unknown = sorted(set(data) - set(RITUAL_BANKS))
    if unknown:
        raise ContentError(f"rituals.json: unknown keys {', '.join(unknown)}")
    banks: dict[str, list[RitualItem]] = {}
    for key in RITUAL_BANKS:
        items = []
        for n, item in enumerate(_items(data.get(key), f"rituals.json {key}")):
            where = f"rituals.json {key}[{n}]"
            part = _field(item, "part", str, where, CHECKIN_PARTS) if key == "checkin" else ""
            together = _optional(item, "lives_together", bool, where, False)
            text = _field(item, "text", str, where)
            items.append(RitualItem(_field(item, "id", str, where), text, part, together))
        if not items:
            raise ContentError(f"rituals.json: {key} is empty")
        banks[key] = items
    return banks


def _load_english(base: Path) -> Content:
    """Load and schema-check every English bank; raise ContentError on the first problem."""
    root = base / "en"
    questions: list[Question] = []
    question_files = sorted((root / "questions").glob("*.json"))
    if not question_files:
        raise ContentError(f"no question files in {root / 'questions'}")
    for path in question_files:
        for n, item in enumerate(_items(_read(path), str(path))):
            where = f"{path.name}[{n}]"
            questions.append(
                Question(
                    id=_field(item, "id", str, where),
                    theme=_field(item, "theme", str, where, THEMES),
                    depth=_field(item, "depth", int, where, (1, 2, 3)),
                    text=_field(item, "text", str, where),
                    lives_together=_optional(item, "lives_together", bool, where, False),
                    sensitive=_optional(item, "sensitive", bool, where, False),
                )
            )
    jar = []
    for n, item in enumerate(_items(_read(root / "jar.json"), "jar.json")):
        where = f"jar.json[{n}]"
        jar.append(
            JarItem(
                id=_field(item, "id", str, where),
                text=_field(item, "text", str, where),
                lives_together=_optional(item, "lives_together", bool, where, False),
            )
        )
    gestures = []
    for n, item in enumerate(_items(_read(root / "gestures.json"), "gestures.json")):
        where = f"gestures.json[{n}]"
        gestures.append(
            Gesture(
                id=_field(item, "id", str, where),
                kind=_field(item, "kind", str, where, GESTURE_KINDS),
                distance=_field(item, "distance", bool, where),
                text=_field(item, "text", str, where),
                distance_alt=_optional(item, "distance_alt", str, where, ""),
            )
        )
    activities = []
    for n, item in enumerate(_items(_read(root / "activities.json"), "activities.json")):
        where = f"activities.json[{n}]"
        activities.append(
            Activity(
                id=_field(item, "id", str, where),
                cost=_field(item, "cost", str, where, COSTS),
                place=_field(item, "place", str, where, PLACES),
                energy=_field(item, "energy", str, where, ENERGIES),
                distance=_field(item, "distance", bool, where),
                text=_field(item, "text", str, where),
            )
        )
    rituals = _load_rituals(root)
    support = _read(root / "support.json")
    if not isinstance(support, dict):
        raise ContentError("support.json: expected a JSON object")

    def lines(key: str, tag: str = "", allowed: Sequence[str] = ()) -> list[Line]:
        out = []
        for n, item in enumerate(_items(support.get(key), f"support.json {key}")):
            where = f"support.json {key}[{n}]"
            tags = {tag: _field(item, tag, str, where, allowed)} if tag else {}
            out.append(
                Line(_field(item, "id", str, where), _field(item, "text", str, where), **tags)
            )
        if not out:
            raise ContentError(f"support.json: {key} is empty")
        return out

    content = Content(
        questions=questions,
        jar=jar,
        gestures=gestures,
        activities=activities,
        warm_responses=lines("warm_responses", "tone", TONES),
        listening_tips=lines("listening_tips"),
        recap_lines=lines("recap_lines", "mood", MOODS),
        stuck_messages=lines("stuck_messages"),
        safety_lines=lines("safety_lines"),
        love_maps=rituals["love_maps"],
        checkin=rituals["checkin"],
        date_questions=rituals["date_questions"],
        date_gestures=rituals["date_gestures"],
    )
    ritual_items = [i for items in ritual_lists(content).values() for i in items]
    ids = [i.id for bank in (questions, jar, gestures, activities, ritual_items) for i in bank]
    if len(ids) != len(set(ids)):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ContentError(f"duplicate ids: {', '.join(dupes[:10])}")
    return content


# --- Translations ---------------------------------------------------------------------------


def _translated_text(item: dict[str, Any], name: str, where: str) -> str:
    """A translated text: a required string, but blank is allowed (not translated yet)."""
    value = item.get(name)
    if isinstance(value, str) and not value.strip():
        return ""
    text: str = _field(item, name, str, where)
    return text


def _overlay_items(data: Any, where: str, bank: str) -> Iterator[tuple[str, str, str, str]]:
    """(bank, id, text, where) for each text of one translated list."""
    allowed = {"id", "text", "distance_alt"} if bank == "gestures" else {"id", "text"}
    for n, item in enumerate(_items(data, where)):
        at = f"{where}[{n}]"
        content_id: str = _field(item, "id", str, at)
        extra = sorted(set(item) - allowed)
        if extra:
            # A tag here would do nothing, so a translator changing one would be misled.
            raise ContentError(
                f"{at}: {', '.join(extra)} not allowed in a translation "
                "(it holds id and text; tags live in data/en only)"
            )
        yield bank, content_id, _translated_text(item, "text", at), at
        if "distance_alt" in item:
            yield "distance_alt", content_id, _translated_text(item, "distance_alt", at), at


def _read_overlay(root: Path) -> list[tuple[str, str, str, str]]:
    """Every (bank, id, text, where) under data/<lang>/; a missing file translates nothing yet."""
    lang = root.name
    files = [(path, "daily") for path in sorted((root / "questions").glob("*.json"))]
    files += [(root / f"{bank}.json", bank) for bank in ("jar", "gestures", "activities")]
    entries: list[tuple[str, str, str, str]] = []
    for path, bank in files:
        if path.exists():
            where = f"{lang}/{path.relative_to(root).as_posix()}"
            entries += _overlay_items(_read(path), where, bank)
    if not (root / "support.json").exists():
        return entries
    support = _read(root / "support.json")
    if not isinstance(support, dict):
        raise ContentError(f"{lang}/support.json: expected a JSON object")
    unknown = sorted(set(support) - set(SUPPORT_BANKS))
    if unknown:
        raise ContentError(f"{lang}/support.json: unknown keys {', '.join(unknown)}")
    for bank in SUPPORT_BANKS:
        if bank in support:
            entries += _overlay_items(support[bank], f"{lang}/support.json {bank}", bank)
    return entries + _read_ritual_overlay(root)


def _read_ritual_overlay(root: Path) -> list[tuple[str, str, str, str]]:
    """The translated rituals' texts, from data/<lang>/rituals.json if the language has one."""
    path, lang = root / "rituals.json", root.name
    if not path.exists():
        return []
    rituals = _read(path)
    if not isinstance(rituals, dict):
        raise ContentError(f"{lang}/rituals.json: expected a JSON object")
    unknown = sorted(set(rituals) - set(RITUAL_BANKS))
    if unknown:
        raise ContentError(f"{lang}/rituals.json: unknown keys {', '.join(unknown)}")
    entries: list[tuple[str, str, str, str]] = []
    for bank in RITUAL_BANKS:
        if bank in rituals:
            entries += _overlay_items(rituals[bank], f"{lang}/rituals.json {bank}", bank)
    return entries


def translate(english: Content, lang: str, base: Path = DATA_DIR) -> Content:
    """`english` with the texts of data/<lang>/ laid over it by id (new instances throughout).

    A translated id English lacks (or a distance_alt its English gesture lacks) is a
    ContentError. A text the translation lacks or left blank stays English, so the bot never
    breaks on an unfinished translation; `untranslated` lists it for the checker.
    """
    if lang == english.lang:
        return english
    root = base / lang
    if not root.is_dir():
        raise ContentError(f"no content folder for language {lang!r} in {base}")
    known = {(bank, content_id) for bank, content_id, _ in text_entries(english)}
    texts: dict[tuple[str, str], str] = {}
    seen: set[tuple[str, str]] = set()
    for bank, content_id, text, where in _read_overlay(root):
        key = (bank, content_id)
        if key not in known:
            missing = (
                f"English gesture {content_id} has no distance_alt"
                if bank == "distance_alt" and ("gestures", content_id) in known
                else f"no English {bank} item has id {content_id!r}"
            )
            raise ContentError(f"{where}: {missing}")
        if key in seen:
            raise ContentError(f"{where}: {bank} {content_id} is translated twice")
        seen.add(key)
        if text:
            texts[key] = text

    def translated(bank: str, content_id: str, english_text: str) -> str:
        return texts.get((bank, content_id), english_text)

    def lines(bank: str, english_lines: list[Line]) -> list[Line]:
        return [replace(line, text=translated(bank, line.id, line.text)) for line in english_lines]

    support = support_lists(english)
    rituals = {
        bank: [replace(item, text=translated(bank, item.id, item.text)) for item in items]
        for bank, items in ritual_lists(english).items()
    }
    return Content(
        questions=[replace(q, text=translated("daily", q.id, q.text)) for q in english.questions],
        jar=[replace(j, text=translated("jar", j.id, j.text)) for j in english.jar],
        gestures=[
            replace(
                g,
                text=translated("gestures", g.id, g.text),
                distance_alt=translated("distance_alt", g.id, g.distance_alt),
            )
            for g in english.gestures
        ],
        activities=[
            replace(a, text=translated("activities", a.id, a.text)) for a in english.activities
        ],
        warm_responses=lines("warm_responses", support["warm_responses"]),
        listening_tips=lines("listening_tips", support["listening_tips"]),
        recap_lines=lines("recap_lines", support["recap_lines"]),
        stuck_messages=lines("stuck_messages", support["stuck_messages"]),
        safety_lines=lines("safety_lines", support["safety_lines"]),
        love_maps=rituals["love_maps"],
        checkin=rituals["checkin"],
        date_questions=rituals["date_questions"],
        date_gestures=rituals["date_gestures"],
        lang=lang,
        untranslated=tuple(
            Untranslated(bank, content_id, blank=(bank, content_id) in seen)
            for bank, content_id, _ in text_entries(english)
            if (bank, content_id) not in texts
        ),
    )


def load_content(lang: str = "en", base: Path = DATA_DIR) -> Content:
    """Load and schema-check every bank for `lang`: English, with `lang`'s texts laid over it."""
    return translate(_load_english(base), lang, base)


def shipped_languages(base: Path = DATA_DIR) -> tuple[str, ...]:
    """The languages with a folder under `base`, English first, then alphabetically."""
    if not base.is_dir():
        return ()
    found = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    return tuple(sorted(found, key=lambda lang: lang != "en"))


SHIPPED_LANGUAGES = shipped_languages()


def load_all(base: Path = DATA_DIR) -> dict[str, Content]:
    """Every shipped language's content, English read once and each translation laid over it."""
    english = _load_english(base)
    return {lang: translate(english, lang, base) for lang in shipped_languages(base)}
