"""Daily gesture nudges, the Done / Another idea buttons and the "did you notice?" loop."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, schedule
from bot.core.apart import lives_apart, served_privately, zone_of
from bot.core.content import Content, Gesture, gesture_text, pick_gesture
from bot.core.couples import other_partner, partner_in
from bot.core.models import Couple, GestureAssignment, Partner
from bot.core.outbox import Button, Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.i18n import _

NOTICE_BEFORE_QUESTION = 60  # minutes: "did you notice?" comes an hour before the question
NOTICE_MIN_DELAY = timedelta(minutes=10)


def gesture_buttons(assignment_id: int, shared: bool = False) -> list[list[Button]]:
    """Done and Another idea (a shared challenge only needs Done)."""
    done = button(_("✅ Done"), callbacks.Gesture("d", assignment_id))
    if shared:
        return [[done]]
    return [[done, button(_("🔄 Another idea"), callbacks.Gesture("n", assignment_id))]]


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
    histories = await _histories(session, [couple.id])
    return histories.get((couple.id, partner.id if partner else None), [])


async def _histories(
    session: AsyncSession, couple_ids: Sequence[int]
) -> dict[tuple[int, int | None], list[str]]:
    """Gesture ids each partner (None: the shared challenges) was given, oldest first."""
    found: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    rows = await session.execute(
        select(
            GestureAssignment.couple_id, GestureAssignment.partner_id, GestureAssignment.gesture_id
        )
        .where(GestureAssignment.couple_id.in_(couple_ids))
        .order_by(GestureAssignment.id)
    )
    for couple_id, partner_id, gesture_id in rows:
        found[(couple_id, partner_id)].append(gesture_id)
    return found


def preferences_of(partner: Partner | None) -> list[str]:
    """The kinds of appreciation this partner said they like (empty when unsaid)."""
    raw = partner.appreciation if partner is not None else ""
    return [kind for kind in raw.split(",") if kind]


@dataclass
class _Nudge:
    couple: Couple
    day: date
    gesture: Gesture
    partner: Partner | None  # None: the shared group challenge


@dataclass
class _Morning:
    """Whose ideas one delivery hands out: some partners privately, maybe a group challenge."""

    couple: Couple
    day: date
    givers: list[Partner]
    shared: bool = False


async def deliver_many(
    session: AsyncSession, plans: Sequence[tuple[Couple, date]], content: Content, now: datetime
) -> list[tuple[int, list[Outgoing]]]:
    """Today's ideas for many couples at the couple's gesture time: private nudges (except for
    partners on their own clock, who get theirs at their own morning), or, when someone has no
    private chat, one shared group challenge."""
    mornings = [
        _Morning(
            couple,
            day,
            [p for p in couple.partners if p.private_open and not served_privately(couple, p)],
            shared=any(not p.private_open for p in couple.partners),
        )
        for couple, day in plans
    ]
    return await _deliver(session, mornings, content, now)


async def deliver_own(
    session: AsyncSession,
    plans: Sequence[tuple[Couple, Partner, date]],
    content: Content,
    now: datetime,
) -> list[tuple[int, list[Outgoing]]]:
    """Today's idea for each partner on their own clock, at their own morning, privately (one
    without a private chat is in the group's shared challenge at the couple's time)."""
    mornings = [_Morning(c, day, [p]) for c, p, day in plans if p.private_open]
    return await _deliver(session, mornings, content, now)


async def _deliver(
    session: AsyncSession, mornings: Sequence[_Morning], content: Content, now: datetime
) -> list[tuple[int, list[Outgoing]]]:
    history = await _histories(session, [m.couple.id for m in mornings])
    nudges: list[_Nudge] = []
    for morning in mornings:
        couple, day = morning.couple, morning.day
        apart = lives_apart(couple)
        for partner in morning.givers:
            other = other_partner(couple, partner)
            if other is None:
                continue
            # The giver's nudges lean towards what the *receiver* says makes them feel
            # appreciated.
            gesture = pick_gesture(
                content,
                history[(couple.id, partner.id)],
                seed=f"{couple.id}:{partner.id}:{day.isoformat()}",
                preferred=preferences_of(other),
                living_apart=apart,
            )
            nudges.append(_Nudge(couple, day, gesture, partner))
        if morning.shared:
            gesture = pick_gesture(
                content,
                history[(couple.id, None)],
                seed=f"{couple.id}:shared:{day.isoformat()}",
                living_apart=apart,
            )
            nudges.append(_Nudge(couple, day, gesture, None))
    if not nudges:
        return []
    ids = await insert_keyed(
        session,
        GestureAssignment,
        [
            {
                "couple_id": n.couple.id,
                "partner_id": n.partner.id if n.partner else None,
                "gesture_id": n.gesture.id,
                "kind": n.gesture.kind,
                "local_date": n.day,
                "shared": n.partner is None,
                "created_at": now,
            }
            for n in nudges
        ],
        "couple_id",
        "partner_id",
    )
    messages: dict[int, list[Outgoing]] = defaultdict(list)
    for nudge in nudges:
        key = (nudge.couple.id, nudge.partner.id if nudge.partner else None)
        messages[nudge.couple.id].append(_nudge_message(nudge, ids[key]))
    return list(messages.items())


def _nudge_message(nudge: _Nudge, assignment_id: int) -> Outgoing:
    couple, partner = nudge.couple, nudge.partner
    text = gesture_text(nudge.gesture, lives_apart(couple))
    if partner is None:
        return Outgoing(
            couple.chat_id,
            shared_text(text),
            buttons=gesture_buttons(assignment_id, shared=True),
            purpose=Purpose.GESTURE_SHARED,
        )
    other = other_partner(couple, partner)
    assert other is not None
    return Outgoing(
        partner.user_id,
        private_text(text, other),
        buttons=gesture_buttons(assignment_id),
        purpose=Purpose.GESTURE,
        partner_id=partner.id,
        # If the private chat turns out closed: one shared challenge for the group, without
        # a Done button (no shared assignment stands behind it).
        fallback=Outgoing(
            couple.chat_id, shared_text(text, with_done=False), purpose=Purpose.GESTURE_SHARED
        ),
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
    assignment, couple, partner = await _load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or (not assignment.shared and assignment.partner_id != partner.id):
        return TapResult(Tap.NOT_YOURS)
    if assignment.done_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    assignment.done_at = now
    receiver = other_partner(couple, partner)
    if not assignment.shared and receiver is not None:
        # In the receiver's evening: the receiver may live by another zone than the giver.
        assignment.notice_at = notice_time(
            now, ZoneInfo(zone_of(couple, receiver)), schedule.parse_hhmm(couple.question_time)
        )
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
    apart = lives_apart(couple)
    gesture = pick_gesture(
        content,
        history,
        seed=f"{assignment.id}:{len(history)}",
        preferred=preferences_of(other),
        exclude=[assignment.gesture_id],
        living_apart=apart,
    )
    assignment.gesture_id = gesture.id
    assignment.kind = gesture.kind
    idea = gesture_text(gesture, apart)
    text = private_text(idea, other) if other else idea
    return TapResult(Tap.OK, text=text, assignment=assignment)


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
        giver = next((p for p in couple.partners if p.id == assignment.partner_id), None)
        receiver = None if giver is None else other_partner(couple, giver)
        if giver is None or receiver is None:
            continue
        buttons = [
            [
                button(_("💛 I noticed"), callbacks.Gesture("y", assignment.id)),
                button(_("Not yet"), callbacks.Gesture("x", assignment.id)),
            ]
        ]
        group = Outgoing(
            couple.chat_id,
            _("💛 {receiver}, has something kind come your way from {giver} today?").format(
                receiver=escape(receiver.first_name), giver=escape(giver.first_name)
            ),
            buttons=buttons,
            purpose=Purpose.NOTICE_ASK,
        )
        private = Outgoing(
            receiver.user_id,
            _(
                "💛 A little question before the day is over: has something kind come your "
                "way from {giver} today? Small things count."
            ).format(giver=escape(giver.first_name)),
            buttons=buttons,
            purpose=Purpose.NOTICE_ASK,
            partner_id=receiver.id,
            fallback=group,
        )
        messages.append((couple.id, [private if receiver.private_open else group]))
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
        purpose=Purpose.NOTICED,
        partner_id=giver.id,
        fallback=Outgoing(
            couple.chat_id,
            _("💛 {name} noticed {giver}'s kindness today.").format(
                name=escape(partner.first_name), giver=escape(giver.first_name)
            ),
            purpose=Purpose.NOTICED,
        ),
    )
    message = private if giver.private_open else private.fallback
    assert message is not None
    return TapResult(Tap.OK, assignment=assignment, messages=[message])
