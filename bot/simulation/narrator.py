"""The demo's printer: who does what, and what Hearth sends, wrapped and (on a terminal) coloured.

It reads the fake Bot API's record of calls, so it shows exactly what Telegram would have
shown, in the order it happened, without knowing any of the bot's wording.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.simulation.fake_api import Sent
from bot.simulation.fake_html import buttons_of, html_to_plain
from bot.simulation.world import Simulation

MIN_WIDTH, MAX_WIDTH = 60, 100
GUTTER = "      "  # under the "HH:MM " that starts every event
FRAME = GUTTER + "│ "  # a message's lines, framed
SENDS = ("sendMessage", "copyMessage", "sendDocument")

# ANSI SGR codes: only the few every terminal knows.
RESET, BOLD, DIM, CYAN, YELLOW = "\033[0m", "\033[1m", "\033[2m", "\033[36m", "\033[33m"


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only for a terminal, and never while NO_COLOR is set (https://no-color.org; even
    set empty, which that page lets colour through: stricter, and what the README promises)."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width() -> int:
    """The terminal's width (COLUMNS wins; 80 when not a terminal), clamped to 60..100."""
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def cells(text: str) -> int:
    """How many terminal columns `text` takes: wide characters (most emoji) take two."""
    width, previous = 0, 0
    for char in text:
        if char == "\ufe0f":  # the emoji presentation selector widens a narrow symbol: ✏️
            width += 1 if previous == 1 else 0
            previous = 2
            continue
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue  # combining marks and joiners take no column of their own
        previous = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        width += previous
    return width


def wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """Word-wrap `text` to `width` columns; textwrap counts characters, not columns."""
    lines: list[str] = []
    line, used = first, cells(first)
    empty = True  # nothing but the prefix on this line yet
    for word in text.split():
        size = cells(word)
        if not empty and used + 1 + size > width:
            lines.append(line)
            line, used, empty = rest, cells(rest), True
        while used + size > width and empty:  # a word longer than a line: cut it
            cut = _fits(word, width - used)
            lines.append(line + word[:cut])
            word = word[cut:]
            size = cells(word)
            line, used = rest, cells(rest)
        line += word if empty else " " + word
        used += size if empty else size + 1
        empty = False
    lines.append(line)
    return lines


def _fits(word: str, room: int) -> int:
    """How many leading characters of `word` fit in `room` columns (at least one)."""
    for end in range(len(word), 0, -1):
        if cells(word[:end]) <= room:
            return end
    return 1


class Style:
    """ANSI styling, or none at all."""

    def __init__(self, enabled: bool) -> None:
        """Style with escape codes only when `enabled`."""
        self.enabled = enabled

    def _code(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.enabled and text else text

    def dim(self, text: str) -> str:
        """Quiet: the narrator, times, the message frame."""
        return self._code(DIM, text)

    def bold(self, text: str) -> str:
        """Loud: names and headings."""
        return self._code(BOLD, text)

    def bot(self, text: str) -> str:
        """Hearth's own voice."""
        return self._code(CYAN, text)

    def person(self, text: str) -> str:
        """What a person types."""
        return self._code(YELLOW, text)


class Narrator:
    """Prints the week: headings, what people do, and everything Hearth does in response."""

    def __init__(
        self, sim: Simulation, zone: str, out: TextIO | None = None, width: int | None = None
    ) -> None:
        """Follow `sim`'s fake Telegram from now on, telling times in `zone`."""
        self.sim = sim
        self.zone = ZoneInfo(zone)
        self.out = out or sys.stdout
        self.width = width or terminal_width()
        self.style = Style(wants_colour(self.out))
        self.names: dict[int, str] = {}  # chat id -> how the transcript calls it
        self.called = 0  # fake API calls already told (or skipped)
        self.sent = 0  # messages in api.sent already told (or skipped)
        self.actor = "someone"  # who acted last: a pop-up answers their tap

    # --- time -----------------------------------------------------------------------------

    def hhmm(self) -> str:
        """The simulated time in the couple's zone, as every event starts."""
        return self.sim.clock.now.astimezone(self.zone).strftime("%H:%M")

    # --- printing -------------------------------------------------------------------------

    def _print(self, line: str = "") -> None:
        print(line, file=self.out)

    def _event(self, head: str, name: str = "", body: str = "") -> None:
        """One event: the time, `head` wrapped under it (`name` in bold), and `body` quoted."""
        lines = wrap(head, self.width, GUTTER, GUTTER)
        if name:  # style after wrapping: escape codes take no columns
            lines[0] = lines[0].replace(name, self.style.bold(name), 1)
        self._print()
        self._print(self.style.dim(self.hhmm()) + " " + lines[0][len(GUTTER) :])
        for line in lines[1:]:
            self._print(line)
        if body:
            for line in wrap(f"“{body}”", self.width, GUTTER, GUTTER):
                self._print(GUTTER + self.style.person(line[len(GUTTER) :]))

    def day(self, title: str) -> None:
        """A heading for a new day."""
        head = f"━━ {title} "
        self._print()
        self._print()
        self._print(self.style.bold(head + "━" * max(0, self.width - cells(head))))

    def scene(self, title: str) -> None:
        """A heading for a moment of the day, at the current time."""
        head = f"── {self.hhmm()} · {title} "
        self._print()
        self._print(self.style.bold(head + "─" * max(0, self.width - cells(head))))

    def title(self, text: str) -> None:
        """The transcript's opening words."""
        for line in wrap(text, self.width, "", ""):
            self._print(self.style.bold(line))

    def note(self, text: str) -> None:
        """The narrator's aside, in parentheses."""
        self._print()
        for line in wrap(f"({text})", self.width, "", ""):
            self._print(self.style.dim(line))

    def does(self, who: str, action: str, words: str = "") -> None:
        """A person acts; what they type (if anything) is quoted under the action."""
        self.actor = who
        self._event(f"👤 {who} {action}", who, words)

    # --- what the bot did -----------------------------------------------------------------

    def chat(self, chat_id: int) -> str:
        """Whom a message goes to, as the transcript says it."""
        if chat_id in self.names:
            return self.names[chat_id]
        user = self.sim.api.users.get(chat_id)
        return f"{user.first_name}, privately" if user else "a group"

    def where(self, chat_id: int) -> str:
        """Where something happens: “in the group”, “in Alex's private chat”."""
        if chat_id in self.names:
            return f"in {self.names[chat_id]}"
        user = self.sim.api.users.get(chat_id)
        return f"in {user.first_name}'s private chat" if user else "in a group"

    def author(self, chat_id: int, message_id: int) -> str:
        """Who wrote a message (a partner's first name, or Hearth)."""
        message = self.sim.api.messages.get((chat_id, message_id), {})
        return str(message.get("from", {}).get("first_name", "someone"))

    def show(self) -> None:
        """Print what Hearth did since the last call, in the order Telegram saw it."""
        api = self.sim.api
        refused = {id(r.params) for r in api.refused}
        for method, params in api.calls[self.called :]:
            if id(params) in refused:
                continue  # Telegram said no: nobody saw anything
            if method in SENDS:
                if self.sent < len(
                    api.sent
                ):  # a call lost to an injected network error sent nothing
                    self._message(api.sent[self.sent])
                    self.sent += 1
            elif method == "editMessageText":
                self._edited(params)
            elif method == "editMessageReplyMarkup":
                self._buttons_changed(params)
            elif method == "setMessageReaction":
                for reaction in params.get("reaction") or []:
                    chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
                    who = self.author(chat_id, message_id)
                    emoji = reaction.get("emoji", "")
                    self._event(f"{emoji} Hearth reacts to {who}'s message {self.where(chat_id)}")
            elif method == "answerCallbackQuery" and params.get("text"):
                self._event(f"💬 {self.actor} sees a pop-up: “{params['text']}”")
        self.called = len(api.calls)
        self.sent = len(api.sent)

    def skip(self) -> str:
        """Pass over what Hearth sent since the last call; returns what it was
        (“2 gesture ideas, 1 evening question”), or "" when it sent nothing."""
        kinds = Counter(kind_of(s) for s in self.sim.api.sent[self.sent :])
        self.called = len(self.sim.api.calls)
        self.sent = len(self.sim.api.sent)
        return ", ".join(
            f"{count} {KINDS[kind][0 if count == 1 else 1]}" for kind, count in kinds.items()
        )

    def _message(self, sent: Sent) -> None:
        head = f"🤖 {self.style.bot('Hearth')} → {self.style.bold(self.chat(sent.chat_id))}"
        if sent.reply_to is not None:
            head += f" (replying to {self.author(sent.chat_id, sent.reply_to)})"
        self._print()
        self._print(f"{self.style.dim(self.hhmm())} {head}")
        frame = GUTTER + self.style.dim("│ ")
        for paragraph in sent.text.split("\n"):
            for line in wrap(paragraph, self.width, FRAME, FRAME):
                self._print((frame + line[len(FRAME) :]).rstrip())
        if sent.buttons:
            labels = "  ".join(button_label(b) for row in sent.buttons for b in row)
            for line in wrap(labels, self.width, FRAME, FRAME):
                self._print(frame + self.style.bot(line[len(FRAME) :]))

    def _edited(self, params: dict[str, Any]) -> None:
        text = str(params.get("text", ""))  # this edit's text: a later edit may follow it
        if params.get("parse_mode") == "HTML":
            text = html_to_plain(text)[0]
        last = text.strip().splitlines()[-1] if text.strip() else ""
        where = self.where(int(params["chat_id"]))
        # The edits Hearth makes add a line at the end (who has joined): that line is the news.
        self._event(f"✏️ Hearth edits its earlier message {where}; it now ends: “{last}”")

    def _buttons_changed(self, params: dict[str, Any]) -> None:
        labels = "  ".join(button_label(b) for row in buttons_of(params) for b in row)
        where = self.where(int(params["chat_id"]))
        if labels:
            self._event(f"✏️ Hearth changes the buttons under its message {where}: {labels}")
        else:
            self._event(f"✏️ Hearth removes the buttons under its message {where}")


def button_label(button: Mapping[str, Any]) -> str:
    """A button as the transcript shows it; a link button shows where it leads."""
    if "url" in button:
        return f"[{button['text']} ↗ {short_link(str(button['url']))}]"
    return f"[{button['text']}]"


def short_link(url: str) -> str:
    """A t.me link without its scheme, as people read it."""
    return url.removeprefix("https://")


KINDS = {  # kind_of() -> how a summary calls one, and many
    "gesture": ("gesture idea", "gesture ideas"),
    "notice": ("“did you notice?” question", "“did you notice?” questions"),
    "question": ("evening question", "evening questions"),
    "together": ("idea to do together", "ideas to do together"),
    "private": ("other private message", "other private messages"),
    "group": ("other group message", "other group messages"),
}


def is_question(sent: Sent) -> bool:
    """The evening question (or jar night's) in the group: its 🔒 deep link (start=a<prompt>)
    answers it privately."""
    links = [str(b.get("url", "")) for row in sent.buttons for b in row]
    return sent.chat_id < 0 and any("?start=a" in link for link in links)


def kind_of(sent: Sent) -> str:
    """What a message is, told by its buttons (never its wording)."""
    datas = [str(b.get("callback_data", "")) for row in sent.buttons for b in row]
    if any(d.startswith("g:d:") for d in datas):
        return "gesture"
    if any(d.startswith("g:y:") for d in datas):
        return "notice"
    if is_question(sent):
        return "question"
    if any(d.startswith("t:") for d in datas):
        return "together"
    return "private" if sent.chat_id > 0 else "group"
