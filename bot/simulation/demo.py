"""`python -m bot demo`: a couple's week with Hearth, Monday to Sunday, against the simulated
Telegram (no token, no network).

Messages are found by what they are (their chat, their buttons' callback data, their deep
links, their order), never by their wording: the bot's texts change and are translated.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.models import Couple
from bot.simulation.demo_texts import LANGUAGES, NAMES, PARTNER_TEXTS, TELEGRAM_CODES
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.narrator import Narrator, button_label, is_question
from bot.simulation.world import Simulation

ZONE = "Europe/Berlin"
MONDAY = date(2025, 6, 2)
# The real bot ticks every minute; everything Hearth schedules falls on a full or half hour,
# so ticking every half hour (and at each scripted moment) sends the same things, in a
# fraction of the time.
STEP = timedelta(minutes=30)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
UpdateJSON = dict[str, Any] | None  # what the driver makes; None: privacy mode hid it


def button(sent: Sent, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first button under `sent` that passes `test`."""
    found = next((b for row in sent.buttons for b in row if test(b)), None)
    if found is None:
        raise RuntimeError(f"the demo expected a button that is not there: {sent.buttons}")
    return found


def data_starts(prefix: str) -> Callable[[dict[str, Any]], bool]:
    """A button test: its callback data starts with `prefix`."""
    return lambda b: str(b.get("callback_data", "")).startswith(prefix)


def link_has(part: str) -> Callable[[dict[str, Any]], bool]:
    """A button test: it is a link containing `part`."""
    return lambda b: part in str(b.get("url", ""))


class Week:
    """The simulation, the narrator and the couple, with the moves the script is made of."""

    def __init__(self, sim: Simulation, say: Narrator, lang: str) -> None:
        """Two partners (not yet in any group with Hearth) whose Telegram speaks `lang`."""
        self.sim, self.tg, self.say = sim, sim.tg, say
        self.texts = PARTNER_TEXTS[lang]
        self.alex = self.tg.user("Alex", TELEGRAM_CODES[lang])
        self.sam = self.tg.user("Sam", TELEGRAM_CODES[lang])
        self.group: FakeChat = self.tg.group("Alex & Sam", [self.alex, self.sam])
        say.names[self.group.id] = "the group"

    @staticmethod
    def when(day: int, hhmm: str) -> datetime:
        """`hhmm` in Berlin, `day` days after Monday."""
        local = datetime.combine(MONDAY + timedelta(days=day), time.fromisoformat(hhmm))
        # The simulated clock runs in UTC, as the real one does.
        return local.replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)

    def day(self, day: int) -> None:
        """Print the heading of a new day."""
        this = MONDAY + timedelta(days=day)
        self.say.day(f"{this:%A}, {this.day} {this:%B}")

    async def advance(
        self, day: int, hhmm: str, title: str = "", quiet: str | None = None
    ) -> list[Sent]:
        """Let time run to `hhmm` on `day`, ticking as the bot would. With `quiet`, what Hearth
        sends on the way is summed up in one narrator line, not shown. At `hhmm` a scene
        `title` (if any) is printed, and what comes then is shown and returned."""
        target = self.when(day, hhmm)
        now = self.sim.clock.now
        if target < now:
            raise RuntimeError(f"the demo's script goes back in time, to {target}")
        step = now + (STEP - (now - EPOCH) % STEP)  # the next full or half hour
        while step < target:
            await self.sim.tick(step)
            if quiet is None:
                self.say.show()
            step += STEP
        if quiet is not None:
            skipped = self.say.skip()
            if quiet and skipped:
                self.say.note(f"…{quiet}. Not shown: {skipped}…")
            elif quiet or skipped:
                self.say.note(f"…{quiet or 'Hearth sends ' + skipped + ', not shown'}…")
        self.sim.clock.now = target
        if title:
            self.say.scene(title)
        before = len(self.sim.api.sent)
        await self.sim.tick()
        self.say.show()
        return self.sim.new_messages(before)

    async def act(
        self, who: FakeUser, action: str, update: UpdateJSON, words: str = ""
    ) -> list[Sent]:
        """`who` does something: told first, then what Hearth does about it; returns what
        Hearth sent."""
        self.say.does(who.first_name, action, words)
        before = len(self.sim.api.sent)
        await self.sim.feed(update)
        self.say.show()
        return self.sim.new_messages(before)

    async def types(
        self, who: FakeUser, where: FakeChat | FakeUser, text: str, action: str = ""
    ) -> list[Sent]:
        """`who` types `text` (a command or a message) in the group or their private chat."""
        place = "in the group" if isinstance(where, FakeChat) else "to Hearth, privately"
        update = (
            self.tg.command(who, where, text)
            if text.startswith("/")
            else self.tg.send(who, where, text)
        )
        return await self.act(who, action or f"types {place}:", update, text)

    async def replies(self, who: FakeUser, to: Sent, text: str, verb: str = "") -> list[Sent]:
        """`who` replies in the group to Hearth's message `to`."""
        action = verb or "replies in the group to Hearth's question:"
        update = self.tg.send(who, self.group, text, reply_to=to.message_id)
        return await self.act(who, action, update, text)

    async def taps(
        self, who: FakeUser, sent: Sent, test: Callable[[dict[str, Any]], bool], where: str = ""
    ) -> list[Sent]:
        """`who` taps the (callback) button under `sent` that passes `test`."""
        tapped = button(sent, test)
        action = f"taps {button_label(tapped)}" + (f" {where}" if where else "")
        return await self.act(who, action, self.tg.press(who, sent, str(tapped["callback_data"])))

    async def opens(self, who: FakeUser, sent: Sent, part: str, why: str) -> list[Sent]:
        """`who` taps a deep link under `sent`: Telegram opens the private chat with Hearth
        and sends /start with the link's payload when they press Start."""
        tapped = button(sent, link_has(part))
        url = str(tapped["url"])
        payload = url.split("start=", 1)[1]
        action = (
            f"taps {button_label(tapped)}{why}: Telegram opens {who.first_name}'s private chat "
            f"with Hearth, and {who.first_name} presses Start, which sends “/start {payload}”"
        )
        return await self.act(who, action, self.tg.start(who, payload))

    async def due(self, column: str) -> tuple[int, str]:
        """When the couple's next `column` (a Couple column, next_recap_at…) is due, as the
        script's (day, "HH:MM") in Berlin: asked of the database, so the demo needn't know
        how Hearth schedules it."""
        async with self.sim.hearth.sessions() as session:
            couple = await session.scalar(select(Couple).where(Couple.chat_id == self.group.id))
        at = getattr(couple, column, None)
        if not isinstance(at, datetime):
            raise RuntimeError(f"the demo expected the couple's {column} to be set")
        local = at.astimezone(ZoneInfo(ZONE))
        return (local.date() - MONDAY).days, local.strftime("%H:%M")

    def latest(self, chat: FakeChat | FakeUser, test: Callable[[Sent], bool]) -> Sent:
        """Hearth's latest message in `chat` that passes `test`."""
        found = next((s for s in reversed(self.tg.inbox(chat)) if test(s)), None)
        if found is None:
            raise RuntimeError(f"the demo expected a message in {chat} that is not there")
        return found


def has_button(test: Callable[[dict[str, Any]], bool]) -> Callable[[Sent], bool]:
    """A message test: some button under it passes `test`."""
    return lambda s: any(test(b) for row in s.buttons for b in row)


async def monday(w: Week) -> None:
    """Monday in full: onboarding, the gesture and its notice, the question answered in the
    group."""
    alex, sam, tg = w.alex, w.sam, w.tg
    w.day(0)
    w.say.scene("Alex and Sam add Hearth to their group")
    await w.act(
        alex,
        "creates a group “Alex & Sam” with Sam and adds Hearth to it",
        tg.add_bot(w.group, by=alex),
    )
    greeting = w.latest(w.group, has_button(data_starts("join")))
    await w.advance(0, "08:31")
    await w.taps(alex, greeting, data_starts("join"))
    await w.taps(sam, greeting, data_starts("join"))
    ready = w.latest(w.group, has_button(link_has("?start=")))
    await w.advance(0, "08:32")
    for who in (alex, sam):
        await w.opens(who, ready, "?start=", "")
    await w.advance(0, "08:34")
    await w.types(alex, w.group, f"/timezone {ZONE}")

    await w.advance(0, "09:00", "Morning: a private gesture idea for each of them")
    nudge = w.latest(alex, has_button(data_starts("g:d:")))
    await w.advance(0, "12:40")
    await w.taps(alex, nudge, data_starts("g:d:"), "after doing it over lunch")

    await w.advance(0, "19:00", "An hour before the question: did Sam notice?")
    ask = w.latest(sam, has_button(data_starts("g:y:")))
    await w.advance(0, "19:05")
    await w.taps(sam, ask, data_starts("g:y:"))

    await w.advance(0, "20:00", "The evening question")
    question = w.latest(w.group, is_question)
    await w.advance(0, "20:10")
    await w.replies(sam, question, w.texts["monday_sam"])
    await w.advance(0, "20:25")
    await w.replies(alex, question, w.texts["monday_alex"], "replies in the group too:")
    await w.advance(0, "23:30")  # Monday in full: whatever else the evening brings


async def tuesday(w: Week) -> None:
    """A secret question for the jar, and the question answered privately: sealed, then
    revealed."""
    alex, sam = w.alex, w.sam
    w.day(1)
    await w.advance(
        1,
        "12:30",
        "Sam slips a question into the jar",
        quiet="The night and the morning pass quietly",
    )
    await w.types(sam, sam, f"/jar add {w.texts['jar']}")
    await w.advance(1, "20:00", "The evening question, answered privately", quiet="")
    question = w.latest(w.group, is_question)
    await w.advance(1, "20:05")
    await w.opens(alex, question, "?start=a", " under the question, to answer in private")
    await w.advance(1, "20:07")
    came = await w.types(alex, alex, w.texts["tuesday_alex"])
    if came and not any(w.texts["tuesday_alex"] in s.text for s in came):
        w.say.note("Alex's answer stays sealed: Sam learns only that Alex has answered")
    await w.advance(1, "20:30")
    await w.types(sam, sam, w.texts["tuesday_sam"], "answers by writing to Hearth, privately:")
    mirrored = w.latest(sam, has_button(data_starts("w:")))
    await w.advance(1, "20:35")
    await w.taps(sam, mirrored, data_starts("w:"), "under Alex's answer")


async def wednesday(w: Week) -> None:
    """One settings change: the question moves to 21:00."""
    w.day(2)
    await w.advance(
        2,
        "21:30",
        "Sam moves the evening question later",
        quiet="Wednesday passes quietly; nobody answers tonight's question, and that's fine",
    )
    await w.types(w.sam, w.group, "/time question 21:00")


async def thursday(w: Week) -> None:
    """The change shows: nothing at 20:00, the question at 21:00."""
    w.day(3)
    came = await w.advance(3, "20:00", "The old question time", quiet="Thursday's day goes by")
    if not any(is_question(s) for s in came):
        w.say.note("No question at 20:00 any more")
    came = await w.advance(3, "21:00", "The new question time")
    if any(is_question(s) for s in came):
        w.say.note("Thursday's question came at 21:00, as Sam set it yesterday")


async def friday(w: Week) -> None:
    """Jar night: the jar's question is the evening's."""
    alex, sam = w.alex, w.sam
    w.day(4)
    came = await w.advance(4, "19:00", "Jar night", quiet="Friday's day goes by")
    night = next((s for s in came if is_question(s)), None)
    if night is None:
        raise RuntimeError("the demo expected jar night's question at 19:00 on Friday")
    if " ".join(w.texts["jar"].split()) in " ".join(night.text.split()):
        w.say.note("Hearth drew Sam's secret question from Tuesday: tonight it is the question")
    await w.advance(4, "19:20")
    await w.replies(alex, night, w.texts["friday_alex"], "replies in the group:")
    await w.advance(4, "19:40")
    await w.replies(sam, night, w.texts["friday_sam"], "replies in the group:")
    came = await w.advance(4, "21:00", "The usual question time", quiet="")
    if not any(is_question(s) for s in came):
        w.say.note("No second question tonight: the jar's question was the evening's")


async def weekend(w: Week) -> None:
    """A quiet Saturday, and Sunday's recap."""
    w.day(5)
    await w.advance(5, "23:59", quiet="Saturday passes quietly")
    w.day(6)
    day, hhmm = await w.due("next_recap_at")
    await w.advance(day, hhmm, "The weekly recap", quiet="Sunday goes by")


async def play(database_url: str, lang: str = "en") -> Simulation:
    """Play the week and print its transcript; returns the finished simulation."""
    async with Simulation(database_url, Week.when(0, "08:30")) as sim:
        say = Narrator(sim, ZONE)
        say.title(
            "Hearth demo: a week of Alex and Sam, who live in Berlin, against a simulated "
            f"Telegram (no token, no network). Their Telegram apps are set to {NAMES[lang]}, "
            "and they write in it. Times are Berlin time; each message Hearth sends is shown "
            "as the chat it goes to shows it."
        )
        week = Week(sim, say, lang)
        for day in (monday, tuesday, wednesday, thursday, friday, weekend):
            await day(week)
        say.note("That was a week with Hearth. Run the real bot with: python -m bot run")
        return sim


def main(argv: list[str] | None = None) -> int:
    """Play the demo week against a throw-away SQLite database (or `--database-url`)."""
    parser = argparse.ArgumentParser(prog="python -m bot demo")
    parser.add_argument("--database-url", help="use this database instead of a temporary one")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="the language the two partners' Telegram apps use and they write in (default en)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
        asyncio.run(play(url, args.lang))
    return 0
