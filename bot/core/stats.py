"""What a host may see of their instance: counts only, never a word anyone wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import sending, service
from bot.core.models import Couple, OutboxMessage, Partner, Prompt, ServiceState
from bot.core.purposes import OutboxStatus
from bot.i18n import _

SENDER_HOUR = "sender_last_hour"  # service_state: the leader's flood waits and failures


@dataclass(frozen=True)
class Stats:
    """The instance in numbers."""

    active: int
    paused: int
    removed: int
    waiting: int  # groups Hearth is in where the couple has not formed (fewer than two)
    answered_today: int
    answered_week: int
    backlog: int
    flood_waits_hour: int
    failures_hour: int
    last_tick: datetime | None
    leader_since: datetime | None


async def gather(session: AsyncSession, now: datetime) -> Stats:
    """Count couples, shared answers, the outbox, and the sender's trouble in the last hour."""
    members = select(func.count()).where(Partner.couple_id == Couple.id).scalar_subquery()
    two, active = members >= 2, Couple.active.is_(True)
    couples = (
        await session.execute(
            select(
                func.count().filter(active, two, Couple.paused.is_(False)),
                func.count().filter(active, two, Couple.paused.is_(True)),
                func.count().filter(Couple.active.is_(False)),
                func.count().filter(active, ~two),
            )
        )
    ).one()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    answered = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((Prompt.revealed_at >= day_start, 1), else_=0)), 0),
                func.count(),
            ).where(Prompt.revealed_at >= now - timedelta(days=7))
        )
    ).one()
    failures = await session.scalar(
        select(func.count()).where(
            OutboxMessage.status == OutboxStatus.FAILED,
            OutboxMessage.claimed_at >= now - timedelta(hours=1),
        )
    )
    sender = await session.get(ServiceState, SENDER_HOUR)
    floods = json.loads(sender.value).get("flood_waits", 0) if sender else 0
    leader = await session.get(ServiceState, "leader_since")
    return Stats(
        active=int(couples[0]),
        paused=int(couples[1]),
        removed=int(couples[2]),
        waiting=int(couples[3]),
        answered_today=int(answered[0]),
        answered_week=int(answered[1]),
        backlog=await sending.backlog(session),
        flood_waits_hour=int(floods),
        failures_hour=int(failures or 0),
        last_tick=await service.last_tick(session),
        leader_since=leader.updated_at if leader else None,
    )


def render(
    stats: Stats, version: str, uptime: timedelta | None, now: datetime | None = None
) -> str:
    """The report, in plain lines (no HTML: it may be printed on a terminal too): this
    process's `uptime` (the bot's /stats), or, read from outside (`now`), the last tick."""
    lines = [
        _("Hearth {version}").format(version=version),
        _("Couples: {active} active, {paused} paused, {removed} removed").format(
            active=stats.active, paused=stats.paused, removed=stats.removed
        ),
        _("Answered together: {today} today (UTC), {week} in the last 7 days").format(
            today=stats.answered_today, week=stats.answered_week
        ),
        _("Groups waiting for a partner: {waiting}").format(waiting=stats.waiting),
        _("Waiting to be sent: {backlog}").format(backlog=stats.backlog),
        _("Last hour: {floods} flood waits, {failures} send failures").format(
            floods=stats.flood_waits_hour, failures=stats.failures_hour
        ),
    ]
    if uptime is not None:
        hours, rest = divmod(int(uptime.total_seconds()), 3600)
        lines.append(_("Up for {hours} h {minutes} min").format(hours=hours, minutes=rest // 60))
    elif now is not None:
        minutes = (
            None if stats.last_tick is None else (now - stats.last_tick) // timedelta(minutes=1)
        )
        lines.append(
            _("No tick yet")
            if minutes is None
            else _("Last tick {minutes} min ago").format(minutes=minutes)
        )
    return "\n".join(lines)
