"""Content banks shipped in data/<lang>/: loading, schema validation and selection."""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import ROOT

DATA_DIR = ROOT / "data"
THEMES = (
    "mind",
    "memories",
    "dreams",
    "curiosity",
    "vulnerability",
    "appreciation",
    "relationship",
    "play",
    "repair",
    "money",
    "home",
    "stress",
    "parents",
    "intimacy",
)
# Themes a couple has to ask for: "parents" fits only new parents, and "intimacy" stays off until
# both partners turn it on. Selection leaves them out unless the caller lists them.
OPT_IN_THEMES = ("parents", "intimacy")
GESTURE_KINDS = ("words", "time", "help", "touch", "surprise")
COSTS = ("free", "low", "high")
PLACES = ("home", "outdoors", "out")
ENERGIES = ("low", "medium", "high")
MOODS = ("full", "some", "quiet")
TONES = ("light", "deep", "any")
QUESTION_MAX = 200
GESTURE_MAX = 200
ACTIVITY_MAX = 200
SAMPLE_TRIES = 12  # random draws before listing every eligible question
# Which depths a couple's days rotate through at each level of the depth ladder.
DEPTH_ROTATION: dict[int, tuple[int, ...]] = {1: (1,), 2: (2, 1, 2), 3: (3, 2, 3)}


class ContentError(Exception):
    """A content file is missing or does not match its schema."""


@dataclass(frozen=True)
class Question:
    """A daily open-ended question."""

    id: str
    theme: str
    depth: int
    text: str
    lives_together: bool = False  # assumes a shared home: skipped for couples living apart
    sensitive: bool = False  # may touch a sore spot: shown with a note that skipping is fine


@dataclass(frozen=True)
class JarItem:
    """A built-in jar question."""

    id: str
    text: str
    lives_together: bool = False  # assumes a shared home: skipped for couples living apart


@dataclass(frozen=True)
class Gesture:
    """A small gesture of appreciation doable today."""

    id: str
    kind: str
    distance: bool
    text: str
    distance_alt: str = ""  # what to do instead while apart, for gestures needing to be together


@dataclass(frozen=True)
class Activity:
    """A shared activity many couples have never done."""

    id: str
    cost: str
    place: str
    energy: str
    distance: bool
    text: str


@dataclass(frozen=True)
class Line:
    """A supportive text (warm response, tip, recap line or stuck message)."""

    id: str
    text: str
    mood: str = ""  # recap lines: the week they fit
    tone: str = ""  # warm responses: the answers they fit


@dataclass
class Content:
    """Every bank for one language, indexed by id."""

    questions: list[Question]
    jar: list[JarItem]
    gestures: list[Gesture]
    activities: list[Activity]
    warm_responses: list[Line]
    listening_tips: list[Line]
    recap_lines: list[Line]
    stuck_messages: list[Line]
    # One of these ends each stuck note, for a partner who does not feel safe at home.
    safety_lines: list[Line] = field(default_factory=list)
    by_id: dict[str, Any] = field(default_factory=dict)
    # Eligible questions by depth for each kind of couple, filled as they are asked for.
    pools: dict[Any, dict[int, list[Question]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for bank in (self.questions, self.jar, self.gestures, self.activities):
            for item in bank:
                self.by_id[item.id] = item


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


def load_content(lang: str = "en", base: Path = DATA_DIR) -> Content:
    """Load and schema-check every bank for `lang`; raise ContentError on the first problem."""
    root = base / lang
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
    )
    ids = [i.id for bank in (questions, jar, gestures, activities) for i in bank]
    if len(ids) != len(set(ids)):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ContentError(f"duplicate ids: {', '.join(dupes[:10])}")
    return content


def _least_recently_used(ids: Sequence[str], history: Sequence[str]) -> list[str]:
    """Never-used ids first (in bank order), then the used ones from oldest last use."""
    last_use = {content_id: index for index, content_id in enumerate(history)}
    return sorted(ids, key=lambda i: last_use.get(i, -1))


def _pick(ordered: list[str], history: Sequence[str], rng: random.Random) -> str:
    """Pick randomly among the least recently used tier, so couples see varied orders."""
    last_use = {content_id: index for index, content_id in enumerate(history)}
    best = last_use.get(ordered[0], -1)
    tier = [i for i in ordered if last_use.get(i, -1) == best]
    return rng.choice(tier)


def depth_for_day(level: int, question_count: int) -> int:
    """The depth of a couple's next daily question, rotating within its ladder level."""
    rotation = DEPTH_ROTATION.get(level, DEPTH_ROTATION[1])
    return rotation[question_count % len(rotation)]


def allowed_themes(opted_in: Collection[str] = ()) -> tuple[str, ...]:
    """Every theme a couple gets: the standard ones plus the opt-in themes they turned on."""
    return tuple(t for t in THEMES if t not in OPT_IN_THEMES or t in opted_in)


def eligible_questions(
    content: Content,
    *,
    themes_allowed: Collection[str] | None = None,
    living_apart: bool = False,
) -> list[Question]:
    """The daily questions a couple may get: allowed themes only, no shared-home ones if apart."""
    themes = set(allowed_themes() if themes_allowed is None else themes_allowed)
    return [
        q
        for q in content.questions
        if q.theme in themes and not (living_apart and q.lives_together)
    ]


def _pools(
    content: Content, themes_allowed: Collection[str] | None, living_apart: bool
) -> dict[int, list[Question]]:
    """The eligible questions by depth, worked out once per kind of couple (a tick asks
    thousands of times)."""
    key = (None if themes_allowed is None else frozenset(themes_allowed), living_apart)
    pools = content.pools.get(key)
    if pools is None:
        bank = eligible_questions(content, themes_allowed=themes_allowed, living_apart=living_apart)
        pools = {depth: [q for q in bank if q.depth == depth] for depth in (1, 2, 3)}
        content.pools[key] = pools
    return pools


def pick_question(
    content: Content,
    history: Sequence[str],
    level: int,
    seed: int | str,
    *,
    themes_allowed: Collection[str] | None = None,
    living_apart: bool = False,
) -> Question:
    """An unused question at today's depth (else the nearest depth), never yesterday's theme.

    Only questions of `themes_allowed` are picked (by default every theme but the opt-in ones),
    and none assuming a shared home when `living_apart`. Only when every such question has been
    used does the least recently used one come back.
    """
    rng = random.Random(seed)
    by_depth = _pools(content, themes_allowed, living_apart)
    bank = [q for depth in (1, 2, 3) for q in by_depth[depth]]
    if not bank:
        raise ContentError("no daily question fits the allowed themes")
    depth = depth_for_day(level, len(history))
    used = set(history)
    last_theme = None
    if history and history[-1] in content.by_id:
        last_theme = content.by_id[history[-1]].theme
    nearest_first = sorted((1, 2, 3), key=lambda d: (abs(d - depth), d))
    for other_theme in (True, False):  # a repeat is worse than a repeated theme
        for nearest in nearest_first:
            pool = by_depth[nearest]

            avoid = last_theme if other_theme else None

            def fits(q: Question, avoid: str | None = avoid) -> bool:
                return q.id not in used and q.theme != avoid

            # Most couples have used few questions: a few random draws find a fitting one
            # (uniformly among those that fit) without listing the whole pool each evening.
            for _try in range(SAMPLE_TRIES if pool else 0):
                candidate = rng.choice(pool)
                if fits(candidate):
                    return candidate
            unused = [q for q in pool if fits(q)]
            if unused:
                chosen: Question = rng.choice(unused)
                return chosen
    fresh_theme = [q for q in bank if q.theme != last_theme] or bank
    at_depth = [q.id for q in fresh_theme if q.depth == depth] or [q.id for q in fresh_theme]
    chosen = content.by_id[_pick(_least_recently_used(at_depth, history), history, rng)]
    return chosen


def pick_jar_item(
    content: Content, history: Sequence[str], seed: int | str, *, living_apart: bool = False
) -> JarItem:
    """The least recently drawn built-in jar question (none assuming a shared home if apart)."""
    bank = [j.id for j in content.jar if not (living_apart and j.lives_together)]
    ordered = _least_recently_used(bank, history)
    chosen: JarItem = content.by_id[_pick(ordered, history, random.Random(seed))]
    return chosen


def pick_gesture(
    content: Content,
    history: Sequence[str],
    seed: int | str,
    preferred: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Gesture:
    """A least recently used gesture of a kind other than the last one, leaning to `preferred`."""
    rng = random.Random(seed)
    last_kind = None
    if history and history[-1] in content.by_id:
        last_kind = content.by_id[history[-1]].kind
    kinds = [k for k in GESTURE_KINDS if k != last_kind]
    liked = [k for k in preferred if k in kinds]
    # Otherwise draw a kind with the most never-used gestures left: a kind picked at random can
    # run dry early and repeat a gesture while others were never shown.
    used = set(history)
    unused = {
        k: sum(g.kind == k and g.id not in used and g.id not in exclude for g in content.gestures)
        for k in kinds
    }
    most = max(unused.values())
    freshest = [k for k in kinds if unused[k] == most] if most else kinds
    # Lean, don't lock: two days in three follow the partner's stated preferences.
    kind = rng.choice(liked) if liked and rng.random() < 2 / 3 else rng.choice(freshest)
    pool = [g.id for g in content.gestures if g.kind == kind and g.id not in exclude]
    if not pool:
        pool = [g.id for g in content.gestures if g.id not in exclude] or [
            g.id for g in content.gestures
        ]
    chosen: Gesture = content.by_id[_pick(_least_recently_used(pool, history), history, rng)]
    return chosen
