"""The tick: everything due at `now` becomes deliveries and outbox messages, exactly once."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.core import couples as couples_domain
from bot.core import gestures, jar, privacy, recap, schedule, together
from bot.core.content import Content, pick_question
from bot.core.models import Couple, Delivery, Prompt
from bot.core.outbox import Outgoing, button, enqueue
from bot.i18n import _

log = logging.getLogger(__name__)
BATCH = 200
RETRY_BROKEN = timedelta(hours=1)

COLUMNS: dict[str, InstrumentedAttribute[datetime | None]] = {
    "question": Couple.next_question_at,
    "gesture": Couple.next_gesture_at,
    "jar": Couple.next_jar_at,
    "jar_reminder": Couple.next_jar_reminder_at,
    "together": Couple.next_together_at,
    "recap": Couple.next_recap_at,
}


async def question_messages(
    session: AsyncSession,
    couple: Couple,
    content: Content,
    day: date,
    now: datetime,
    bot_username: str,
) -> list[Outgoing]:
    """Pick the day's question, store it as a prompt and word the group message."""
    history = list(
        await session.scalars(
            select(Prompt.content_id)
            .where(Prompt.couple_id == couple.id, Prompt.kind == "question")
            .order_by(Prompt.id)
        )
    )
    question = pick_question(
        content, [h for h in history if h], couple.depth, f"{couple.id}:{day.isoformat()}"
    )
    prompt = Prompt(
        couple_id=couple.id,
        kind="question",
        local_date=day,
        content_id=question.id,
        theme=question.theme,
        depth=question.depth,
        text=question.text,
        created_at=now,
    )
    session.add(prompt)
    await session.flush()
    for partner in couple.partners:
        partner.pending_prompt_id = None  # a new evening: private answers go to this question
    names = " & ".join(escape(p.first_name) for p in couple.partners)
    text = _(
        "🕯 Tonight's question for {names}:\n\n<b>{question}</b>\n\n"
        "Reply to this message to answer, or answer privately with the button. "
        "Private answers stay sealed until you've both answered."
    ).format(names=names, question=escape(question.text))
    buttons = [
        [button(_("🔒 Answer privately"), url=f"https://t.me/{bot_username}?start=a{prompt.id}")]
    ]
    return [
        Outgoing(couple.chat_id, text, buttons=buttons, purpose="question", prompt_id=prompt.id)
    ]


async def _deliver(
    session: AsyncSession,
    couple: Couple,
    kind: str,
    day: date,
    now: datetime,
    content: Content,
    bot_username: str,
) -> list[Outgoing]:
    if kind == "question":
        messages = await recap.stuck_messages(session, couple, content, now, day)
        return messages + await question_messages(session, couple, content, day, now, bot_username)
    if kind == "together":
        return await together.weekly_messages(session, couple, content, now)
    if kind == "recap":
        return await recap.recap_messages(session, couple, content, now, day)
    if kind == "gesture":
        return await gestures.deliver(session, couple, content, day, now)
    if kind == "jar":
        draw = await jar.draw(session, couple, content, now, bot_username, purpose="jar_night")
        draw.messages[0].text = _("🌙 It's jar night!") + "\n\n" + draw.messages[0].text
        return draw.messages
    return jar.reminder_messages(couple)


async def _claim(session: AsyncSession, couple: Couple, kind: str, now: datetime) -> date | None:
    """Advance the couple's next instant; return the local date to deliver for, or None to skip."""
    tz = ZoneInfo(couple.tz)
    column = COLUMNS[kind].key
    occurrence = couples_domain.occurrences(couple)[column]
    setattr(couple, column, schedule.next_after(occurrence, now, tz))
    if kind == "together" and not couple.together_enabled:
        couple.next_together_at = None
        return None
    if not couple.complete or couples_domain.is_paused(couple, now):
        return None
    latest = schedule.latest_at_or_before(occurrence, now, tz)
    day = schedule.local_date(latest, tz)
    if day != schedule.local_date(now, tz):
        return None  # missed during downtime and that day is over: skip, don't send late
    try:
        async with session.begin_nested():
            session.add(Delivery(couple_id=couple.id, kind=kind, local_date=day, created_at=now))
    except IntegrityError:
        return None  # already delivered (a restart, a second worker)
    return day


async def tick(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    now: datetime,
    bot_username: str,
    batch: int = BATCH,
    retention_days: int = 30,
) -> Counter[str]:
    """Deliver everything due at `now`; returns how many of each kind were delivered."""
    delivered: Counter[str] = Counter()
    for kind, column in COLUMNS.items():
        while True:
            async with sessions() as session, session.begin():
                query = (
                    select(Couple)
                    .where(column <= now, Couple.active.is_(True))
                    .order_by(column)
                    .limit(batch)
                )
                if session.get_bind().dialect.name == "postgresql":
                    # Several workers may share the database: each takes different couples.
                    query = query.with_for_update(skip_locked=True, of=Couple)
                due = list(await session.scalars(query))
                for couple in due:
                    couple_id = couple.id
                    try:
                        async with session.begin_nested():
                            day = await _claim(session, couple, kind, now)
                            if day is not None:
                                messages = await _deliver(
                                    session, couple, kind, day, now, content, bot_username
                                )
                                enqueue(session, couple_id, messages, now)
                                delivered[kind] += 1
                    except Exception:
                        # One broken couple must not stall everyone else's tick: retry it later.
                        log.exception("couple %s: %s delivery failed", couple_id, kind)
                        await session.refresh(couple)
                        setattr(couple, COLUMNS[kind].key, now + RETRY_BROKEN)
            if len(due) < batch:
                break
    async with sessions() as session, session.begin():
        for couple_id, message in await gestures.due_notice_questions(session, now):
            enqueue(session, couple_id, [message], now)
            delivered["notice"] += 1
        delivered["purged"] += await privacy.purge_removed(session, now, retention_days)
    return +delivered
