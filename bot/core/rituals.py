"""Love maps and the weekly check-in together: the rounds answered privately in parts, found
by prompt kind, with their settings and what the scheduler and the commands call."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import rhythms, rounds, schedule
from bot.core.checkin import CHECKIN
from bot.core.content import Content
from bot.core.lovemaps import LOVE_MAPS
from bot.core.models import Couple, Partner, Prompt
from bot.core.outbox import Outgoing
from bot.core.rounds import Ritual

RITUALS = (LOVE_MAPS, CHECKIN)
BY_KIND = {kind: ritual for ritual in RITUALS for kind in ritual.kinds}


async def after_part(
    session: AsyncSession,
    couple: Couple,
    partner: Partner,
    prompt: Prompt,
    now: datetime,
    content: Content,
    username: str,
) -> tuple[bool, list[Outgoing]]:
    """A part of a round was answered (called by answers.record_answer): what follows."""
    ritual = BY_KIND[prompt.kind]
    return await rounds.after_part(session, ritual, couple, partner, prompt, now, content, username)


def when(couple: Couple, ritual: Ritual) -> tuple[bool, int, str]:
    """Whether the ritual is on, its weekday (Monday=0) and its local time."""
    return (
        bool(getattr(couple, ritual.enabled_column)),
        int(getattr(couple, ritual.day_column)),
        str(getattr(couple, ritual.time_column)),
    )


def set_enabled(couple: Couple, ritual: Ritual, enabled: bool, now: datetime) -> None:
    """Switch the weekly round on or off."""
    setattr(couple, ritual.enabled_column, enabled)
    rhythms.reschedule_one(couple, rhythms.Kind(ritual.name), now)


def set_when(couple: Couple, ritual: Ritual, day: str, at: str | None, now: datetime) -> None:
    """Move the weekly round to a weekday (and a time), switching it on; ValueError if either
    is not understood (then nothing changes)."""
    weekday = schedule.parse_weekday(day)
    time = None if at is None else schedule.hhmm(schedule.parse_hhmm(at))
    setattr(couple, ritual.day_column, weekday)
    if time is not None:
        setattr(couple, ritual.time_column, time)
    set_enabled(couple, ritual, True, now)


async def start_now(
    session: AsyncSession,
    couple: Couple,
    ritual: Ritual,
    content: Content,
    now: datetime,
    username: str,
) -> list[Outgoing] | None:
    """A round now, by hand; None while the latest one still waits for answers."""
    if await rounds.open_round(session, ritual, couple):
        return None
    today = schedule.local_date(now, ZoneInfo(couple.tz))
    started = await rounds.start_many(
        session, ritual, [(couple, today)], content, now, username, scheduled=False
    )
    return [message for _couple_id, messages in started for message in messages]
