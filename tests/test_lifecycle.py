"""End-to-end: the group's and the partners' lifecycle, and Telegram's refusals around it (a
group that becomes a supergroup, a partner of two couples, a partner who blocked the bot)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import outbox
from bot.core.models import Answer, OutboxMessage, Partner, Prompt
from bot.core.outbox import Outgoing
from bot.core.purposes import Purpose
from bot.simulation.fake_api import Sent
from bot.simulation.world import Simulation
from tests.helpers import pair_anew

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)


def questions(sim: Simulation, chat: object) -> list[Sent]:
    return [s for s in sim.tg.inbox(chat) if "Tonight's question" in s.text]  # type: ignore[arg-type]


async def answered_on(sim: Simulation) -> list[tuple[str, str]]:
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Answer.text, Prompt.local_date)
            .join(Prompt, Answer.prompt_id == Prompt.id)
            .order_by(Answer.id)
        )
        return [(str(t), d.isoformat()) for t, d in rows]


async def test_after_a_migration_a_reply_to_the_supergroups_question_answers_it(
    sim: Simulation,
) -> None:
    """Message ids are per chat: the supergroup counts from 1 again, so its Thursday question
    carries the id Monday's question had in the old group."""
    couple = await sim.onboard()
    await sim.tick(EVENING)
    monday = questions(sim, couple.group)[-1]
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX MONDAY"))  # half answered
    new, update = sim.tg.migrate(couple.group)
    await sim.feed(update)
    for day in (1, 2, 3):  # Tuesday, Wednesday, Thursday in the supergroup
        await sim.tick(EVENING + timedelta(days=day))
    thursday = questions(sim, new)[-1]
    assert thursday.message_id == monday.message_id  # the setting of this test
    await sim.feed(sim.tg.send(couple.sam, new, "SAM ON THURSDAY", reply_to=thursday.message_id))
    filed = await answered_on(sim)
    assert ("SAM ON THURSDAY", "2025-06-05") in filed, filed
    assert not any("SAM ON THURSDAY" in s.text for s in sim.tg.inbox(couple.alex))


async def test_forget_in_private_forgets_a_partner_of_two_couples_everywhere(
    sim: Simulation,
) -> None:
    """Alex was in Alex & Sam (bot removed since, data kept for the retention period) and is
    now in Alex & Kim. /forget in private says "Everything of yours is deleted", but only the
    Alex & Kim membership goes: the sealed answer stays, and re-adding the bot to the old
    group brings Alex back as Sam's partner."""
    old = await sim.onboard()
    alex, sam = old.alex, old.sam
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(alex, alex, "ALEX OLD WORDS"))  # sealed, in the old couple
    await sim.feed(sim.tg.remove_bot(old.group, by=sam))
    await pair_anew(sim, alex, "Kim")
    await sim.feed(sim.tg.command(alex, alex, "/forget"))
    confirm = sim.tg.last(alex)
    await sim.feed(sim.tg.press(alex, confirm, sim.tg.button_data(confirm, "f:me")))
    assert "Everything of yours is deleted" in sim.tg.last(alex).text
    await sim.feed(sim.tg.add_bot(old.group, by=sam))  # Sam brings Hearth back
    back = sim.tg.last(old.group).text
    async with sim.hearth.sessions() as session:
        kept = [a.text for a in await session.scalars(select(Answer))]
        memberships = list(
            await session.scalars(select(Partner.couple_id).where(Partner.user_id == alex.id))
        )
    assert (kept, memberships, "Alex" in back) == ([], [], False), back


async def test_a_blocked_partners_media_reveal_is_one_warning_line(
    sim: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    """Sam blocked the bot; Alex's voice answer is mirrored to Sam as two messages (header and
    copy). One closed chat is one WARNING line, not one per message tried."""
    couple = await sim.onboard()
    await sim.tick(EVENING)
    question = questions(sim, couple.group)[-1]
    couple.sam.blocked = True  # Sam blocked the private chat; Telegram tells us nothing
    await sim.feed(
        sim.tg.send(couple.sam, couple.group, "SAM IN THE GROUP", reply_to=question.message_id)
    )
    caplog.clear()
    caplog.set_level(logging.INFO)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="voice", caption="ALEX VOICE"))
    assert any("waiting for you in our private chat" in s.text for s in sim.tg.inbox(couple.group))
    logged = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert not any("ALEX VOICE" in line or "SAM IN THE GROUP" in line for _l, line in logged)
    warnings = [line for level, line in logged if level == "WARNING"]
    assert len(warnings) == 1, warnings


async def test_a_supergroup_greeted_before_its_migration_is_told_the_couple_is_set_up(
    sim: Simulation,
) -> None:
    """Telegram may report the bot in the new supergroup before the migration message: the
    "We're in" greeting it drew is followed by the couple's status, so they don't set up
    again."""
    couple = await sim.onboard()
    new, migrate_update = sim.tg.migrate(couple.group)
    await sim.feed(sim.tg.add_bot(new, by=couple.alex))
    assert "We're in" in str(sim.tg.last(new).buttons)
    await sim.feed(migrate_update)
    status = sim.tg.last(new)
    assert "Hearth for Alex & Sam" in status.text and not status.buttons, status.text


async def test_a_plain_migration_says_nothing_new(sim: Simulation) -> None:
    couple = await sim.onboard()
    new, migrate_update = sim.tg.migrate(couple.group)
    await sim.feed(migrate_update)
    assert sim.tg.inbox(new) == []


async def test_behind_a_closed_chat_a_stale_message_expires_rather_than_waits(
    sim: Simulation,
) -> None:
    """Two messages for Sam go out in one batch; Sam blocked Hearth. The first is held (it
    waits for the chat to open); the second, a gesture idea thirteen hours old, has missed its
    day and expires, as it would alone (not held, its fallback not posted)."""
    couple = await sim.onboard()
    couple.sam.blocked = True
    now = sim.clock.now
    async with sim.hearth.sessions() as session:
        stored = await session.scalar(select(Partner).where(Partner.user_id == couple.sam.id))
        assert stored is not None
        sam, couple_id = stored.id, stored.couple_id

        def to_sam(text: str, purpose: Purpose) -> Outgoing:
            return Outgoing(couple.sam.id, text, purpose=purpose, partner_id=sam)

        await outbox.enqueue(session, [(couple_id, [to_sam("a reveal", Purpose.REVEAL)])], now)
        stale = now - timedelta(hours=13)
        await outbox.enqueue(session, [(couple_id, [to_sam("an idea", Purpose.GESTURE)])], stale)
        await session.commit()
    await sim.send()
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.purpose, OutboxMessage.status)
            .where(OutboxMessage.partner_id == sam)
            .order_by(OutboxMessage.id)
        )
        assert [(str(p), str(s)) for p, s in rows] == [("reveal", "held"), ("gesture", "expired")]
