"""/together: shared activities neither partner has done, a wish list, and what they did."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks
from bot.core.apart import lives_apart
from bot.core.content import Activity, Content
from bot.core.models import Couple, CoupleActivity
from bot.core.outbox import Button, Outgoing, button
from bot.core.purposes import Purpose
from bot.core.schedule import local_date
from bot.i18n import _, day

EXCLUDED = ("done_before", "wish", "done")


async def _rows(session: AsyncSession, couple: Couple) -> dict[str, CoupleActivity]:
    rows = await session.scalars(
        select(CoupleActivity).where(CoupleActivity.couple_id == couple.id)
    )
    return {row.activity_id: row for row in rows}


def suggestion_buttons(couple: Couple, activity: Activity) -> list[list[Button]]:
    """We've done this / Let's try it / Another."""

    def data(action: str) -> callbacks.Together:
        return callbacks.Together(couple.id, activity.id, action)

    return [
        [button(_("✨ Let's try it"), data("w")), button(_("We've done this"), data("b"))],
        [button(_("🔄 Another"), data("n"))],
    ]


def suggestion_text(activity: Activity) -> str:
    """The words of a suggestion."""
    return _(
        "🧭 Something new to do together, if neither of you has done it yet:\n\n<b>{text}</b>"
    ).format(text=escape(activity.text))


def _choose(
    couple: Couple,
    rows: dict[str, CoupleActivity],
    content: Content,
    seed: str,
    skip: str = "",
) -> Activity | None:
    """An activity neither has done nor wished for yet; least recently suggested first. For a
    couple living apart, only activities that work at a distance."""
    apart = lives_apart(couple)

    def fits(activity_id: str) -> bool:
        at_a_distance = getattr(content.by_id.get(activity_id), "distance", True)
        return activity_id != skip and (at_a_distance or not apart)

    fresh = [a for a in content.activities if a.id not in rows and fits(a.id)]
    if not fresh:
        suggested = sorted(
            (r for r in rows.values() if r.status == "suggested" and fits(r.activity_id)),
            key=lambda r: r.updated_at,
        )
        fresh = [
            content.by_id[r.activity_id] for r in suggested[:10] if r.activity_id in content.by_id
        ]
    if not fresh:
        return None
    chosen: Activity = random.Random(seed).choice(fresh)
    return chosen


def _note_suggested(
    session: AsyncSession,
    couple: Couple,
    rows: dict[str, CoupleActivity],
    activity: Activity,
    now: datetime,
) -> None:
    row = rows.get(activity.id)
    if row is None:
        session.add(
            CoupleActivity(
                couple_id=couple.id, activity_id=activity.id, status="suggested", updated_at=now
            )
        )
    else:
        row.updated_at = now


async def suggest(
    session: AsyncSession, couple: Couple, content: Content, now: datetime, skip: str = ""
) -> Activity | None:
    """An activity neither has done nor wished for yet, least recently suggested first."""
    rows = await _rows(session, couple)
    activity = _choose(couple, rows, content, f"{couple.id}:{now.isoformat()}", skip)
    if activity is not None:
        _note_suggested(session, couple, rows, activity, now)
    return activity


async def weekly_many(
    session: AsyncSession, couples: Sequence[Couple], content: Content, now: datetime
) -> list[tuple[int, list[Outgoing]]]:
    """This week's idea for each couple, in their group."""
    rows: dict[int, dict[str, CoupleActivity]] = defaultdict(dict)
    for row in await session.scalars(
        select(CoupleActivity).where(CoupleActivity.couple_id.in_([c.id for c in couples]))
    ):
        rows[row.couple_id][row.activity_id] = row
    messages = []
    for couple in couples:
        activity = _choose(couple, rows[couple.id], content, f"{couple.id}:{now.isoformat()}")
        if activity is None:
            continue
        _note_suggested(session, couple, rows[couple.id], activity, now)
        text = _("🗓 This week's idea.") + " " + suggestion_text(activity)
        messages.append(
            (
                couple.id,
                [
                    Outgoing(
                        couple.chat_id,
                        text,
                        buttons=suggestion_buttons(couple, activity),
                        purpose=Purpose.TOGETHER,
                    )
                ],
            )
        )
    return messages


async def mark(
    session: AsyncSession, couple: Couple, activity_id: str, status: str, now: datetime
) -> bool:
    """Record done_before, wish or done (with the date) for an activity."""
    rows = await _rows(session, couple)
    row = rows.get(activity_id)
    if row is None:
        row = CoupleActivity(couple_id=couple.id, activity_id=activity_id, status=status)
        session.add(row)
    elif row.status == status:
        return False
    row.status = status
    row.updated_at = now
    row.done_at = now if status == "done" else row.done_at
    return True


@dataclass
class WishItem:
    """One entry of the wish list."""

    activity: Activity
    row: CoupleActivity


async def wish_list(session: AsyncSession, couple: Couple, content: Content) -> list[WishItem]:
    """Activities the couple wants to try, oldest wish first."""
    rows = sorted((await _rows(session, couple)).values(), key=lambda r: r.updated_at)
    return [
        WishItem(content.by_id[r.activity_id], r)
        for r in rows
        if r.status == "wish" and r.activity_id in content.by_id
    ]


async def done_list(session: AsyncSession, couple: Couple, content: Content) -> list[WishItem]:
    """Activities they did together, newest first."""
    rows = sorted(
        (r for r in (await _rows(session, couple)).values() if r.status == "done"),
        key=lambda r: r.done_at or r.updated_at,
        reverse=True,
    )
    return [
        WishItem(content.by_id[r.activity_id], r) for r in rows if r.activity_id in content.by_id
    ]


def wish_list_view(
    couple: Couple, wishes: list[WishItem], done: list[WishItem]
) -> tuple[str, list[list[Button]]]:
    """/together list: the wish list (each with a "We did it" button) and what they did."""
    if not wishes and not done:
        return _("Your wish list is empty. /together suggests something new."), []
    lines = [_("✨ <b>Your wish list</b>")] if wishes else []
    lines += [f"{n}. {escape(w.activity.text)}" for n, w in enumerate(wishes[:10], 1)]
    if len(wishes) > 10:
        lines.append(_("…and {n} more.").format(n=len(wishes) - 10))
    if done:
        lines.append("\n" + _("🎉 <b>Done together</b>"))
        for item in done[:10]:
            when = local_date(item.row.done_at or item.row.updated_at, ZoneInfo(couple.tz))
            lines.append(f"• {escape(item.activity.text)} ({day(when)})")
    buttons = [
        [
            button(
                _("🎉 We did #{n}").format(n=n),
                callbacks.Together(couple.id, w.activity.id, "d"),
            )
        ]
        for n, w in enumerate(wishes[:10], 1)
    ]
    return "\n".join(lines), buttons
