"""Skip: tonight's question swapped for another one, for both partners, once a day, and only
while neither has answered it (an answer given is never thrown away)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import prompt_kinds, schedule, themes
from bot.core.answers import answers_to
from bot.core.apart import lives_apart
from bot.core.content import Content, pick_question
from bot.core.couples import lock_couples, partner_in
from bot.core.models import Couple, Prompt
from bot.core.outbox import Outgoing
from bot.core.questions import (
    DayPrompt,
    histories,
    own_question_message,
    question_message,
    question_text,
)


class Swap(enum.Enum):
    """What pressing "Another question" did."""

    SWAPPED = "swapped"
    NOT_YOURS = "not_yours"  # someone besides the two partners
    GONE = "gone"  # not tonight's question any more
    ALREADY = "already"  # tonight's question was swapped once already
    ANSWERED = "answered"  # someone answered it: it stays


@dataclass
class SwapResult:
    """The outcome, the old question's words and the new question's message."""

    outcome: Swap
    couple_id: int | None = None
    old_text: str = ""
    messages: list[Outgoing] = field(default_factory=list)


async def swap(
    session: AsyncSession,
    prompt_id: int,
    user_id: int,
    now: datetime,
    content: Content,
    bot_username: str,
) -> SwapResult:
    """Swap tonight's question for another one, picked like the evening question."""
    prompt = await session.get(Prompt, prompt_id)
    couple = None if prompt is None else await session.get(Couple, prompt.couple_id)
    if prompt is None or couple is None or prompt.kind != prompt_kinds.QUESTION:
        return SwapResult(Swap.GONE)
    if partner_in(couple, user_id) is None:
        return SwapResult(Swap.NOT_YOURS)
    if session.get_bind().dialect.name == "postgresql":
        # A partner answering at this very moment waits, and then finds the question swapped.
        await lock_couples(session, Couple.id == couple.id)
        await session.refresh(prompt)
    # Tonight's question is the latest one, of today or, past midnight, of yesterday: a
    # question at 23:30 can still be swapped at 00:10, until the next one comes.
    today, evening = schedule.local_date(now, ZoneInfo(couple.tz)), prompt.local_date
    since_day = list(
        await session.scalars(
            select(Prompt).where(
                Prompt.couple_id == couple.id,
                Prompt.kind == prompt_kinds.QUESTION,
                Prompt.local_date >= evening,
            )
        )
    )
    tonight = [p for p in since_day if p.local_date == evening]
    latest = all(p.local_date == evening for p in since_day)
    if not 0 <= (today - evening).days <= 1 or not latest or prompt not in tonight:
        return SwapResult(Swap.GONE)
    if any(p.skipped_at is not None for p in tonight):
        return SwapResult(Swap.ALREADY)
    if await answers_to(session, prompt):
        return SwapResult(Swap.ANSWERED)
    history = (await histories(session, [couple.id], prompt_kinds.QUESTION))[couple.id]
    question = pick_question(
        content,
        history,
        couple.depth,
        f"{couple.id}:{evening.isoformat()}:swap",
        themes_allowed=themes.themes_for(couple),
        living_apart=lives_apart(couple),
    )
    prompt.skipped_at = now
    new = Prompt(
        couple_id=couple.id,
        kind=prompt_kinds.QUESTION,
        local_date=evening,
        content_id=question.id,
        theme=question.theme,
        depth=question.depth,
        created_at=now,
        asked_in_group_at=now,
    )
    session.add(new)
    await session.flush()
    day = DayPrompt(new.id, question.text, question.sensitive, question.id)
    messages = [question_message(couple, bot_username, day, content, can_skip=False)]
    for partner in couple.partners:
        if partner.asked_prompt_id == prompt.id:
            # On their own clock they already had the old one privately: the new one follows
            # there, and their next message answers it.
            partner.asked_prompt_id, partner.asked_at = new.id, now
            if partner.pending_prompt_id == prompt.id:
                partner.pending_prompt_id = None
            messages.append(own_question_message(couple, partner, day, content))
        # One who picked the old one by button keeps that pick: their next message is told
        # it was swapped (routing.open_prompt), never filed under a question they haven't seen.
    return SwapResult(Swap.SWAPPED, couple.id, question_text(prompt, content), messages)
