"""PostgreSQL: the couple an update works on is locked before it is read, even when the user
joins another couple between the lock and the load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import ColumnElement, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import db
from bot.core import couples
from bot.core.content import Content
from bot.core.models import Couple, Partner, table
from bot.simulation.world import Simulation
from tests.conftest import START, _reset


@pytest.fixture
async def pg(postgres_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A simulation on PostgreSQL only: row locks are what is tested."""
    await _reset(postgres_url)
    async with Simulation(postgres_url, START, content=content) as simulation:
        yield simulation


def _copy(model: type[Couple] | type[Partner], changed: dict[str, str]) -> str:
    """INSERT … SELECT copying a row of `model` with some columns changed."""
    columns = [c.name for c in table(model).columns if c.name != "id"]
    chosen = ", ".join(changed.get(c, c) for c in columns)
    return f"INSERT INTO {table(model).name} ({', '.join(columns)}) SELECT {chosen}"


async def test_a_couple_joined_between_lock_and_load_is_locked_too(
    pg: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = pg
    first = await sim.onboard()
    user = first.alex.id
    real_lock = couples.lock_couples
    joined: list[int] = []

    async def lock_then_join(
        session: AsyncSession, which: ColumnElement[bool], params: dict[str, Any] | None = None
    ) -> Any:
        locked = await real_lock(session, which, params)
        if not joined:  # another transaction commits a new couple for this user right now
            async with sim.hearth.engine.begin() as other:
                new = await other.scalar(
                    text(
                        _copy(Couple, {"chat_id": "chat_id - 1", "link_token": "'joined'"})
                        + " FROM couples RETURNING id"
                    )
                )
                await other.execute(
                    text(
                        _copy(Partner, {"couple_id": ":new"})
                        + " FROM partners WHERE user_id = :user"
                    ),
                    {"new": new, "user": user},
                )
            joined.append(int(new))
        return locked

    monkeypatch.setattr(couples, "lock_couples", lock_then_join)
    async with db.writing(sim.hearth.sessions) as session:
        couple, partner = await couples.couple_of_user(session, user, lock=True)
        assert couple is not None and partner is not None
        assert couple.id == joined[0], "the newest active couple is the user's"
        async with sim.hearth.engine.connect() as other:
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await other.execute(
                    text("SELECT id FROM couples WHERE id = :id FOR UPDATE NOWAIT"),
                    {"id": couple.id},
                )
