"""End to end: every setting changed from the /settings buttons, and the callback data checked."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.models import Couple, Partner
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation
from tests.helpers import couple_in, partner_row, settings_state

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the simulation starts Monday 06:00 UTC
NOW = MONDAY.replace(hour=6)
SATURDAY = datetime(2025, 6, 7, 10, tzinfo=UTC)
INVALID = "no longer valid"


async def ready_depths(sim: Simulation, chat: FakeChat) -> list[int]:
    couple = await couple_in(sim, chat)
    async with sim.hearth.sessions() as session:
        rows = await session.scalars(
            select(Partner.ready_depth).where(Partner.couple_id == couple.id).order_by(Partner.id)
        )
        return list(rows)


def datas(sent: Sent) -> list[str]:
    return [str(b.get("callback_data")) for row in sent.buttons for b in row]


def is_alert(answer: dict[str, object]) -> bool:
    return answer.get("show_alert") is True


async def panel_of(sim: Simulation, c: SimCouple) -> tuple[Sent, int]:
    """Alex sends /settings in the group: the panel and the couple id."""
    before = len(sim.tg.inbox(c.group))
    await sim.feed(sim.tg.command(c.alex, c.group, "/settings"))
    (panel,) = sim.tg.inbox(c.group)[before:]
    assert "Settings" in panel.text
    return panel, (await couple_in(sim, c.group)).id


async def tap(
    sim: Simulation, user: FakeUser, panel: Sent, data: str, forged: bool = False
) -> dict[str, object]:
    """Press a button under the panel (a forged one carries `data` regardless) and return the
    callback answer."""
    if forged:
        panel = dataclasses.replace(panel, buttons=[[{"callback_data": data}]])
    answered = len(sim.api.alerts)
    await sim.feed(sim.tg.press(user, panel, data))
    assert len(sim.api.alerts) == answered + 1
    return sim.api.alerts[-1]


async def saved(sim: Simulation, user: FakeUser, panel: Sent, action: str, cid: int) -> None:
    """Press s:<cid>:<action>: it must be accepted, and the panel re-drawn in place."""
    answer = await tap(sim, user, panel, f"s:{cid}:{action}")
    assert not is_alert(answer), answer
    assert sim.tg.last(panel_chat(sim, panel)).message_id == panel.message_id


def panel_chat(sim: Simulation, panel: Sent) -> FakeChat | FakeUser:
    return sim.api.chats.get(panel.chat_id) or sim.api.users[panel.chat_id]


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "column", "value", "next_column", "expected"),
    [
        ("q-30", "question_time", "19:30", "next_question_at", MONDAY.replace(hour=19, minute=30)),
        ("q+30", "question_time", "20:30", "next_question_at", MONDAY.replace(hour=20, minute=30)),
        ("g-30", "gesture_time", "08:30", "next_gesture_at", MONDAY.replace(hour=8, minute=30)),
        ("g+30", "gesture_time", "09:30", "next_gesture_at", MONDAY.replace(hour=9, minute=30)),
        ("j-30", "jar_time", "18:30", "next_jar_at", datetime(2025, 6, 6, 18, 30, tzinfo=UTC)),
        ("j+30", "jar_time", "19:30", "next_jar_at", datetime(2025, 6, 6, 19, 30, tzinfo=UTC)),
    ],
)
async def test_time_buttons_move_by_half_an_hour(
    sim: Simulation, action: str, column: str, value: str, next_column: str, expected: datetime
) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    before = await couple_in(sim, c.group)
    await saved(sim, c.sam, panel, action, cid)
    couple = await couple_in(sim, c.group)
    assert getattr(couple, column) == value
    assert getattr(couple, next_column) == expected
    assert value in panel.text
    changed = {
        i
        for i, (a, b) in enumerate(zip(settings_state(before), settings_state(couple), strict=True))
        if a != b
    }
    assert len(changed) == 2  # the time and its next instant, nothing else


async def test_moved_times_are_when_things_arrive(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "q-30", cid)
    await saved(sim, c.sam, panel, "q-30", cid)
    await saved(sim, c.alex, panel, "g+30", cid)
    await sim.tick(MONDAY.replace(hour=9))
    assert not [s for s in sim.tg.inbox(c.alex) if "small idea" in s.text]
    await sim.tick(MONDAY.replace(hour=9, minute=30))
    assert [s for s in sim.tg.inbox(c.alex) if "small idea" in s.text]
    await sim.tick(MONDAY.replace(hour=18, minute=59))
    assert not [s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]
    await sim.tick(MONDAY.replace(hour=19))
    assert [s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]


async def test_question_moved_earlier_past_now_still_comes_tonight(sim: Simulation) -> None:
    """At 19:45, before tonight's 20:00 question, a partner taps "Question −30 min": 19:30 is
    already past, so tonight's question comes now (late, the same evening), not tomorrow."""
    c = await sim.onboard()
    sim.clock.now = MONDAY.replace(hour=19, minute=45)
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "q-30", cid)
    await sim.tick(MONDAY.replace(hour=19, minute=45, second=30))
    assert len([s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]) == 1
    await sim.tick(MONDAY.replace(hour=20))
    await sim.tick(MONDAY.replace(hour=23))
    assert len([s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]) == 1
    couple = await couple_in(sim, c.group)
    assert couple.next_question_at == MONDAY.replace(hour=19, minute=30) + timedelta(days=1)


async def test_time_buttons_wrap_around_midnight(sim: Simulation) -> None:
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/time question 23:30"))
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "q+30", cid)
    couple = await couple_in(sim, c.group)
    assert couple.question_time == "00:00"
    assert couple.next_question_at == datetime(2025, 6, 3, 0, 0, tzinfo=UTC)


# --- jar night and weekly ideas ------------------------------------------------------------


async def test_jar_night_day_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "d+1", cid)
    couple = await couple_in(sim, c.group)
    assert couple.jar_day == 5 and couple.next_jar_at == datetime(2025, 6, 7, 19, tzinfo=UTC)
    assert "Jar night: Saturday" in panel.text
    await saved(sim, c.sam, panel, "d-1", cid)
    await saved(sim, c.sam, panel, "d-1", cid)
    couple = await couple_in(sim, c.group)
    assert couple.jar_day == 3 and couple.next_jar_at == datetime(2025, 6, 5, 19, tzinfo=UTC)
    assert "Jar night: Thursday" in panel.text


async def test_weekly_idea_day_buttons_wrap_around_the_week(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "i+1", cid)
    couple = await couple_in(sim, c.group)
    assert couple.together_day == 6 and couple.next_together_at == SATURDAY + timedelta(days=1)
    assert "Sunday 10:00" in panel.text
    await saved(sim, c.alex, panel, "i+1", cid)  # Sunday → Monday
    couple = await couple_in(sim, c.group)
    assert couple.together_day == 0
    assert couple.next_together_at == MONDAY.replace(hour=10)  # later today
    await saved(sim, c.sam, panel, "i-1", cid)
    await saved(sim, c.sam, panel, "i-1", cid)
    assert (await couple_in(sim, c.group)).together_day == 5


async def test_weekly_idea_off_and_on_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    assert f"s:{cid}:ioff" in datas(panel) and f"s:{cid}:ion" not in datas(panel)
    await saved(sim, c.alex, panel, "ioff", cid)
    couple = await couple_in(sim, c.group)
    assert couple.together_enabled is False and couple.next_together_at is None
    assert "Weekly idea to do together: off" in panel.text
    assert f"s:{cid}:ion" in datas(panel) and f"s:{cid}:ioff" not in datas(panel)
    await sim.tick(SATURDAY)
    assert not [s for s in sim.tg.inbox(c.group) if "This week's idea" in s.text]

    await saved(sim, c.sam, panel, "ion", cid)
    couple = await couple_in(sim, c.group)
    assert couple.together_enabled is True
    assert couple.next_together_at == SATURDAY + timedelta(days=7)
    await sim.tick(SATURDAY + timedelta(days=7))
    assert len([s for s in sim.tg.inbox(c.group) if "This week's idea" in s.text]) == 1


# --- time zone -----------------------------------------------------------------------------


async def test_time_zone_button_lists_zones_and_picking_one_reschedules(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    before = await couple_in(sim, c.group)
    await saved(sim, c.alex, panel, "tz", cid)
    zones = {str(b["text"]): str(b["callback_data"]) for row in panel.buttons for b in row}
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= set(zones)
    assert f"s:{cid}:q+30" not in datas(panel)
    assert settings_state(await couple_in(sim, c.group)) == settings_state(before), (
        "showing zones changes nothing"
    )

    await saved(sim, c.sam, panel, zones["Europe/Berlin"].split(":", 2)[2], cid)
    couple = await couple_in(sim, c.group)
    assert couple.tz == "Europe/Berlin"
    assert couple.next_question_at == MONDAY.replace(hour=18)  # 20:00 CEST
    assert couple.next_gesture_at == MONDAY.replace(hour=7)  # 09:00 CEST
    assert couple.next_together_at == SATURDAY.replace(hour=8)
    assert "Europe/Berlin" in panel.text
    assert f"s:{cid}:q+30" in datas(panel), "back to the settings buttons"
    await sim.tick(MONDAY.replace(hour=18))
    assert [s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]


async def test_time_zone_list_back_button(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    before = await couple_in(sim, c.group)
    await saved(sim, c.alex, panel, "tz", cid)
    await saved(sim, c.alex, panel, "back", cid)
    assert f"s:{cid}:q+30" in datas(panel)
    assert settings_state(await couple_in(sim, c.group)) == settings_state(before)


# --- depth ---------------------------------------------------------------------------------


async def test_lighter_steps_down_and_stops_at_one(sim: Simulation) -> None:
    c = await sim.onboard()
    async with sim.hearth.sessions() as session, session.begin():
        row = await session.scalar(select(Couple).where(Couple.chat_id == c.group.id))
        assert row is not None
        row.depth = 2
    panel, cid = await panel_of(sim, c)
    assert "level 2 of 3" in panel.text
    await saved(sim, c.sam, panel, "lv-1", cid)
    assert (await couple_in(sim, c.group)).depth == 1
    assert "level 1 of 3" in panel.text
    answer = await tap(sim, c.alex, panel, f"s:{cid}:lv-1")
    assert is_alert(answer) and "lightest" in str(answer.get("text"))
    assert (await couple_in(sim, c.group)).depth == 1


async def test_deeper_marks_the_presser_ready_and_asks_the_other(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    alex_seen, sam_seen = len(sim.tg.inbox(c.alex)), len(sim.tg.inbox(c.sam))
    await saved(sim, c.alex, panel, "lv+1", cid)
    assert (await couple_in(sim, c.group)).depth == 1
    assert await ready_depths(sim, c.group) == [2, 0]
    assert sim.tg.inbox(c.alex)[alex_seen:] == [], "the presser isn't asked"
    (ask,) = sim.tg.inbox(c.sam)[sam_seen:]
    sam_id = (await partner_row(sim, c.sam)).id
    assert f"d:{cid}:2:{sam_id}" in datas(ask) and f"d:{cid}:0:{sam_id}" in datas(ask)

    answer = await tap(sim, c.sam, ask, f"d:{cid}:2:{sam_id}")
    assert not is_alert(answer)
    assert (await couple_in(sim, c.group)).depth == 2
    assert any("both ready" in s.text for s in sim.tg.inbox(c.group))


# --- pause and resume ----------------------------------------------------------------------


async def test_pause_seven_days_and_resume_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    await saved(sim, c.alex, panel, "pause7", cid)
    couple = await couple_in(sim, c.group)
    assert couple.paused and couple.paused_until == MONDAY + timedelta(days=7)  # next Monday
    assert "Paused" in panel.text
    assert f"s:{cid}:resume" in datas(panel) and f"s:{cid}:pause7" not in datas(panel)
    seen = len(sim.api.sent)
    await sim.tick(MONDAY.replace(hour=9))
    await sim.tick(MONDAY.replace(hour=20))
    assert sim.new_messages(seen) == []

    sim.clock.now = MONDAY.replace(hour=21)
    await saved(sim, c.sam, panel, "resume", cid)
    couple = await couple_in(sim, c.group)
    assert couple.paused is False and couple.paused_until is None
    assert f"s:{cid}:pause7" in datas(panel)
    await sim.tick(MONDAY.replace(hour=20) + timedelta(days=1))
    assert [s for s in sim.tg.inbox(c.group) if "Tonight's question" in s.text]


async def test_settings_buttons_work_in_the_private_chat(sim: Simulation) -> None:
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    before = len(sim.tg.inbox(c.sam))
    await sim.feed(sim.tg.command(c.sam, c.sam, "/settings"))
    (panel,) = sim.tg.inbox(c.sam)[before:]
    await saved(sim, c.sam, panel, "g-30", cid)
    assert (await couple_in(sim, c.group)).gesture_time == "08:30"


# --- callback data validation --------------------------------------------------------------


@pytest.mark.parametrize("action", ["q+30", "tz", "ioff", "lv+1", "lv-1", "pause7", "z2"])
async def test_another_couples_id_is_refused(sim: Simulation, action: str) -> None:
    ours = await sim.onboard()
    theirs = await sim.onboard("Robin", "Kai")
    panel, _cid = await panel_of(sim, ours)
    their_id = (await couple_in(sim, theirs.group)).id
    before = settings_state(await couple_in(sim, theirs.group))
    text, seen = panel.text, len(sim.api.sent)
    answer = await tap(sim, ours.alex, panel, f"s:{their_id}:{action}", forged=True)
    assert is_alert(answer) and "another couple" in str(answer.get("text"))
    assert settings_state(await couple_in(sim, theirs.group)) == before
    assert await ready_depths(sim, theirs.group) == [0, 0]
    assert panel.text == text and len(sim.api.sent) == seen


@pytest.mark.parametrize("action", ["q+30", "d+1", "i+1", "ioff", "tz", "lv+1", "pause7"])
async def test_a_non_partner_is_refused(sim: Simulation, action: str) -> None:
    c = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    panel, cid = await panel_of(sim, c)
    before = settings_state(await couple_in(sim, c.group))
    buttons, seen = datas(panel), len(sim.api.sent)
    answer = await tap(sim, kim, panel, f"s:{cid}:{action}")
    assert is_alert(answer) and "Only the two partners" in str(answer.get("text"))
    assert settings_state(await couple_in(sim, c.group)) == before
    assert await ready_depths(sim, c.group) == [0, 0]
    assert datas(panel) == buttons and len(sim.api.sent) == seen


@pytest.mark.parametrize(
    "data",
    [
        "s:abc:q+30",
        "s::q+30",
        "s:{cid}:zzz",
        "s:{cid}:",
        "s:{cid}:q+45",
        "s:{cid}:x+30",
        "s:{cid}:z99",
        "s:{cid}:q+30:again",
        "s:{cid}",
    ],
)
async def test_malformed_callback_data_is_no_longer_valid(sim: Simulation, data: str) -> None:
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    before = settings_state(await couple_in(sim, c.group))
    text, seen = panel.text, len(sim.api.sent)
    answer = await tap(sim, c.alex, panel, data.format(cid=cid), forged=True)
    assert is_alert(answer) and INVALID in str(answer.get("text"))
    assert settings_state(await couple_in(sim, c.group)) == before
    assert panel.text == text and len(sim.api.sent) == seen


async def test_a_tap_that_changes_nothing_leaves_the_panel_as_it_is(sim: Simulation) -> None:
    # Found by the fuzzer: "Deeper" (which only asks the partner) and "Back" on the main view
    # re-drew the panel unchanged, and Telegram refuses that edit ("message is not modified").
    c = await sim.onboard()
    panel, cid = await panel_of(sim, c)
    for action, forged in (("lv+1", False), ("back", True), ("lv+1", False)):
        answer = await tap(sim, c.alex, panel, f"s:{cid}:{action}", forged)
        assert not is_alert(answer), answer
    assert "Settings" in panel.text and f"s:{cid}:lv+1" in datas(panel)
    assert sim.api.refused == []
