"""How the database grows: 20 couples live 45 days of full use through the real Application
(every gesture done and noticed, every evening question answered by both with a warm
response back, jar questions written and drawn, weekly ideas tried, recaps). Housekeeping
runs as in service: finished messages, old deliveries and seen updates are compacted after
two or three days, so those tables reach a steady size within days. The rate that matters
for a host is the long-run one: the growth over the last four weeks, scaled to a year.

Baseline: the partners' own words (answers and jar questions, as UTF-8): what any store of
them must hold. Hearth: the database's live bytes (SQLite: used pages; PostgreSQL: tables
and indexes, vacuumed daily as autovacuum would), both per couple-year.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.common import Row, database, print_table, setup_vault
from bot.core.content import Content, load_content
from bot.simulation.world import Couple, Simulation

COUPLES = 20
DAYS = 45
# The compacted tables have reached their steady size by then; from it to the end is four
# whole weeks, so both sizes are taken after the same weekday (how many messages the last
# few days left in the outbox depends on the weekday: jar night, the weekend's rituals).
SETTLED = DAYS - 28
START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday


def prose(content: Content) -> list[str]:
    """Sentences of ordinary English to write answers with: those of Hearth's own gesture,
    activity and question banks. Answers are stored deflated, so their words must compress
    as real prose does (by about 30 % at these lengths), not as a few repeated words would."""
    texts = [
        str(item.text)
        for bank in (content.gestures, content.activities, content.questions)
        for item in bank
    ]
    return [s for text in texts for s in re.split(r"(?<=[.?!])\s+", text) if s]


def answer(rng: random.Random, sentences: list[str]) -> str:
    """An answer of a realistic length: mostly a few lines, sometimes a long one."""
    roll = rng.random()
    length = rng.randint(40, 120) if roll < 0.6 else rng.randint(120, 300)
    if roll >= 0.9:
        length = rng.randint(300, 800)
    said = ""
    while len(said) < length:
        said += rng.choice(sentences) + " "
    return said[:length].strip() + "."


async def size(sim: Simulation) -> int:
    """The database's live bytes."""
    async with sim.hearth.sessions() as session:
        if sim.hearth.engine.dialect.name == "postgresql":
            total = await session.scalar(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN "
                    "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                    "AND c.relkind = 'r'"
                )
            )
            return int(total or 0)
        pages = await session.scalar(text("PRAGMA page_count"))
        free = await session.scalar(text("PRAGMA freelist_count"))
        page = await session.scalar(text("PRAGMA page_size"))
        return int((pages - free) * page)


async def vacuum(sim: Simulation) -> None:
    """PostgreSQL: what autovacuum does many times in a real day, so that the space of rows
    deleted or updated is reused as it is in service (SQLite reuses it by itself)."""
    if sim.hearth.engine.dialect.name != "postgresql":
        return
    async with sim.hearth.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql("VACUUM")


async def live_a_day(
    sim: Simulation, couples: list[Couple], day: int, rng: random.Random, sentences: list[str]
) -> int:
    """One day of full use for every couple; returns the bytes of words they wrote."""
    base, tg, written = START + timedelta(days=day), sim.tg, 0
    await sim.tick(base.replace(hour=9))
    for couple in couples:
        for giver in (couple.alex, couple.sam):
            nudge = next(s for s in reversed(tg.inbox(giver)) if s.buttons)
            await sim.feed(tg.press(giver, nudge, tg.button_data(nudge, "g:d:")))
    await sim.tick(base.replace(hour=19))
    for couple in couples:
        for receiver in (couple.alex, couple.sam):
            asks = [s for s in tg.inbox(receiver) if "come your way" in s.text and s.buttons]
            if asks:
                await sim.feed(tg.press(receiver, asks[-1], tg.button_data(asks[-1], "g:y:")))
        drawn = [s for s in tg.inbox(couple.group) if "jar:" in s.text and s.buttons]
        if base.weekday() == 4 and drawn:  # jar night: both reply in the group
            for user in (couple.alex, couple.sam):
                words = answer(rng, sentences)
                written += len(words.encode())
                await sim.feed(tg.send(user, couple.group, words, reply_to=drawn[-1].message_id))
    await sim.tick(base.replace(hour=20))
    for n, couple in enumerate(couples):
        question = next(s for s in reversed(tg.inbox(couple.group)) if "Tonight's" in s.text)
        first, second = (couple.alex, couple.sam) if (n + day) % 2 else (couple.sam, couple.alex)
        for user, in_group in ((first, True), (second, False)):
            words = answer(rng, sentences)
            written += len(words.encode())
            chat = couple.group if in_group else user
            reply = question.message_id if in_group else None
            await sim.feed(tg.send(user, chat, words, reply_to=reply))
        for user in (couple.alex, couple.sam):
            warm = [s for s in tg.inbox(user)[-3:] if any("w:" in str(b) for b in s.buttons)]
            if warm:
                await sim.feed(tg.press(user, warm[-1], tg.button_data(warm[-1], "w:")))
        if day % 3 == 0:
            ask = f"/jar add What did day {day} teach you about us, and why?"
            written += len(ask.encode()) - len("/jar add ")
            await sim.feed(tg.command(couple.alex, couple.alex, ask))
        if base.weekday() == 5:
            await sim.feed(tg.command(couple.sam, couple.group, "/together"))
            idea = tg.last(couple.group)
            if idea.buttons:
                await sim.feed(tg.press(couple.sam, idea, tg.button_data(idea, "t:")))
    await sim.tick(base.replace(hour=23))
    return written


async def measure(kind: str, runs: int) -> list[Row]:
    """Bytes per couple-year, for the words themselves and for Hearth's database."""
    setup_vault()
    content = load_content()
    row = Row(
        f"{COUPLES} couples × {DAYS} days of full use",
        "KB per couple-year",
        target="Hearth ≤ 300",
    )
    sentences = prose(content)
    for run in range(runs):
        async with database(kind) as url, Simulation(url, START, content=content) as sim:
            couples = [await sim.onboard(f"A{i}", f"B{i}") for i in range(COUPLES)]
            before, words = 0, 0
            rng = random.Random(run)
            for day in range(DAYS):
                if day == SETTLED:
                    before, words = await size(sim), 0
                words += await live_a_day(sim, couples, day, rng, sentences)
                await vacuum(sim)
            after = await size(sim)
        scale = 365 / (DAYS - SETTLED) / COUPLES / 1024
        row.baseline.append(words * scale)
        row.hearth.append((after - before) * scale)
        row.ratio.append((after - before) / words)
    return [row]


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"growth — {kind}", rows)
