"""Settings end to end: /timezone, /time, /jarnight, /pause, /resume, /settings, /help."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation
from tests.helpers import couple_in, settings_state

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the simulation starts Monday 06:00 UTC


def questions(sim: Simulation, chat: FakeChat) -> list[Sent]:
    return [s for s in sim.tg.inbox(chat) if "Tonight's question" in s.text]


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> str:
    """Send a command and return the bot's one reply in that chat."""
    before = len(sim.tg.inbox(chat))
    await sim.feed(sim.tg.command(user, chat, text))
    replies = sim.tg.inbox(chat)[before:]
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0].text


# --- /timezone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("BERLIN", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New York", "America/New_York"),
        ("Kolkata", "Asia/Kolkata"),
    ],
)
async def test_timezone_accepts_iana_names_and_cities(
    sim: Simulation, typed: str, zone: str
) -> None:
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group, f"/timezone {typed}")
    assert f"Time zone set to {zone}" in text
    assert (await couple_in(sim, c.group)).tz == zone


@pytest.mark.parametrize(
    ("command", "warned"),
    [
        ("/timezone EST", True),
        ("/timezone gmt", True),  # a London couple's guess: UTC, no summer time
        ("/timezone me MST", True),
        ("/timezone new york", False),
        ("/timezone Asia/Kolkata", False),  # a place without summer time is just that
        ("/timezone EST5EDT", False),  # an abbreviation that does change in summer
    ],
)
async def test_a_zone_that_keeps_one_time_all_year_comes_with_a_hint(
    sim: Simulation, command: str, warned: bool
) -> None:
    """ "EST" or "GMT" is set as typed, but keeps winter time all summer: the reply says so and
    suggests a city, which a place's own zone never needs."""
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group if " me " not in command else c.alex, command)
    assert ("keeps the same time all year" in text) is warned
    assert ("/timezone New York" in text) is warned


async def test_timezone_in_private_chat(sim: Simulation) -> None:
    c = await sim.onboard()
    text = await say(sim, c.sam, c.sam, "/timezone berlin")
    assert "Europe/Berlin" in text
    assert (await couple_in(sim, c.group)).tz == "Europe/Berlin"


@pytest.mark.parametrize("command", ["/timezone Atlantis", "/timezone"])
async def test_timezone_unknown_or_empty_gets_an_example(sim: Simulation, command: str) -> None:
    c = await sim.onboard()
    before = settings_state(await couple_in(sim, c.group))
    text = await say(sim, c.alex, c.group, command)
    assert "/timezone Europe/Berlin" in text
    assert "set to" not in text
    assert settings_state(await couple_in(sim, c.group)) == before


async def test_question_follows_the_couples_time_zone(sim: Simulation) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/timezone Europe/Berlin")
    couple = await couple_in(sim, c.group)
    expected = MONDAY.replace(hour=18)  # 20:00 CEST is 18:00 UTC
    assert couple.next_question_at == expected
    await sim.tick(expected - timedelta(minutes=1))
    assert questions(sim, c.group) == []
    await sim.tick(expected)
    assert len(questions(sim, c.group)) == 1
    assert (await couple_in(sim, c.group)).next_question_at == expected + timedelta(days=1)
    await sim.tick(MONDAY.replace(hour=20))  # 20:00 UTC is not the couple's evening
    assert len(questions(sim, c.group)) == 1


async def test_setting_the_zone_just_after_joining_waits_for_the_next_evening(
    sim: Simulation,
) -> None:
    """A couple joins at 19:00 UTC (the default zone, question at 20:00 UTC) and sets Berlin at
    19:05 UTC, 21:05 there: Berlin's 20:00 has gone by, yet the first question does not burst
    in at once; it comes on Tuesday at 20:00 Berlin time."""
    sim.clock.now = MONDAY.replace(hour=19)
    c = await sim.onboard()
    sim.clock.now = MONDAY.replace(hour=19, minute=5)
    await say(sim, c.alex, c.group, "/timezone berlin")
    await sim.tick(MONDAY.replace(hour=19, minute=5, second=30))
    await sim.tick(MONDAY.replace(hour=23))
    assert questions(sim, c.group) == []
    assert (await couple_in(sim, c.group)).next_question_at == MONDAY.replace(hour=18) + timedelta(
        days=1
    )
    await sim.tick(MONDAY.replace(hour=18) + timedelta(days=1))
    assert len(questions(sim, c.group)) == 1


# --- /time and /jarnight -------------------------------------------------------------------


async def test_time_moves_question_and_gesture(sim: Simulation) -> None:
    c = await sim.onboard()
    assert "21:30" in await say(sim, c.alex, c.group, "/time question 21:30")
    assert "08:00" in await say(sim, c.sam, c.group, "/time gesture 08:00")
    couple = await couple_in(sim, c.group)
    assert (couple.question_time, couple.gesture_time) == ("21:30", "08:00")
    assert couple.next_question_at == MONDAY.replace(hour=21, minute=30)
    assert couple.next_gesture_at == MONDAY.replace(hour=8)
    await sim.tick(MONDAY.replace(hour=20))
    assert questions(sim, c.group) == []
    await sim.tick(MONDAY.replace(hour=21, minute=30))
    assert len(questions(sim, c.group)) == 1


@pytest.mark.parametrize(
    "command",
    [
        "/time gesture 08:30",
        "/time question 20:00",
        "/jarnight saturday",
        "/timezone UTC",
        "/together off",
    ],
)
async def test_a_change_just_after_the_question_fell_due_keeps_tonights(
    sim: Simulation, command: str
) -> None:
    """The question fell due at 20:00 and the tick (every 30 s; after a restart, updates may be
    handled first) has not handed it out yet when a partner changes a setting at 20:00:10: the
    couple still gets Monday's question, once, not nothing until Tuesday."""
    c = await sim.onboard()
    await sim.tick(MONDAY.replace(hour=19, minute=59, second=50))
    sim.clock.now = MONDAY.replace(hour=20, second=10)
    await say(sim, c.alex, c.group, command)
    await sim.tick(MONDAY.replace(hour=20, second=20))
    await sim.tick(MONDAY.replace(hour=23))
    assert len(questions(sim, c.group)) == 1, "Monday's question was never sent"
    assert (await couple_in(sim, c.group)).next_question_at == MONDAY.replace(hour=20) + timedelta(
        days=1
    )


async def test_a_due_question_moved_later_comes_at_the_new_time(sim: Simulation) -> None:
    """Due at 20:00, moved to 21:00 at 20:00:10 before the tick: it comes at 21:00, once."""
    c = await sim.onboard()
    sim.clock.now = MONDAY.replace(hour=20, second=10)
    await say(sim, c.alex, c.group, "/time question 21:00")
    await sim.tick(MONDAY.replace(hour=20, second=20))
    assert questions(sim, c.group) == []
    await sim.tick(MONDAY.replace(hour=21))
    await sim.tick(MONDAY.replace(hour=23))
    assert len(questions(sim, c.group)) == 1


async def test_moving_the_time_after_tonights_question_never_sends_it_twice(
    sim: Simulation,
) -> None:
    """Tonight's question went at 20:00; moving the time later and back to a moment already
    past (20:15) brings no second one: one question a local day."""
    c = await sim.onboard()
    await sim.tick(MONDAY.replace(hour=20))
    sim.clock.now = MONDAY.replace(hour=20, minute=10)
    await say(sim, c.alex, c.group, "/time question 23:00")
    sim.clock.now = MONDAY.replace(hour=20, minute=20)
    await say(sim, c.sam, c.group, "/time question 20:15")
    for minute in (20, 30, 59):
        await sim.tick(MONDAY.replace(hour=20, minute=minute))
    await sim.tick(MONDAY.replace(hour=23))
    assert len(questions(sim, c.group)) == 1
    await sim.tick(MONDAY.replace(hour=20, minute=15) + timedelta(days=1))
    assert len(questions(sim, c.group)) == 2


@pytest.mark.parametrize(
    "command",
    [
        "/time",
        "/time question",
        "/time question 25:00",
        "/time question abc",
        "/time dinner 20:00",
        "/time question 21:30 22:00",
    ],
)
async def test_time_with_wrong_arguments_shows_an_example(sim: Simulation, command: str) -> None:
    c = await sim.onboard()
    before = settings_state(await couple_in(sim, c.group))
    text = await say(sim, c.alex, c.group, command)
    assert "/time question 21:30" in text
    assert "set to" not in text
    assert settings_state(await couple_in(sim, c.group)) == before


async def test_jarnight_sets_day_and_time(sim: Simulation) -> None:
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group, "/jarnight sunday 18:30")
    assert "Sunday 18:30" in text
    couple = await couple_in(sim, c.group)
    assert (couple.jar_day, couple.jar_time) == (6, "18:30")
    assert couple.next_jar_at == datetime(2025, 6, 8, 18, 30, tzinfo=UTC)
    text = await say(sim, c.sam, c.group, "/jarnight friday 19:00")
    assert "Friday 19:00" in text
    couple = await couple_in(sim, c.group)
    assert (couple.jar_day, couple.jar_time) == (4, "19:00")
    assert couple.next_jar_at == datetime(2025, 6, 6, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "command",
    [
        "/jarnight",
        "/jarnight someday",
        "/jarnight friday 25:00",
        "/jarnight friday 19:00 weekly",
    ],
)
async def test_jarnight_with_wrong_arguments_shows_an_example(
    sim: Simulation, command: str
) -> None:
    c = await sim.onboard()
    before = settings_state(await couple_in(sim, c.group))
    text = await say(sim, c.alex, c.group, command)
    assert "/jarnight friday 19:00" in text
    assert "Jar night:" not in text
    assert settings_state(await couple_in(sim, c.group)) == before


# --- /pause and /resume --------------------------------------------------------------------


async def tick_days(sim: Simulation, days: range) -> None:
    """Run the gesture-time and question-time ticks of these days after Monday."""
    for day in days:
        await sim.tick(MONDAY + timedelta(days=day, hours=9))
        await sim.tick(MONDAY + timedelta(days=day, hours=20))


async def test_pause_for_days_then_questions_resume_by_themselves(sim: Simulation) -> None:
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group, "/pause 3")
    assert "3 days" in text
    couple = await couple_in(sim, c.group)
    assert couple.paused and couple.paused_until == MONDAY + timedelta(days=3)  # Thursday 00:00
    seen = len(sim.api.sent)
    await tick_days(sim, range(3))  # Monday, Tuesday, Wednesday
    assert sim.new_messages(seen) == []
    await sim.tick(MONDAY + timedelta(days=3, hours=20))  # Thursday evening
    assert len(questions(sim, c.group)) == 1
    assert (await couple_in(sim, c.group)).paused is False


async def test_a_pause_is_over_on_the_day_it_says_it_is_back(sim: Simulation) -> None:
    """/pause 1 on Monday at 21:00 says "I'll be back on 3 June": Tuesday's gesture (09:00) and
    question (20:00) both come, not only what falls after 21:00 on Tuesday."""
    c = await sim.onboard()
    await tick_days(sim, range(1))  # Monday's gesture and question
    sim.clock.now = MONDAY.replace(hour=21)
    assert "I'll be back on 3 June" in await say(sim, c.alex, c.group, "/pause 1")
    await sim.tick(MONDAY.replace(hour=23))
    await tick_days(sim, range(1, 2))  # Tuesday
    assert len(questions(sim, c.group)) == 2, "nothing on Tuesday"
    assert len([s for s in sim.tg.inbox(c.alex) if "small idea" in s.text]) == 2


async def test_a_pause_ends_at_the_start_of_the_day_in_the_couples_zone(sim: Simulation) -> None:
    """In Tokyo, Monday 21:00 UTC is already Tuesday 06:00: /pause 1 is back on Wednesday 4 June,
    from Tokyo's midnight, so Wednesday's 09:00 gesture comes and Tuesday's does not."""
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/timezone Asia/Tokyo")
    sim.clock.now = MONDAY.replace(hour=21)
    assert "I'll be back on 4 June" in await say(sim, c.alex, c.group, "/pause 1")
    assert (await couple_in(sim, c.group)).paused_until == MONDAY.replace(hour=15) + timedelta(
        days=1
    )  # Wednesday 00:00 in Tokyo
    await sim.tick(MONDAY + timedelta(days=1))  # Tuesday 09:00 in Tokyo: paused
    assert [s for s in sim.tg.inbox(c.alex) if "small idea" in s.text] == []
    await sim.tick(MONDAY + timedelta(days=2))  # Wednesday 09:00 in Tokyo
    assert len([s for s in sim.tg.inbox(c.alex) if "small idea" in s.text]) == 1


async def test_a_change_during_a_timed_pause_says_the_day_it_ends(sim: Simulation) -> None:
    """During /pause 3, moving the question time reminds the couple Hearth is back on Thursday
    5 June, not that nothing comes until they send /resume."""
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/pause 3")
    text = await say(sim, c.alex, c.group, "/time question 21:00")
    assert "back on 5 June" in text and "until you send /resume" not in text
    assert "back on 5 June" in await say(sim, c.sam, c.group, "/settings")


async def test_a_timed_pause_that_is_over_no_longer_shows(sim: Simulation) -> None:
    """/pause 1 on Monday is over on Tuesday at midnight; before anything falls due on Tuesday,
    /time and /settings already speak of Hearth as running (and offer a pause, not /resume)."""
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/pause 1")
    sim.clock.now = MONDAY + timedelta(days=1, hours=8)
    assert "ause" not in await say(sim, c.alex, c.group, "/time question 21:00")
    before = len(sim.tg.inbox(c.group))
    await sim.feed(sim.tg.command(c.alex, c.group, "/settings"))
    (panel,) = sim.tg.inbox(c.group)[before:]
    assert "Paused" not in panel.text
    couple = await couple_in(sim, c.group)
    assert sim.tg.button_data(panel, f"s:{couple.id}:pause7")
    await sim.feed(sim.tg.send(c.sam, c.sam, "Hello"))
    assert "paused" not in sim.tg.last(c.sam).text, "the private chat says so too"


async def test_pause_without_days_lasts_until_resume(sim: Simulation) -> None:
    c = await sim.onboard()
    assert "/resume" in await say(sim, c.alex, c.group, "/pause")
    couple = await couple_in(sim, c.group)
    assert couple.paused and couple.paused_until is None
    seen = len(sim.api.sent)
    await tick_days(sim, range(5))
    assert sim.new_messages(seen) == []
    sim.clock.now = MONDAY + timedelta(days=5, hours=10)  # Saturday morning
    text = await say(sim, c.sam, c.group, "/resume")
    assert "Welcome back" in text and "20:00" in text
    assert (await couple_in(sim, c.group)).paused is False
    await sim.tick(MONDAY + timedelta(days=5, hours=20))
    assert len(questions(sim, c.group)) == 1


@pytest.mark.parametrize("command", ["/pause abc", "/pause 0", "/pause 1000", "/pause 1 2"])
async def test_pause_with_wrong_arguments_shows_usage(sim: Simulation, command: str) -> None:
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group, command)
    assert "/pause 7" in text
    assert "Paused" not in text
    assert (await couple_in(sim, c.group)).paused is False


async def test_resume_when_not_paused_says_so(sim: Simulation) -> None:
    c = await sim.onboard()
    text = await say(sim, c.alex, c.group, "/resume")
    assert "isn't paused" in text


# --- /settings and its buttons -------------------------------------------------------------


async def show_settings(sim: Simulation, c: SimCouple) -> Sent:
    await sim.feed(sim.tg.command(c.alex, c.group, "/settings"))
    return sim.tg.last(c.group)


async def test_settings_shows_times_with_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    panel = await show_settings(sim, c)
    assert "Settings" in panel.text
    assert "20:00" in panel.text and "09:00" in panel.text and "UTC" in panel.text
    couple = await couple_in(sim, c.group)
    assert sim.tg.button_data(panel, f"s:{couple.id}:q+30")
    assert sim.tg.button_data(panel, f"s:{couple.id}:pause7")
    assert len([b for row in panel.buttons for b in row]) >= 8


async def test_settings_button_moves_the_question(sim: Simulation) -> None:
    c = await sim.onboard()
    panel = await show_settings(sim, c)
    couple = await couple_in(sim, c.group)
    await sim.feed(sim.tg.press(c.sam, panel, f"s:{couple.id}:q+30"))
    assert sim.api.alerts[-1].get("show_alert") is not True
    couple = await couple_in(sim, c.group)
    assert couple.question_time == "20:30"
    assert couple.next_question_at == MONDAY.replace(hour=20, minute=30)
    edited = sim.tg.last(c.group)
    assert edited.message_id == panel.message_id
    assert "20:30" in edited.text


async def test_settings_button_of_another_couple_is_refused(sim: Simulation) -> None:
    ours = await sim.onboard()
    theirs = await sim.onboard("Robin", "Kai")
    panel = await show_settings(sim, ours)
    their_id = (await couple_in(sim, theirs.group)).id
    before = settings_state(await couple_in(sim, theirs.group))
    # A stale or forged button under our panel that carries the other couple's id.
    forged = dataclasses.replace(panel, buttons=[[{"callback_data": f"s:{their_id}:q+30"}]])
    await sim.feed(sim.tg.press(ours.alex, forged, f"s:{their_id}:q+30"))
    alert = sim.api.alerts[-1]
    assert alert.get("show_alert") is True
    assert "another couple" in str(alert.get("text"))
    assert settings_state(await couple_in(sim, theirs.group)) == before
    assert sim.tg.last(ours.group).text == panel.text


async def test_settings_button_pressed_by_a_non_partner_is_refused(sim: Simulation) -> None:
    c = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    panel = await show_settings(sim, c)
    couple = await couple_in(sim, c.group)
    before = settings_state(couple)
    await sim.feed(sim.tg.press(kim, panel, f"s:{couple.id}:pause7"))
    assert sim.api.alerts[-1].get("show_alert") is True
    assert settings_state(await couple_in(sim, c.group)) == before
    assert sim.tg.last(c.group).text == panel.text


@pytest.mark.parametrize(
    "command", ["/time question 21:30", "/timezone berlin", "/pause", "/jarnight monday"]
)
async def test_a_third_person_cant_change_settings(sim: Simulation, command: str) -> None:
    c = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    before = settings_state(await couple_in(sim, c.group))
    text = await say(sim, kim, c.group, command)
    assert "Only the two partners" in text
    assert settings_state(await couple_in(sim, c.group)) == before


# --- /help ---------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["group", "private"])
async def test_help_lists_the_commands(sim: Simulation, where: str) -> None:
    c = await sim.onboard()
    chat: FakeChat | FakeUser = c.group if where == "group" else c.alex
    text = await say(sim, c.alex, chat, "/help")
    for command in ("/jar", "/jar add", "/timezone", "/time", "/pause", "/resume", "/settings"):
        assert command in text, command
