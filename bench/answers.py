"""Answers at an evening's pace: 500 couples answer tonight's question, one partner replying
in the group, the other privately (the reveal follows), through the real Application: its
update processor, handlers, database and the running sender.

Baseline: a bare python-telegram-bot Application, same processor concurrency, whose handler
makes, per update, the same Bot API calls Hearth's updates cause (2 for a first answer, 8 for
the answer that reveals), and nothing else. Both run on the same fake Bot API: the project's
own (`FakeBotApi`, which answers like Telegram: it checks chats, HTML and lengths), as the
issue measured it; and, to show Hearth's own cost bare, an instant one that checks nothing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)

from bench.common import (
    BOT,
    InstantBotApi,
    Row,
    add_couples,
    count,
    database,
    print_table,
    start_up,
)
from bot import db
from bot.app import build_application
from bot.config import Settings
from bot.core.content import load_content
from bot.core.models import Prompt, UpdateSeen, table
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi, FakeChat, FakeUser
from bot.simulation.world import FAKE_KEY

ASKED = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)
NOW = ASKED + timedelta(minutes=5)
COUPLES = 500
CONCURRENCY = 32
# Bot API calls each update causes in Hearth (checked after each run).
FIRST_CALLS = 2  # reaction, "your turn" privately
REVEAL_CALLS = 8  # reaction, mirror, warm note, member count + 2 members, sealed post, invite


def _updates(couples: list[tuple[int, int, int, int]], bot: dict[str, Any]) -> list[dict[str, Any]]:
    """For each couple: A replies in the group to the question, B answers privately."""
    updates: list[dict[str, Any]] = []
    stamp = int(NOW.timestamp())
    for n, (_couple, chat, alex, sam) in enumerate(couples):
        question = {
            "message_id": 1,
            "date": stamp,
            "chat": {"id": chat, "type": "group", "title": "c"},
            "from": bot,
            "text": "Tonight's question",
        }
        updates.append(
            {
                "update_id": 2 * n + 1,
                "message": {
                    "message_id": 2,
                    "date": stamp,
                    "chat": {"id": chat, "type": "group", "title": "c"},
                    "from": {"id": alex, "is_bot": False, "first_name": "A"},
                    "text": "The way you laughed at breakfast, and the rain on the way home.",
                    "reply_to_message": question,
                },
            }
        )
        updates.append(
            {
                "update_id": 2 * n + 2,
                "message": {
                    "message_id": 3,
                    "date": stamp,
                    "chat": {"id": sam, "type": "private", "first_name": "S"},
                    "from": {"id": sam, "is_bot": False, "first_name": "S"},
                    "text": "Finishing the shelf together: it felt like building something ours.",
                },
            }
        )
    return updates


async def _feed(app: Application[Any, Any, Any, Any, Any, Any], raw: list[dict[str, Any]]) -> None:
    processor = app.update_processor
    await asyncio.gather(
        *(
            processor.process_update(update, app.process_update(update))
            for update in (Update.de_json(u, app.bot) for u in raw)
        )
    )


def _made(api: Api) -> int:
    """Calls made for the updates (not the start-up's getMe, command menus and so on)."""
    preparing = ("getMe", "setMyCommands", "setMyDescription", "setMyShortDescription")
    return sum(v for k, v in _calls(api).items() if k not in preparing)


Api = InstantBotApi | FakeBotApi


def _world(api: Api, couples: list[tuple[int, int, int, int]]) -> Api:
    """The project's fake must know the people, their groups and tonight's question."""
    if isinstance(api, FakeBotApi):
        for _couple, chat, alex, sam in couples:
            for user_id in (alex, sam):
                api.users[user_id] = FakeUser(user_id, "P", started=True)
            api.chats[chat] = FakeChat(chat, "c", members=[alex, sam], bot_member=True)
            api.messages[(chat, 1)] = {"message_id": 1, "chat": {"id": chat}, "text": "Q"}
            api.messages[(chat, 2)] = {"message_id": 2, "chat": {"id": chat}, "text": "A"}
            api.messages[(sam, 3)] = {"message_id": 3, "chat": {"id": sam}, "text": "S"}
    return api


def _calls(api: Api) -> dict[str, int]:
    if isinstance(api, FakeBotApi):
        found: dict[str, int] = {}
        for method, _params in api.calls:
            found[method] = found.get(method, 0) + 1
        return found
    return api.calls


async def _hearth(
    url: str, couples: list[tuple[int, int, int, int]], api: Api
) -> tuple[float, float, float]:
    """Updates per second, and statements and commits per update."""
    settings = Settings(
        token=FAKE_TOKEN,
        database_url=url,
        rate_limit=False,
        encryption_key=FAKE_KEY,
        concurrent_updates=CONCURRENCY,
    )
    app = build_application(settings, request=api, clock=lambda: NOW, content=load_content())
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    hearth = app.bot_data["hearth"]
    async with hearth.engine.begin() as connection:
        await connection.execute(
            insert(table(Prompt)),
            [
                {"couple_id": c, "kind": "question", "local_date": ASKED.date(),
                 "content_id": "mind-001", "created_at": ASKED, "message_id": 1,
                 "asked_in_group_at": ASKED}
                for c, _chat, _a, _b in couples
            ],
        )  # fmt: skip
    counts = count(hearth.engine)
    raw = _updates(couples, api.bot if isinstance(api, FakeBotApi) else BOT)
    expected = len(couples) * (FIRST_CALLS + REVEAL_CALLS)
    sending = asyncio.create_task(hearth.sender.run())
    await app.update_processor.initialize()
    started = time.perf_counter()
    await _feed(app, raw)
    while _made(api) < expected:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    hearth.sender.stop()
    await sending
    assert _made(api) == expected, _calls(api)
    statements, commits = counts.statements / len(raw), counts.commits / len(raw)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    return len(raw) / elapsed, statements, commits


async def _baseline(
    couples: list[tuple[int, int, int, int]], api: Api, url: str | None = None
) -> float:
    """The same updates through a bare Application making the same calls; with `url`, each
    update also writes one row and commits (the least that keeps an answer durably)."""
    engine = None if url is None else db.create_engine(url)
    sessions = None if engine is None else db.session_factory(engine)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        bot = context.bot
        if sessions is not None:
            async with db.writing(sessions) as session:
                await session.execute(
                    insert(table(UpdateSeen)), {"update_id": update.update_id, "seen_at": NOW}
                )
        await bot.set_message_reaction(message.chat_id, message.message_id, "❤")
        if message.chat.type == "group":
            await bot.send_message(message.from_user.id + 1, "turn", parse_mode=ParseMode.HTML)  # type: ignore[union-attr]
            return
        partner, group = message.chat_id - 1, -4_000_000_000 - (message.chat_id - 10_000_001) // 2
        await bot.send_message(partner, "mirror", parse_mode=ParseMode.HTML)
        await bot.send_message(message.chat_id, "warm", parse_mode=ParseMode.HTML)
        await bot.get_chat_member_count(group)
        await bot.get_chat_member(group, partner)
        await bot.get_chat_member(group, message.chat_id)
        await bot.send_message(group, "sealed", parse_mode=ParseMode.HTML)
        await bot.send_message(group, "invite", parse_mode=ParseMode.HTML)

    app = (
        ApplicationBuilder()
        .token(FAKE_TOKEN)
        .request(api)
        .get_updates_request(api)
        .concurrent_updates(SimpleUpdateProcessor(CONCURRENCY))
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, handle))
    await app.initialize()
    raw = _updates(couples, api.bot if isinstance(api, FakeBotApi) else BOT)
    started = time.perf_counter()
    await _feed(app, raw)
    elapsed = time.perf_counter() - started
    assert _made(api) == len(couples) * (FIRST_CALLS + REVEAL_CALLS), _calls(api)
    await app.shutdown()
    if engine is not None:
        await db.close(engine)
    return len(raw) / elapsed


async def measure(kind: str, runs: int) -> list[Row]:
    """Updates per second for both, on each fake, and Hearth's statements and commits."""
    start_up()
    rows = {
        fake: Row(
            f"{2 * COUPLES:,} answers (half revealing), {fake} Bot API",
            "updates/s",
            target="ratio ≥ 0.6" if fake == "project's fake" else "(Hearth's own cost)",
        )
        for fake in ("project's fake", "instant")
    }
    floor = Row(
        "  floor: the bare app + one INSERT and commit per update",
        "updates/s",
        note="the most any design that stores each answer before replying can reach",
    )
    statements = Row("  statements per update", "count")
    commits = Row("  commits per update", "count")
    for _run in range(runs):
        for fake, row in rows.items():
            make = (lambda: FakeBotApi("hearth_bot")) if fake == "project's fake" else InstantBotApi
            async with database(kind) as url:
                engine = db.create_engine(url)
                couples = await add_couples(engine, COUPLES, ASKED + timedelta(days=1))
                await db.close(engine)
                base = await _baseline(couples, _world(make(), couples))
                ours, per_statement, per_commit = await _hearth(
                    url, couples, _world(make(), couples)
                )
                if fake == "project's fake":  # after Hearth: it writes the same update ids
                    engine = db.create_engine(url)
                    async with engine.begin() as connection:
                        await connection.execute(delete(table(UpdateSeen)))
                    await db.close(engine)
                    durable = await _baseline(couples, _world(make(), couples), url)
                    floor.baseline.append(base)
                    floor.hearth.append(durable)
                    floor.ratio.append(durable / base)
            row.baseline.append(base)
            row.hearth.append(ours)
            row.ratio.append(ours / base)
            if fake == "instant":
                statements.hearth.append(per_statement)
                commits.hearth.append(per_commit)
    return [*rows.values(), floor, statements, commits]


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"answers — {kind}", rows)
