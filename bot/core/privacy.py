"""What a couple can see and erase: export, forget (a partner or the whole couple), retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import dates, rhythms, schedule
from bot.core.apart import lives_apart, zone_of
from bot.core.content import Content
from bot.core.couples import other_partner, pair_since
from bot.core.models import (
    Answer,
    Couple,
    CoupleActivity,
    Delivery,
    GestureAssignment,
    JarQuestion,
    OutboxMessage,
    Partner,
    Prompt,
)
from bot.core.purposes import OutboxStatus
from bot.core.questions import question_text


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _prompts_of(couple: Couple) -> Select[int]:
    """The couple's prompt ids, as a subquery (answers are found through them)."""
    return select(Prompt.id).where(Prompt.couple_id == couple.id)


def _in_this_pairs_jar(question: JarQuestion, since: datetime) -> bool:
    """Another's jar question the partner may see: drawn while they were a pair, or waiting
    in the shared jar (a secret one stays the author's until it is drawn)."""
    if question.drawn_at is not None:
        return question.drawn_at >= since
    return not question.secret


async def export(
    session: AsyncSession, couple: Couple, partner: Partner, content: Content
) -> bytes:
    """The couple's data as JSON for `partner`; the other's sealed answers and secrets excluded."""
    other = other_partner(couple, partner)
    names = {p.id: p.first_name for p in couple.partners}
    # Everything this partner answered; of the rest, only this pair's history, so that after
    # a /forget a new partner never sees the previous partner's words.
    since = pair_since(couple) or partner.joined_at
    own = select(Answer.prompt_id).where(
        Answer.prompt_id.in_(_prompts_of(couple)), Answer.partner_id == partner.id
    )
    prompts = list(
        await session.scalars(
            select(Prompt)
            .where(
                Prompt.couple_id == couple.id,
                or_(Prompt.created_at >= since, Prompt.id.in_(own)),
            )
            .order_by(Prompt.id)
        )
    )
    answers: dict[int, list[Answer]] = {}
    for answer in await session.scalars(
        select(Answer).join(Prompt).where(Prompt.couple_id == couple.id).order_by(Answer.id)
    ):
        answers.setdefault(answer.prompt_id, []).append(answer)

    def visible(answer: Answer, prompt: Prompt) -> bool:
        # The partner's answer is theirs to reveal: only once both have answered, this pair.
        if answer.partner_id == partner.id:
            return True
        return prompt.revealed_at is not None and prompt.created_at >= since

    jar = await session.scalars(
        select(JarQuestion).where(JarQuestion.couple_id == couple.id).order_by(JarQuestion.id)
    )
    since_day = schedule.local_date(since, ZoneInfo(couple.tz))
    gestures = await session.scalars(
        select(GestureAssignment)
        .where(
            GestureAssignment.couple_id == couple.id,
            # The partner's own ideas stay their surprise until the receiver has noticed; of
            # the rest, only this pair's days.
            or_(
                GestureAssignment.partner_id == partner.id,
                and_(
                    or_(
                        GestureAssignment.shared.is_(True),
                        GestureAssignment.noticed_at.is_not(None),
                    ),
                    GestureAssignment.local_date >= since_day,
                ),
            ),
        )
        .order_by(GestureAssignment.id)
    )
    activities = await session.scalars(
        select(CoupleActivity).where(
            CoupleActivity.couple_id == couple.id, CoupleActivity.updated_at >= since
        )
    )
    data: dict[str, Any] = {
        "exported_for": partner.first_name,
        "couple": {
            "partners": [p.first_name for p in couple.partners],
            "time_zone": couple.tz,
            "question_time": couple.question_time,
            "gesture_time": couple.gesture_time,
            "jar_night": {"weekday": couple.jar_day, "time": couple.jar_time},
            "depth_level": couple.depth,
            "living_apart": lives_apart(couple),
            "love_maps": couple.guess_enabled,
            "weekly_check_in": couple.checkin_enabled,
            "new_parent_questions": couple.parents,
        },
        "my_time_zone": zone_of(couple, partner),
        "my_intimacy_questions_consent": partner.intimacy_ok,
        "important_dates": await dates.export_rows(session, couple, partner),
        "my_appreciation_preferences": [k for k in partner.appreciation.split(",") if k],
        "questions": [
            {
                "kind": prompt.kind,
                "date": prompt.local_date.isoformat(),
                "question": question_text(prompt, content),
                "revealed_at": _iso(prompt.revealed_at),
                "answers": [
                    {
                        "by": names.get(a.partner_id, "?"),
                        "kind": a.kind,
                        "text": a.text,
                        "at": _iso(a.created_at),
                    }
                    for a in answers.get(prompt.id, [])
                    if visible(a, prompt)
                ],
            }
            for prompt in prompts
        ],
        "jar": [
            {"by": q.author_name, "question": q.text, "drawn_at": _iso(q.drawn_at)}
            for q in jar
            if q.author_id == partner.id or _in_this_pairs_jar(q, since)
        ],
        "gestures": [
            {
                "date": g.local_date.isoformat(),
                "by": "both" if g.shared else names.get(g.partner_id or 0, "?"),
                "idea": getattr(content.by_id.get(g.gesture_id), "text", g.gesture_id),
                "done_at": _iso(g.done_at),
                "noticed_at": _iso(g.noticed_at),
            }
            for g in gestures
        ],
        "activities": [
            {
                "activity": getattr(content.by_id.get(a.activity_id), "text", a.activity_id),
                "status": a.status,
                "done_at": _iso(a.done_at),
            }
            for a in activities
        ],
    }
    if other is not None:
        data["couple"]["partner"] = other.first_name
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


async def _scrub_outbox(session: AsyncSession, couple_id: int) -> None:
    """Unsent messages may quote the forgotten partner: they go. Sent ones keep only what
    reply matching needs (chat, message id, prompt), and can never be sent again."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.couple_id == couple_id, OutboxMessage.status != OutboxStatus.SENT
        )
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.couple_id == couple_id)
        .values(payload={"text": ""}, fallback=None, method="message")
    )


async def forget_partner(session: AsyncSession, couple: Couple, partner: Partner) -> None:
    """Delete everything of one partner: answers, preferences, questions, gestures, membership."""
    own_jar = select(JarQuestion.id).where(JarQuestion.author_id == partner.id)
    # Prompts drawn from jar questions they wrote lose those words but stay: the other
    # partner's answers to them are the other partner's to keep.
    await session.execute(
        update(Prompt)
        .where(Prompt.jar_question_id.in_(own_jar))
        .values(text=None, jar_question_id=None)
    )
    await session.execute(delete(JarQuestion).where(JarQuestion.author_id == partner.id))
    # Through the couple: these tables are read by their couple's index, not scanned.
    await session.execute(
        delete(Answer).where(
            Answer.prompt_id.in_(_prompts_of(couple)), Answer.partner_id == partner.id
        )
    )
    await session.execute(
        delete(GestureAssignment).where(
            GestureAssignment.couple_id == couple.id, GestureAssignment.partner_id == partner.id
        )
    )
    await session.execute(delete(OutboxMessage).where(OutboxMessage.partner_id == partner.id))
    await session.execute(
        delete(Delivery).where(Delivery.couple_id == couple.id, Delivery.partner_id == partner.id)
    )
    await _scrub_outbox(session, couple.id)
    await dates.forget(session, couple)
    couple.partners.remove(partner)
    await session.delete(partner)
    couple.chat_title = ""
    cancel_forget_couple(couple)
    # The depth was agreed by this pair: a new one starts light and climbs when both are ready.
    couple.depth, couple.depth_asked_level = 1, 0
    for remaining in couple.partners:
        remaining.ready_depth = 0
    # With one partner left the couple waits for a second "We're in"; nothing is scheduled.
    rhythms.clear(couple)


def cancel_forget_couple(couple: Couple) -> None:
    """Someone tapped Cancel: confirmations start over."""
    for partner in couple.partners:
        partner.forget_confirmed = False


# How long a /forget's "Yes, delete" stays good: consent to delete everything is not kept for
# a partner who might tap the same message months later.
CONFIRM_WITHIN = timedelta(days=1)


def asked_minute(now: datetime) -> int:
    """The minute a couple's /forget was asked, as its confirmation button carries it."""
    return int(now.timestamp()) // 60


def confirmation_expired(asked: int | None, now: datetime) -> bool:
    """A confirmation button too old to count (or from before buttons carried their minute)."""
    return asked is None or now.timestamp() - asked * 60 > CONFIRM_WITHIN.total_seconds()


def vote_forget_couple(couple: Couple, partner: Partner) -> bool:
    """Record one partner's confirmation; True once every partner has (one left alone after
    the other stepped out decides alone: nobody else's words remain). Votes count only
    within one round: a new /forget, and a partner stepping out, start it over."""
    partner.forget_confirmed = True
    return all(p.forget_confirmed for p in couple.partners)


async def forget_couple(session: AsyncSession, couple: Couple) -> None:
    """Delete the whole couple; every table's rows hang off it and cascade."""
    await session.delete(couple)


async def purge_removed(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Delete couples whose group removed the bot more than the retention period ago."""
    cutoff = now - timedelta(days=retention_days)
    expired = list(
        await session.scalars(
            select(Couple).where(Couple.active.is_(False), Couple.removed_at <= cutoff)
        )
    )
    for couple in expired:
        await session.delete(couple)
    return len(expired)
