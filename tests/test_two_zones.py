"""End to end: two time zones. A partner on their own clock gets the couple's question of the
day privately at their own evening and the gesture at their own morning; one prompt per date,
sealed and revealed across the two calendar days it can span."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import select

from bot.core.apart import lives_apart
from bot.core.content import Content
from bot.core.models import Answer, Delivery, GestureAssignment, Partner, Prompt
from bot.simulation.fake_api import FakeUser, Sent
from bot.simulation.world import Couple, Simulation
from tests.helpers import couple_in

OWN = "Your evening question"
GROUP = "Tonight's question"
NUDGE = "A small idea for today"


@pytest.fixture(autouse=True)
def batches_never_fall_back(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Own-clock deliveries go out in their batch: the couple-by-couple fallback would hide a
    batch that always fails (and cost a statement per couple)."""
    yield
    assert not [r for r in caplog.get_records("call") if "batch failed" in r.getMessage()]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def own_questions(sim: Simulation, user: FakeUser) -> list[Sent]:
    return [s for s in sim.tg.inbox(user) if OWN in s.text]


def group_questions(sim: Simulation, couple: Couple) -> list[Sent]:
    return [s for s in sim.tg.inbox(couple.group) if GROUP in s.text]


def nudges(sim: Simulation, user: FakeUser) -> list[Sent]:
    return [s for s in sim.tg.inbox(user) if NUDGE in s.text]


def bold(sent: Sent) -> str:
    """The question (or idea) itself: the bold part of the message."""
    match = re.search(r"<b>(.*?)</b>", sent.html, re.S)
    assert match, sent.html
    return unescape(match.group(1))


async def split(sim: Simulation, couple_zone: str, sams_zone: str) -> Couple:
    """Alex and Sam; the couple (the group) lives by `couple_zone`, Sam by his own zone."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, f"/timezone {couple_zone}"))
    await sim.feed(sim.tg.command(couple.sam, couple.sam, f"/timezone me {sams_zone}"))
    return couple


async def say(sim: Simulation, user: FakeUser, text: str, at: datetime) -> None:
    """`user` writes to Hearth privately at `at`."""
    sim.clock.now = at
    await sim.feed(sim.tg.send(user, user, text))


async def prompts(sim: Simulation) -> list[Prompt]:
    async with sim.hearth.sessions() as session:
        rows = await session.scalars(
            select(Prompt).where(Prompt.kind == "question").order_by(Prompt.id)
        )
        return list(rows)


async def answered(sim: Simulation) -> dict[str, date]:
    """Each answer's text and the date of the prompt it was filed under."""
    async with sim.hearth.sessions() as session:
        rows = await session.execute(select(Answer.text, Prompt.local_date).join(Prompt))
        return {str(text): day for text, day in rows}


async def test_auckland_and_berlin_one_question_revealed_across_two_dates(
    sim: Simulation,
) -> None:
    c = await split(sim, "Pacific/Auckland", "Europe/Berlin")
    # Monday 20:00 in Auckland (NZST) is 08:00 UTC: the group's question.
    await sim.tick(utc(2025, 6, 2, 7, 59))
    await sim.tick(utc(2025, 6, 2, 8))
    (asked,) = group_questions(sim, c)
    assert own_questions(sim, c.sam) == []
    # Monday 20:00 in Berlin (CEST) is 18:00 UTC: the same question, to Sam privately.
    await sim.tick(utc(2025, 6, 2, 17, 59))
    assert own_questions(sim, c.sam) == []
    await sim.tick(utc(2025, 6, 2, 18))
    (mine,) = own_questions(sim, c.sam)
    assert bold(mine) == bold(asked) and "Sam" in mine.text
    assert own_questions(sim, c.alex) == [] and len(group_questions(sim, c)) == 1

    # Sam answers on his Monday evening; Alex on his Tuesday morning (07:30 in Auckland).
    await say(sim, c.sam, "Sam on Monday night", utc(2025, 6, 2, 18, 30))
    assert not any("Sam on Monday night" in s.text for s in sim.tg.inbox(c.alex))
    await say(sim, c.alex, "Alex on Tuesday morning", utc(2025, 6, 2, 19, 30))
    assert any("Sam on Monday night" in s.text for s in sim.tg.inbox(c.alex))
    assert any("Alex on Tuesday morning" in s.text for s in sim.tg.inbox(c.sam))
    assert any("Both answers are in" in s.text for s in sim.tg.inbox(c.group))
    (prompt,) = await prompts(sim)
    assert prompt.local_date == date(2025, 6, 2) and prompt.revealed_at is not None
    assert await answered(sim) == {
        "Sam on Monday night": date(2025, 6, 2),
        "Alex on Tuesday morning": date(2025, 6, 2),
    }

    # Tuesday: the group at Auckland's evening, Sam at his own; one prompt for the date.
    await sim.tick(utc(2025, 6, 3, 8))
    await sim.tick(utc(2025, 6, 3, 18))
    assert len(group_questions(sim, c)) == 2 and len(own_questions(sim, c.sam)) == 2
    assert bold(group_questions(sim, c)[1]) == bold(own_questions(sim, c.sam)[1])
    assert [p.local_date for p in await prompts(sim)] == [date(2025, 6, 2), date(2025, 6, 3)]


async def test_a_private_answer_goes_to_the_question_put_to_its_sender(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Pacific/Auckland", "Europe/Berlin")
        for at in (utc(2025, 6, 2, 8), utc(2025, 6, 2, 18), utc(2025, 6, 3, 8)):
            await sim.tick(at)
        # Tuesday 11:00 in Berlin: Alex has Tuesday's question already, Sam not yet.
        await say(sim, c.sam, "Late for Monday", utc(2025, 6, 3, 9))
        await sim.tick(utc(2025, 6, 3, 18))
        await say(sim, c.sam, "Tuesday, Berlin", utc(2025, 6, 3, 18, 5))
        assert await answered(sim) == {
            "Late for Monday": date(2025, 6, 2),
            "Tuesday, Berlin": date(2025, 6, 3),
        }


async def test_a_question_first_put_to_the_other_partner_is_not_yet_yours(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Europe/Berlin", "Pacific/Auckland")
        # Monday 20:00 in Auckland comes first: Sam is asked, the group not yet.
        await sim.tick(utc(2025, 6, 2, 8))
        assert len(own_questions(sim, c.sam)) == 1 and group_questions(sim, c) == []
        await say(sim, c.alex, "Is there something?", utc(2025, 6, 2, 9))
        assert "Nothing is waiting" in sim.tg.last(c.alex).text
        await sim.tick(utc(2025, 6, 2, 18))  # Monday 20:00 in Berlin
        assert bold(group_questions(sim, c)[0]) == bold(own_questions(sim, c.sam)[0])
        await say(sim, c.alex, "Berlin answer", utc(2025, 6, 2, 18, 10))
        assert await answered(sim) == {"Berlin answer": date(2025, 6, 2)}


async def test_kolkata_and_new_york_over_new_yorks_spring_change(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 3, 7, 6), content=content) as sim:
        c = await split(sim, "Asia/Kolkata", "new york")
        # Friday is jar night: keep the evening question that night too.
        await sim.feed(sim.tg.command(c.alex, c.group, "/jarnight both"))
        # New York moves to EDT on Sunday 9 March; Kolkata has no summer time.
        steps = [
            (utc(2025, 3, 7, 14, 30), 1, 0),  # Friday 20:00 IST: the group
            (utc(2025, 3, 8, 0, 59), 1, 0),
            (utc(2025, 3, 8, 1), 1, 1),  # Friday 20:00 EST: Sam
            (utc(2025, 3, 8, 14, 30), 2, 1),
            (utc(2025, 3, 9, 1), 2, 2),  # Saturday 20:00 EST
            (utc(2025, 3, 9, 14, 30), 3, 2),
            (utc(2025, 3, 9, 23, 59), 3, 2),  # Sunday 19:59 EDT: not yet
            (utc(2025, 3, 10, 0), 3, 3),  # Sunday 20:00 EDT, an hour earlier in UTC
            (utc(2025, 3, 10, 0, 30), 3, 3),
        ]
        for at, group, sams in steps:
            await sim.tick(at)
            assert (len(group_questions(sim, c)), len(own_questions(sim, c.sam))) == (
                group,
                sams,
            ), at
        for group_sent, sams_sent in zip(
            group_questions(sim, c), own_questions(sim, c.sam), strict=True
        ):
            assert bold(group_sent) == bold(sams_sent)  # each date's one question
        assert [p.local_date for p in await prompts(sim)] == [
            date(2025, 3, 7),
            date(2025, 3, 8),
            date(2025, 3, 9),
        ]
        # His morning idea moves with him too: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC.
        assert len(nudges(sim, c.sam)) == 3  # Friday to Sunday, each at the 14:30 tick
        async with sim.hearth.sessions() as session:
            sam = await session.scalar(select(Partner).where(Partner.user_id == c.sam.id))
        assert sam is not None and sam.next_gesture_at == utc(2025, 3, 10, 13)


async def test_gestures_come_in_each_partners_own_morning(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Europe/Berlin", "Pacific/Auckland")
        # 09:00 in Berlin is 07:00 UTC, 09:00 in Auckland 21:00 UTC the day before.
        await sim.tick(utc(2025, 6, 2, 7))
        assert len(nudges(sim, c.alex)) == 1 and nudges(sim, c.sam) == []
        await sim.tick(utc(2025, 6, 2, 20, 59))
        assert nudges(sim, c.sam) == []
        await sim.tick(utc(2025, 6, 2, 21))
        assert len(nudges(sim, c.sam)) == 1 and len(nudges(sim, c.alex)) == 1
        async with sim.hearth.sessions() as session:
            days = list(
                await session.scalars(
                    select(GestureAssignment.local_date).order_by(GestureAssignment.id)
                )
            )
        assert days == [date(2025, 6, 2), date(2025, 6, 3)]  # each partner's own date
        # Alex does his at 09:30 Berlin. "Did you notice?" reaches Sam an hour before *his*
        # evening question (19:00 in Auckland is 07:00 UTC; 17:40 UTC would be 05:40 there).
        sim.clock.now = utc(2025, 6, 2, 7, 30)
        (alex_nudge,) = nudges(sim, c.alex)
        await sim.feed(sim.tg.press(c.alex, alex_nudge, sim.tg.button_data(alex_nudge, "g:d:")))
        async with sim.hearth.sessions() as session:
            notice = await session.scalar(
                select(GestureAssignment.notice_at).where(GestureAssignment.done_at.is_not(None))
            )
        assert notice == utc(2025, 6, 2, 7, 40)


@pytest.mark.parametrize(
    ("back_at", "late"),
    [
        (utc(2025, 6, 2, 21, 30), True),  # 23:30 in Berlin: still Sam's Monday
        (utc(2025, 6, 2, 22, 30), False),  # 00:30 in Berlin: his Monday is over
    ],
)
async def test_missed_during_downtime_per_partners_own_day(
    sqlite_url: str, content: Content, back_at: datetime, late: bool
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Pacific/Auckland", "Europe/Berlin")
        await sim.tick(utc(2025, 6, 2, 8))  # the group's Monday question, then downtime
        await sim.tick(back_at)  # still Tuesday morning in Auckland either way
        assert len(own_questions(sim, c.sam)) == (1 if late else 0)
        await sim.tick(utc(2025, 6, 3, 18))  # Tuesday 20:00 in Berlin
        assert len(own_questions(sim, c.sam)) == (2 if late else 1)


async def test_two_ticks_racing_ask_each_partner_once(sim: Simulation) -> None:
    couples = [await sim.onboard(f"A{i}", f"B{i}") for i in range(4)]
    for couple in couples:
        await sim.feed(sim.tg.command(couple.sam, couple.sam, "/timezone me Asia/Tokyo"))
    sim.clock.now = utc(2025, 6, 2, 11, 0, 30)  # 20:00 in Tokyo
    assert sim.app.job_queue is not None
    (job,) = sim.app.job_queue.get_jobs_by_name("tick")
    await asyncio.gather(job.run(sim.app), job.run(sim.app), job.run(sim.app))
    assert not sim.errors
    await sim.send()
    assert [len(own_questions(sim, couple.sam)) for couple in couples] == [1, 1, 1, 1]
    assert len(await prompts(sim)) == 4


async def test_same_zone_as_the_couple_or_back_to_it_means_one_clock(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Europe/Berlin", "berlin")
        couple = await couple_in(sim, c.group)
        assert [p.next_question_at for p in couple.partners] == [None, None]
        await sim.feed(sim.tg.command(c.sam, c.sam, "/timezone me tokyo"))
        assert (await couple_in(sim, c.group)).partners[1].next_question_at is not None
        await sim.feed(sim.tg.command(c.sam, c.sam, "/timezone me group"))
        assert "follow the couple's time zone again" in sim.tg.last(c.sam).text
        couple = await couple_in(sim, c.group)
        assert [(p.tz, p.next_question_at) for p in couple.partners] == [(None, None)] * 2
        for at in (utc(2025, 6, 2, 11), utc(2025, 6, 2, 18)):
            await sim.tick(at)
        assert own_questions(sim, c.sam) == [] and len(group_questions(sim, c)) == 1


async def test_own_clock_without_a_private_chat_uses_the_group(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await sim.onboard(private=False)
        await sim.feed(sim.tg.command(c.alex, c.group, "/timezone Europe/Berlin"))
        await sim.feed(sim.tg.command(c.sam, c.group, "/timezone me Pacific/Auckland"))
        assert "Open our private chat" in sim.tg.last(c.group).text
        for at in (utc(2025, 6, 2, 7), utc(2025, 6, 2, 8), utc(2025, 6, 2, 18)):
            await sim.tick(at)  # Berlin's morning, Auckland's evening, Berlin's evening
        assert [s for s in sim.api.sent if s.chat_id == c.sam.id] == []
        assert len(group_questions(sim, c)) == 1
        assert [s for s in sim.tg.inbox(c.group) if "gesture challenge" in s.text]


async def test_export_and_forget_know_the_partners_own_clock(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await split(sim, "Pacific/Auckland", "Europe/Berlin")
        await sim.tick(utc(2025, 6, 2, 18))  # Sam's own evening: a delivery of his own
        documents = len(sim.api.documents)
        await sim.feed(sim.tg.command(c.sam, c.sam, "/export"))
        (_chat, _name, raw), *_rest = sim.api.documents[documents:]
        data = json.loads(raw)
        assert data["my_time_zone"] == "Europe/Berlin"
        assert data["couple"]["time_zone"] == "Pacific/Auckland"
        assert data["couple"]["living_apart"] is True

        await sim.feed(sim.tg.command(c.alex, c.alex, "/timezone me Asia/Tokyo"))
        await sim.feed(sim.tg.command(c.sam, c.sam, "/forget"))
        await sim.feed(
            sim.tg.press(c.sam, sim.tg.last(c.sam), sim.tg.button_data(sim.tg.last(c.sam), "f:me"))
        )
        async with sim.hearth.sessions() as session:
            left = list(await session.scalars(select(Partner)))
            own = await session.scalars(select(Delivery).where(Delivery.partner_id != 0))
            assert own.all() == []
        # Alex waits for a new partner: nothing of his own clock is scheduled meanwhile.
        assert [(p.tz, p.next_question_at, p.next_gesture_at) for p in left] == [
            ("Asia/Tokyo", None, None)
        ]


async def test_on_a_new_own_clock_the_groups_question_counts_until_ones_own(
    sqlite_url: str, content: Content
) -> None:
    async with Simulation(sqlite_url, utc(2025, 6, 2, 6), content=content) as sim:
        c = await sim.onboard()
        await sim.feed(sim.tg.command(c.alex, c.group, "/timezone Pacific/Auckland"))
        await sim.tick(utc(2025, 6, 2, 8))  # the group's Monday question
        await sim.feed(sim.tg.command(c.sam, c.sam, "/timezone me Europe/Berlin"))
        await say(sim, c.sam, "From Berlin, for Monday", utc(2025, 6, 2, 10))
        await sim.tick(utc(2025, 6, 2, 18))  # his own Monday evening: answered already
        assert own_questions(sim, c.sam) == []
        await sim.tick(utc(2025, 6, 3, 18))
        assert len(own_questions(sim, c.sam)) == 1
        assert await answered(sim) == {"From Berlin, for Monday": date(2025, 6, 2)}


async def test_a_swap_in_the_group_reaches_a_partner_who_had_the_old_question(
    sim: Simulation,
) -> None:
    """Sam (Berlin) is asked Monday's question at his evening, hours before the group (New
    York). The group swaps it: Sam gets the new one privately, both answers land on it, and
    his own-clock evening later never brings back the swapped one."""
    c = await split(sim, "America/New_York", "Europe/Berlin")
    await sim.tick(utc(2025, 6, 2, 18))  # Monday 20:00 in Berlin
    (mine,) = own_questions(sim, c.sam)
    await sim.tick(utc(2025, 6, 3, 0))  # Monday 20:00 in New York
    (asked,) = group_questions(sim, c)
    assert bold(asked) == bold(mine)
    (skip,) = [b["callback_data"] for row in asked.buttons for b in row if "callback_data" in b]
    sim.clock.now = utc(2025, 6, 3, 0, 5)
    await sim.feed(sim.tg.press(c.alex, asked, skip))
    assert "Swapped for another" in asked.text, sim.api.alerts[-1]
    (swapped_in,) = group_questions(sim, c)
    _first, again = own_questions(sim, c.sam)
    assert bold(again) == bold(swapped_in) != bold(mine)

    await say(sim, c.sam, "Sam on the new one", utc(2025, 6, 3, 0, 10))
    await say(sim, c.alex, "Alex on the new one", utc(2025, 6, 3, 0, 20))
    assert set((await answered(sim)).values()) == {date(2025, 6, 2)}
    prompts_now = await prompts(sim)
    assert [p.skipped_at is not None for p in prompts_now] == [True, False]
    assert prompts_now[1].revealed_at is not None
    # Tuesday in Berlin: a new day, a new question, never the swapped one again.
    await sim.tick(utc(2025, 6, 3, 18))
    assert bold(own_questions(sim, c.sam)[-1]) not in {bold(mine), bold(again)}


async def test_a_partner_asked_after_a_swap_gets_the_swapped_in_question(sim: Simulation) -> None:
    """The group (Berlin) swaps Monday's question before Sam's evening (New York): Sam is asked
    the one that replaced it."""
    c = await split(sim, "Europe/Berlin", "America/New_York")
    await sim.tick(utc(2025, 6, 2, 18))  # Monday 20:00 in Berlin
    (asked,) = group_questions(sim, c)
    (skip,) = [b["callback_data"] for row in asked.buttons for b in row if "callback_data" in b]
    sim.clock.now = utc(2025, 6, 2, 18, 5)
    await sim.feed(sim.tg.press(c.alex, asked, skip))
    (swapped_in,) = group_questions(sim, c)
    await sim.tick(utc(2025, 6, 3, 0))  # Monday 20:00 in New York
    (mine,) = own_questions(sim, c.sam)
    assert bold(mine) == bold(swapped_in)


@pytest.mark.parametrize("command", ["/timezone berlin", "/timezone Europe/Paris"])
async def test_the_groups_new_zone_leaves_an_own_clock_partners_question_alone(
    sim: Simulation, command: str
) -> None:
    """Berlin couple, Sam on his own Auckland clock, asked Tuesday's question privately. Alex
    then sets the group's zone (the same one again, or another): Sam's clock did not change, so
    his private answer still belongs to Tuesday's question, not to the group's Monday one."""
    c = await split(sim, "Europe/Berlin", "Pacific/Auckland")
    await sim.tick(utc(2025, 6, 2, 8))  # Monday 20:00 in Auckland: Sam's own Monday question
    await sim.tick(utc(2025, 6, 2, 18))  # Monday 20:00 in Berlin: the group's
    await sim.tick(utc(2025, 6, 3, 8))  # Tuesday 20:00 in Auckland: Sam's own Tuesday question
    assert len(own_questions(sim, c.sam)) == 2
    sim.clock.now = utc(2025, 6, 3, 8, 30)
    await sim.feed(sim.tg.command(c.alex, c.group, command))
    await say(sim, c.sam, "Sam's Tuesday answer", utc(2025, 6, 3, 8, 40))
    assert (await answered(sim)).get("Sam's Tuesday answer") == date(2025, 6, 3)


async def test_an_old_name_of_the_couples_zone_is_no_clock_of_its_own(sim: Simulation) -> None:
    """The couple keeps Asia/Kolkata; Sam types "calcutta", its old name: the same time, so
    one question in the group (none again privately) and no guess that they live apart."""
    sim.clock.now = utc(2025, 6, 2, 6)
    couple = await split(sim, "mumbai", "calcutta")
    told = sim.tg.last(couple.sam).text
    assert "You follow the couple's time zone, Asia/Kolkata" in told and "apart" not in told
    await sim.tick(utc(2025, 6, 2, 14, 30))  # 20:00 in India
    assert len(group_questions(sim, couple)) == 1 and own_questions(sim, couple.sam) == []
    row = await couple_in(sim, couple.group)
    assert [p.tz for p in row.partners] == [None, "Asia/Calcutta"] and not lives_apart(row)
    # A zone that keeps another time is still a clock of its own.
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/timezone me Asia/Dubai"))
    assert "Your own time zone is Asia/Dubai" in sim.tg.last(couple.sam).text
