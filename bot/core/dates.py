"""Important dates: anniversaries and birthdays, shared (saved in the group) or secret (saved in
a private chat: only its author ever sees it, is reminded of it or asked about it).

Dates are written day first, `14.02` or `14/02`: day and month, never month first, since
"2/3" would mean two things. 29.02 is celebrated on 28.02 in other years. A few days before,
whoever prepares gets a private idea; on the day a shared date brings a question to the group,
and a secret one a question its author can ask the other privately.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, prompt_kinds, rhythms
from bot.core.apart import lives_apart
from bot.core.content import Content, pick_date_gesture, pick_date_question
from bot.core.couples import language_of, other_partner, partner_in
from bot.core.models import Couple, ImportantDate, Partner, Prompt
from bot.core.outbox import Button, Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.core.questions import answer_link, histories
from bot.i18n import _, speaking

LEAD_DAYS = 3  # the idea to prepare comes this many days before
MAX_DATES = 30  # per couple: a calendar, not a diary
MAX_LABEL = 80
DAY_MONTH = re.compile(r"([0-9]{1,2})[./]([0-9]{1,2})")
Plan = tuple[Couple, date]


class Added(enum.Enum):
    """What `/dates add` did."""

    ADDED = "added"
    BAD_FORMAT = "bad_format"  # not DD.MM or DD/MM
    NO_SUCH_DAY = "no_such_day"  # 31.04, 30.02, 12.13
    NO_LABEL = "no_label"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"


def parse_day(raw: str) -> tuple[int, int]:
    """(month, day) from "14.02" or "14/02"; ValueError("format") or ValueError("day")."""
    match = DAY_MONTH.fullmatch(raw.strip())
    if match is None:
        raise ValueError("format")
    day, month = int(match.group(1)), int(match.group(2))
    try:
        date(2000, month, day)  # a leap year: 29.02 exists
    except ValueError:
        raise ValueError("day") from None
    return month, day


def on_year(month: int, day: int, year: int) -> date:
    """The day a date falls on in `year` (29.02 on 28.02 outside leap years)."""
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def shown(item: ImportantDate) -> str:
    """DD.MM, as partners write it."""
    return f"{item.day:02d}.{item.month:02d}"


async def _count(session: AsyncSession, couple: Couple) -> int:
    found = await session.scalar(select(func.count()).where(ImportantDate.couple_id == couple.id))
    return int(found or 0)


async def add(
    session: AsyncSession,
    couple: Couple,
    partner: Partner,
    raw_day: str,
    label: str,
    secret: bool,
    now: datetime,
) -> tuple[Added, ImportantDate | None]:
    """Save a date (secret when saved privately); nothing is saved when anything is wrong."""
    try:
        month, day = parse_day(raw_day)
    except ValueError as error:
        return (Added.NO_SUCH_DAY if str(error) == "day" else Added.BAD_FORMAT), None
    label = " ".join(label.split())
    if not label:
        return Added.NO_LABEL, None
    if len(label) > MAX_LABEL:
        return Added.TOO_LONG, None
    if await _count(session, couple) >= MAX_DATES:
        return Added.TOO_MANY, None
    item = ImportantDate(
        couple_id=couple.id,
        author_id=partner.id,
        for_partner_id=None,
        month=month,
        day=day,
        label=label,
        secret=secret,
    )
    session.add(item)
    await session.flush()
    if not couple.has_dates:
        couple.has_dates = True
        rhythms.reschedule_one(couple, rhythms.Kind.DATES, now)
    return Added.ADDED, item


async def visible(
    session: AsyncSession, couple: Couple, partner: Partner | None, private: bool
) -> list[ImportantDate]:
    """The dates shown in this chat, in calendar order: in the group the shared ones, in a
    private chat also that partner's own secrets (never the other's)."""
    rows = await session.scalars(
        select(ImportantDate)
        .where(ImportantDate.couple_id == couple.id)
        .order_by(ImportantDate.month, ImportantDate.day, ImportantDate.id)
    )
    mine = partner.id if private and partner is not None else None
    return [d for d in rows if not d.secret or d.author_id == mine]


async def remove(session: AsyncSession, couple: Couple, item: ImportantDate, now: datetime) -> None:
    """Delete a date; with none left, the daily look at the calendar stops."""
    await session.delete(item)
    await session.flush()
    if await _count(session, couple) == 0:
        couple.has_dates = False
        rhythms.reschedule_one(couple, rhythms.Kind.DATES, now)


async def forget(session: AsyncSession, couple: Couple) -> None:
    """A partner left: the pair's dates go with it (a new partner never inherits them)."""
    await session.execute(delete(ImportantDate).where(ImportantDate.couple_id == couple.id))
    couple.has_dates = False


class Whose(enum.Enum):
    """What a "whose day is it?" button did."""

    SET = "set"
    NOT_YOURS = "not_yours"
    GONE = "gone"


async def set_whose(
    session: AsyncSession, date_id: int, user_id: int, partner_id: int
) -> tuple[Whose, ImportantDate | None, Couple | None]:
    """Say whose day a shared date is (a partner's id, or 0 for both of theirs)."""
    item = await session.get(ImportantDate, date_id)
    couple = None if item is None else await session.get(Couple, item.couple_id)
    if item is None or couple is None or item.secret:
        return Whose.GONE, None, None
    if partner_in(couple, user_id) is None:
        return Whose.NOT_YOURS, None, None
    if partner_id and partner_id not in {p.id for p in couple.partners}:
        return Whose.GONE, None, None
    item.for_partner_id = partner_id or None
    return Whose.SET, item, couple


def whose_line(couple: Couple, item: ImportantDate) -> str:
    """ "(Sam's day)", "(ours)", or for a secret "(secret from Sam)"."""
    names = {p.id: escape(p.first_name) for p in couple.partners}
    if item.secret:
        other = next((n for pid, n in names.items() if pid != item.author_id), "")
        return _("🤫 secret from {name}").format(name=other) if other else _("🤫 secret")
    if item.for_partner_id in names:
        return _("{name}'s day").format(name=names[item.for_partner_id])
    return _("both of yours")


def whose_buttons(couple: Couple, item: ImportantDate) -> list[list[Button]]:
    """Whose day is it? A button per partner, and one for both of them."""
    return [
        [
            *(
                button(
                    _("{name}'s day").format(name=p.first_name),
                    callbacks.DateFor(item.id, p.id),
                )
                for p in couple.partners
            ),
            button(_("Both of ours"), callbacks.DateFor(item.id, 0)),
        ]
    ]


# The list leaves room, within Telegram's 4,096 characters, for the lines sent with it.
LIST_CHARS = 3_400


def _cut(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def list_view(couple: Couple, items: Sequence[ImportantDate]) -> tuple[str, list[list[Button]]]:
    """/dates: the dates numbered as `/dates remove N` counts them, a remove button each;
    labels shortened when all of them at full length would not fit in one message."""
    if not items:
        return _("📅 No dates saved yet."), []
    heading = _("📅 <b>Your dates</b>")
    rest = [(f"{n}. {shown(d)} · ", d.label, f" ({whose_line(couple, d)})") for n, d in
            enumerate(items, 1)]  # fmt: skip
    fixed = len(heading) + sum(len(a) + len(c) + 1 for a, _label, c in rest)
    labels = sum(len(label) for _a, label, _c in rest)
    fits = fixed + labels <= LIST_CHARS
    room = MAX_LABEL if fits else max(12, (LIST_CHARS - fixed) // len(rest))
    lines = [heading] + [f"{a}{escape(_cut(label, room))}{c}" for a, label, c in rest]
    buttons = [
        button(_("🗑 {n}").format(n=n), callbacks.DateRemove(d.id)) for n, d in enumerate(items, 1)
    ]
    return "\n".join(lines), [buttons[i : i + 5] for i in range(0, len(buttons), 5)]


async def export_rows(
    session: AsyncSession, couple: Couple, partner: Partner
) -> list[dict[str, Any]]:
    """The dates this partner may see (shared ones and their own secrets), for /export."""
    names = {p.id: p.first_name for p in couple.partners}
    return [
        {
            "date": shown(d),
            "label": d.label,
            "secret": d.secret,
            "whose": names.get(d.for_partner_id or 0, "both"),
        }
        for d in await visible(session, couple, partner, private=True)
    ]


# --- the daily look at the calendar ---------------------------------------------------------


def _reminder(
    couple: Couple, item: ImportantDate, partner: Partner, content: Content, year: int
) -> Outgoing:
    with speaking(language_of(couple, partner)):
        seed = f"{item.id}:{year}:{partner.id}"
        idea = pick_date_gesture(content, seed, living_apart=lives_apart(couple))
        whose = next((p for p in couple.partners if p.id == item.for_partner_id), None)
        head = _("📅 In {days} days: <b>{label}</b> ({day}).").format(
            days=LEAD_DAYS, label=escape(item.label), day=shown(item)
        )
        if item.secret:
            head = _("🤫 In {days} days: <b>{label}</b> ({day}), your secret.").format(
                days=LEAD_DAYS, label=escape(item.label), day=shown(item)
            )
        elif whose is not None:
            head += " " + _("It's {name}'s day.").format(name=escape(whose.first_name))
        text = (
            head
            + "\n\n"
            + _("An idea to prepare, just between you and me:\n\n<b>{idea}</b>").format(
                idea=escape(idea.text)
            )
        )
        return Outgoing(partner.user_id, text, purpose=Purpose.DATE_REMINDER, partner_id=partner.id)


def _preparers(couple: Couple, item: ImportantDate) -> list[Partner]:
    """Who gets the idea: a secret's author only; for someone's day the other; else both.
    Never anyone whose private chat is closed (a group fallback would spoil the surprise)."""
    if item.secret:
        chosen = [p for p in couple.partners if p.id == item.author_id]
    else:
        chosen = [p for p in couple.partners if p.id != item.for_partner_id]
    return [p for p in chosen if p.private_open]


def _secret_day(couple: Couple, item: ImportantDate, content: Content, seed: str) -> list[Outgoing]:
    """On a secret date, its author alone gets a question to ask the other tonight."""
    author = next((p for p in couple.partners if p.id == item.author_id), None)
    other = None if author is None else other_partner(couple, author)
    if author is None or other is None or not author.private_open:
        return []
    with speaking(language_of(couple, author)):
        question = pick_date_question(content, [], seed)
        text = _(
            "🤫 Today: <b>{label}</b>. A question you could ask {name} tonight:"
            "\n\n<b>{question}</b>"
        ).format(
            label=escape(item.label), name=escape(other.first_name), question=escape(question.text)
        )
        return [Outgoing(author.user_id, text, purpose=Purpose.DATE_REMINDER, partner_id=author.id)]


def _day_question(
    couple: Couple, prompt_id: int, labels: str, text: str, username: str
) -> Outgoing:
    body = _(
        "📅 Today: <b>{labels}</b> 💞\n\nA question for you both:\n\n<b>{question}</b>\n\n"
        "Reply to this message to answer, or answer privately with the button. Private "
        "answers stay sealed until you've both answered."
    ).format(labels=labels, question=escape(text))
    buttons = [[button(_("🔒 Answer privately"), url=answer_link(username, prompt_id))]]
    return Outgoing(
        couple.chat_id, body, buttons=buttons, purpose=Purpose.DATE, prompt_id=prompt_id
    )


async def deliver_many(
    session: AsyncSession, plans: Sequence[Plan], content: Content, now: datetime, username: str
) -> list[tuple[int, list[Outgoing]]]:
    """Each couple's morning look at the calendar: ideas for dates a few days ahead, and
    today's questions (two queries and one insert for the batch)."""
    ids = [couple.id for couple, _day in plans]
    found: dict[int, list[ImportantDate]] = defaultdict(list)
    for item in await session.scalars(
        select(ImportantDate)
        .where(ImportantDate.couple_id.in_(ids))
        .order_by(ImportantDate.month, ImportantDate.day, ImportantDate.id)
    ):
        found[item.couple_id].append(item)
    history = await histories(session, ids, prompt_kinds.DATE)
    messages: dict[int, list[Outgoing]] = defaultdict(list)
    asked: list[tuple[Couple, date, str, str]] = []  # couple, day, labels, question id
    for couple, day in plans:
        ahead = day + timedelta(days=LEAD_DAYS)
        shared_today = []
        for item in found[couple.id]:
            if on_year(item.month, item.day, ahead.year) == ahead:
                messages[couple.id] += [
                    _reminder(couple, item, p, content, ahead.year)
                    for p in _preparers(couple, item)
                ]
            if on_year(item.month, item.day, day.year) == day:
                if item.secret:
                    seed = f"{item.id}:{day.isoformat()}"
                    messages[couple.id] += _secret_day(couple, item, content, seed)
                else:
                    shared_today.append(item)
        if shared_today:
            question = pick_date_question(
                content, history[couple.id], f"{couple.id}:{day.isoformat()}"
            )
            labels = " · ".join(escape(d.label) for d in shared_today)
            asked.append((couple, day, labels, question.id))
    prompt_ids = await insert_keyed(
        session,
        Prompt,
        [
            {
                "couple_id": couple.id,
                "kind": prompt_kinds.DATE,
                "local_date": day,
                "content_id": question_id,
                "text": None,
                "created_at": now,
            }
            for couple, day, _labels, question_id in asked
        ],
        "couple_id",
    )
    for couple, _day, labels, question_id in asked:
        with speaking(couple.language):
            text = content.by_id[question_id].text
            messages[couple.id].append(
                _day_question(couple, prompt_ids[(couple.id,)], labels, text, username)
            )
    return [(couple_id, found_messages) for couple_id, found_messages in messages.items()]
