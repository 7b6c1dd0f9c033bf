"""The "did you notice?" loop: a giver taps Done, and that evening the other partner is asked
whether something kind came their way; "I noticed" goes back to the giver."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, schedule
from bot.core.apart import zone_of
from bot.core.couples import is_paused, language_of, other_partner
from bot.core.gestures import Tap, TapResult, load
from bot.core.models import Couple, GestureAssignment
from bot.core.outbox import Button, Outgoing, button
from bot.core.purposes import Purpose
from bot.i18n import _, speaking

NOTICE_BEFORE_QUESTION = 60  # minutes: "did you notice?" comes an hour before the question
NOTICE_MIN_DELAY = timedelta(minutes=10)


def notice_time(done_at: datetime, tz: ZoneInfo, question_time: time) -> datetime:
    """When to ask the other partner: that evening, an hour before the question, so the
    kindness has had the day to land (or shortly after Done, when that is later)."""
    evening = schedule.shift(question_time, -NOTICE_BEFORE_QUESTION)
    local_day = done_at.astimezone(tz).date()
    return max(schedule.local_to_utc(local_day, evening, tz), done_at + NOTICE_MIN_DELAY)


async def mark_done(
    session: AsyncSession, assignment_id: int, user_id: int, now: datetime
) -> TapResult:
    """The giver did it: schedule the "did you notice?" question for the other partner."""
    assignment, couple, partner = await load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or (not assignment.shared and assignment.partner_id != partner.id):
        return TapResult(Tap.NOT_YOURS)
    if assignment.done_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    assignment.done_at = now
    receiver = other_partner(couple, partner)
    today = schedule.local_date(now, ZoneInfo(zone_of(couple, partner)))
    # An earlier day's idea, marked done late, was that day's: "today?" would ask the wrong
    # day, and beside today's idea the receiver would be asked twice.
    if not assignment.shared and receiver is not None and assignment.local_date >= today:
        # In the receiver's evening: the receiver may live by another zone than the giver.
        assignment.notice_at = notice_time(
            now, ZoneInfo(zone_of(couple, receiver)), schedule.parse_hhmm(couple.question_time)
        )
    return TapResult(Tap.OK, assignment=assignment)


async def due_notice_questions(
    session: AsyncSession, now: datetime
) -> list[tuple[int, list[Outgoing]]]:
    """Ask each receiver whose partner did a gesture whether they noticed something kind."""
    query = (
        select(GestureAssignment)
        .where(GestureAssignment.notice_at.is_not(None), GestureAssignment.notice_at <= now)
        .order_by(GestureAssignment.notice_at)
        .limit(500)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers: each asks once
    due = list(await session.scalars(query))
    couples = {
        c.id: c
        for c in await session.scalars(
            select(Couple).where(Couple.id.in_({a.couple_id for a in due}))
        )
    }
    messages: list[tuple[int, list[Outgoing]]] = []
    for assignment in due:
        assignment.notice_at = None
        couple = couples.get(assignment.couple_id)
        if couple is None or not couple.active or assignment.partner_id is None:
            continue
        if is_paused(couple, now):
            continue  # a Done tapped before /pause: the break means no "did you notice?" either
        giver = next((p for p in couple.partners if p.id == assignment.partner_id), None)
        receiver = None if giver is None else other_partner(couple, giver)
        if giver is None or receiver is None:
            continue
        with speaking(couple.language):
            group = Outgoing(
                couple.chat_id,
                _("💛 {receiver}, has something kind come your way from {giver} today?").format(
                    receiver=escape(receiver.first_name), giver=escape(giver.first_name)
                ),
                buttons=_notice_buttons(assignment.id),
                purpose=Purpose.NOTICE_ASK,
            )
        with speaking(language_of(couple, receiver)):
            private = Outgoing(
                receiver.user_id,
                _(
                    "💛 A little question before the day is over: has something kind come your "
                    "way from {giver} today? Small things count."
                ).format(giver=escape(giver.first_name)),
                buttons=_notice_buttons(assignment.id),
                purpose=Purpose.NOTICE_ASK,
                partner_id=receiver.id,
                fallback=group,
            )
        messages.append((couple.id, [private if receiver.private_open else group]))
    return messages


def _notice_buttons(assignment_id: int) -> list[list[Button]]:
    return [
        [
            button(_("💛 I noticed"), callbacks.Gesture("y", assignment_id)),
            button(_("Not yet"), callbacks.Gesture("x", assignment_id)),
        ]
    ]


async def answer_notice(
    session: AsyncSession, assignment_id: int, user_id: int, noticed: bool, now: datetime
) -> TapResult:
    """The receiver says whether they noticed; "I noticed" is passed back to the giver."""
    assignment, couple, partner = await load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or assignment.partner_id in (None, partner.id):
        return TapResult(Tap.NOT_YOURS)
    if assignment.noticed_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    if not noticed:
        return TapResult(Tap.OK, assignment=assignment)
    assignment.noticed_at = now
    giver = other_partner(couple, partner)
    if giver is None:
        return TapResult(Tap.OK, assignment=assignment)
    with speaking(couple.language):
        group = Outgoing(
            couple.chat_id,
            _("💛 {name} noticed {giver}'s kindness today.").format(
                name=escape(partner.first_name), giver=escape(giver.first_name)
            ),
            purpose=Purpose.NOTICED,
        )
    with speaking(language_of(couple, giver)):
        text = _("💛 {name} noticed your kindness today. It landed.").format(
            name=escape(partner.first_name)
        )
    private = Outgoing(
        giver.user_id, text, purpose=Purpose.NOTICED, partner_id=giver.id, fallback=group
    )
    message = private if giver.private_open else private.fallback
    assert message is not None
    return TapResult(Tap.OK, assignment=assignment, messages=[message])
