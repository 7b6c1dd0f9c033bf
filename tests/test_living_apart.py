"""End to end: couples living apart. What they said (/living, the /settings button) or, until
they say, differing zones decide; questions, jar draws, gestures and /together follow it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from bot.core.content import Content, Gesture
from bot.simulation.fake_api import FakeUser, Sent
from bot.simulation.world import Couple, Simulation
from tests.helpers import couple_in

MONDAY = datetime(2025, 6, 2, 6, tzinfo=UTC)
HOME_QUESTION = "home-005"  # tagged lives_together
HOME_JAR = "jar-161"  # tagged lives_together


def small(content: Content) -> Content:
    """Two of each: one item for a shared home (or needing both in one place), one not."""
    by_id = content.by_id
    anywhere = next(q for q in content.questions if q.theme == "mind" and q.depth == 1)
    near = [g for g in content.gestures if not g.distance and g.distance_alt]
    gestures = [
        next(g for g in content.gestures if g.distance and g.kind == "words"),
        next(g for g in near if g.kind == "touch"),  # has an alternative at a distance
        dataclasses.replace(next(g for g in near if g.kind == "time"), distance_alt=""),
    ]
    return dataclasses.replace(
        content,
        questions=[by_id[HOME_QUESTION], anywhere],
        jar=[by_id[HOME_JAR], by_id["jar-001"]],
        gestures=gestures,
        activities=[
            next(a for a in content.activities if a.distance),
            next(a for a in content.activities if not a.distance),
        ],
        by_id={},
        pools={},
    )


@pytest.fixture
async def sim(sqlite_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A Simulation (SQLite only: the engine does not matter here) with the small banks."""
    async with Simulation(sqlite_url, MONDAY, content=small(content)) as simulation:
        yield simulation


def bold(sent: Sent) -> str:
    match = re.search(r"<b>(.*?)</b>", sent.html, re.S)
    assert match, sent.html
    return unescape(match.group(1))


def text_of(sim: Simulation, content_id: str) -> str:
    return str(sim.hearth.content.by_id[content_id].text)


async def say(sim: Simulation, user: FakeUser, chat: object, command: str) -> str:
    await sim.feed(sim.tg.command(user, chat, command))  # type: ignore[arg-type]
    return sim.tg.last(chat).text  # type: ignore[arg-type]


async def evenings(sim: Simulation, couple: Couple, days: int) -> list[str]:
    """Tick `days` evenings (20:00 UTC) and return the questions asked, in order."""
    for day in range(days):
        await sim.tick(MONDAY.replace(hour=20) + timedelta(days=day))
    return [bold(s) for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text]


@pytest.mark.parametrize("apart", [True, False])
async def test_daily_questions_for_a_shared_home_only_when_together(
    sim: Simulation, apart: bool
) -> None:
    c = await sim.onboard()
    reply = await say(sim, c.alex, c.group, "/living apart" if apart else "/living together")
    assert ("you live apart" if apart else "you live together") in reply
    asked = await evenings(sim, c, 3)
    assert (text_of(sim, HOME_QUESTION) in asked) is not apart
    assert len(set(asked)) == (1 if apart else 2)


@pytest.mark.parametrize("apart", [True, False])
async def test_jar_draws_for_a_shared_home_only_when_together(sim: Simulation, apart: bool) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/living apart" if apart else "/living together")
    drawn = []
    for _draw in range(2):
        await sim.feed(sim.tg.command(c.alex, c.group, "/jar"))
        drawn.append(bold(sim.tg.last(c.group)))
    assert (text_of(sim, HOME_JAR) in drawn) is not apart


@pytest.mark.parametrize("apart", [True, False])
async def test_gesture_ideas_work_at_a_distance_when_apart(sim: Simulation, apart: bool) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/living apart" if apart else "/living together")
    for day in range(3):
        await sim.tick(MONDAY.replace(hour=9) + timedelta(days=day))
    ideas = {
        bold(s)
        for user in (c.alex, c.sam)
        for s in sim.tg.inbox(user)
        if "A small idea for today" in s.text
    }
    gestures: list[Gesture] = sim.hearth.content.gestures
    anywhere, touch, together_only = gestures
    if apart:
        assert ideas == {anywhere.text, touch.distance_alt}
    else:
        assert ideas == {anywhere.text, touch.text, together_only.text}


@pytest.mark.parametrize("apart", [True, False])
async def test_together_suggests_only_what_works_at_a_distance(
    sim: Simulation, apart: bool
) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/living apart" if apart else "/living together")
    suggested = set()
    for minute in range(3):
        sim.clock.now = MONDAY + timedelta(minutes=minute)
        await sim.feed(sim.tg.command(c.alex, c.group, "/together"))
        suggestion = sim.tg.last(c.group)
        assert "Something new to do together" in suggestion.text, suggestion.text
        suggested.add(bold(suggestion))
    far, near = sim.hearth.content.activities
    assert suggested == ({far.text} if apart else {far.text, near.text})


async def test_differing_zones_mean_apart_until_they_say_otherwise(sim: Simulation) -> None:
    c = await sim.onboard()
    assert "You live together" in await say(sim, c.alex, c.group, "/living")
    reply = await say(sim, c.sam, c.sam, "/timezone me berlin")
    assert "I take it you live apart" in reply and "/living together" in reply
    assert "Your time zones differ" in await say(sim, c.alex, c.group, "/living")
    asked = await evenings(sim, c, 2)
    assert text_of(sim, HOME_QUESTION) not in asked
    assert "you live together" in await say(sim, c.sam, c.group, "/living together")
    assert text_of(sim, HOME_QUESTION) in (await evenings(sim, c, 3))[2:]
    assert (await couple_in(sim, c.group)).living_apart is False


async def test_living_usage_and_only_partners(sim: Simulation) -> None:
    c = await sim.onboard()
    assert "/living apart" in await say(sim, c.alex, c.group, "/living sideways")
    robin = sim.tg.user("Robin")
    sim.tg.join_group(c.group, robin)
    assert "Only the two partners" in await say(sim, robin, c.group, "/living apart")
    assert (await couple_in(sim, c.group)).living_apart is None


async def test_settings_button_says_whether_they_live_apart(sim: Simulation) -> None:
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/settings"))
    panel = sim.tg.last(c.group)
    cid = (await couple_in(sim, c.group)).id
    await sim.feed(sim.tg.press(c.sam, panel, f"s:{cid}:apart"))
    assert (await couple_in(sim, c.group)).living_apart is True
    panel = sim.tg.last(c.group)
    assert "Living apart" in panel.text
    await sim.feed(sim.tg.press(c.alex, panel, f"s:{cid}:home"))
    assert (await couple_in(sim, c.group)).living_apart is False
    assert "Living apart" not in sim.tg.last(c.group).text


async def test_status_settings_and_help_show_own_zones(sim: Simulation) -> None:
    c = await sim.onboard()
    before = await say(sim, c.alex, c.group, "/start")
    assert "own time zone" not in before and "Living apart" not in before
    await say(sim, c.alex, c.group, "/timezone Pacific/Auckland")
    reply = await say(sim, c.sam, c.sam, "/timezone me Europe/Berlin")
    assert "Your own time zone is Europe/Berlin" in reply and "Pacific/Auckland" in reply
    for command in ("/start", "/settings"):
        shown = await say(sim, c.alex, c.group, command)
        assert "Sam's own time zone: Europe/Berlin" in shown and "Living apart" in shown
        assert "Alex's own time zone" not in shown
    assert "Your own time zone is Europe/Berlin" in await say(sim, c.sam, c.sam, "/timezone me")
    assert "follow the couple's" in await say(sim, c.alex, c.alex, "/timezone me")
    assert "don't know the time zone" in await say(sim, c.sam, c.sam, "/timezone me Atlantis")
    help_text = await say(sim, c.alex, c.group, "/help")
    assert "/timezone me" in help_text and "/living apart|together" in help_text
    menus = {
        str(params["scope"]["type"]): [command["command"] for command in params["commands"]]
        for method, params in sim.api.calls
        if method == "setMyCommands"
    }
    assert "living" in menus["all_group_chats"] and "timezone" in menus["all_private_chats"]
