"""End-to-end scheduling: local times across zones and DST, restarts, races and downtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.core.content import Content
from bot.core.models import Delivery, Prompt
from bot.simulation.world import Couple, Simulation
from tests.conftest import BOTH

ENGINES = BOTH  # claims, races and cascades behave differently per engine


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def questions(sim: Simulation, couple: Couple) -> list[str]:
    return [s.text for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text]


async def setup(sim: Simulation, tz: str, at: str = "20:00") -> Couple:
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, f"/timezone {tz}"))
    await sim.feed(sim.tg.command(couple.alex, couple.group, f"/time question {at}"))
    return couple


async def prompt_dates(sim: Simulation) -> list[date]:
    async with sim.hearth.sessions() as session:
        rows = await session.scalars(
            select(Prompt.local_date).where(Prompt.kind == "question").order_by(Prompt.id)
        )
        return list(rows)


async def test_berlin_spring_forward(sim: Simulation) -> None:
    sim.clock.now = utc(2025, 3, 29, 6)
    couple = await setup(sim, "Europe/Berlin", "02:30")
    # 02:30 does not exist on 2025-03-30: it moves forward to 03:30 CEST (01:30 UTC).
    await sim.tick(utc(2025, 3, 30, 1, 29))
    assert questions(sim, couple) == []
    await sim.tick(utc(2025, 3, 30, 1, 30))
    assert len(questions(sim, couple)) == 1
    # The next day is back to 02:30 CEST (00:30 UTC), once.
    await sim.tick(utc(2025, 3, 31, 0, 29))
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 3, 31, 0, 30))
    await sim.tick(utc(2025, 3, 31, 1, 30))
    assert len(questions(sim, couple)) == 2
    assert await prompt_dates(sim) == [date(2025, 3, 30), date(2025, 3, 31)]


async def test_berlin_evening_question_over_the_spring_change(sim: Simulation) -> None:
    sim.clock.now = utc(2025, 3, 29, 6)
    couple = await setup(sim, "Europe/Berlin")
    await sim.tick(utc(2025, 3, 29, 19))  # 20:00 CET
    await sim.tick(utc(2025, 3, 30, 17, 59))  # 19:59 CEST: not yet
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 3, 30, 18))  # 20:00 CEST
    assert len(questions(sim, couple)) == 2


async def test_berlin_fall_back_repeated_hour_fires_once(sim: Simulation) -> None:
    sim.clock.now = utc(2025, 10, 25, 6)
    couple = await setup(sim, "Europe/Berlin", "02:30")
    await sim.tick(utc(2025, 10, 26, 0, 30))  # first 02:30 (CEST)
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 10, 26, 1, 30))  # second 02:30 (CET): no second question
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 10, 26, 19))  # 20:00 CET evening: nothing (time is 02:30)
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 10, 27, 1, 30))  # Monday 02:30 CET
    assert len(questions(sim, couple)) == 2


async def test_berlin_evening_question_over_the_autumn_change(sim: Simulation) -> None:
    sim.clock.now = utc(2025, 10, 25, 6)
    couple = await setup(sim, "Europe/Berlin")
    await sim.tick(utc(2025, 10, 25, 18))  # 20:00 CEST
    await sim.tick(utc(2025, 10, 26, 18))  # 19:00 CET: not yet
    assert len(questions(sim, couple)) == 1
    await sim.tick(utc(2025, 10, 26, 19))  # 20:00 CET
    assert len(questions(sim, couple)) == 2


async def test_auckland_question_is_local_evening(sim: Simulation) -> None:
    couple = await setup(sim, "Pacific/Auckland")
    # 20:00 NZST on Tuesday 3 June is 08:00 UTC on 3 June.
    await sim.tick(utc(2025, 6, 3, 7, 59))
    assert questions(sim, couple) == []
    await sim.tick(utc(2025, 6, 3, 8))
    assert len(questions(sim, couple)) == 1
    assert await prompt_dates(sim) == [date(2025, 6, 3)]


async def test_kolkata_half_hour_offset(sim: Simulation) -> None:
    couple = await setup(sim, "kolkata", "21:15")
    await sim.tick(utc(2025, 6, 2, 15, 44))
    assert questions(sim, couple) == []
    await sim.tick(utc(2025, 6, 2, 15, 45))  # 21:15 IST
    assert len(questions(sim, couple)) == 1


async def test_repeated_ticks_deliver_once(sim: Simulation) -> None:
    couple = await sim.onboard()
    for minute in range(0, 10):
        await sim.tick(utc(2025, 6, 2, 20, minute))
    assert len(questions(sim, couple)) == 1


async def test_two_ticks_racing_deliver_once(sim: Simulation) -> None:
    couples = [await sim.onboard(f"A{i}", f"B{i}") for i in range(5)]
    sim.clock.now = utc(2025, 6, 2, 20, 0, 30)
    assert sim.app.job_queue is not None
    (job,) = sim.app.job_queue.get_jobs_by_name("tick")
    await asyncio.gather(job.run(sim.app), job.run(sim.app), job.run(sim.app))
    assert not sim.errors
    await sim.send()
    for couple in couples:
        assert len(questions(sim, couple)) == 1
    async with sim.hearth.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "question")
        )
    assert count == 5


async def test_restart_mid_day_does_not_resend(database_url: str, content: Content) -> None:
    start = utc(2025, 6, 2, 6)
    async with Simulation(database_url, start, content=content) as first:
        couple = await first.onboard()
        await first.tick(utc(2025, 6, 2, 9, 0))  # gestures
        await first.tick(utc(2025, 6, 2, 20, 0))  # question
        sent_before = len(first.tg.inbox(couple.group))
        users = first.api.users
        chats = first.api.chats
        messages = first.api.messages
    # A new process on the same database, the same day, later in the evening.
    async with Simulation(database_url, utc(2025, 6, 2, 21), content=content) as second:
        second.api.users, second.api.chats, second.api.messages = users, chats, messages
        await second.tick(utc(2025, 6, 2, 21))
        await second.tick(utc(2025, 6, 2, 23, 59))
        assert second.tg.inbox(couple.group) == []
        assert second.tg.inbox(couple.alex) == []
        await second.tick(utc(2025, 6, 3, 20))
        assert len(questions(second, couple)) == 1
    assert sent_before >= 1


async def test_downtime_same_day_is_caught_up(sim: Simulation) -> None:
    couple = await sim.onboard()
    # The bot was down from 19:00 to 22:30: still the same day, so the question goes out late.
    await sim.tick(utc(2025, 6, 2, 19))
    await sim.tick(utc(2025, 6, 2, 22, 30))
    assert len(questions(sim, couple)) == 1


async def test_downtime_past_midnight_skips_the_missed_day(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(utc(2025, 6, 2, 19))
    # Down until the next morning: yesterday's question is not sent late.
    await sim.tick(utc(2025, 6, 3, 7))
    assert questions(sim, couple) == []
    await sim.tick(utc(2025, 6, 3, 20))
    assert len(questions(sim, couple)) == 1
    assert await prompt_dates(sim) == [date(2025, 6, 3)]


async def test_long_downtime_still_sends_todays_question(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(utc(2025, 6, 2, 19))
    # Down for two days, back after today's question time: today's goes out, nothing older.
    await sim.tick(utc(2025, 6, 4, 20, 30))
    assert len(questions(sim, couple)) == 1
    assert await prompt_dates(sim) == [date(2025, 6, 4)]


async def test_question_never_repeats_for_a_month(sim: Simulation) -> None:
    couple = await sim.onboard()
    day = utc(2025, 6, 2, 20)
    for n in range(30):
        await sim.tick(day + timedelta(days=n))
    texts = questions(sim, couple)
    # Fridays are jar night, whose question is that evening's: 26 evening questions.
    assert len(texts) == 30 - 4
    assert len(set(texts)) == len(texts)


async def test_one_broken_couple_does_not_stall_the_others(sim: Simulation) -> None:
    from bot.core.models import Couple as CoupleRow

    broken = await sim.onboard("X", "Y")
    fine = await sim.onboard()
    async with sim.hearth.sessions() as session, session.begin():
        row = await session.scalar(select(CoupleRow).where(CoupleRow.chat_id == broken.group.id))
        assert row is not None
        row.question_time = "99:99"  # corrupt data the tick cannot schedule
    await sim.tick(utc(2025, 6, 2, 20))
    assert len(questions(sim, fine)) == 1
    assert questions(sim, broken) == []
