"""The evening burst's second half: sending what the tick queued, against an instant Bot API.

Baseline: bare `send_message` calls for the same messages, 200 at a time, nothing recorded.
Hearth: the sender draining the outbox (claim a batch, send chats concurrently, record the
results), with the limiter in place but unbounded (Telegram's pace is the burst benchmark).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bench.common import InstantBotApi, Row, add_couples, database, print_table, start_up
from bot import db
from bot.core.content import load_content
from bot.core.limiter import Limiter, Limits
from bot.core.scheduler import tick
from bot.simulation.fake_api import FAKE_TOKEN
from handlers.limits import TelegramLimits
from handlers.sender import Sender

NOW = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)
MESSAGES = 5_000
TEXT = "🕯 Tonight's question for P &amp; P:\n\n<b>What made you smile today?</b>\n\nReply…"


async def _bot(api: InstantBotApi) -> ExtBot[int]:
    bot: ExtBot[int] = ExtBot(
        FAKE_TOKEN, request=api, get_updates_request=api,
        rate_limiter=TelegramLimits(Limiter(Limits(0))),
    )  # fmt: skip
    await bot.initialize()
    return bot


async def _baseline(chats: list[int]) -> float:
    bot = await _bot(InstantBotApi())
    started = time.perf_counter()
    for start in range(0, len(chats), 200):
        await asyncio.gather(
            *(
                bot.send_message(chat, TEXT, parse_mode=ParseMode.HTML)
                for chat in chats[start : start + 200]
            )
        )
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return len(chats) / elapsed


async def _hearth(url: str) -> float:
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    await tick(sessions, load_content(), NOW, "hearth_bot")  # queues MESSAGES questions
    api = InstantBotApi()
    sender = Sender(await _bot(api), sessions, lambda: NOW)
    started = time.perf_counter()
    sent = await sender.drain()
    elapsed = time.perf_counter() - started
    assert sent == MESSAGES == api.calls.get("sendMessage"), (sent, api.calls)
    await db.close(engine)
    return sent / elapsed


async def measure(kind: str, runs: int) -> list[Row]:
    """Messages per second, baseline and Hearth, each run on a fresh database."""
    start_up()
    rate = Row(f"{MESSAGES:,} queued questions sent", "msg/s", target="Hearth ≥ 1,000 msg/s")
    for _run in range(runs):
        async with database(kind) as url:
            engine = db.create_engine(url)
            couples = await add_couples(engine, MESSAGES, NOW)
            await db.close(engine)
            base = await _baseline([chat for _id, chat, _a, _b in couples])
            ours = await _hearth(url)
        rate.baseline.append(base)
        rate.hearth.append(ours)
        rate.ratio.append(ours / base)
    return [rate]


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"sender — {kind}", rows)
