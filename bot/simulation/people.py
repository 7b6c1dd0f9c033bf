"""The simulated Telegram's people and things: users, groups, injected failures, and the
messages the bot sent as each chat shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


class Ids:
    """Consecutive ids for `next()`; unlike itertools.count, `copy.deepcopy` copies it (a test
    can snapshot the whole fake world and go back to it)."""

    def __init__(self, start: int) -> None:
        """The first id is `start`."""
        self.value = start

    def __iter__(self) -> Ids:
        """Itself."""
        return self

    def __next__(self) -> int:
        """The next id."""
        self.value += 1
        return self.value - 1


@dataclass
class FakeUser:
    """A Telegram user the test or demo acts as."""

    id: int
    first_name: str
    started: bool = False  # has opened the private chat with the bot
    blocked: bool = False
    username: str = ""
    language_code: str = ""  # their Telegram app's language ("" sends none)

    def json(self) -> JSONDict:
        """The User object."""
        found: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            found["username"] = self.username
        if self.language_code:
            found["language_code"] = self.language_code
        return found

    def chat_json(self) -> JSONDict:
        """The private Chat object."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class FakeChat:
    """A group (or supergroup) with its human members."""

    id: int
    title: str
    type: str = "group"
    members: list[int] = field(default_factory=list)
    bot_member: bool = False
    migrated_to: int | None = None
    reactions_allowed: bool = True
    bot_admin: bool = False  # an administrator bot sees every message (no privacy mode)

    def json(self) -> JSONDict:
        """The Chat object."""
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class Failure:
    """An injected error for matching calls."""

    method: str
    # network | timeout | timeout_delivered | retry_after | forbidden | bad_request | no_rights
    kind: str
    times: int = 1
    chat_id: int | None = None
    retry_after: int = 5


@dataclass
class Sent:
    """One message the bot sent, as the receiving chat shows it."""

    chat_id: int
    message_id: int
    text: str  # visible text (HTML stripped); a copy shows "[copy of <kind>]" or the text
    html: str
    buttons: list[list[JSONDict]]
    kind: str = "text"
    reply_to: int | None = None


@dataclass
class Refused:
    """A call the fake refused as Telegram would (4xx that is no injected failure)."""

    method: str
    params: JSONDict
    code: int
    description: str
