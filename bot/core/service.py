"""Service-level facts kept in the database: updates already processed, and the last tick."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import ServiceState, UpdateSeen


async def first_time(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update as processed; False if it was already (Telegram delivered it again).

    Called in the same transaction as the update's effects, so an update is either processed
    and recorded, or neither: a crash in between never loses it.
    """
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(UpdateSeen)
    inserted = await session.scalar(
        statement.values(update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(UpdateSeen.update_id)
    )
    return inserted is not None


async def last_tick(session: AsyncSession) -> datetime | None:
    """When the scheduler last finished a tick (any worker)."""
    return await session.scalar(
        select(ServiceState.updated_at).where(ServiceState.name == "last_tick")
    )
