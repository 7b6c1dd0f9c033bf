"""The question jar: partners' own questions first, then the built-in curiosity bank."""

from __future__ import annotations

import enum
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedule
from bot.core.content import Content, pick_jar_item
from bot.core.models import Couple, JarQuestion, Partner, Prompt
from bot.core.outbox import Outgoing, button
from bot.i18n import _

JAR_MAX = 300


def normalise(text: str) -> str:
    """Lower-case words only, so 'What's up?' and 'what's up' count as the same question."""
    return " ".join(re.findall(r"\w+", text.lower()))[:400]


class Added(enum.Enum):
    """What `/jar add` did."""

    ADDED = "added"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"


async def add(
    session: AsyncSession, couple: Couple, partner: Partner, text: str, secret: bool, now: datetime
) -> Added:
    """Put a partner's question in the jar (refusing empty, over-long and duplicate ones)."""
    text = " ".join(text.split())
    norm = normalise(text)
    if not norm:
        return Added.EMPTY
    if len(text) > JAR_MAX:
        return Added.TOO_LONG
    exists = await session.scalar(
        select(JarQuestion.id).where(JarQuestion.couple_id == couple.id, JarQuestion.norm == norm)
    )
    if exists is not None:
        return Added.DUPLICATE
    session.add(
        JarQuestion(
            couple_id=couple.id,
            author_id=partner.id,
            author_name=partner.first_name,
            text=text,
            norm=norm,
            secret=secret,
            created_at=now,
        )
    )
    await session.flush()
    return Added.ADDED


async def undrawn_counts(session: AsyncSession, couple: Couple) -> dict[int, int]:
    """How many undrawn questions each partner has in the jar."""
    rows = await session.execute(
        select(JarQuestion.author_id, func.count())
        .where(JarQuestion.couple_id == couple.id, JarQuestion.drawn_at.is_(None))
        .group_by(JarQuestion.author_id)
    )
    return {author: count for author, count in rows.all() if author is not None}


@dataclass
class Draw:
    """A drawn jar question and the group message that asks it."""

    prompt: Prompt
    messages: list[Outgoing] = field(default_factory=list)


async def draw(
    session: AsyncSession,
    couple: Couple,
    content: Content,
    now: datetime,
    bot_username: str,
    purpose: str = "jar",
) -> Draw:
    """Draw the next jar question and post it in the group."""
    rng = random.Random(f"{couple.id}:{now.isoformat()}")
    own = list(
        await session.scalars(
            select(JarQuestion)
            .where(JarQuestion.couple_id == couple.id, JarQuestion.drawn_at.is_(None))
            .order_by(JarQuestion.id)
        )
    )
    today = schedule.local_date(now, ZoneInfo(couple.tz))
    prompt = Prompt(couple_id=couple.id, kind="jar", local_date=today, created_at=now)
    if own:
        chosen = rng.choice(own)
        chosen.drawn_at = now
        prompt.jar_question_id, prompt.text = chosen.id, chosen.text
        intro = _("🫙 From the jar, written by <b>{name}</b>:").format(
            name=escape(chosen.author_name)
        )
    else:
        history = await session.scalars(
            select(Prompt.content_id)
            .where(Prompt.couple_id == couple.id, Prompt.kind == "jar")
            .order_by(Prompt.id)
        )
        item = pick_jar_item(content, [h for h in history if h], rng.randrange(2**31))
        prompt.content_id, prompt.text = item.id, item.text
        intro = _("🫙 Your jar is empty, so here is one from Hearth's jar:")
    session.add(prompt)
    await session.flush()
    text = _(
        "{intro}\n\n<b>{question}</b>\n\nReply to this message to answer, or answer "
        "privately with the button. I'll bring both answers together once you've both replied."
    ).format(intro=intro, question=escape(prompt.text))
    buttons = [
        [button(_("🔒 Answer privately"), url=f"https://t.me/{bot_username}?start=a{prompt.id}")]
    ]
    return Draw(
        prompt,
        [Outgoing(couple.chat_id, text, buttons=buttons, purpose=purpose, prompt_id=prompt.id)],
    )


def reminder_messages(couple: Couple) -> list[Outgoing]:
    """Jar night is in two days: remind each partner privately to add a question."""
    day = _(schedule.WEEKDAYS[couple.jar_day].capitalize())
    messages = []
    for partner in couple.partners:
        if not partner.private_open:
            continue  # a reminder in the group would spoil nothing, but it isn't needed
        messages.append(
            Outgoing(
                partner.user_id,
                _(
                    "🫙 Jar night is on {day} at {time}. Slip a question in for the two "
                    "of you; it stays secret until it's drawn:\n\n"
                    "<code>/jar add What smell takes you straight back to childhood?</code>"
                ).format(day=day, time=couple.jar_time),
                purpose="jar_reminder",
                partner_id=partner.id,
            )
        )
    return messages
