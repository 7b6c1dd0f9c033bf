"""End-to-end: the evening's edges (long answers, a late reveal, the night the clocks go back,
which question an answer goes to, a late swap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.content import Content
from bot.core.models import Answer
from bot.simulation.world import Simulation
from tests.helpers import EVENING, ask
from tests.rituals_helpers import is_alert, press

INVITE = "twenty minutes"


def words(length: int, end: str) -> str:
    """A long, ordinary answer of exactly `length` characters ending in `end`."""
    sentence = "I think about the way you laugh when we cook together. "
    body = (sentence * (length // len(sentence) + 1))[: length - len(end)]
    return body + end


# --- long answers --------------------------------------------------------------------------


async def test_a_long_private_answer_reaches_the_partner_whole(sim: Simulation) -> None:
    """Alex writes a long sealed answer (Telegram allows 4096 characters in one message);
    Sam must be able to read all of it once both answered, not an answer cut off with "…"."""
    couple, _question = await ask(sim)
    long_answer = words(4000, "and that is why I stay. THE END")
    await sim.feed(sim.tg.send(couple.alex, couple.alex, long_answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine is short"))
    sam_sees = "\n".join(s.text for s in sim.tg.inbox(couple.sam))
    assert "THE END" in sam_sees, "Sam only ever sees the start of Alex's answer, cut with …"


async def test_the_group_reveal_does_not_cut_an_answer_that_fits(sim: Simulation) -> None:
    """Alex's sealed answer is 3,000 characters, Sam's a line: together they fit one message,
    and the group's "Both answers are in" shows both whole."""
    couple, _question = await ask(sim)
    long_answer = words(3000, "ALEX ENDS HERE")
    await sim.feed(sim.tg.send(couple.alex, couple.alex, long_answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "I loved our walk"))
    (reveal,) = [s for s in sim.tg.inbox(couple.group) if "Both answers are in" in s.text]
    assert len(reveal.text) < 4096
    assert "ALEX ENDS HERE" in reveal.text, (
        f"the group reveal cut Alex's answer to {len(reveal.text)} characters with room to spare"
    )


# --- the invitation to talk ---------------------------------------------------------------


async def test_tonights_reveal_invites_them_even_after_a_late_reveal_at_lunch(
    sim: Simulation,
) -> None:
    """Sam answers Monday's question on Tuesday at lunch (Monday's reveal comes then); on
    Tuesday evening both answer Tuesday's question: that evening gets its "twenty minutes"
    invitation too. One invitation an *evening*, not one per eight hours."""
    couple, _monday = await ask(sim)
    sim.clock.now = EVENING + timedelta(minutes=10)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Monday"))
    sim.clock.now = EVENING + timedelta(hours=17)  # Tuesday 13:00
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday, at lunch"))
    assert INVITE in sim.tg.last(couple.group).text  # Monday's reveal, at lunchtime

    await sim.tick(EVENING + timedelta(days=1))  # Tuesday 20:00
    before = len(sim.api.sent)
    sim.clock.now = EVENING + timedelta(days=1, minutes=15)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Tuesday"))
    sim.clock.now = EVENING + timedelta(days=1, minutes=30)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Tuesday"))
    tuesday_evening = [s.text for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert any("Both answers are in" in t for t in tuesday_evening)
    assert any(INVITE in t for t in tuesday_evening), (
        "Tuesday evening's reveal has no invitation to talk: the lunchtime one used it up"
    )


async def test_apostrophes_do_not_cut_an_answer_that_fits(sim: Simulation) -> None:
    """An ordinary English answer of 3,600 characters (with the apostrophes English has) and
    its header fit one Telegram message; Sam reads it whole. Its length is measured as HTML
    source, where every ' counts six (&#x27;), so it is cut short."""
    couple, _question = await ask(sim)
    sentence = "I love that you're patient with me when I'm tired. "
    answer = (sentence * 80)[:3560] + "That's all. THE END"
    await sim.feed(sim.tg.send(couple.alex, couple.alex, answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine is short"))
    (mirror,) = [s for s in sim.tg.inbox(couple.sam) if "Alex</b> answered" in s.html]
    assert "THE END" in mirror.text, (
        f"cut to {len(mirror.text)} visible characters though the whole would be "
        f"{len(mirror.text.split(chr(10))[0]) + 2 + len(answer)}"
    )


# --- clock edges ---------------------------------------------------------------------------


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def stored(sim: Simulation) -> list[str]:
    async with sim.hearth.sessions() as session:
        return [str(a.text) for a in await session.scalars(select(Answer).order_by(Answer.id))]


async def test_saturdays_question_stays_open_until_sundays_on_the_autumn_night(
    sqlite_url: str, content: Content
) -> None:
    """Berlin, 20:00. Clocks go back in the night to Sunday 26 October 2025, so that Sunday has
    25 hours. At 19:30 on Sunday, Saturday's question is still the last one asked: Alex's
    private answer to it is kept, as on any other Sunday at 19:30."""
    async with Simulation(sqlite_url, utc(10, 24, 6), content=content) as sim:
        couple = await sim.onboard()
        await sim.feed(sim.tg.command(couple.alex, couple.group, "/timezone Europe/Berlin"))
        await sim.tick(utc(10, 25, 17, 59))
        before = len(sim.api.sent)
        await sim.tick(utc(10, 25, 18))  # Saturday 20:00 CEST
        assert any("Tonight's question" in s.text for s in sim.new_messages(before))
        sim.clock.now = utc(10, 26, 18, 30)  # Sunday 19:30 CET, half an hour before Sunday's
        await sim.feed(sim.tg.send(couple.alex, couple.alex, "Saturday's, on Sunday"))
        told = sim.tg.last(couple.alex).text
        assert await stored(sim) == ["Saturday's, on Sunday"], f"Alex is told: {told!r}"


# --- which question an answer goes to ------------------------------------------------------


async def test_a_reply_to_your_turn_in_the_group_is_an_answer(sim: Simulation) -> None:
    """Sam has no private chat, so "Alex has answered … Sam, your turn!" is posted in the
    group. Sam replies to that message with the answer: it is Sam's answer (as a reply to the
    same "your turn" privately is), not silently ignored."""
    couple = await sim.onboard(private=False)
    await sim.tick(EVENING)
    (question,) = [s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text]
    await sim.feed(sim.tg.send(couple.alex, couple.group, "The lake", reply_to=question.message_id))
    nudge = sim.tg.last(couple.group)
    assert "Sam, your turn" in nudge.text
    before = len(sim.api.sent), len(sim.api.reactions)
    await sim.feed(sim.tg.send(couple.sam, couple.group, "Climbing", reply_to=nudge.message_id))
    reaction_or_reply = (len(sim.api.sent), len(sim.api.reactions)) != before
    assert (await stored(sim), reaction_or_reply) == (["The lake", "Climbing"], True), (
        "Sam's reply to the group's 'your turn' was dropped without a word"
    )


# --- the skip button -----------------------------------------------------------------------


async def test_a_late_evening_question_can_be_swapped_after_midnight(sim: Simulation) -> None:
    """The couple's question comes at 23:30. At 00:10 neither has answered and the 🔀 button
    is still under tonight's question: it swaps it (once, for both), instead of calling
    itself "no longer valid" forty minutes after the question came."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/time question 23:30"))
    await sim.tick(EVENING.replace(hour=23, minute=30))
    question = sim.tg.last(couple.group)
    assert "Tonight's question" in question.text
    (skip,) = [b["callback_data"] for row in question.buttons for b in row if "callback_data" in b]
    sim.clock.now = EVENING.replace(hour=23, minute=30) + timedelta(minutes=40)  # 00:10
    answer = await press(sim, couple.sam, question, skip)
    assert not is_alert(answer), f"Sam is told: {answer.get('text')!r}"
