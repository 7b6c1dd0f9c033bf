"""The banks' item types, tags and limits, and every text of a language listed bank by bank."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
# The weekly check-in asks three things, in this order.
CHECKIN_PARTS = ("well", "thanks", "need")
# The rituals' banks, in data/<lang>/rituals.json.
RITUAL_BANKS = ("love_maps", "checkin", "date_questions", "date_gestures")
QUESTION_MAX = 200
GESTURE_MAX = 200
ACTIVITY_MAX = 200
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


@dataclass(frozen=True)
class RitualItem:
    """A ritual's text: a love-map question, a check-in prompt (with its part), a question for
    an important day, or an idea to prepare for one."""

    id: str
    text: str
    part: str = ""  # check-in prompts: one of CHECKIN_PARTS
    lives_together: bool = False  # ideas to prepare a day that need both in one place


@dataclass(frozen=True)
class Untranslated:
    """A text a translation lacks or left blank: the bot shows the English text instead."""

    bank: str  # as in text_entries: "daily", "jar", "distance_alt", "safety_lines"...
    id: str
    blank: bool = False  # the translation has the item, but its text is empty or whitespace


@dataclass(frozen=True)
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
    love_maps: list[RitualItem] = field(default_factory=list)
    checkin: list[RitualItem] = field(default_factory=list)
    date_questions: list[RitualItem] = field(default_factory=list)
    date_gestures: list[RitualItem] = field(default_factory=list)
    lang: str = "en"
    # Texts the translation lacks: shown in English at run time, reported by the checker.
    untranslated: tuple[Untranslated, ...] = ()
    by_id: dict[str, Any] = field(default_factory=dict)
    # Eligible questions by depth for each kind of couple, filled as they are asked for.
    pools: dict[Any, dict[int, list[Question]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for bank in (self.questions, self.jar, self.gestures, self.activities):
            for item in bank:
                self.by_id[item.id] = item
        for items in ritual_lists(self).values():
            for ritual in items:
                self.by_id[ritual.id] = ritual


# --- Every text of a language, bank by bank -------------------------------------------------
# A text to translate or check: (bank, id, text). Gestures' at-a-distance alternatives form a
# bank of their own, "distance_alt", keyed by their gesture's id.
TextEntry = tuple[str, str, str]
SUPPORT_BANKS = (
    "warm_responses",
    "listening_tips",
    "recap_lines",
    "stuck_messages",
    "safety_lines",
)


def support_lists(content: Content) -> dict[str, list[Line]]:
    """The support banks of `content` by their support.json key."""
    return {
        "warm_responses": content.warm_responses,
        "listening_tips": content.listening_tips,
        "recap_lines": content.recap_lines,
        "stuck_messages": content.stuck_messages,
        "safety_lines": content.safety_lines,
    }


def ritual_lists(content: Content) -> dict[str, list[RitualItem]]:
    """The ritual banks of `content` by their rituals.json key."""
    return {
        "love_maps": content.love_maps,
        "checkin": content.checkin,
        "date_questions": content.date_questions,
        "date_gestures": content.date_gestures,
    }


def text_entries(content: Content) -> list[TextEntry]:
    """Every text of `content` as (bank, id, text); only gestures that have an alternative."""
    entries = [("daily", q.id, q.text) for q in content.questions]
    entries += [("jar", j.id, j.text) for j in content.jar]
    entries += [("gestures", g.id, g.text) for g in content.gestures]
    entries += [("distance_alt", g.id, g.distance_alt) for g in content.gestures if g.distance_alt]
    entries += [("activities", a.id, a.text) for a in content.activities]
    for bank, lines in support_lists(content).items():
        entries += [(bank, line.id, line.text) for line in lines]
    for bank, items in ritual_lists(content).items():
        entries += [(bank, item.id, item.text) for item in items]
    return entries
