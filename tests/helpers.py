"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.core.models import Answer, Couple, Partner, Prompt
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)  # Monday 20:00, the `sim` fixture's first evening


async def couple_in(sim: Simulation, chat: FakeChat | int) -> Couple:
    """The couple row of a group chat (by chat or chat id), partners loaded, freshly read."""
    chat_id = chat if isinstance(chat, int) else chat.id
    async with sim.hearth.sessions() as session:
        couple = await session.scalar(select(Couple).where(Couple.chat_id == chat_id))
    assert couple is not None, f"no couple for chat {chat_id}"
    return couple


async def partner_row(sim: Simulation, user: FakeUser) -> Partner:
    """A partner as stored (the user's only partner record), freshly read."""
    async with sim.hearth.sessions() as session:
        partner = await session.scalar(select(Partner).where(Partner.user_id == user.id))
    assert partner is not None, f"no partner for user {user.id}"
    return partner


def settings_state(couple: Couple) -> tuple[object, ...]:
    """Everything a settings command or button may change."""
    return (
        couple.tz,
        couple.question_time,
        couple.gesture_time,
        couple.jar_day,
        couple.jar_time,
        couple.together_day,
        couple.together_enabled,
        couple.depth,
        couple.paused,
        couple.paused_until,
        couple.next_question_at,
        couple.next_gesture_at,
        couple.next_jar_at,
        couple.next_together_at,
    )


async def at_once(sim: Simulation, *updates: dict[str, Any] | None) -> None:
    """Process updates side by side, as the service's update processor does."""
    app = sim.app
    parsed = [Update.de_json(u, app.bot) for u in updates if u is not None]
    await asyncio.gather(
        *(app.update_processor.process_update(u, app.process_update(u)) for u in parsed)
    )
    assert not sim.errors, sim.errors
    await sim.send()


class FreezingProxy:
    """A TCP proxy in front of a server that can stop passing bytes (a hung connection: no
    error, no answer), as a failover or a network partition leaves a database connection."""

    def __init__(self, host: str, port: int) -> None:
        """Forward to `host:port` once started."""
        self.target = (host, port)
        self.frozen = False
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> FreezingProxy:
        """Listen on a free local port."""
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening (open connections end with the test's loop)."""
        if self._server is not None:
            self._server.close()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            while self.frozen:
                await asyncio.sleep(0.01)
            sink.write(data)
            await sink.drain()
        sink.close()


async def ask(sim: Simulation, at: datetime = EVENING) -> tuple[SimCouple, Sent]:
    """A couple set up and asked tonight's question: the couple and the question's message."""
    couple = await sim.onboard()
    await sim.tick(at)
    question = sim.tg.last(couple.group)
    assert "Tonight's question" in question.text
    return couple, question


async def pair_anew(sim: Simulation, partner: FakeUser, name: str) -> tuple[FakeChat, FakeUser]:
    """`partner` starts Hearth again with someone new, `name`, in a new group (both join)."""
    other = sim.tg.user(name)
    group = sim.tg.group(f"{partner.first_name} & {name}", [partner, other])
    await sim.feed(sim.tg.add_bot(group, by=other))
    greeting = sim.tg.last(group)
    await sim.feed(sim.tg.press(partner, greeting, "join"))
    await sim.feed(sim.tg.press(other, greeting, "join"))
    return group, other


async def answered_on(sim: Simulation) -> dict[str, str]:
    """Each stored answer's text and the local date of the question it was filed under."""
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Answer.text, Prompt.local_date).join(Prompt, Answer.prompt_id == Prompt.id)
        )
        return {str(words): day.isoformat() for words, day in rows}


async def partner_instead(sim: Simulation, group: FakeChat, instead_of: FakeUser) -> FakeUser:
    """Chris joins the group where `instead_of` was, taps "We're in" and opens a private chat."""
    chris = sim.tg.user("Chris")
    sim.tg.join_group(group, chris)
    group.members.remove(instead_of.id)
    await sim.feed(sim.tg.command(chris, group, "/start"))
    await sim.feed(sim.tg.press(chris, sim.tg.last(group), "join"))
    await sim.feed(sim.tg.start(chris))
    return chris
