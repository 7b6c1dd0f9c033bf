"""The weekly recap, /memories, and the kind "stuck" message."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedule
from bot.core.answers import MEDIA_LABELS, fit
from bot.core.content import Content
from bot.core.couples import pair_since
from bot.core.models import Answer, Couple, CoupleActivity, GestureAssignment, Partner, Prompt
from bot.core.outbox import Outgoing
from bot.i18n import _, ngettext

WEEK = timedelta(days=7)
STUCK_DAYS = 7
STUCK_EVERY = timedelta(days=30)
MEMORY_AGE = timedelta(days=7)


@dataclass
class Week:
    """What the couple did together in the last seven days."""

    questions: int
    jar: int
    gestures_done: int
    noticed: int
    activities: int

    @property
    def total(self) -> int:
        """Everything counted."""
        return self.questions + self.jar + self.gestures_done + self.activities

    @property
    def mood(self) -> str:
        """full, some or quiet: which opening line fits the week."""
        return "full" if self.total >= 6 else "some" if self.total else "quiet"


async def week_of(session: AsyncSession, couple: Couple, now: datetime) -> Week:
    """Count the last seven days."""
    since = now - WEEK

    async def count(query: object) -> int:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]

    revealed = select(func.count()).where(
        Prompt.couple_id == couple.id, Prompt.revealed_at >= since
    )
    return Week(
        questions=await count(revealed.where(Prompt.kind == "question")),
        jar=await count(
            select(func.count()).where(
                Prompt.couple_id == couple.id, Prompt.kind == "jar", Prompt.created_at >= since
            )
        ),
        gestures_done=await count(
            select(func.count()).where(
                GestureAssignment.couple_id == couple.id, GestureAssignment.done_at >= since
            )
        ),
        noticed=await count(
            select(func.count()).where(
                GestureAssignment.couple_id == couple.id, GestureAssignment.noticed_at >= since
            )
        ),
        activities=await count(
            select(func.count()).where(
                CoupleActivity.couple_id == couple.id,
                CoupleActivity.status == "done",
                CoupleActivity.done_at >= since,
            )
        ),
    )


def recap_text(week: Week, content: Content, seed: str) -> str:
    """A warm recap: an opening line for the week's mood, then what they did (never a score)."""
    lines = [line for line in content.recap_lines if line.mood == week.mood]
    opening = random.Random(seed).choice(lines).text if lines else ""
    parts = [_("🌿 <b>Your week together</b>"), escape(opening)]
    facts = [
        (
            week.questions,
            ngettext(
                "{n} evening question answered together",
                "{n} evening questions answered together",
                week.questions,
            ),
        ),
        (
            week.jar,
            ngettext(
                "{n} question drawn from your jar", "{n} questions drawn from your jar", week.jar
            ),
        ),
        (
            week.gestures_done,
            ngettext(
                "{n} small gesture of appreciation",
                "{n} small gestures of appreciation",
                week.gestures_done,
            ),
        ),
        (week.noticed, ngettext("{n} of them noticed", "{n} of them noticed", week.noticed)),
        (
            week.activities,
            ngettext(
                "{n} new thing done together", "{n} new things done together", week.activities
            ),
        ),
    ]
    listed = [f"• {text.format(n=n)}" for n, text in facts if n]
    if listed:
        parts.append("\n".join(listed))
    return "\n\n".join(p for p in parts if p)


async def recap_messages(
    session: AsyncSession, couple: Couple, content: Content, now: datetime, day: date
) -> list[Outgoing]:
    """The Sunday recap for the group."""
    week = await week_of(session, couple, now)
    text = recap_text(week, content, f"{couple.id}:{day.isoformat()}")
    return [Outgoing(couple.chat_id, text, purpose="recap")]


async def stuck_messages(
    session: AsyncSession, couple: Couple, content: Content, now: datetime, today: date
) -> list[Outgoing]:
    """After seven days in a row without both answering, one kind private note (monthly at most)."""
    if couple.stuck_sent_at is not None and couple.stuck_sent_at > now - STUCK_EVERY:
        return []
    days = [today - timedelta(days=k) for k in range(1, STUCK_DAYS + 1)]
    rows = list(
        await session.execute(
            select(Prompt.local_date, Prompt.revealed_at).where(
                Prompt.couple_id == couple.id,
                Prompt.kind == "question",
                Prompt.local_date >= days[-1],
                Prompt.local_date < today,
            )
        )
    )
    asked = {row.local_date for row in rows}
    if set(days) - asked or any(row.revealed_at is not None for row in rows):
        return []  # a day without a question (paused) or with both answers breaks the run
    if not content.stuck_messages:
        return []
    couple.stuck_sent_at = now
    line = content.stuck_messages[(couple.id + today.toordinal()) % len(content.stuck_messages)]
    return [
        Outgoing(partner.user_id, escape(line.text), purpose="stuck", partner_id=partner.id)
        for partner in couple.partners
        if partner.private_open  # never in the group
    ]


async def memory_messages(
    session: AsyncSession, couple: Couple, partner: Partner, now: datetime
) -> list[Outgoing] | None:
    """A past question (a week old at least) with both answers, privately; None if none yet."""
    prompts = list(
        await session.scalars(
            select(Prompt)
            .where(
                Prompt.couple_id == couple.id,
                Prompt.revealed_at.is_not(None),
                Prompt.revealed_at <= now - MEMORY_AGE,
                Prompt.created_at >= (pair_since(couple) or now),
            )
            .order_by(Prompt.id)
        )
    )
    if not prompts:
        return None
    prompt = random.Random(f"{partner.id}:{now.isoformat()}").choice(prompts)
    answers = list(
        await session.scalars(
            select(Answer).where(Answer.prompt_id == prompt.id).order_by(Answer.id)
        )
    )
    names = {p.id: p.first_name for p in couple.partners}
    when = schedule.local_date(prompt.created_at, ZoneInfo(couple.tz)).strftime("%d %B %Y")
    messages = [
        Outgoing(
            partner.user_id,
            _("🕰 A memory from {date}:\n\n<b>{question}</b>").format(
                date=when, question=escape(prompt.text)
            ),
            purpose="memory",
            partner_id=partner.id,
        )
    ]
    for answer in answers:
        header = _("<b>{name}</b>:").format(name=escape(names.get(answer.partner_id, "?")))
        if answer.kind == "text":
            body = fit(header, answer.text or "")
            messages.append(
                Outgoing(partner.user_id, body, purpose="memory", partner_id=partner.id)
            )
        else:
            label = _(MEDIA_LABELS.get(answer.kind, answer.kind))
            messages.append(
                Outgoing(
                    partner.user_id, f"{header} {label}", purpose="memory", partner_id=partner.id
                )
            )
            messages.append(
                Outgoing(
                    partner.user_id,
                    copy_from=(answer.chat_id, answer.message_id),
                    purpose="memory",
                    partner_id=partner.id,
                )
            )
    return messages
