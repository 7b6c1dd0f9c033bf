"""End to end: swapping tonight's question (once a day, for both, only while nobody answered),
and the line under a sensitive question that says skipping it is fine."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.core import answers, couples, routing
from bot.core.answers import IncomingAnswer, Status
from bot.core.content import OPT_IN_THEMES, Content
from bot.core.models import Answer, Prompt
from bot.simulation.fake_api import Sent
from bot.simulation.world import Simulation
from tests.conftest import START, _reset
from tests.helpers import ask, at_once
from tests.rituals_helpers import datas, is_alert, press, say

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)
TENDER = "may touch something tender"
RACES = 4  # Monday to Thursday: Friday is jar night, its question is the jar's


async def questions(sim: Simulation) -> list[Prompt]:
    async with sim.hearth.sessions() as session:
        return list(
            await session.scalars(
                select(Prompt).where(Prompt.kind == "question").order_by(Prompt.id)
            )
        )


def skip_data(question: Sent) -> str:
    (data,) = [d for d in datas(question) if d.startswith("k:")]
    return data


async def test_another_question_swaps_tonights_for_both(sim: Simulation) -> None:
    c, question = await ask(sim)
    old_text = question.text.split("\n\n")[1]
    before = len(sim.api.sent)
    answer = await press(sim, c.sam, question, skip_data(question))
    assert not is_alert(answer)
    # The old message says it was swapped and loses its buttons; the new one is asked.
    assert question.text.startswith("🔀 " + old_text) and "Swapped for another" in question.text
    assert question.buttons == []
    (new,) = sim.new_messages(before)
    assert new.chat_id == c.group.id and "Tonight's question" in new.text
    assert new.text.split("\n\n")[1] != old_text
    assert not [d for d in datas(new) if d.startswith("k:")], "once a day"
    old, swapped_in = await questions(sim)
    assert old.skipped_at == EVENING and swapped_in.skipped_at is None
    assert old.local_date == swapped_in.local_date

    # A private answer now goes to the new question; a reply to the old one is refused.
    await say(sim, c.alex, c.alex, "For the new one")
    await sim.feed(sim.tg.send(c.sam, c.group, "For the old one", reply_to=question.message_id))
    assert "was swapped for another one" in sim.tg.last(c.group).text
    async with sim.hearth.sessions() as session:
        answers = list(await session.scalars(select(Answer)))
    assert [(a.prompt_id, a.text) for a in answers] == [(swapped_in.id, "For the new one")]


async def test_once_a_day(lite: Simulation) -> None:
    sim = lite
    c, question = await ask(sim)
    await press(sim, c.alex, question, skip_data(question))
    new = sim.tg.last(c.group)
    old, swapped_in = await questions(sim)
    for sent, data in ((new, f"k:{swapped_in.id}"), (question, f"k:{old.id}")):
        refused = await press(sim, c.sam, sent, data, forged=True)
        assert is_alert(refused) and "once already" in str(refused.get("text"))
    assert len(await questions(sim)) == 2
    # Tomorrow's question can be swapped again.
    await sim.tick(EVENING + timedelta(days=1))
    tomorrow = sim.tg.last(c.group)
    assert not is_alert(await press(sim, c.sam, tomorrow, skip_data(tomorrow)))


async def test_not_once_someone_has_answered(lite: Simulation) -> None:
    sim = lite
    c, question = await ask(sim)
    await say(sim, c.alex, c.alex, "My sealed answer")
    before = len(sim.api.sent)
    refused = await press(sim, c.sam, question, skip_data(question))
    assert is_alert(refused) and "answered this one already" in str(refused.get("text"))
    assert "Tonight's question" in question.text and skip_data(question)
    assert [s for s in sim.new_messages(before) if "Tonight's question" in s.text] == []
    assert [p.skipped_at for p in await questions(sim)] == [None]


async def test_someone_else_and_yesterdays_question_are_refused(lite: Simulation) -> None:
    sim = lite
    c, question = await ask(sim)
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    refused = await press(sim, kim, question, skip_data(question))
    assert is_alert(refused) and "for someone else" in str(refused.get("text"))
    await sim.tick(EVENING + timedelta(days=1))  # the next evening's question came
    stale = await press(sim, c.alex, question, skip_data(question))
    assert is_alert(stale) and "no longer valid" in str(stale.get("text"))
    for data in ("k:", "k:x", "k:1:2", "k:99999"):
        bad = await press(sim, c.alex, question, data, forged=True)
        assert is_alert(bad) and "no longer valid" in str(bad.get("text"))
    assert [p.skipped_at for p in await questions(sim)] == [None, None]


@pytest.fixture
async def tender(sqlite_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A simulation whose daily questions are all sensitive ones."""
    sensitive = [q for q in content.questions if q.sensitive and q.theme not in OPT_IN_THEMES]
    only = dataclasses.replace(content, questions=sensitive, by_id={}, pools={})
    async with Simulation(sqlite_url, START, content=only) as simulation:
        yield simulation


async def test_a_sensitive_question_says_skipping_is_fine(tender: Simulation) -> None:
    sim = tender
    c, question = await ask(sim)
    assert "Skipping it is fine: tap 🔀 Another question." in question.text
    await press(sim, c.alex, question, skip_data(question))
    new = sim.tg.last(c.group)
    # Swapped once already: no button, and the line doesn't promise one.
    assert TENDER in new.text and "leave it for another day" in new.text
    assert "tap 🔀" not in new.text


async def test_an_ordinary_question_has_no_such_line(lite: Simulation) -> None:
    _c, question = await ask(lite)
    (prompt,) = await questions(lite)
    assert not lite.hearth.content.by_id[prompt.content_id or ""].sensitive
    assert TENDER not in question.text


@pytest.fixture
async def pg(postgres_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A simulation on PostgreSQL only: several connections, so updates really interleave."""
    await _reset(postgres_url)
    async with Simulation(postgres_url, START, content=content) as simulation:
        yield simulation


async def _until_an_update_waits_for_a_lock(sim: Simulation) -> None:
    """Yield to the event loop until another connection waits on a row lock (30 s at most:
    only PostgreSQL's own I/O is waited for, never a fixed time)."""
    deadline = asyncio.get_running_loop().time() + 30
    async with sim.hearth.engine.connect() as connection:
        while asyncio.get_running_loop().time() < deadline:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
            await connection.rollback()
            if waiting:
                return
            await asyncio.sleep(0)
    raise AssertionError("the swap never waited for the answer's lock")


async def test_an_answer_and_a_swap_at_once_take_turns(pg: Simulation) -> None:
    """Alex's private answer holds the couple, as a handler's unit of work does, when Sam
    taps swap: the swap waits for the answer, then finds the question answered and keeps it.
    An answer never lands on a swapped question."""
    sim = pg
    c, question = await ask(sim)
    async with sim.hearth.sessions() as session, session.begin():
        couple, partner = await couples.couple_of_user(session, c.alex.id, lock=True)
        assert couple is not None and partner is not None
        prompt = await routing.open_prompt(session, couple, partner, EVENING)
        assert prompt is not None
        swap = asyncio.create_task(press(sim, c.sam, question, skip_data(question)))
        await _until_an_update_waits_for_a_lock(sim)
        answer = IncomingAnswer("text", "Just in time", c.alex.id, 999, in_group=False)
        result = await answers.record_answer(
            session, couple, partner, prompt, answer, EVENING, sim.hearth.content, "hearth_bot"
        )
    assert result.status == Status.RECORDED
    await swap
    async with sim.hearth.sessions() as session:
        kept = (
            await session.execute(
                select(Answer.text, Prompt.skipped_at).join(Prompt, Prompt.id == Answer.prompt_id)
            )
        ).all()
    assert [tuple(row) for row in kept] == [("Just in time", None)]


async def test_an_answer_and_a_swap_sent_at_once_never_meet(pg: Simulation) -> None:
    """Through the real handlers, side by side: the answer is kept on a question that was not
    swapped, or refused because it was; never stored on a swapped question."""
    sim = pg
    c, question = await ask(sim)
    for evening in range(RACES):  # how the two interleave varies: several evenings, each raced
        if evening:
            await sim.tick(EVENING + timedelta(days=evening))
            question = next(s for s in reversed(sim.tg.inbox(c.group)) if "Tonight's" in s.text)
        await at_once(
            sim,
            sim.tg.send(c.alex, c.alex, f"Side by side {evening}"),
            sim.tg.press(c.sam, question, skip_data(question)),
        )
    async with sim.hearth.sessions() as session:
        kept = (
            await session.execute(
                select(Answer.text, Prompt.skipped_at).join(Prompt, Prompt.id == Answer.prompt_id)
            )
        ).all()
    assert all(skipped is None for _text, skipped in kept), kept


async def test_a_couple_living_apart_never_swaps_into_a_shared_home_question(
    lite: Simulation,
) -> None:
    """ "Another question" keeps to the questions that fit a couple living apart, as the
    evening's pick does: with every fitting question used, the swap brings back the least
    recently used of those, never an unused one that assumes a shared home."""
    sim = lite
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/living apart"))
    content = sim.hearth.content
    fitting = [q.id for q in content.questions if not q.lives_together]
    async with sim.hearth.sessions() as session, session.begin():
        couple = await couples.couple_by_chat(session, c.group.id)
        assert couple is not None
        for n, content_id in enumerate(fitting):
            asked = EVENING - timedelta(days=len(fitting) - n)
            session.add(
                Prompt(
                    couple_id=couple.id, kind="question", local_date=asked.date(),
                    content_id=content_id, created_at=asked, revealed_at=asked,
                )
            )  # fmt: skip
    await sim.tick(EVENING)
    question = sim.tg.last(c.group)
    assert not is_alert(await press(sim, c.sam, question, skip_data(question)))
    swapped_in = (await questions(sim))[-1]
    assert swapped_in.skipped_at is None and swapped_in.local_date == EVENING.date()
    assert not content.by_id[swapped_in.content_id or ""].lives_together


async def test_an_answer_to_a_question_picked_before_it_was_swapped_is_not_filed_under_the_new(
    sim: Simulation,
) -> None:
    """Alex taps "Answer privately" (told to write the answer to the old question); Sam swaps
    it: Alex's message is not filed under a question Alex hasn't seen, Alex is told, and the
    next message answers the new question."""
    c, question = await ask(sim)
    link = sim.tg.url_buttons(question)[0]
    await sim.feed(sim.tg.start(c.alex, link.split("start=", 1)[1]))
    assert "Write your answer" in sim.tg.last(c.alex).text
    await press(sim, c.sam, question, skip_data(question))
    await say(sim, c.alex, c.alex, "To the old question")
    assert "swapped" in sim.tg.last(c.alex).text
    await say(sim, c.alex, c.alex, "To the new question")
    old, new = await questions(sim)
    async with sim.hearth.sessions() as session:
        filed = (await session.execute(select(Answer.prompt_id, Answer.text))).all()
    assert old.skipped_at is not None
    assert filed == [(new.id, "To the new question")]
