"""End-to-end: a gesture idea asked for again and again, a Done tapped a day late, and jar
night for a partner on their own clock ahead of the group's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from bot.simulation.fake_api import Sent
from bot.simulation.world import Simulation

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the day the fixtures start
NUDGE = "A small idea for today"
NOTICE_ASK = "has something kind come your way"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` UTC, `days` after the simulation's first day (a Monday)."""
    return MONDAY + timedelta(days=days, hours=hour, minutes=minute)


def idea(sent: Sent) -> str:
    """The gesture idea of a nudge (its bold part); Sent objects follow edits."""
    match = re.search(r"<b>(.*?)</b>", sent.html, re.S)
    assert match, sent.html
    return unescape(match.group(1))


async def test_another_idea_never_brings_back_an_idea_just_turned_down(lite: Simulation) -> None:
    """Alex taps 🔄 Another idea a few times one morning: each tap brings an idea he hasn't
    been shown that morning (it never flips back to one he turned down)."""
    sim = lite
    c = await sim.onboard()
    await sim.tick(at(0, 9))
    (nudge,) = [s for s in sim.tg.inbox(c.alex) if NUDGE in s.text]
    shown = [idea(nudge)]
    for _tap in range(4):
        await sim.feed(sim.tg.press(c.alex, nudge, sim.tg.button_data(nudge, "g:n:")))
        shown.append(idea(nudge))
    assert len(set(shown)) == len(shown), (
        "'Another idea' brought back an idea Alex had just turned down: "
        + " -> ".join(s[:30] for s in shown)
    )


async def test_done_on_yesterdays_nudge_does_not_ask_did_you_notice_twice(
    lite: Simulation,
) -> None:
    """Alex taps Done on Monday's idea on Tuesday morning, then on Tuesday's: that evening Sam
    is asked "has something kind come your way from Alex today?" once, about Tuesday's."""
    sim = lite
    c = await sim.onboard()
    await sim.tick(at(0, 9))
    (monday,) = [s for s in sim.tg.inbox(c.alex) if NUDGE in s.text]
    for hour in (19, 20):
        await sim.tick(at(0, hour))
    before = len(sim.api.sent)
    await sim.tick(at(1, 9))
    (tuesday,) = [s for s in sim.new_messages(before) if s.chat_id == c.alex.id and NUDGE in s.text]
    sim.clock.now = at(1, 9, 5)
    await sim.feed(sim.tg.press(c.alex, monday, sim.tg.button_data(monday, "g:d:")))
    await sim.feed(sim.tg.press(c.alex, tuesday, sim.tg.button_data(tuesday, "g:d:")))
    before = len(sim.api.sent)
    await sim.tick(at(1, 19))  # an hour before Tuesday's question
    asks = [s.text for s in sim.new_messages(before) if NOTICE_ASK in s.text]
    assert len(asks) == 1, f"Sam was asked {len(asks)} times on Tuesday evening: {asks}"


async def test_a_partner_ahead_of_the_group_keeps_a_question_on_jar_night_evening(
    lite: Simulation,
) -> None:
    """Couple in Berlin, Sam on his own clock in Tokyo (seven hours ahead). Friday's jar night
    (19:00 Berlin) is Saturday 02:00 for Sam: his own Friday evening question (20:00 Tokyo)
    stays, so his Friday evening is not left empty."""
    sim = lite
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/timezone Europe/Berlin"))
    await sim.feed(sim.tg.command(c.sam, c.sam, "/timezone me Asia/Tokyo"))
    moment = at(3, 0)  # Thursday 09:00 in Tokyo
    while moment < at(4, 10):  # up to Friday 19:00 in Tokyo
        await sim.tick(moment)
        moment += timedelta(minutes=30)
    thursday = [s for s in sim.tg.inbox(c.sam) if "Your evening question" in s.text]
    assert len(thursday) == 1, "control: Sam gets his own question at his Thursday evening"
    before = len(sim.api.sent)
    while moment <= at(4, 15):  # Friday 19:00 to Saturday 00:00 in Tokyo
        await sim.tick(moment)
        moment += timedelta(minutes=30)
    evening = [
        s.text
        for s in sim.new_messages(before)
        if (s.chat_id == c.sam.id and "Your evening question" in s.text)
        or (s.chat_id == c.group.id and "Reply to this message to answer" in s.text)
    ]
    assert evening, "Sam's Friday evening in Tokyo: no question, no jar (it comes at 02:00)"
