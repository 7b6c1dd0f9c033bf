"""A shared 20:00 at Telegram's pace: due questions sent through a Bot API that enforces the
three windows (overall rate, one a second per chat, twenty a minute per group) and answers
429 to anything faster. Wall-clock time: this is the one benchmark that must wait.

Baseline: the configured rate (the ceiling). Hearth: first-to-last rate of the running sender.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ExtBot

from bench.common import LimitedBotApi, Row, add_couples, database, print_table, start_up
from bot import db
from bot.core import outbox
from bot.core.content import load_content
from bot.core.limiter import Limiter, Limits
from bot.core.outbox import Outgoing
from bot.core.purposes import Purpose
from bot.core.scheduler import tick
from bot.simulation.fake_api import FAKE_TOKEN
from handlers.limits import TelegramLimits
from handlers.sender import Sender, in_flight_for

NOW = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)
CASES = ((600, 30, False), (3_000, 1_000, True))  # (questions, messages/s, paid broadcast)


TURN_CHAT = 77  # a partner's private chat, answered mid-burst
TURN_AFTER = 100  # questions out when the partner's answer queues "your turn"


async def _turn(sessions: async_sessionmaker[AsyncSession], sender: Sender) -> float:
    """A partner answers mid-burst: "your turn" for the other is queued, as a handler does."""
    async with db.writing(sessions) as session:
        turn = Outgoing(TURN_CHAT, "your turn", purpose=Purpose.YOUR_TURN)
        await outbox.enqueue(session, [(None, [turn])], NOW)
    sender.wake()
    return time.monotonic()


async def _burst(url: str, count: int, rate: int, paid: bool) -> tuple[float, int, float]:
    """Send `count` due questions; the achieved rate, how many 429s were drawn, and how long
    a partner's turn queued mid-burst waited."""
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    await tick(sessions, load_content(), NOW, "hearth_bot")
    api = LimitedBotApi(per_second=rate)
    bot: ExtBot[int] = ExtBot(
        FAKE_TOKEN, request=api, get_updates_request=api,
        rate_limiter=TelegramLimits(Limiter(Limits(per_second=rate))),
    )  # fmt: skip
    await bot.initialize()
    sender = Sender(bot, sessions, lambda: NOW, batch=in_flight_for(rate), paid_broadcast=paid)
    running = asyncio.create_task(sender.run())
    deadline = time.monotonic() + 3 * count / rate + 30
    queued = None
    while len(api.sent_at) < count + 1 and time.monotonic() < deadline:
        if queued is None and len(api.sent_at) >= TURN_AFTER:
            queued = await _turn(sessions, sender)
        await asyncio.sleep(0.01)
    sender.stop()
    await running
    await bot.shutdown()
    await db.close(engine)
    assert len(api.sent_at) == count + 1 and queued is not None, (len(api.sent_at), count)
    first, last = api.sent_at[0], api.sent_at[-1]
    waited = api.sent_at[api.sent_to.index(TURN_CHAT)] - queued
    return count / (last - first), api.refused, waited


async def measure(kind: str, runs: int) -> list[Row]:
    """For each case: the configured rate, the achieved rate, their ratio, and the 429s."""
    start_up()
    rows = []
    for count, rate, paid in CASES:
        mode = "paid broadcast" if paid else "free"
        speed = Row(
            f"{count:,} due questions at {rate}/s ({mode})",
            "msg/s",
            target="ratio ≥ 0.95, zero 429s",
        )
        refused = Row("  429s drawn", "count", target="0")
        turn = Row(
            f"  a partner's turn queued after {TURN_AFTER} had gone",
            "s until sent",
            note="baseline: the wait in line behind the rest of the burst; Hearth: measured",
        )
        for _run in range(runs):
            async with database(kind) as url:
                engine = db.create_engine(url)
                await add_couples(engine, count, NOW)
                await db.close(engine)
                achieved, n429, waited = await _burst(url, count, rate, paid)
            speed.baseline.append(float(rate))
            speed.hearth.append(achieved)
            speed.ratio.append(achieved / rate)
            refused.hearth.append(float(n429))
            in_line = (count - TURN_AFTER) / rate
            turn.baseline.append(in_line)
            turn.hearth.append(waited)
            turn.ratio.append(waited / in_line)
        rows += [speed, refused, turn]
    return rows


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"burst at Telegram's limits — {kind}", rows)
