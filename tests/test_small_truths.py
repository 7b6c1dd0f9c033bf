"""End to end: messages that say what is true. Each chat's messages are read in order and
counted, as the couple receives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.models import Prompt
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Simulation
from tests import rituals_helpers

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the sim fixture's first day; the couple's zone is UTC


def chat_since(sim: Simulation, chat: FakeChat | FakeUser, since: int) -> list[Sent]:
    """What one chat received after the first `since` messages, in order."""
    return [s for s in sim.new_messages(since) if s.chat_id == chat.id]


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> list[Sent]:
    """`user` sends `text` in `chat`; what that chat received in answer."""
    return [s for s in await rituals_helpers.say(sim, user, chat, text) if s.chat_id == chat.id]


async def test_resume_right_after_a_skipped_evening_says_tomorrow(sim: Simulation) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/time question 04:20")
    await say(sim, c.alex, c.group, "/pause")
    since = len(sim.api.sent)
    await sim.tick(MONDAY + timedelta(days=1, hours=4, minutes=20))  # skipped: paused
    assert chat_since(sim, c.group, since) == []
    sim.clock.now = MONDAY + timedelta(days=1, hours=4, minutes=21)
    (answer,) = await say(sim, c.sam, c.group, "/resume")
    assert "tomorrow at 04:20" in answer.text, answer.text
    assert "today" not in answer.text


async def test_changing_a_time_while_paused_says_it_is_paused(sim: Simulation) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/pause")
    (answer,) = await say(sim, c.alex, c.group, "/time question 21:00")
    assert "21:00" in answer.text and "paused" in answer.text and "/resume" in answer.text
    await say(sim, c.alex, c.group, "/resume")
    (answer,) = await say(sim, c.alex, c.group, "/time question 21:30")
    assert "paused" not in answer.text


async def test_your_turn_quotes_the_question(sim: Simulation) -> None:
    c = await sim.onboard()
    await sim.tick(MONDAY.replace(hour=20))
    async with sim.hearth.sessions() as session:
        prompt = await session.scalar(select(Prompt).where(Prompt.kind == "question"))
    assert prompt is not None
    question = sim.hearth.content.by_id[prompt.content_id or ""].text
    since = len(sim.api.sent)
    sim.clock.now = MONDAY.replace(hour=20, minute=5)
    await say(sim, c.sam, c.sam, "My answer")
    (turn,) = chat_since(sim, c.alex, since)
    assert f"Sam has answered “{question}”. Your turn!" in turn.text, turn.text
    assert chat_since(sim, c.group, since) == [], "nothing in the group: Alex has a private chat"
    assert "My answer" not in turn.text, "sealed"


async def test_export_after_forgetting_yourself_says_nothing_is_stored(sim: Simulation) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.alex, "/forget")
    confirm = sim.tg.last(c.alex)
    await sim.feed(sim.tg.press(c.alex, confirm, sim.tg.button_data(confirm, "f:me")))
    documents = len(sim.api.documents)
    (answer,) = await say(sim, c.alex, c.alex, "/export")
    assert answer.text.startswith("Nothing of yours is stored"), "not the newcomer greeting"
    assert len(sim.api.documents) == documents


async def test_the_stepped_out_note_stays_when_the_partner_rejoins(sim: Simulation) -> None:
    c = await sim.onboard()
    since = len(sim.api.sent)
    await say(sim, c.alex, c.alex, "/forget")
    await sim.feed(
        sim.tg.press(c.alex, sim.tg.last(c.alex), sim.tg.button_data(sim.tg.last(c.alex), "f:me"))
    )
    (note,) = chat_since(sim, c.group, since)
    assert "stepped out" in note.text
    before = len(sim.api.sent)
    await sim.feed(sim.tg.press(c.alex, note, "join:again"))
    kept = sim.api.messages[(note.chat_id, note.message_id)]
    assert "stepped out" in str(kept["text"]), "the note is not edited away"
    after = chat_since(sim, c.group, before)
    assert len(after) == 2, [s.text for s in after]
    assert "Alex" in after[0].text and "Sam" in after[0].text, "who is in now, after the note"
