"""End to end: the weekly check-in (/checkin), off by default, three prompts answered privately
and revealed together, with the invitation to talk."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.simulation.world import Couple, Simulation
from tests.helpers import couple_in, settings_state
from tests.rituals_helpers import reply_to, say, texts

SUNDAY = datetime(2025, 6, 8, 11, tzinfo=UTC)  # the default: Sunday 11:00, once switched on
ASKED = "three short questions about our week"
ALEX = ("We cooked together twice", "You fixed my bike", "A quiet evening on Thursday")
SAM = ("The long walk on Saturday", "Your message at lunch", "Help with my mum's visit")


async def answer_all(sim: Simulation, couple: Couple, who: str) -> int:
    before = len(sim.api.sent)
    user, words = (couple.alex, ALEX) if who == "Alex" else (couple.sam, SAM)
    for text in words:
        await say(sim, user, user, text)
    return before


async def test_off_by_default(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await sim.tick(SUNDAY)
    assert not [s for s in sim.api.sent if ASKED in s.text]
    assert (
        "Weekly check-in (privately): off"
        in (await reply_to(sim, c.alex, c.group, "/settings")).text
    )


async def test_three_prompts_privately_then_revealed_together(sim: Simulation) -> None:
    c = await sim.onboard()
    on = await reply_to(sim, c.alex, c.group, "/checkin on")
    assert "Weekly check-in: Sunday 11:00" in on.text
    before = len(sim.api.sent)
    await sim.tick(SUNDAY)
    for user in (c.alex, c.sam):
        (asked,) = [t for t in texts(sim, user, before) if ASKED in t]
        assert "1/3" in asked
    assert not texts(sim, c.group, before)

    before = await answer_all(sim, c, "Alex")
    alex_saw = texts(sim, c.alex, before)
    assert [t.split(" · ")[0] for t in alex_saw[:2]] == ["2/3", "3/3"]
    assert "Sealed until Sam has answered too" in alex_saw[-1]
    elsewhere = texts(sim, c.sam, before) + texts(sim, c.group, before)
    assert not any(words in t for t in elsewhere for words in ALEX), "sealed until both are done"

    before = await answer_all(sim, c, "Sam")
    (to_alex,) = [t for t in texts(sim, c.alex, before) if "check-in" in t]
    assert "Sam's check-in" in to_alex and all(words in to_alex for words in SAM)
    assert "Went well: The long walk" in to_alex and "Next week I need: Help" in to_alex
    (to_sam,) = [t for t in texts(sim, c.sam, before) if "check-in" in t]
    assert all(words in to_sam for words in ALEX) and not any(w in to_sam for w in SAM)
    group = texts(sim, c.group, before)
    assert "Your check-ins are in" in group[0]
    assert all(words in group[0] for words in ALEX + SAM)
    assert "twenty minutes together" in group[-1]


async def test_no_group_reveal_with_someone_else_in_the_group(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/checkin on")
    await sim.tick(SUNDAY)
    sim.tg.join_group(c.group, sim.tg.user("Robin"))
    await answer_all(sim, c, "Alex")
    before = await answer_all(sim, c, "Sam")
    assert not any(w in t for t in texts(sim, c.group, before) for w in ALEX + SAM)
    assert any(SAM[0] in t for t in texts(sim, c.alex, before))


async def test_day_time_off_and_now(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    moved = await reply_to(sim, c.sam, c.group, "/checkin friday 19:30")
    assert "Weekly check-in: Friday 19:30" in moved.text
    off = await reply_to(sim, c.sam, c.group, "/checkin off")
    assert "check-in is off" in off.text
    before = len(sim.api.sent)
    await sim.tick(datetime(2025, 6, 6, 19, 30, tzinfo=UTC))
    assert not [s for s in sim.new_messages(before) if ASKED in s.text]
    # Privately, by hand, even while the weekly one is off.
    await say(sim, c.alex, c.alex, "/checkin now")
    assert len([s for s in sim.new_messages(before) if ASKED in s.text]) == 2


async def test_wrong_arguments_get_the_usage_and_change_nothing(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    couple = await couple_in(sim, c.group)
    before = settings_state(couple), couple.checkin_enabled, couple.checkin_day
    for wrong in (
        "/checkin blursday",
        "/checkin sunday 9am",
        "/checkin sunday 11:00 12:00",
        "/checkin yes",
    ):
        answer = await reply_to(sim, c.alex, c.group, wrong)
        assert "I didn't understand that" in answer.text and "/checkin on" in answer.text
    couple = await couple_in(sim, c.group)
    assert (settings_state(couple), couple.checkin_enabled, couple.checkin_day) == before
