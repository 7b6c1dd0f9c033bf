"""End-to-end: Telegram errors delay messages but never lose them, nor an answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.models import Answer, Couple, OutboxMessage, Partner
from bot.core.purposes import OutboxStatus, Purpose
from bot.simulation.world import Simulation
from tests.conftest import BOTH
from tests.helpers import couple_in

ENGINES = BOTH  # claims, races and cascades behave differently per engine

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)


def questions(sim: Simulation, chat: object) -> list[str]:
    return [s.text for s in sim.tg.inbox(chat) if "Tonight's question" in s.text]  # type: ignore[arg-type]


async def test_network_error_delays_the_question_and_it_is_retried(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "network", times=2, chat_id=couple.group.id)
    await sim.tick(EVENING)
    assert questions(sim, couple.group) == []
    await sim.tick(EVENING + timedelta(seconds=5))  # backoff not over yet: no call
    assert questions(sim, couple.group) == []
    await sim.tick(EVENING + timedelta(seconds=30))
    await sim.tick(EVENING + timedelta(minutes=2))
    assert len(questions(sim, couple.group)) == 1


async def test_retry_after_is_honoured(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "retry_after", chat_id=couple.group.id, retry_after=40)
    await sim.tick(EVENING)
    calls_before = len(sim.api.calls)
    await sim.tick(EVENING + timedelta(seconds=39))
    group_sends = [
        c
        for c in sim.api.calls[calls_before:]
        if c[0] == "sendMessage" and c[1]["chat_id"] == couple.group.id
    ]
    assert group_sends == []  # no retry inside the flood wait
    await sim.tick(EVENING + timedelta(seconds=40))
    assert len(questions(sim, couple.group)) == 1


async def test_timeout_after_delivery_is_not_resent_and_replies_still_count(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "timeout_delivered", chat_id=couple.group.id)
    await sim.tick(EVENING)
    await sim.tick(EVENING + timedelta(minutes=30))
    assert len(questions(sim, couple.group)) == 1  # delivered once, never duplicated
    question = sim.tg.last(couple.group)
    await sim.feed(
        sim.tg.send(couple.alex, couple.group, "Still mine", reply_to=question.message_id)
    )
    async with sim.hearth.sessions() as session:
        (answer,) = list(await session.scalars(select(Answer)))
    assert answer.text == "Still mine"


async def test_answer_survives_a_network_error_on_the_acknowledgement(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    sim.api.fail("setMessageReaction", "network")
    sim.api.fail("sendMessage", "network", chat_id=couple.sam.id)  # "Alex answered" notice
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Kept safe"))
    async with sim.hearth.sessions() as session:
        (answer,) = list(await session.scalars(select(Answer)))
    assert answer.text == "Kept safe"
    await sim.tick(EVENING + timedelta(minutes=1))
    assert "Alex has answered" in sim.tg.last(couple.sam).text


async def test_reveal_is_retried_after_network_errors(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "A"))
    sim.api.fail("sendMessage", "network", times=3, chat_id=couple.alex.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam's words"))
    assert not any("Sam's words" in s.text for s in sim.tg.inbox(couple.alex))
    for minutes in (1, 2, 4, 8):
        await sim.tick(EVENING + timedelta(minutes=minutes))
    assert any("Sam's words" in s.text for s in sim.tg.inbox(couple.alex))


async def test_blocked_partner_gets_the_reveal_after_unblocking(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "A"))
    couple.alex.blocked = True
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "For Alex"))
    async with sim.hearth.sessions() as session:
        alex = await session.scalar(select(Partner).where(Partner.user_id == couple.alex.id))
        held = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "held"))
        )
    assert alex is not None and not alex.private_open
    assert held
    couple.alex.blocked = False
    await sim.feed(sim.tg.start(couple.alex))
    await sim.tick(EVENING + timedelta(minutes=1))
    assert any("For Alex" in s.text for s in sim.tg.inbox(couple.alex))


async def test_cant_initiate_falls_back_to_the_group(sim: Simulation) -> None:
    couple = await sim.onboard(private=False)
    await sim.tick(EVENING)
    (question,) = [s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text]
    await sim.feed(sim.tg.send(couple.alex, couple.group, "Here", reply_to=question.message_id))
    # Sam never started the bot: the "your turn" note goes to the group instead.
    assert "Sam, your turn" in sim.tg.last(couple.group).text


async def test_kicked_from_group_deactivates_the_couple(sim: Simulation) -> None:
    couple = await sim.onboard()
    couple.group.bot_member = False  # removed without us seeing the update
    await sim.tick(EVENING)
    async with sim.hearth.sessions() as session:
        row = await session.scalar(select(Couple))
    assert row is not None and not row.active
    await sim.tick(EVENING + timedelta(days=1))
    assert questions(sim, couple.group) == []


async def test_migrated_chat_is_followed_when_sending(sim: Simulation) -> None:
    couple = await sim.onboard()
    new, _update = sim.tg.migrate(couple.group)  # the service message is never delivered
    await sim.tick(EVENING)
    assert len(questions(sim, new)) == 1
    async with sim.hearth.sessions() as session:
        row = await session.scalar(select(Couple))
    assert row is not None and row.chat_id == new.id
    question = sim.tg.last(new)
    await sim.feed(sim.tg.send(couple.alex, new, "Still here", reply_to=question.message_id))
    async with sim.hearth.sessions() as session:
        assert len(list(await session.scalars(select(Answer)))) == 1


def sender_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """What the sender logged: level and line."""
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "handlers.sender"]


async def test_a_message_the_groups_restrictions_refuse_is_dropped_with_one_warning(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    """400 "not enough rights" (Hearth restricted in a supergroup, or the group taking no
    voice notes from members): that message is dropped with one WARNING (no ERROR), and the
    couple stays as it is (Telegram tells no one when a restriction ends): the next evening's
    question goes out once Hearth may post again."""
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "no_rights", chat_id=couple.group.id)
    caplog.set_level(logging.INFO)
    await sim.tick(EVENING)
    async with sim.hearth.sessions() as session:
        row = await session.scalar(select(Couple))
        status = await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.purpose == Purpose.QUESTION)
        )
    assert row is not None and row.active and not row.paused
    assert status == OutboxStatus.DROPPED
    (line,) = sender_lines(caplog)
    assert line[0] == logging.WARNING and "not allowed to post this there" in line[1]
    # The next evening: answers in voice, whose group copy the group refuses.
    await sim.tick(EVENING + timedelta(days=1))
    assert len(questions(sim, couple.group)) == 1
    sim.api.fail("copyMessage", "no_rights", chat_id=couple.group.id)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="voice"))
    caplog.clear()
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "The walk by the river."))
    assert [level for level, _line in sender_lines(caplog)] == [logging.WARNING]
    assert (await couple_in(sim, couple.group)).active
    assert any(s.kind == "voice" for s in sim.tg.inbox(couple.sam)), "Sam still got it"


async def test_a_copy_whose_original_was_deleted_is_dropped_with_one_warning(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    """Alex deletes the voice answer before the reveal copies it: those copies are dropped
    with a WARNING each (no ERROR), and the couple carries on."""
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="voice"))
    voice = max(key for key in sim.api.messages if key[0] == couple.alex.id)
    del sim.api.messages[voice]  # deleted in Alex's chat: Telegram cannot copy it any more
    caplog.set_level(logging.INFO)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "The walk by the river."))
    lines = sender_lines(caplog)
    assert lines, "the copies were tried"
    assert all(
        level == logging.WARNING and "its original was deleted" in line for level, line in lines
    ), lines
    async with sim.hearth.sessions() as session:
        row = await session.scalar(select(Couple))
        statuses = set(
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.method == "copy")
            )
        )
    assert row is not None and row.active, "a deleted original does not close the group"
    assert statuses == {OutboxStatus.DROPPED}
