"""End-to-end: starting again after a deleted group, a renamed group, a private chat opened
late (nothing twice, nothing the group already had), a pause across a change of zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.simulation.fake_api import Sent
from bot.simulation.world import Simulation
from tests.helpers import couple_in

GROUP_QUESTION = "Tonight's question"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def group_questions(sim: Simulation, chat: object) -> list[Sent]:
    return [s for s in sim.tg.inbox(chat) if GROUP_QUESTION in s.text]  # type: ignore[arg-type]


# --- onboarding ---------------------------------------------------------------------------


async def test_a_couple_whose_group_was_deleted_can_start_again_in_a_new_one(
    sim: Simulation,
) -> None:
    """Alex and Sam paused Hearth, then deleted their group (Telegram sends the bot no update
    for that). Days later they make a new group and add Hearth: asked, Telegram says the old
    group is gone, and they start again (no "Remove me from that chat first")."""
    c = await sim.onboard()
    sim.clock.now = utc(2025, 6, 2, 10)
    await sim.feed(sim.tg.command(c.alex, c.group, "/pause"))
    del sim.api.chats[c.group.id]  # the group is gone; no my_chat_member arrives
    for at in (utc(2025, 6, 2, 20), utc(2025, 6, 3, 9), utc(2025, 6, 3, 20)):
        await sim.tick(at)
    sim.clock.now = utc(2025, 6, 4, 10)
    fresh = sim.tg.group("Alex & Sam, again", [c.alex, c.sam])
    await sim.feed(sim.tg.add_bot(fresh, by=c.alex))
    greeting = sim.tg.last(fresh)
    await sim.feed(sim.tg.press(c.alex, greeting, "join"))
    alert = str(sim.api.alerts[-1].get("text"))
    assert "another chat" not in alert, (
        f"Alex is refused in the new group because of the deleted one: {alert!r}"
    )


async def test_a_renamed_group_is_named_by_its_new_title(sim: Simulation) -> None:
    """Alex & Sam rename their group "Us two": Hearth calls it by that name ("paired in
    another chat (Us two)")."""
    c = await sim.onboard()
    c.group.title = "Us two"
    await sim.feed(
        sim.tg.raw_message(c.group, c.alex.json(), {"new_chat_title": "Us two"})
    )  # the service message every bot receives, privacy mode or not
    carol = sim.tg.user("Carol")
    other = sim.tg.group("Alex & Carol", [c.alex, carol])
    await sim.feed(sim.tg.add_bot(other, by=carol))
    await sim.feed(sim.tg.press(c.alex, sim.tg.last(other), "join"))
    alert = str(sim.api.alerts[-1].get("text"))
    assert "another chat" in alert
    assert "Us two" in alert, f"the alert names the group by its old title: {alert!r}"


# --- the private chat opened late ----------------------------------------------------------


async def test_a_private_chat_opened_again_does_not_ask_yesterdays_answered_question(
    sim: Simulation,
) -> None:
    """Sam had blocked Hearth: Monday's "did you notice?" went to the group instead, and he
    answered there. When he opens the private chat again on Tuesday, the held private copy
    stays held: the group had it, whole."""
    c = await sim.onboard()
    await sim.tick(utc(2025, 6, 2, 9))
    (nudge,) = [s for s in sim.tg.inbox(c.alex) if "small idea" in s.text]
    sim.clock.now = utc(2025, 6, 2, 10)
    await sim.feed(sim.tg.press(c.alex, nudge, sim.tg.button_data(nudge, "g:d:")))
    await sim.feed(sim.tg.bot_status(c.sam, c.sam, "member", "kicked"))  # Sam blocks Hearth
    await sim.tick(utc(2025, 6, 2, 19))
    (asked,) = [s for s in sim.tg.inbox(c.group) if "something kind" in s.text]
    sim.clock.now = utc(2025, 6, 2, 19, 5)
    await sim.feed(sim.tg.press(c.sam, asked, sim.tg.button_data(asked, "g:y:")))
    assert any("noticed your kindness" in s.text for s in sim.tg.inbox(c.alex))

    await sim.feed(sim.tg.bot_status(c.sam, c.sam, "kicked", "member"))  # unblocks
    seen = len(sim.api.sent)
    sim.clock.now = utc(2025, 6, 3, 6)  # Tuesday morning
    await sim.feed(sim.tg.start(c.sam))
    again = [s.text for s in sim.new_messages(seen) if "something kind" in s.text]
    assert again == [], f"Sam is asked again, the next morning: {again}"


async def test_an_answer_edited_while_the_chat_was_closed_arrives_once(sim: Simulation) -> None:
    """Sam has not opened the private chat yet; Alex's sealed answer is revealed and Alex fixes
    a typo twice: when Sam opens the chat, the reveal (showing the final words) comes once,
    with no edit notes repeating them."""
    c = await sim.onboard(private=False)
    token = (await couple_in(sim, c.group)).link_token
    await sim.feed(sim.tg.start(c.alex, token))
    await sim.tick(utc(2025, 6, 2, 20))
    (question,) = group_questions(sim, c.group)
    await sim.feed(sim.tg.send(c.alex, c.alex, "I'd play something slwo"))
    alex_message = max(mid for chat, mid in sim.api.messages if chat == c.alex.id)
    await sim.feed(sim.tg.send(c.sam, c.group, "Sam's answer", reply_to=question.message_id))
    await sim.feed(sim.tg.edit(c.alex, c.alex, alex_message, "I'd play something slow"))
    await sim.feed(sim.tg.edit(c.alex, c.alex, alex_message, "I'd play something slow."))
    seen = len(sim.api.sent)
    sim.clock.now = utc(2025, 6, 2, 21)
    await sim.feed(sim.tg.start(c.sam, token))
    shown = [s.text for s in sim.new_messages(seen) if "something slow." in s.text]
    assert len(shown) == 1, f"Sam reads Alex's final words {len(shown)} times: {shown}"


async def test_a_pause_for_days_still_holds_after_moving_zone(sim: Simulation) -> None:
    """A Berlin couple pauses on Monday for two days ("I'll be back on 4 June"), then moves to
    New York and sets /timezone: the pause still ends as 4 June begins, now in New York (no
    question on Tuesday evening there)."""
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/timezone Europe/Berlin"))
    sim.clock.now = utc(2025, 6, 2, 8)  # Monday 10:00 in Berlin
    await sim.feed(sim.tg.command(c.alex, c.group, "/pause 2"))
    assert "4 June 2025" in sim.tg.last(c.group).text
    sim.clock.now = utc(2025, 6, 3, 12)  # Tuesday, landed: 08:00 in New York
    await sim.feed(sim.tg.command(c.alex, c.group, "/timezone America/New_York"))
    for at in (utc(2025, 6, 3, 13), utc(2025, 6, 3, 23, 59)):
        await sim.tick(at)
    assert group_questions(sim, c.group) == []
    await sim.tick(utc(2025, 6, 4, 0))  # Tuesday 20:00 in New York: still a paused day
    asked = group_questions(sim, c.group)
    assert asked == [], "the question comes on Tuesday, a day they paused"
