"""Daily gesture nudges, the Done / Another idea buttons and the "did you notice?" loop."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedule
from bot.core.content import Content, pick_gesture
from bot.core.couples import other_partner, partner_in
from bot.core.models import Couple, GestureAssignment, Partner
from bot.core.outbox import Button, Outgoing, button
from bot.i18n import _

NOTICE_DELAY = timedelta(hours=2)
NOTICE_LATEST = time(21, 30)  # ask before the evening is over
NOTICE_MIN_DELAY = timedelta(minutes=10)


def gesture_buttons(assignment: GestureAssignment) -> list[list[Button]]:
    """Done and Another idea (a shared challenge only needs Done)."""
    done = button(_("✅ Done"), f"g:d:{assignment.id}")
    if assignment.shared:
        return [[done]]
    return [[done, button(_("🔄 Another idea"), f"g:n:{assignment.id}")]]


def private_text(gesture_text: str, other: Partner) -> str:
    """The private nudge for one partner."""
    return _(
        "🌱 A small idea for today, to show {name} you appreciate them:\n\n<b>{idea}</b>\n\n"
        "This one is just between you and me."
    ).format(name=escape(other.first_name), idea=escape(gesture_text))


def shared_text(gesture_text: str, with_done: bool = True) -> str:
    """The group challenge for both partners (when someone has no private chat)."""
    ending = (
        _("Tap Done once you've both done it.")
        if with_done
        else _("Do it for each other whenever it suits you today.")
    )
    return _("🌱 Today's gesture challenge for you both:\n\n<b>{idea}</b>\n\n{ending}").format(
        idea=escape(gesture_text), ending=ending
    )


async def _history(session: AsyncSession, couple: Couple, partner: Partner | None) -> list[str]:
    query = select(GestureAssignment.gesture_id).where(GestureAssignment.couple_id == couple.id)
    if partner is not None:
        query = query.where(GestureAssignment.partner_id == partner.id)
    else:
        query = query.where(GestureAssignment.shared.is_(True))
    return list(await session.scalars(query.order_by(GestureAssignment.id)))


def preferences_of(partner: Partner | None) -> list[str]:
    """The kinds of appreciation this partner said they like (empty when unsaid)."""
    raw = partner.appreciation if partner is not None else ""
    return [kind for kind in raw.split(",") if kind]


async def deliver(
    session: AsyncSession, couple: Couple, content: Content, day: date, now: datetime
) -> list[Outgoing]:
    """Create today's assignments: private nudges, or one shared group challenge."""
    messages: list[Outgoing] = []
    needs_shared = False
    for partner in couple.partners:
        other = other_partner(couple, partner)
        if other is None:
            continue
        if not partner.private_open:
            needs_shared = True
            continue
        history = await _history(session, couple, partner)
        # The giver's nudges lean towards what the *receiver* says makes them feel appreciated.
        gesture = pick_gesture(
            content,
            history,
            seed=f"{couple.id}:{partner.id}:{day.isoformat()}",
            preferred=preferences_of(other),
        )
        assignment = GestureAssignment(
            couple_id=couple.id,
            partner_id=partner.id,
            gesture_id=gesture.id,
            kind=gesture.kind,
            local_date=day,
            shared=False,
            created_at=now,
        )
        session.add(assignment)
        await session.flush()
        shared_fallback = Outgoing(
            couple.chat_id,
            # A fallback has no shared assignment behind it, so it offers no Done button.
            shared_text(gesture.text, with_done=False),
            purpose=f"gesture_shared:{day.isoformat()}",
        )
        messages.append(
            Outgoing(
                partner.user_id,
                private_text(gesture.text, other),
                buttons=gesture_buttons(assignment),
                purpose="gesture",
                partner_id=partner.id,
                fallback=shared_fallback,
            )
        )
    if needs_shared:
        messages.append(await _shared(session, couple, content, day, now))
    return messages


async def _shared(
    session: AsyncSession, couple: Couple, content: Content, day: date, now: datetime
) -> Outgoing:
    history = await _history(session, couple, None)
    gesture = pick_gesture(content, history, seed=f"{couple.id}:shared:{day.isoformat()}")
    assignment = GestureAssignment(
        couple_id=couple.id,
        partner_id=None,
        gesture_id=gesture.id,
        kind=gesture.kind,
        local_date=day,
        shared=True,
        created_at=now,
    )
    session.add(assignment)
    await session.flush()
    return Outgoing(
        couple.chat_id,
        shared_text(gesture.text),
        buttons=gesture_buttons(assignment),
        purpose=f"gesture_shared:{day.isoformat()}",
    )


class Tap(enum.Enum):
    """What a gesture button press did."""

    OK = "ok"
    NOT_YOURS = "not_yours"
    GONE = "gone"
    ALREADY = "already"


@dataclass
class TapResult:
    """The outcome of a gesture button and, for Another idea, the new text."""

    outcome: Tap
    text: str = ""
    assignment: GestureAssignment | None = None
    messages: list[Outgoing] = field(default_factory=list)


async def _load(
    session: AsyncSession, assignment_id: int, user_id: int
) -> tuple[GestureAssignment | None, Couple | None, Partner | None]:
    assignment = await session.get(GestureAssignment, assignment_id)
    if assignment is None:
        return None, None, None
    couple = await session.get(Couple, assignment.couple_id)
    partner = None if couple is None else partner_in(couple, user_id)
    return assignment, couple, partner


def notice_time(done_at: datetime, tz: ZoneInfo) -> datetime:
    """When to ask the other partner: a while later, but still this evening."""
    local = done_at.astimezone(tz)
    latest = schedule.local_to_utc(local.date(), NOTICE_LATEST, tz)
    return max(min(done_at + NOTICE_DELAY, latest), done_at + NOTICE_MIN_DELAY)


async def mark_done(
    session: AsyncSession, assignment_id: int, user_id: int, now: datetime
) -> TapResult:
    """The giver did it: schedule the "did you notice?" question for the other partner."""
    assignment, couple, partner = await _load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or (not assignment.shared and assignment.partner_id != partner.id):
        return TapResult(Tap.NOT_YOURS)
    if assignment.done_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    assignment.done_at = now
    if not assignment.shared:
        assignment.notice_at = notice_time(now, ZoneInfo(couple.tz))
    return TapResult(Tap.OK, assignment=assignment)


async def another_idea(
    session: AsyncSession, assignment_id: int, user_id: int, content: Content
) -> TapResult:
    """Swap today's idea for a different one (any kind, never the same twice)."""
    assignment, couple, partner = await _load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or assignment.partner_id != partner.id:
        return TapResult(Tap.NOT_YOURS)
    if assignment.done_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    other = other_partner(couple, partner)
    history = await _history(session, couple, partner)
    gesture = pick_gesture(
        content,
        history,
        seed=f"{assignment.id}:{len(history)}",
        preferred=preferences_of(other),
        exclude=[assignment.gesture_id],
    )
    assignment.gesture_id = gesture.id
    assignment.kind = gesture.kind
    text = private_text(gesture.text, other) if other else gesture.text
    return TapResult(Tap.OK, text=text, assignment=assignment)


async def due_notice_questions(session: AsyncSession, now: datetime) -> list[tuple[int, Outgoing]]:
    """Ask each receiver whose partner did a gesture whether they noticed something kind."""
    query = (
        select(GestureAssignment)
        .where(GestureAssignment.notice_at.is_not(None), GestureAssignment.notice_at <= now)
        .order_by(GestureAssignment.notice_at)
        .limit(500)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers: each asks once
    due = await session.scalars(query)
    messages: list[tuple[int, Outgoing]] = []
    for assignment in due:
        assignment.notice_at = None
        couple = await session.get(Couple, assignment.couple_id)
        if couple is None or not couple.active or assignment.partner_id is None:
            continue
        giver = next((p for p in couple.partners if p.id == assignment.partner_id), None)
        receiver = None if giver is None else other_partner(couple, giver)
        if giver is None or receiver is None:
            continue
        buttons = [
            [
                button(_("💛 I noticed"), f"g:y:{assignment.id}"),
                button(_("Not yet"), f"g:x:{assignment.id}"),
            ]
        ]
        group = Outgoing(
            couple.chat_id,
            _("💛 {receiver}, has something kind come your way from {giver} today?").format(
                receiver=escape(receiver.first_name), giver=escape(giver.first_name)
            ),
            buttons=buttons,
            purpose="notice_ask",
        )
        private = Outgoing(
            receiver.user_id,
            _(
                "💛 A little question before the day is over: has something kind come your "
                "way from {giver} today? Small things count."
            ).format(giver=escape(giver.first_name)),
            buttons=buttons,
            purpose="notice_ask",
            partner_id=receiver.id,
            fallback=group,
        )
        messages.append((couple.id, private if receiver.private_open else group))
    return messages


async def answer_notice(
    session: AsyncSession, assignment_id: int, user_id: int, noticed: bool, now: datetime
) -> TapResult:
    """The receiver says whether they noticed; "I noticed" is passed back to the giver."""
    assignment, couple, partner = await _load(session, assignment_id, user_id)
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
    private = Outgoing(
        giver.user_id,
        _("💛 {name} noticed your kindness today. It landed.").format(
            name=escape(partner.first_name)
        ),
        purpose="noticed",
        partner_id=giver.id,
        fallback=Outgoing(
            couple.chat_id,
            _("💛 {name} noticed {giver}'s kindness today.").format(
                name=escape(partner.first_name), giver=escape(giver.first_name)
            ),
            purpose="noticed",
        ),
    )
    message = private if giver.private_open else private.fallback
    assert message is not None
    return TapResult(Tap.OK, assignment=assignment, messages=[message])
