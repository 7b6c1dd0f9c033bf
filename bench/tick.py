"""The evening burst's first half: 10,000 couples due in the same minute, handed out by the tick.

Baseline: the same rows (deliveries, prompts, outbox messages, next instants) written
set-based, batch by batch, with no domain logic: the floor any implementation pays.
Hearth: `tick(now)` itself, picking each couple's question from the bank.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import Row, add_couples, count, database, print_table, start_up
from bot import db
from bot.core.content import load_content
from bot.core.models import Couple, Delivery, OutboxMessage, Partner, Prompt
from bot.core.purposes import OutboxStatus, Purpose
from bot.core.scheduler import BATCH, tick

NOW = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)
COUPLES = 10_000


async def _reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in (OutboxMessage, Delivery, Prompt):
            await connection.execute(delete(table))
        await connection.execute(update(Couple).values(next_question_at=NOW))


async def _baseline(engine: AsyncEngine) -> int:
    """Write what the tick writes for every due couple, set-based, with nothing else."""
    sessions = db.session_factory(engine)
    written = 0
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    while True:
        async with db.writing(sessions) as session:
            due = list(
                await session.execute(
                    select(Couple.id, Couple.chat_id)
                    .where(Couple.next_question_at <= NOW, Couple.active.is_(True))
                    .order_by(Couple.next_question_at)
                    .limit(BATCH)
                )
            )
            if not due:
                return written
            ids = [couple_id for couple_id, _chat in due]
            await session.execute(
                dialect.insert(Delivery)
                .on_conflict_do_nothing(
                    index_elements=["couple_id", "partner_id", "kind", "local_date"]
                )
                .returning(Delivery.couple_id),
                [
                    {"couple_id": i, "kind": "question", "local_date": NOW.date(),
                     "created_at": NOW}
                    for i in ids
                ],
            )  # fmt: skip
            rows = await session.execute(
                insert(Prompt).returning(Prompt.couple_id, Prompt.id),
                [
                    {"couple_id": i, "kind": "question", "local_date": NOW.date(),
                     "content_id": "mind-001", "created_at": NOW}
                    for i in ids
                ],
            )  # fmt: skip
            prompt_ids = {couple: prompt for couple, prompt in rows}
            await session.execute(
                update(Partner).where(Partner.couple_id.in_(ids)).values(pending_prompt_id=None)
            )
            await session.execute(
                insert(OutboxMessage),
                [
                    {"couple_id": i, "chat_id": chat, "method": "message",
                     "payload": {"text": "Tonight's question " * 8, "buttons": [[{"text": "x",
                                 "url": f"https://t.me/hearth_bot?start=a{p}"}]]},
                     "purpose": Purpose.QUESTION, "prompt_id": p, "status": OutboxStatus.PENDING,
                     "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}
                    for (i, chat), p in ((d, prompt_ids[d[0]]) for d in due)
                ],
            )  # fmt: skip
            await session.execute(
                update(Couple),
                [{"id": i, "next_question_at": NOW + timedelta(days=1)} for i in ids],
            )
            written += len(ids)


async def _hearth(engine: AsyncEngine) -> int:
    sessions = db.session_factory(engine)
    delivered = await tick(sessions, load_content(), NOW, "hearth_bot")
    return delivered["question"]


async def measure(kind: str, runs: int) -> list[Row]:
    """Time baseline and Hearth alternately on the same 10,000 due couples."""
    start_up()
    timing = Row("10,000 couples due at once", "s", target="Hearth ≤ 3× baseline")
    per_couple = Row("statements per couple", "count")
    async with database(kind) as url:
        engine = db.create_engine(url)
        await add_couples(engine, COUPLES, NOW)
        counts = count(engine)
        for _run in range(runs):
            seconds = {}
            for name, work in (("baseline", _baseline), ("hearth", _hearth)):
                await _reset(engine)
                counts.reset()
                started = time.perf_counter()
                done = await work(engine)
                seconds[name] = time.perf_counter() - started
                assert done == COUPLES, (name, done)
                if name == "hearth":
                    per_couple.hearth.append(counts.statements / COUPLES)
                else:
                    per_couple.baseline.append(counts.statements / COUPLES)
            timing.baseline.append(seconds["baseline"])
            timing.hearth.append(seconds["hearth"])
            timing.ratio.append(seconds["hearth"] / seconds["baseline"])
        await db.close(engine)
    per_couple.ratio = [h / b for h, b in zip(per_couple.hearth, per_couple.baseline, strict=True)]
    return [timing, per_couple]


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"tick — {kind}", rows)
