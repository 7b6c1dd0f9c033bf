"""Which prompt an incoming answer belongs to: a reply in the group finds its question by the
message it replies to; a private message answers what was asked last and is still open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import jar, prompt_kinds, schedule
from bot.core.content import Content
from bot.core.couples import of_this_pair, pair_since
from bot.core.models import Answer, Couple, OutboxMessage, Partner, Prompt
from bot.core.purposes import Purpose
from bot.core.questions import open_to, question_text

OPEN_HOURS = 24
ROUND_OPEN = timedelta(days=7)  # a round's parts are answered privately for up to a week
RECENT_PROMPTS = 14  # how far back a reply's text is matched when its message id is unknown

# Built once: every answer runs one of these (building a statement costs about what running
# it does).
_BY_MESSAGE = select(Prompt).where(
    Prompt.couple_id == bindparam("couple_id"), Prompt.message_id == bindparam("message_id")
)
# The picked prompt, unless this partner has answered it: one query, not two.
_PICKED = select(Prompt).where(
    Prompt.id == bindparam("prompt_id"),
    ~select(Answer.id)
    .where(Answer.prompt_id == Prompt.id, Answer.partner_id == bindparam("partner_id"))
    .exists(),
)

# What the bot asks in a private chat: a reply to one of these answers its prompt.
_ASKING_PRIVATELY = (Purpose.YOUR_TURN, Purpose.OWN_QUESTION, Purpose.LOVE_MAP, Purpose.CHECKIN)


def _asked_by(*where: ColumnElement[bool]) -> Select[Prompt]:
    """The prompt one of our sent messages asked, found by the chat and id it went out as."""
    return (
        select(Prompt)
        .join(OutboxMessage, OutboxMessage.prompt_id == Prompt.id)
        .where(
            OutboxMessage.chat_id == bindparam("chat_id"),
            OutboxMessage.sent_message_id == bindparam("message_id"),
            Prompt.couple_id == bindparam("couple_id"),
            *where,
        )
    )


_BY_PRIVATE_MESSAGE = _asked_by(OutboxMessage.purpose.in_(_ASKING_PRIVATELY))


_BY_GROUP_TURN = _asked_by(
    OutboxMessage.purpose == Purpose.YOUR_TURN, Prompt.kind.not_in(prompt_kinds.IN_PARTS)
)
_HAS_ANSWERED = select(Answer.id).where(
    Answer.prompt_id == bindparam("prompt_id"), Answer.partner_id == bindparam("partner_id")
)


async def nudge_may_point(session: AsyncSession, other: Partner, partner: Partner) -> bool:
    """Whether a "your turn" may point `other`'s next private message at the prompt `partner`
    just answered: yes unless `other` is on a prompt `partner` hasn't answered, which they
    picked themselves (a button, a round under way): that pick is never taken away. One an
    earlier nudge left (a prompt `partner` answered before) gives way to the newer nudge."""
    if other.pending_prompt_id is None:
        return True
    params = {"prompt_id": other.pending_prompt_id, "partner_id": partner.id}
    return await session.scalar(_HAS_ANSWERED, params) is not None


async def picks_to_keep(
    session: AsyncSession, partners: Sequence[Partner], now: datetime
) -> set[int]:
    """The partners (ids) on a prompt they chose and have not answered yet, picked within a
    round's week (a button under a question, a round under way): a new round must not take
    that pick away, or their next message would be filed under another prompt."""
    pending = {p.id: p.pending_prompt_id for p in partners if p.pending_prompt_id is not None}
    if not pending:
        return set()
    fresh = set(
        await session.scalars(
            select(Prompt.id).where(
                Prompt.id.in_(set(pending.values())), Prompt.created_at >= now - ROUND_OPEN
            )
        )
    )
    answered = set(
        await session.execute(
            select(Answer.partner_id, Answer.prompt_id).where(
                Answer.partner_id.in_(pending), Answer.prompt_id.in_(fresh)
            )
        )
    )
    return {p for p, prompt in pending.items() if prompt in fresh and (p, prompt) not in answered}


async def prompt_for_private_reply(
    session: AsyncSession, couple: Couple, partner: Partner, reply_to_id: int
) -> Prompt | None:
    """The prompt a private reply answers: the one the replied-to message asked (a "your
    turn", their own evening question, a round's part), even an older day's, while that
    message is still on record (finished messages are compacted after a few days). None:
    the reply is to something else, and the usual routing applies."""
    prompt = await session.scalar(
        _BY_PRIVATE_MESSAGE,
        {"chat_id": partner.user_id, "message_id": reply_to_id, "couple_id": couple.id},
    )
    return prompt if prompt is not None and of_this_pair(couple, prompt) else None


async def prompt_for_reply(
    session: AsyncSession,
    couple: Couple,
    reply_to_id: int,
    reply_text: str | None,
    content: Content,
) -> Prompt | None:
    """The prompt whose group message was replied to: by message id, else by its text.

    The text is matched only against prompts whose message id is unknown (a send that timed
    out but arrived), so a reply to a reveal or an invitation is never taken for an answer.
    """
    since = pair_since(couple) or couple.created_at
    prompt = await session.scalar(_BY_MESSAGE, {"couple_id": couple.id, "message_id": reply_to_id})
    if prompt is None:
        # A "your turn" posted in the group (no private chat yet) asks as the question does
        # (never a round's part: those are answered privately).
        params = {"chat_id": couple.chat_id, "message_id": reply_to_id, "couple_id": couple.id}
        prompt = await session.scalar(_BY_GROUP_TURN, params)
    if prompt is not None:
        # Prompts from before the current pair formed belong to another pair's history.
        return prompt if prompt.created_at >= since else None
    if not reply_text:
        return None
    recent = await session.scalars(
        select(Prompt)
        .where(
            Prompt.couple_id == couple.id,
            Prompt.created_at >= since,
            Prompt.message_id.is_(None),
            # Parts of a round are asked privately: a group message quoting one is no prompt.
            Prompt.kind.not_in(prompt_kinds.IN_PARTS),
        )
        .order_by(Prompt.id.desc())
        .limit(RECENT_PROMPTS)
    )
    return next((p for p in recent if question_text(p, content) in reply_text), None)


async def open_prompt(
    session: AsyncSession, couple: Couple, partner: Partner, now: datetime
) -> Prompt | None:
    """The prompt a private message answers: the one picked by button (or asked last in the
    private chat), else the newest of today's question and the next part of an open round.

    A jar question is answered privately only through its button, so a second message is
    never silently filed under another question. An already answered question is still
    returned, so the caller can say so.
    """
    pair = pair_since(couple) or couple.created_at
    if partner.pending_prompt_id is not None:
        prompt = await session.scalar(
            _PICKED, {"prompt_id": partner.pending_prompt_id, "partner_id": partner.id}
        )
        if prompt is not None and prompt.created_at >= pair:
            if prompt.skipped_at is not None:
                # Swapped since they picked it: the caller says so, and their next message
                # answers tonight's new question.
                partner.pending_prompt_id = None
            return prompt
        partner.pending_prompt_id = None
    found = list(
        await session.scalars(
            select(Prompt)
            .where(
                Prompt.couple_id == couple.id,
                or_(
                    and_(
                        Prompt.kind == prompt_kinds.QUESTION,
                        open_to(couple, partner, pair, now, OPEN_HOURS),
                        Prompt.skipped_at.is_(None),
                    ),
                    and_(
                        Prompt.kind.in_(prompt_kinds.IN_PARTS),
                        Prompt.created_at >= max(pair, now - ROUND_OPEN),
                        Prompt.revealed_at.is_(None),
                    ),
                ),
            )
            .order_by(Prompt.id.desc())
        )
    )
    night = await _jar_night(session, couple, pair, now)
    if night is not None:  # in its place among the evening questions, newest first
        found = sorted([night, *found], key=lambda p: p.id, reverse=True)
    answered = set(
        await session.scalars(
            select(Answer.prompt_id).where(
                Answer.partner_id == partner.id, Answer.prompt_id.in_([p.id for p in found])
            )
        )
    )
    questions = [p for p in found if p.kind not in prompt_kinds.IN_PARTS]
    waiting = [p for p in found if p.id not in answered]
    question = next((p for p in waiting if p.kind not in prompt_kinds.IN_PARTS), None)
    part = _next_part([p for p in waiting if p.kind in prompt_kinds.IN_PARTS])
    # Whichever was asked last; asked together, the question (it goes out last).
    candidates = [p for p in (part, question) if p is not None]
    newest = max(candidates, key=lambda p: (p.created_at, p is question), default=None)
    return newest or (questions[0] if questions else None)


async def _jar_night(
    session: AsyncSession, couple: Couple, pair: datetime, now: datetime
) -> Prompt | None:
    """On a jar night that replaces the question, the night's draw is the evening question, so
    a private message answers it like one, for as long as an evening question stays open (a
    draw by /jar before the night's hour does not)."""
    zone = ZoneInfo(couple.tz)
    today = schedule.local_date(now, zone)
    if not any(jar.replaces_question(couple, today - timedelta(days=d)) for d in (0, 1)):
        return None  # no jar night within the last day: nothing to look up
    draws = await session.scalars(
        select(Prompt)
        .where(
            Prompt.couple_id == couple.id,
            Prompt.kind == prompt_kinds.JAR,
            Prompt.created_at
            >= max(pair, schedule.wall_clock_before(now, timedelta(hours=OPEN_HOURS), zone)),
        )
        .order_by(Prompt.id)  # the night's own draw, not one by /jar after it
    )
    night = schedule.parse_hhmm(couple.jar_time)
    for draw in draws:
        if jar.replaces_question(couple, draw.local_date) and draw.created_at >= (
            schedule.local_to_utc(draw.local_date, night, zone)
        ):
            return draw
    return None


def _next_part(unanswered: list[Prompt]) -> Prompt | None:
    """Of a partner's unanswered round parts, the first part of the newest round."""
    if not unanswered:
        return None
    newest = max(p.created_at for p in unanswered)
    return min((p for p in unanswered if p.created_at == newest), key=lambda p: p.id)
