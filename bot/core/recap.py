"""The weekly recap, /memories, and the kind "stuck" message."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import jar, prompt_kinds, schedule
from bot.core.content import Content
from bot.core.couples import language_of, other_partner, pair_since
from bot.core.models import Answer, Couple, CoupleActivity, GestureAssignment, Partner, Prompt
from bot.core.outbox import Outgoing, describe, spread
from bot.core.purposes import Purpose
from bot.core.questions import question_text
from bot.i18n import _, speaking
from bot.i18n import day as day_name

WEEK = timedelta(days=7)
STUCK_DAYS = 7
STUCK_EVERY = timedelta(days=30)
MEMORY_AGE = timedelta(days=7)
Plan = tuple[Couple, date]


@dataclass
class Week:
    """What the couple shared in the last seven days."""

    answered: list[Prompt] = field(default_factory=list)  # prompts both answered
    noticed: list[GestureAssignment] = field(default_factory=list)
    gestures_done: int = 0
    activities: list[str] = field(default_factory=list)  # activity ids done together

    @property
    def mood(self) -> str:
        """full, some or quiet: which opening line fits the week."""
        total = len(self.answered) + self.gestures_done + len(self.activities)
        return "full" if total >= 6 else "some" if total else "quiet"


async def weeks_of(
    session: AsyncSession, couple_ids: Sequence[int], now: datetime
) -> dict[int, Week]:
    """The last seven days of each couple (three queries for all of them)."""
    since = now - WEEK
    weeks: dict[int, Week] = defaultdict(Week)
    for prompt in await session.scalars(
        select(Prompt)
        .where(
            Prompt.couple_id.in_(couple_ids),
            Prompt.revealed_at >= since,
            # A round in parts is one moment, not three answered questions.
            Prompt.part_of.is_(None),
        )
        .order_by(Prompt.revealed_at)
    ):
        weeks[prompt.couple_id].answered.append(prompt)
    for gesture in await session.scalars(
        select(GestureAssignment).where(
            GestureAssignment.couple_id.in_(couple_ids),
            or_(GestureAssignment.done_at >= since, GestureAssignment.noticed_at >= since),
        )
    ):
        week = weeks[gesture.couple_id]
        week.gestures_done += gesture.done_at is not None and gesture.done_at >= since
        if gesture.noticed_at is not None and gesture.noticed_at >= since:
            week.noticed.append(gesture)
    for couple_id, activity_id in await session.execute(
        select(CoupleActivity.couple_id, CoupleActivity.activity_id).where(
            CoupleActivity.couple_id.in_(couple_ids),
            CoupleActivity.status == "done",
            CoupleActivity.done_at >= since,
        )
    ):
        weeks[couple_id].activities.append(activity_id)
    return weeks


def recap_text(couple: Couple, week: Week, content: Content, seed: str) -> str:
    """A warm recap: an opening for the week's mood, then what made it (never a score)."""
    lines = [line for line in content.recap_lines if line.mood == week.mood]
    opening = random.Random(seed).choice(lines).text if lines else ""
    parts = [_("🌿 <b>Your week together</b>"), escape(opening)]
    moments = []
    if week.answered:
        # The deepest question they both answered this week, the latest among equals.
        prompt = max(week.answered, key=lambda p: (p.depth or 0, p.revealed_at))
        moments.append(
            _("💬 You both answered <i>{question}</i>").format(
                question=escape(question_text(prompt, content))
            )
        )
    names = {p.id: escape(p.first_name) for p in couple.partners}
    givers = {g.partner_id for g in week.noticed if g.partner_id in names}
    for giver in sorted(givers, key=lambda g: g or 0):
        partner = next(p for p in couple.partners if p.id == giver)
        receiver = other_partner(couple, partner)
        if receiver is not None:
            moments.append(
                _("💛 {receiver} noticed a kindness from {giver}").format(
                    receiver=names[receiver.id], giver=names[partner.id]
                )
            )
    for activity_id in week.activities[:2]:
        activity = content.by_id.get(activity_id)
        if activity is not None:
            moments.append(
                _("🧭 Something new together: {activity}").format(activity=escape(activity.text))
            )
    if moments:
        parts.append("\n".join(moments))
    return "\n\n".join(p for p in parts if p)


async def recap_many(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime
) -> list[tuple[int, list[Outgoing]]]:
    """The Sunday recap for each couple's group."""
    weeks = await weeks_of(session, [couple.id for couple, _day in plans], now)
    recaps = []
    for couple, day in plans:
        with speaking(couple.language):
            text = recap_text(couple, weeks[couple.id], content, f"{couple.id}:{day.isoformat()}")
        recaps.append((couple.id, [Outgoing(couple.chat_id, text, purpose=Purpose.RECAP)]))
    return recaps


async def stuck_many(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime
) -> dict[int, list[Outgoing]]:
    """After seven days in a row without both answering, one kind private note each (at most
    monthly, never in the group)."""
    candidates = [
        (couple, day)
        for couple, day in plans
        if couple.stuck_sent_at is None or couple.stuck_sent_at <= now - STUCK_EVERY
    ]
    if not candidates or not content.stuck_messages:
        return {}
    earliest = min(day for _c, day in candidates) - timedelta(days=STUCK_DAYS)
    rows: dict[int, list[tuple[date, str, datetime | None]]] = defaultdict(list)
    for couple_id, local_day, kind, revealed_at in await session.execute(
        select(Prompt.couple_id, Prompt.local_date, Prompt.kind, Prompt.revealed_at).where(
            Prompt.couple_id.in_([c.id for c, _d in candidates]),
            Prompt.kind.in_([prompt_kinds.QUESTION, prompt_kinds.JAR]),
            Prompt.local_date >= earliest,
        )
    ):
        rows[couple_id].append((local_day, kind, revealed_at))
    notes: dict[int, list[Outgoing]] = {}
    for couple, today in candidates:
        days = {today - timedelta(days=k) for k in range(1, STUCK_DAYS + 1)}
        # On jar night the jar's question is that evening's question.
        week = [
            (d, r)
            for d, kind, r in rows[couple.id]
            if d in days
            and kind
            == (prompt_kinds.JAR if jar.replaces_question(couple, d) else prompt_kinds.QUESTION)
        ]
        # A day without a question (paused) or with both answers breaks the run.
        if days - {d for d, _r in week} or any(r is not None for _d, r in week):
            continue
        couple.stuck_sent_at = now
        index = (couple.id + today.toordinal()) % len(content.stuck_messages)
        notes[couple.id] = []
        for partner in couple.partners:
            if not partner.private_open:
                continue  # never in the group
            with speaking(language_of(couple, partner)):
                text = escape(content.stuck_messages[index].text)
                if content.safety_lines:
                    line = content.safety_lines[index % len(content.safety_lines)]
                    text += "\n\n" + escape(line.text)
            notes[couple.id].append(
                Outgoing(partner.user_id, text, purpose=Purpose.STUCK, partner_id=partner.id)
            )
    return notes


async def memory_messages(
    session: AsyncSession, couple: Couple, partner: Partner, now: datetime, content: Content
) -> list[Outgoing] | None:
    """A past question (a week old at least) with both answers, privately; None if none yet."""
    with speaking(language_of(couple, partner)):
        prompts = list(
            await session.scalars(
                select(Prompt)
                .where(
                    Prompt.couple_id == couple.id,
                    Prompt.revealed_at.is_not(None),
                    Prompt.revealed_at <= now - MEMORY_AGE,
                    Prompt.created_at >= (pair_since(couple) or now),
                    # A guess or a check-in part read alone would be taken for an answer.
                    Prompt.kind.not_in(prompt_kinds.IN_PARTS),
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
        when = day_name(schedule.local_date(prompt.created_at, ZoneInfo(couple.tz)))

        def private(
            text: str = "",
            quotes: list[tuple[int, str]] | None = None,
            copy_from: tuple[int, int] | None = None,
        ) -> Outgoing:
            return Outgoing(
                partner.user_id,
                text,
                purpose=Purpose.MEMORY,
                partner_id=partner.id,
                quotes=quotes or [],
                copy_from=copy_from,
            )

        messages = [
            private(
                _("🕰 A memory from {date}:\n\n<b>{question}</b>").format(
                    date=when, question=escape(question_text(prompt, content))
                )
            )
        ]
        for answer in answers:
            label = _("<b>{name}</b>:").format(name=escape(names.get(answer.partner_id, "?")))
            if answer.kind == "text":
                messages.append(private(quotes=[(answer.id, label)]))
            else:
                messages.append(private(f"{label} {describe(answer.kind)}"))
                messages += [private(copy_from=source) for source in answer.sources()]
        by_id = {answer.id: answer for answer in answers}
        return [part for message in messages for part in spread(message, by_id)]
