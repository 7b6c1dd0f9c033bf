"""Callback data: one small class per kind of button, and one total parser for all of them.

`encode` gives the string put under a button (at most 64 bytes, Telegram's limit). `decode`
takes any string (forged, truncated, from an older version) and returns a button value or
None; it never raises. Numbers are plain ASCII digits within the range of their column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from bot.i18n import LANGUAGES

MAX_DB_ID = 2**31 - 1  # the database's INTEGER primary keys
DIGITS = re.compile(r"[0-9]{1,10}")
CONTENT_ID = re.compile(r"[a-z0-9_-]{1,40}")
MAX_BYTES = 64


def number(text: str, maximum: int = MAX_DB_ID) -> int | None:
    """An ASCII decimal within 0..maximum, or None ("²", "-1", "1e3" and 2**64 are not)."""
    if not DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


class Callback:
    """A button's meaning; subclasses define `prefix`, `encode` and `parse`."""

    prefix: ClassVar[str]

    def encode(self) -> str:
        """The callback data for this button."""
        data = self._encode()
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def _encode(self) -> str:
        raise NotImplementedError

    @classmethod
    def parse(cls, parts: list[str]) -> Callback | None:
        """The value from the parts after the prefix, or None when they don't fit."""
        raise NotImplementedError


@dataclass(frozen=True)
class Join(Callback):
    """We're in: under the greeting, or (`again`) under the note that one partner left."""

    prefix: ClassVar[str] = "join"
    again: bool = False

    def _encode(self) -> str:
        return "join:again" if self.again else "join"

    @classmethod
    def parse(cls, parts: list[str]) -> Join | None:
        """join, or join:again."""
        if not parts:
            return cls()
        return cls(again=True) if parts == ["again"] else None


SETTINGS_ACTIONS = frozenset(
    {
        "q-30", "q+30", "g-30", "g+30", "j-30", "j+30",
        "d-1", "d+1", "i-1", "i+1", "ion", "ioff",
        "lv-1", "lv+1", "pause7", "resume", "tz", "back", "apart", "home",
        "pon", "poff", "xon", "xoff",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Settings(Callback):
    """A settings button: an action, or a time zone from the list (`zone`)."""

    prefix: ClassVar[str] = "s"
    couple_id: int
    action: str = ""
    zone: int | None = None

    def _encode(self) -> str:
        action = f"z{self.zone}" if self.zone is not None else self.action
        return f"s:{self.couple_id}:{action}"

    @classmethod
    def parse(cls, parts: list[str]) -> Settings | None:
        """s:<couple>:<action|z<index>>."""
        if len(parts) != 2 or (couple_id := number(parts[0])) is None:
            return None
        action = parts[1]
        if action.startswith("z") and (zone := number(action[1:], 99)) is not None:
            return cls(couple_id, zone=zone)
        return cls(couple_id, action) if action in SETTINGS_ACTIONS else None


@dataclass(frozen=True)
class Gesture(Callback):
    """Done / Another idea (the giver) and I noticed / Not yet (the receiver)."""

    prefix: ClassVar[str] = "g"
    ACTIONS: ClassVar[frozenset[str]] = frozenset({"d", "n", "y", "x"})
    action: str
    assignment_id: int

    def _encode(self) -> str:
        return f"g:{self.action}:{self.assignment_id}"

    @classmethod
    def parse(cls, parts: list[str]) -> Gesture | None:
        """g:<d|n|y|x>:<assignment>."""
        if len(parts) != 2 or parts[0] not in cls.ACTIONS:
            return None
        assignment_id = number(parts[1])
        return None if assignment_id is None else cls(parts[0], assignment_id)


@dataclass(frozen=True)
class Warm(Callback):
    """A warm response under a mirrored answer."""

    prefix: ClassVar[str] = "w"
    answer_id: int
    index: int

    def _encode(self) -> str:
        return f"w:{self.answer_id}:{self.index}"

    @classmethod
    def parse(cls, parts: list[str]) -> Warm | None:
        """w:<answer>:<response index>."""
        if len(parts) != 2:
            return None
        answer_id, index = number(parts[0]), number(parts[1], 999)
        return None if answer_id is None or index is None else cls(answer_id, index)


@dataclass(frozen=True)
class Depth(Callback):
    """Ready for a deeper level (`level`), or Not yet (level 0), asked of one partner
    (`partner_id`; None on buttons from before they named whom they ask)."""

    prefix: ClassVar[str] = "d"
    couple_id: int
    level: int
    partner_id: int | None = None

    def _encode(self) -> str:
        whom = f":{self.partner_id}" if self.partner_id is not None else ""
        return f"d:{self.couple_id}:{self.level}{whom}"

    @classmethod
    def parse(cls, parts: list[str]) -> Depth | None:
        """d:<couple>:<level>[:<partner>]."""
        if len(parts) not in (2, 3):
            return None
        couple_id, level = number(parts[0]), number(parts[1], 9)
        partner_id = number(parts[2]) if len(parts) == 3 else None
        if couple_id is None or level is None or (len(parts) == 3 and partner_id is None):
            return None
        return cls(couple_id, level, partner_id)


@dataclass(frozen=True)
class Appreciation(Callback):
    """Toggle one kind of appreciation (the kinds are checked by the handler's content)."""

    prefix: ClassVar[str] = "p"
    kind: str

    def _encode(self) -> str:
        return f"p:{self.kind}"

    @classmethod
    def parse(cls, parts: list[str]) -> Appreciation | None:
        """p:<kind>."""
        ok = len(parts) == 1 and CONTENT_ID.fullmatch(parts[0])
        return cls(parts[0]) if ok else None


@dataclass(frozen=True)
class Together(Callback):
    """Let's try it / We've done this / Another / We did it, for one activity."""

    prefix: ClassVar[str] = "t"
    ACTIONS: ClassVar[frozenset[str]] = frozenset({"w", "b", "n", "d"})
    couple_id: int
    activity_id: str
    action: str

    def _encode(self) -> str:
        return f"t:{self.couple_id}:{self.activity_id}:{self.action}"

    @classmethod
    def parse(cls, parts: list[str]) -> Together | None:
        """t:<couple>:<activity>:<w|b|n|d>."""
        if len(parts) != 3 or parts[2] not in cls.ACTIONS:
            return None
        couple_id = number(parts[0])
        if couple_id is None or not CONTENT_ID.fullmatch(parts[1]):
            return None
        return cls(couple_id, parts[1], parts[2])


@dataclass(frozen=True)
class Forget(Callback):
    """Confirm deleting my data (`me`) or our couple (`us`), each with the couple's id and the
    minute the confirmation was asked (an old one expires, and one asked in an earlier couple
    never counts in the next), or cancel (`no`)."""

    prefix: ClassVar[str] = "f"
    scope: str
    couple_id: int | None = None
    asked: int | None = None  # minutes since the Unix epoch

    def _encode(self) -> str:
        couple = f":{self.couple_id}" if self.couple_id is not None else ""
        return f"f:{self.scope}{couple}" + (f":{self.asked}" if self.asked is not None else "")

    @classmethod
    def parse(cls, parts: list[str]) -> Forget | None:
        """f:no, f:me|us:<couple>:<asked> (a bare f:me, or f:us without the minute: a button
        from before confirmations expired, which counts as expired)."""
        if parts in (["me"], ["no"]):
            return cls(parts[0])
        if len(parts) not in (2, 3) or parts[0] not in ("me", "us"):
            return None
        couple_id = number(parts[1])
        asked = number(parts[2]) if len(parts) == 3 else None
        if couple_id is None or (len(parts) == 3 and asked is None):
            return None
        return cls(parts[0], couple_id, asked)


@dataclass(frozen=True)
class Skip(Callback):
    """Swap tonight's question for another one (once a day, before anyone answered)."""

    prefix: ClassVar[str] = "k"
    prompt_id: int

    def _encode(self) -> str:
        return f"k:{self.prompt_id}"

    @classmethod
    def parse(cls, parts: list[str]) -> Skip | None:
        """k:<prompt>."""
        prompt_id = number(parts[0]) if len(parts) == 1 else None
        return None if prompt_id is None else cls(prompt_id)


@dataclass(frozen=True)
class DateFor(Callback):
    """Whose important day it is: a partner's (their id), or both of theirs (0)."""

    prefix: ClassVar[str] = "df"
    date_id: int
    partner_id: int

    def _encode(self) -> str:
        return f"df:{self.date_id}:{self.partner_id}"

    @classmethod
    def parse(cls, parts: list[str]) -> DateFor | None:
        """df:<date>:<partner or 0>."""
        if len(parts) != 2:
            return None
        date_id, partner_id = number(parts[0]), number(parts[1])
        return None if date_id is None or partner_id is None else cls(date_id, partner_id)


@dataclass(frozen=True)
class DateRemove(Callback):
    """Remove an important date from the list."""

    prefix: ClassVar[str] = "dr"
    date_id: int

    def _encode(self) -> str:
        return f"dr:{self.date_id}"

    @classmethod
    def parse(cls, parts: list[str]) -> DateRemove | None:
        """dr:<date>."""
        date_id = number(parts[0]) if len(parts) == 1 else None
        return None if date_id is None else cls(date_id)


@dataclass(frozen=True)
class Language(Callback):
    """Speak this language: the group's (in the group) or one partner's (in private)."""

    prefix: ClassVar[str] = "lang"
    language: str

    def _encode(self) -> str:
        return f"lang:{self.language}"

    @classmethod
    def parse(cls, parts: list[str]) -> Language | None:
        """lang:<a shipped language>."""
        return cls(parts[0]) if len(parts) == 1 and parts[0] in LANGUAGES else None


KINDS: dict[str, Callable[[list[str]], Callback | None]] = {
    kind.prefix: kind.parse
    for kind in (
        Join,
        Settings,
        Gesture,
        Warm,
        Depth,
        Appreciation,
        Together,
        Forget,
        Skip,
        DateFor,
        DateRemove,
        Language,
    )
}


def decode(data: object) -> Callback | None:
    """The button behind any callback data, or None for anything Hearth did not write."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, *parts = data.split(":")
    parse = KINDS.get(prefix)
    return None if parse is None else parse(parts)
