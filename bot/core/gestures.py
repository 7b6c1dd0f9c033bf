"""Daily gesture nudges and the Another idea button (Done and "did you notice?" are in
bot.core.noticing)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks
from bot.core.apart import lives_apart, served_privately
from bot.core.content import Content, Gesture, another_gesture, gesture_text, pick_gesture
from bot.core.couples import language_of, other_partner, partner_in
from bot.core.models import Couple, GestureAssignment, Partner
from bot.core.outbox import Button, Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.i18n import _, speaking


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


async def _history(
    session: AsyncSession, couple: Couple, partner: Partner | None, day: date, content: Content
) -> list[str]:
    histories = await _histories(session, [couple.id], day, content)
    return histories.get((couple.id, partner.id if partner else None), [])


def memory(content: Content) -> timedelta:
    """How far back a pick looks: as many days as there are ideas. One idea a day never
    goes round the bank sooner, so an idea older than that is among the least recently used
    anyway and counts as new again; and a year of history costs no more to read than the
    bank's length."""
    return timedelta(days=len(content.gestures))


async def _histories(
    session: AsyncSession, couple_ids: Sequence[int], day: date, content: Content
) -> dict[tuple[int, int | None], list[str]]:
    """Gesture ids each partner (None: the shared challenges) was given, oldest first, from
    the `memory` before `day` on."""
    found: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    rows = await session.execute(
        select(
            GestureAssignment.couple_id, GestureAssignment.partner_id, GestureAssignment.gesture_id
        )
        .where(
            GestureAssignment.couple_id.in_(couple_ids),
            GestureAssignment.local_date >= day - memory(content),
        )
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
    session: AsyncSession, plans: Sequence[tuple[Couple, date]], content: Content
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
    return await _deliver(session, mornings, content)


async def deliver_own(
    session: AsyncSession, plans: Sequence[tuple[Couple, Partner, date]], content: Content
) -> list[tuple[int, list[Outgoing]]]:
    """Today's idea for each partner on their own clock, at their own morning, privately (one
    without a private chat is in the group's shared challenge at the couple's time)."""
    mornings = [_Morning(c, day, [p]) for c, p, day in plans if p.private_open]
    return await _deliver(session, mornings, content)


async def _deliver(
    session: AsyncSession, mornings: Sequence[_Morning], content: Content
) -> list[tuple[int, list[Outgoing]]]:
    if not mornings:
        return []
    first_day = min(m.day for m in mornings)
    history = await _histories(session, [m.couple.id for m in mornings], first_day, content)
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
                "local_date": n.day,
                "shared": n.partner is None,
            }
            for n in nudges
        ],
        "couple_id",
        "partner_id",
    )
    messages: dict[int, list[Outgoing]] = defaultdict(list)
    for nudge in nudges:
        key = (nudge.couple.id, nudge.partner.id if nudge.partner else None)
        messages[nudge.couple.id].append(_nudge_message(nudge, ids[key], content))
    return list(messages.items())


def _nudge_message(nudge: _Nudge, assignment_id: int, content: Content) -> Outgoing:
    couple, partner = nudge.couple, nudge.partner

    def idea() -> str:
        """The gesture's words in the language being spoken."""
        return gesture_text(content.by_id[nudge.gesture.id], lives_apart(couple))

    with speaking(couple.language):
        # For a partner: if their private chat turns out closed, one shared challenge for the
        # group, without a Done button (no shared assignment stands behind it).
        shared = Outgoing(
            couple.chat_id,
            shared_text(idea(), with_done=partner is None),
            buttons=gesture_buttons(assignment_id, shared=True) if partner is None else [],
            purpose=Purpose.GESTURE_SHARED,
        )
    if partner is None:
        return shared
    other = other_partner(couple, partner)
    assert other is not None
    with speaking(language_of(couple, partner)):
        return Outgoing(
            partner.user_id,
            private_text(idea(), other),
            buttons=gesture_buttons(assignment_id),
            purpose=Purpose.GESTURE,
            partner_id=partner.id,
            fallback=shared,
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


async def load(
    session: AsyncSession, assignment_id: int, user_id: int
) -> tuple[GestureAssignment | None, Couple | None, Partner | None]:
    """A gesture assignment, its couple, and the partner pressing its button (each may be
    None: gone, or not theirs)."""
    assignment = await session.get(GestureAssignment, assignment_id)
    if assignment is None:
        return None, None, None
    couple = await session.get(Couple, assignment.couple_id)
    partner = None if couple is None else partner_in(couple, user_id)
    return assignment, couple, partner


async def another_idea(
    session: AsyncSession, assignment_id: int, user_id: int, content: Content
) -> TapResult:
    """Swap today's idea for a different one (any kind, never the same twice)."""
    assignment, couple, partner = await load(session, assignment_id, user_id)
    if assignment is None or couple is None:
        return TapResult(Tap.GONE)
    if partner is None or assignment.partner_id != partner.id:
        return TapResult(Tap.NOT_YOURS)
    if assignment.done_at is not None:
        return TapResult(Tap.ALREADY, assignment=assignment)
    other = other_partner(couple, partner)
    history = await _history(session, couple, partner, assignment.local_date, content)
    if history and history[-1] == assignment.gesture_id:
        history.pop()  # today's idea, whichever it is now: the day's order stays the same
    apart = lives_apart(couple)
    gesture = another_gesture(
        content,
        history,
        assignment.gesture_id,
        seed=assignment.id,
        preferred=preferences_of(other),
        living_apart=apart,
    )
    assignment.gesture_id = gesture.id
    idea = gesture_text(gesture, apart)
    text = private_text(idea, other) if other else idea
    return TapResult(Tap.OK, text=text, assignment=assignment)
