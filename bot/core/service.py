"""Service-level facts kept in the database: updates already processed, and the last tick."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import ServiceState, UpdateSeen, table


async def first_time(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update as processed; False if it was already (Telegram delivered it again).

    Called in the same transaction as the update's effects, so an update is either processed
    and recorded, or neither: a crash in between never loses it.
    """
    statement = _FIRST_TIME[session.get_bind().dialect.name]
    inserted = await session.scalar(statement, {"update_id": update_id, "seen_at": now})
    return inserted is not None


def _first_time(dialect: Any) -> Any:
    """Built once per dialect (a statement built per update costs more than running it)."""
    seen = table(UpdateSeen)
    return (
        dialect.insert(seen)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(seen.c.update_id)
    )


_FIRST_TIME = {"postgresql": _first_time(postgresql), "sqlite": _first_time(sqlite)}


LAST_TICK = "last_tick"


async def last_tick(session: AsyncSession) -> datetime | None:
    """When the scheduler last finished a tick (any worker)."""
    return await session.scalar(
        select(ServiceState.updated_at).where(ServiceState.name == LAST_TICK)
    )


async def mark_tick(session: AsyncSession, now: datetime) -> None:
    """Record that a tick finished (workers racing on it: the last one wins)."""
    await set_state(session, LAST_TICK, now.isoformat(), now)


async def set_state(session: AsyncSession, name: str, value: str, now: datetime) -> None:
    """Write one fact about the service (an upsert: the last writer wins)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    state = table(ServiceState)
    statement = dialect.insert(state).values(name=name, value=value, updated_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
