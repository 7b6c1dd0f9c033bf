"""The question jar: partners' own questions first, then the built-in curiosity bank."""

from __future__ import annotations

import enum
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import crypto, schedule
from bot.core.apart import lives_apart
from bot.core.content import Content, pick_jar_item
from bot.core.couples import language_of
from bot.core.models import Couple, Delivery, JarQuestion, Partner, Prompt
from bot.core.outbox import Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.core.questions import answer_link, histories
from bot.core.rhythms import Kind
from bot.i18n import _, clock, speaking, weekday

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
    DRAWN = "drawn"  # the same question came out of the jar before


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
    digest, *older = crypto.vault().indexes(norm)
    same = (
        await session.execute(
            select(JarQuestion.id, JarQuestion.drawn_at).where(
                JarQuestion.couple_id == couple.id, JarQuestion.norm.in_([digest, *older])
            )
        )
    ).first()
    if same is not None:
        # A drawn one stays its author's, with its draws (a partner's "forget me" finds them).
        return Added.DUPLICATE if same.drawn_at is None else Added.DRAWN
    session.add(
        JarQuestion(
            couple_id=couple.id,
            author_id=partner.id,
            author_name=partner.first_name,
            text=text,
            norm=digest,
            secret=secret,
            created_at=now,
        )
    )
    await session.flush()
    return Added.ADDED


def replaces_question(couple: Couple, day: date) -> bool:
    """Whether `day` is jar night and its question takes the place of the evening question (the
    default: one ritual, and one invitation to talk, that evening)."""
    return not couple.jar_with_question and day.weekday() == couple.jar_day


async def replaced_tonight(
    session: AsyncSession,
    plans: Sequence[tuple[Couple, date]],
    zones: Sequence[str] | None = None,
) -> set[tuple[int, date]]:
    """The (couple id, day) whose evening question gives way to jar night: it is jar night
    (see `replaces_question`) and the night has come or is still to come that day. A night
    missed (paused over it, the bot away, set up or moved after its hour) leaves the question
    in place, so the evening is never empty. `zones`: each plan's day is a partner's own, in
    that zone (the night at 19:00 in Berlin falls on the next day in Tokyo: Tokyo's evening
    keeps its question)."""
    zoned = zip(plans, zones or [couple.tz for couple, _day in plans], strict=True)
    nights = [
        (couple, day, zone) for (couple, day), zone in zoned if replaces_question(couple, day)
    ]
    if not nights:
        return set()
    came = set(
        await session.execute(
            select(Delivery.couple_id, Delivery.local_date).where(
                Delivery.couple_id.in_({couple.id for couple, _day, _zone in nights}),
                Delivery.partner_id == 0,
                Delivery.kind == str(Kind.JAR),
                Delivery.local_date.in_(
                    {day + timedelta(days=d) for _c, day, _z in nights for d in (-1, 0, 1)}
                ),
            )
        )
    )

    def on(at: datetime | None, zone: str, day: date) -> bool:
        return at is not None and schedule.local_date(at, ZoneInfo(zone)) == day

    def night_of(couple: Couple, night: date) -> datetime:
        at = schedule.parse_hhmm(couple.jar_time)
        return schedule.local_to_utc(night, at, ZoneInfo(couple.tz))

    def has_night(couple: Couple, day: date, zone: str) -> bool:
        # Came that day, or due that day, later or already (a tick finding both due sends the
        # night too); a night missed was moved on to next week.
        nights_came = (d for c, d in came if c == couple.id)
        return any(on(night_of(couple, d), zone, day) for d in nights_came) or on(
            couple.next_jar_at, zone, day
        )

    return {(c.id, day) for c, day, zone in nights if has_night(c, day, zone)}


async def undrawn_counts(session: AsyncSession, couple: Couple) -> dict[int, int]:
    """How many undrawn questions each partner has in the jar."""
    rows = await session.execute(
        select(JarQuestion.author_id, func.count())
        .where(JarQuestion.couple_id == couple.id, JarQuestion.drawn_at.is_(None))
        .group_by(JarQuestion.author_id)
    )
    return {author: count for author, count in rows.all() if author is not None}


async def draw_many(
    session: AsyncSession,
    couples: Sequence[Couple],
    content: Content,
    now: datetime,
    bot_username: str,
    night: bool = False,
) -> list[tuple[int, list[Outgoing]]]:
    """Draw each couple's next jar question (theirs first, else Hearth's) and ask it."""
    ids = [couple.id for couple in couples]
    own: dict[int, list[JarQuestion]] = defaultdict(list)
    for question in await session.scalars(
        select(JarQuestion)
        .where(JarQuestion.couple_id.in_(ids), JarQuestion.drawn_at.is_(None))
        .order_by(JarQuestion.id)
    ):
        own[question.couple_id].append(question)
    history = await histories(session, ids, "jar")
    params, intros = [], []
    for couple in couples:
        with speaking(couple.language):
            rng = random.Random(f"{couple.id}:{now.isoformat()}")
            today = schedule.local_date(now, ZoneInfo(couple.tz))
            prompt: dict[str, object] = {
                "couple_id": couple.id,
                "kind": "jar",
                "local_date": today,
                "created_at": now,
                "asked_in_group_at": now,
                "content_id": None,
                "jar_question_id": None,
                "text": None,
            }
            if own[couple.id]:
                chosen = rng.choice(own[couple.id])
                chosen.drawn_at = now
                prompt.update(jar_question_id=chosen.id, text=chosen.text)
                intro = _("🫙 From the jar, written by <b>{name}</b>:").format(
                    name=escape(chosen.author_name)
                )
                text = chosen.text
            else:
                item = pick_jar_item(
                    content,
                    history[couple.id],
                    rng.randrange(2**31),
                    living_apart=lives_apart(couple),
                )
                prompt.update(content_id=item.id)
                intro = _("🫙 Your jar is empty, so here is one from Hearth's jar:")
                text = item.text
            if night and replaces_question(couple, today):
                heading = _(
                    "🌙 It's jar night: tonight the jar's question is your evening question."
                )
                intro = heading + "\n\n" + intro
            elif night:
                intro = _("🌙 It's jar night!") + "\n\n" + intro
        params.append(prompt)
        intros.append((intro, text))
    prompt_ids = await insert_keyed(session, Prompt, params, "couple_id")
    purpose = Purpose.JAR_NIGHT if night else Purpose.JAR
    return [
        (couple.id, [_ask(couple, prompt_ids[(couple.id,)], intro, text, bot_username, purpose)])
        for couple, (intro, text) in zip(couples, intros, strict=True)
    ]


def _ask(
    couple: Couple, prompt_id: int, intro: str, question: str, bot_username: str, purpose: Purpose
) -> Outgoing:
    with speaking(couple.language):
        text = _(
            "{intro}\n\n<b>{question}</b>\n\nReply to this message to answer, or answer "
            "privately with the button. I'll bring both answers together once you've both replied."
        ).format(intro=intro, question=escape(question))
        buttons = [[button(_("🔒 Answer privately"), url=answer_link(bot_username, prompt_id))]]
        return Outgoing(couple.chat_id, text, buttons=buttons, purpose=purpose, prompt_id=prompt_id)


def reminder_messages(couple: Couple) -> list[Outgoing]:
    """Jar night is in two days: remind each partner privately to add a question."""
    messages = []
    for partner in couple.partners:
        if not partner.private_open:
            continue  # a reminder in the group would spoil nothing, but it isn't needed
        with speaking(language_of(couple, partner)):
            messages.append(
                Outgoing(
                    partner.user_id,
                    _(
                        "🫙 Jar night is on {day} at {time}. Slip a question in for the two "
                        "of you; it stays secret until it's drawn:\n\n"
                        "<code>/jar add What smell takes you straight back to childhood?</code>"
                    ).format(day=weekday(couple.jar_day), time=clock(couple.jar_time)),
                    purpose=Purpose.JAR_REMINDER,
                    partner_id=partner.id,
                )
            )
    return messages
