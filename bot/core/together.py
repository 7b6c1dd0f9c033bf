"""/together: shared activities neither partner has done, a wish list, and what they did."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.content import Activity, Content
from bot.core.models import Couple, CoupleActivity
from bot.core.outbox import Button, Outgoing, button
from bot.i18n import _

EXCLUDED = ("done_before", "wish", "done")


async def _rows(session: AsyncSession, couple: Couple) -> dict[str, CoupleActivity]:
    rows = await session.scalars(
        select(CoupleActivity).where(CoupleActivity.couple_id == couple.id)
    )
    return {row.activity_id: row for row in rows}


def suggestion_buttons(couple: Couple, activity: Activity) -> list[list[Button]]:
    """We've done this / Let's try it / Another."""
    data = f"t:{couple.id}:{activity.id}"
    return [
        [button(_("✨ Let's try it"), f"{data}:w"), button(_("We've done this"), f"{data}:b")],
        [button(_("🔄 Another"), f"{data}:n")],
    ]


def suggestion_text(activity: Activity) -> str:
    """The words of a suggestion."""
    return _(
        "🧭 Something new to do together, if neither of you has done it yet:\n\n<b>{text}</b>"
    ).format(text=escape(activity.text))


async def suggest(
    session: AsyncSession, couple: Couple, content: Content, now: datetime, skip: str = ""
) -> Activity | None:
    """An activity neither has done nor wished for yet, least recently suggested first."""
    rows = await _rows(session, couple)
    fresh = [a for a in content.activities if a.id not in rows and a.id != skip]
    if not fresh:
        suggested = sorted(
            (r for r in rows.values() if r.status == "suggested" and r.activity_id != skip),
            key=lambda r: r.updated_at,
        )
        fresh = [
            content.by_id[r.activity_id] for r in suggested[:10] if r.activity_id in content.by_id
        ]
    if not fresh:
        return None
    activity: Activity = random.Random(f"{couple.id}:{now.isoformat()}").choice(fresh)
    row = rows.get(activity.id)
    if row is None:
        session.add(
            CoupleActivity(
                couple_id=couple.id, activity_id=activity.id, status="suggested", updated_at=now
            )
        )
    else:
        row.updated_at = now
    return activity


async def weekly_messages(
    session: AsyncSession, couple: Couple, content: Content, now: datetime
) -> list[Outgoing]:
    """The weekly suggestion for the group."""
    activity = await suggest(session, couple, content, now)
    if activity is None:
        return []
    return [
        Outgoing(
            couple.chat_id,
            _("🗓 This week's idea.") + " " + suggestion_text(activity),
            buttons=suggestion_buttons(couple, activity),
            purpose="together",
        )
    ]


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
