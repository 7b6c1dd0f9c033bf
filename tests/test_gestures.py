"""End to end: the daily gesture nudge, Another idea, Done and the "did you notice?" loop."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from itertools import pairwise

from sqlalchemy import select

from bot.core import gestures
from bot.core.models import GestureAssignment, OutboxMessage, Partner
from bot.simulation.fake_api import FakeUser, Sent
from bot.simulation.world import Couple, Simulation

NUDGE = "A small idea for today"
CHALLENGE = "gesture challenge for you both"
NOTICE_ASK = "has something kind come your way"


MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the day the `sim` fixture starts


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """`hour:minute` UTC on the simulation's first day, or `days` after it."""
    return MONDAY + timedelta(days=days, hours=hour, minutes=minute)


def idea(sent: Sent) -> str:
    """The gesture idea itself: the bold part of a nudge or challenge."""
    match = re.search(r"<b>(.*?)</b>", sent.html, re.S)
    assert match, sent.html
    return unescape(match.group(1))


def nudges(sim: Simulation, user: FakeUser, since: int = 0) -> list[Sent]:
    """The private gesture nudges `user` received after the first `since` bot messages."""
    return [s for s in sim.new_messages(since) if s.chat_id == user.id and NUDGE in s.text]


def button_labels(sent: Sent) -> list[str]:
    return [b["text"] for row in sent.buttons for b in row]


async def open_private_chat(sim: Simulation, couple: Couple, user: FakeUser) -> None:
    """`user` opens the private chat through the deep link the group was given."""
    links = [
        url for s in sim.tg.inbox(couple.group) for url in sim.tg.url_buttons(s) if "start=" in url
    ]
    assert links, "the group never got the private-chat link"
    await sim.feed(sim.tg.start(user, links[-1].split("start=", 1)[1]))


async def assignments(sim: Simulation) -> list[GestureAssignment]:
    async with sim.hearth.sessions() as s:
        return list(await s.scalars(select(GestureAssignment).order_by(GestureAssignment.id)))


async def morning_nudges(sim: Simulation, couple: Couple) -> tuple[Sent, Sent]:
    """Tick at 09:00 and return Alex's and Sam's nudges."""
    await sim.tick(at(9))
    (alex_nudge,) = nudges(sim, couple.alex)
    (sam_nudge,) = nudges(sim, couple.sam)
    return alex_nudge, sam_nudge


async def test_each_partner_gets_one_private_nudge_at_gesture_time(sim: Simulation) -> None:
    couple = await sim.onboard()
    before = len(sim.api.sent)
    await sim.tick(at(8, 59))
    assert sim.new_messages(before) == [], "nothing is due before 09:00"

    await sim.tick(at(9))
    new = sim.new_messages(before)
    alex, sam = nudges(sim, couple.alex, before), nudges(sim, couple.sam, before)
    assert len(alex) == 1 and len(sam) == 1, [s.text for s in new]
    assert "show Sam you appreciate" in alex[0].text
    assert "show Alex you appreciate" in sam[0].text
    for nudge in (alex[0], sam[0]):
        assert button_labels(nudge) == ["✅ Done", "🔄 Another idea"]
    assert [s for s in new if s.chat_id == couple.group.id] == [], "the group hears nothing"

    again = len(sim.api.sent)
    await sim.tick(at(9, 30))
    assert sim.new_messages(again) == [], "one nudge a day"
    rows = await assignments(sim)
    assert len(rows) == 2 and not any(r.shared for r in rows)


async def test_partner_without_private_chat_gets_a_shared_group_challenge(
    sim: Simulation,
) -> None:
    couple = await sim.onboard(private=False)
    await open_private_chat(sim, couple, couple.alex)
    before = len(sim.api.sent)

    await sim.tick(at(9))

    alex = nudges(sim, couple.alex, before)
    assert len(alex) == 1, "the partner with a private chat still gets a private nudge"
    assert [s for s in sim.new_messages(before) if s.chat_id == couple.sam.id] == []
    group = [s for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert len(group) == 1, [s.text for s in group]
    assert CHALLENGE in group[0].text
    assert "✅ Done" in button_labels(group[0])
    assert idea(alex[0]) not in group[0].text, "the group must not spoil Alex's surprise"
    shared = [r for r in await assignments(sim) if r.shared]
    assert len(shared) == 1 and shared[0].partner_id is None


async def test_another_idea_edits_the_nudge_to_a_different_idea(sim: Simulation) -> None:
    couple = await sim.onboard()
    alex_nudge, _ = await morning_nudges(sim, couple)
    first = idea(alex_nudge)
    alex_id = (await _partner_rows(sim))[couple.alex.id].id
    (row,) = [r for r in await assignments(sim) if r.partner_id == alex_id]
    first_gesture = row.gesture_id
    sent_before = len(sim.api.sent)

    await sim.feed(sim.tg.press(couple.alex, alex_nudge, sim.tg.button_data(alex_nudge, "g:n:")))

    assert sim.new_messages(sent_before) == [], "the message is edited, not resent"
    second = idea(alex_nudge)  # Sent objects follow edits
    assert second != first
    assert "show Sam you appreciate" in alex_nudge.text
    assert button_labels(alex_nudge) == ["✅ Done", "🔄 Another idea"]
    assert any(c[0] == "editMessageText" for c in sim.api.calls)
    async with sim.hearth.sessions() as s:
        stored = await s.get(GestureAssignment, row.id)
        assert stored is not None and stored.gesture_id != first_gesture

    await sim.feed(sim.tg.press(couple.alex, alex_nudge, sim.tg.button_data(alex_nudge, "g:n:")))
    assert idea(alex_nudge) not in (first, second)


async def test_done_asks_the_other_partner_later_and_i_noticed_is_passed_back(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    alex_nudge, _ = await morning_nudges(sim, couple)

    sim.clock.now = at(9, 5)
    before = len(sim.api.sent)
    await sim.feed(sim.tg.press(couple.alex, alex_nudge, sim.tg.button_data(alex_nudge, "g:d:")))
    assert alex_nudge.buttons == [], "Done removes the buttons"
    assert sim.api.alerts[-1].get("text") == "Lovely. 💛"

    await sim.tick(at(9, 6))
    await sim.tick(at(18, 59))
    assert not any(NOTICE_ASK in s.text for s in sim.new_messages(before)), "not before evening"

    await sim.tick(at(19))  # an hour before the 20:00 question
    asks = [s for s in sim.new_messages(before) if NOTICE_ASK in s.text]
    assert len(asks) == 1
    ask = asks[0]
    assert ask.chat_id == couple.sam.id, "the receiver is asked privately"
    assert "from Alex" in ask.text
    assert "💛 I noticed" in button_labels(ask)

    await sim.tick(at(19, 30))
    assert len([s for s in sim.new_messages(before) if NOTICE_ASK in s.text]) == 1, "asked once"

    told = len(sim.api.sent)
    await sim.feed(sim.tg.press(couple.sam, ask, sim.tg.button_data(ask, "g:y:")))
    new = sim.new_messages(told)
    assert [s.chat_id for s in new] == [couple.alex.id], [s.text for s in new]
    assert "Sam noticed your kindness" in new[0].text
    rows = {r.partner_id: r for r in await assignments(sim)}
    alex_id = (await _partner_rows(sim))[couple.alex.id].id
    assert rows[alex_id].done_at is not None and rows[alex_id].noticed_at is not None


async def test_a_pause_after_done_means_no_did_you_notice_that_evening(sim: Simulation) -> None:
    """Alex taps Done in the morning, then the couple pauses: the break is quiet, so Sam is not
    asked that evening whether something kind came his way."""
    couple = await sim.onboard()
    alex_nudge, _ = await morning_nudges(sim, couple)
    sim.clock.now = at(9, 5)
    await sim.feed(sim.tg.press(couple.alex, alex_nudge, sim.tg.button_data(alex_nudge, "g:d:")))
    sim.clock.now = at(12)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/pause 2"))
    before = len(sim.api.sent)
    await sim.tick(at(19))
    await sim.tick(at(21))
    assert not any(NOTICE_ASK in s.text for s in sim.new_messages(before))


async def test_receiver_pressing_the_givers_done_gets_an_alert_and_nothing_changes(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    alex_nudge, _ = await morning_nudges(sim, couple)
    buttons = [list(row) for row in alex_nudge.buttons]
    before = len(sim.api.sent)

    await sim.feed(sim.tg.press(couple.sam, alex_nudge, sim.tg.button_data(alex_nudge, "g:d:")))

    alert = sim.api.alerts[-1]
    assert alert.get("show_alert") is True
    assert "someone else" in str(alert.get("text"))
    assert alex_nudge.buttons == buttons
    assert all(r.done_at is None and r.notice_at is None for r in await assignments(sim))
    await sim.tick(at(21))
    assert not any(NOTICE_ASK in s.text for s in sim.new_messages(before))


async def _partner_rows(sim: Simulation) -> dict[int, Partner]:
    async with sim.hearth.sessions() as s:
        return {p.user_id: p for p in await s.scalars(select(Partner))}


async def test_blocked_partner_is_marked_closed_and_the_group_gets_the_challenge(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    couple.sam.blocked = True
    before = len(sim.api.sent)

    await sim.tick(at(9))
    await sim.tick(at(9, 1))  # a later tick must not add a second challenge

    partners = await _partner_rows(sim)
    assert partners[couple.sam.id].private_open is False
    assert partners[couple.alex.id].private_open is True
    assert len(nudges(sim, couple.alex, before)) == 1
    group = [s for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert len(group) == 1 and CHALLENGE in group[0].text, [s.text for s in group]


async def test_both_blocked_gives_only_one_group_challenge(sim: Simulation) -> None:
    couple = await sim.onboard()
    couple.alex.blocked = couple.sam.blocked = True
    before = len(sim.api.sent)

    await sim.tick(at(9))
    await sim.tick(at(9, 1))
    await sim.tick(at(9, 2))

    partners = await _partner_rows(sim)
    assert not partners[couple.alex.id].private_open and not partners[couple.sam.id].private_open
    group = [s for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert len(group) == 1 and CHALLENGE in group[0].text, [s.text for s in group]

    # The next day both are known to be closed: one shared challenge straight away.
    later = len(sim.api.sent)
    await sim.tick(at(9, days=1))
    group = [s for s in sim.new_messages(later) if s.chat_id == couple.group.id]
    assert len(group) == 1 and CHALLENGE in group[0].text
    assert [s for s in sim.new_messages(later) if s.chat_id > 0] == []


async def test_blocked_fallback_challenge_never_mentions_a_button_it_lacks(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    couple.sam.blocked = True
    before = len(sim.api.sent)
    await sim.tick(at(9))
    await sim.tick(at(9, 1))
    (challenge,) = [s for s in sim.new_messages(before) if CHALLENGE in s.text]
    assert ("Tap Done" in challenge.text) == ("✅ Done" in button_labels(challenge))
    assert "whenever it suits you today" in challenge.text


async def test_no_gesture_repeats_for_thirty_days_and_kinds_alternate(sim: Simulation) -> None:
    couple = await sim.onboard()
    before = len(sim.api.sent)
    for day in range(30):
        await sim.tick(at(9, days=day))

    texts = [idea(s) for s in nudges(sim, couple.alex, before)]
    assert len(texts) == 30
    assert len(set(texts)) == 30, "a gesture idea repeated within 30 days"
    partners = await _partner_rows(sim)
    alex_id = partners[couple.alex.id].id
    rows = [r for r in await assignments(sim) if r.partner_id == alex_id]
    assert len(rows) == 30 and len({r.gesture_id for r in rows}) == 30
    assert [r.local_date for r in rows] == sorted({r.local_date for r in rows})
    kinds = [sim.hearth.content.by_id[r.gesture_id].kind for r in rows]
    assert all(a != b for a, b in pairwise(kinds)), kinds
    async with sim.hearth.sessions() as s:
        failed = await s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent"))
        assert list(failed) == []


async def test_a_morning_reads_ideas_back_only_as_far_as_the_bank_is_long(
    sim: Simulation,
) -> None:
    """A year in, the morning's batch reads the last `memory` days of ideas, not the year:
    an idea given before that is as good as new (one a day never goes round the bank sooner)."""
    await sim.onboard()
    content = sim.hearth.content
    today = MONDAY.date() + timedelta(days=400)
    old, recent = content.gestures[0].id, content.gestures[1].id
    async with sim.hearth.sessions() as session, session.begin():
        alex = await session.scalar(select(Partner).order_by(Partner.id).limit(1))
        assert alex is not None
        for gesture_id, day in (
            (old, today - gestures.memory(content) - timedelta(days=1)),
            (recent, today - gestures.memory(content)),
        ):
            session.add(
                GestureAssignment(
                    couple_id=alex.couple_id, partner_id=alex.id, gesture_id=gesture_id,
                    local_date=day,
                )
            )  # fmt: skip
        await session.flush()
        read = await gestures._histories(session, [alex.couple_id], today, content)
    assert read == {(alex.couple_id, alex.id): [recent]}
