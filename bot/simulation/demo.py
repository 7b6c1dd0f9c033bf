"""`python -m bot demo`: a couple's whole day against the simulated Telegram, no token needed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Simulation

START = datetime(2025, 6, 6, 6, 0, tzinfo=UTC)  # a Friday: jar night included


class Narrator:
    """Prints who does what, and every message the bot sends, as each person sees it."""

    def __init__(self, sim: Simulation, width: int = 78) -> None:
        """Follow the simulation's fake Telegram from now on."""
        self.sim = sim
        self.seen = 0
        self.reacted = 0
        self.called = 0
        self.width = width
        self.names: dict[int, str] = {}

    def name(self, chat_id: int) -> str:
        """How a chat is called in the transcript."""
        if chat_id in self.names:
            return self.names[chat_id]
        user = self.sim.api.users.get(chat_id)
        return f"{user.first_name} (private)" if user else "group"

    def clock(self) -> str:
        """The simulated local time in Berlin."""
        from zoneinfo import ZoneInfo

        return self.sim.clock.now.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M")

    def scene(self, title: str) -> None:
        """A heading for the next part of the day."""
        print(f"\n=== {self.clock()} · {title} ".ljust(self.width, "="))

    def act(self, who: str, what: str) -> None:
        """A person does something."""
        print(f"\n  👤 {who}: {what}")

    def show(self) -> None:
        """Print the bot's messages, edits, reactions and pop-ups since the last call."""
        for method, params in self.sim.api.calls[self.called :]:
            if method == "editMessageText":
                text = self.sim.api.messages[(params["chat_id"], params["message_id"])]["text"]
                last_line = text.strip().splitlines()[-1]
                print(
                    f"\n  ✏️  Hearth updates its message in {self.name(params['chat_id'])}: "
                    f"“{last_line}”"
                )
            elif method == "answerCallbackQuery" and params.get("text"):
                print(f"\n  💬 pop-up: “{params['text']}”")
        for sent in self.sim.api.sent[self.seen :]:
            self._print(sent)
        for chat_id, _message_id, emoji in self.sim.api.reactions[self.reacted :]:
            print(f"\n  {emoji} Hearth reacts to the message in {self.name(chat_id)}")
        self.skip()

    def skip(self) -> None:
        """Pass over what happened since the last call without printing it."""
        self.seen = len(self.sim.api.sent)
        self.reacted = len(self.sim.api.reactions)
        self.called = len(self.sim.api.calls)

    def _print(self, sent: Sent) -> None:
        print(f"\n  🤖 Hearth → {self.name(sent.chat_id)}:")
        for paragraph in sent.text.split("\n"):
            lines = textwrap.wrap(paragraph, self.width - 6) or [""]
            for line in lines:
                print(f"     │ {line}")
        labels = [b["text"] for row in sent.buttons for b in row]
        if labels:
            print("     │ " + "  ".join(f"[{label}]" for label in labels))


async def play(database_url: str) -> Simulation:
    """Run the demo day and print the transcript; returns the finished simulation."""
    async with Simulation(database_url, START) as sim:
        tg = sim.tg
        say = Narrator(sim)
        alex, sam = tg.user("Alex"), tg.user("Sam")
        group: FakeChat = tg.group("Alex & Sam", [alex, sam])
        say.names[group.id] = "group “Alex & Sam”"

        async def act(who: FakeUser, what: str, update: dict[str, object] | None) -> None:
            say.act(who.first_name, what)
            await sim.feed(update)
            say.show()

        say.scene("Alex and Sam add Hearth to their group")
        await act(alex, "adds Hearth to the group", tg.add_bot(group, by=alex))
        greeting = tg.last(group)
        await act(alex, "taps [We're in]", tg.press(alex, greeting, "join"))
        await act(sam, "taps [We're in]", tg.press(sam, greeting, "join"))
        token = tg.url_buttons(tg.last(group))[0].split("start=", 1)[1]
        await act(alex, "taps [Open my private chat] and Start", tg.start(alex, token))
        await act(sam, "taps [Open my private chat] and Start", tg.start(sam, token))
        await act(alex, "/timezone berlin", tg.command(alex, group, "/timezone berlin"))

        sim.clock.now = datetime(2025, 6, 6, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
        say.scene("Morning: a private gesture idea for each")
        await sim.tick()
        say.show()
        nudge = tg.last(alex)
        await act(
            alex,
            "does it, then taps [Done]",
            tg.press(alex, nudge, tg.button_data(nudge, "g:d:")),
        )

        say.scene("Sam slips a secret question into the jar")
        await act(
            sam,
            "/jar add What tiny thing did you love about today?",
            tg.command(sam, sam, "/jar add What tiny thing did you love about today?"),
        )
        await act(alex, "/jar (in private)", tg.command(alex, alex, "/jar"))

        say.scene("Sam saves Alex's birthday, secretly")
        await act(
            sam,
            "/dates add 11.06 Alex's birthday (in private)",
            tg.command(sam, sam, "/dates add 11.06 Alex's birthday"),
        )

        sim.clock.now = datetime(2025, 6, 6, 17, 0, tzinfo=UTC)  # 19:00 in Berlin: jar night
        say.scene("Evening: did Sam notice? And it's jar night")
        await sim.tick()
        say.show()
        ask = tg.last(sam)
        await act(sam, "taps [I noticed]", tg.press(sam, ask, tg.button_data(ask, "g:y:")))
        drawn = next(s for s in reversed(tg.inbox(group)) if "jar" in s.text.lower())
        await act(
            alex,
            "replies to the jar question in the group",
            tg.send(
                alex, group, "Your laugh when the cat fell off the sofa.", reply_to=drawn.message_id
            ),
        )
        await act(
            sam,
            "replies too",
            tg.send(sam, group, "Our walk home in the warm rain.", reply_to=drawn.message_id),
        )

        sim.clock.now = datetime(2025, 6, 6, 18, 0, tzinfo=UTC)  # 20:00 in Berlin
        say.scene("Evening: the daily question")
        await sim.tick()
        say.show()
        question = tg.last(group)
        await act(
            alex,
            "replies to the question in the group",
            tg.send(
                alex,
                group,
                "Coffee in bed on Sundays. It tells me the week can wait.",
                reply_to=question.message_id,
            ),
        )
        await act(
            sam,
            "answers privately, sealed until both have answered",
            tg.send(sam, sam, "A long bath after work: it's where I finally hear my own thoughts."),
        )

        say.scene("Safe space: a warm response, one tap")
        mirrored = next(s for s in reversed(tg.inbox(sam)) if s.buttons)
        first = mirrored.buttons[0][0]
        await act(
            sam,
            f"taps [{first['text']}] under Alex's answer",
            tg.press(sam, mirrored, first["callback_data"]),
        )

        say.scene("Something neither of them has done")
        await act(alex, "/together", tg.command(alex, group, "/together"))
        idea = tg.last(group)
        await act(sam, "taps [Let's try it]", tg.press(sam, idea, tg.button_data(idea, "t:")))
        await act(alex, "/together list", tg.command(alex, group, "/together list"))

        # Saturday passes (gesture ideas, the question, the weekly idea) unprinted.
        for day, hour in ((7, 7), (7, 18)):
            await sim.tick(datetime(2025, 6, day, hour, 0, tzinfo=UTC))
        say.skip()
        sim.clock.now = datetime(2025, 6, 8, 7, 0, tzinfo=UTC)  # Sunday 09:00 in Berlin
        say.scene("Sunday morning: ideas for today, and Sam's secret reminder")
        await sim.tick()
        say.show()
        sim.clock.now = datetime(2025, 6, 8, 17, 30, tzinfo=UTC)  # Sunday 19:30 in Berlin
        say.scene("Sunday evening: the weekly recap")
        await sim.tick()
        say.show()
        return sim


def main(argv: list[str] | None = None) -> int:
    """Play the demo against a throw-away SQLite database."""
    parser = argparse.ArgumentParser(prog="python -m bot demo")
    parser.add_argument("--database-url", help="use this database instead of a temporary one")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print("Hearth demo: a couple's day, against a simulated Telegram (no token, no network).")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
        asyncio.run(play(url))
    print("\nThat was one day with Hearth. Run the real bot with: python -m bot run")
    return 0
