"""The rituals' batch builders are set-based: a few statements per batch, however many couples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from bot import db
from bot.core.content import Content
from bot.core.models import Couple
from bot.core.rhythms import BY_KIND, Kind
from bot.core.scheduler import deliver_batch
from bot.simulation.world import Simulation
from tests.conftest import START

# Wednesday 4 June 2025, 12:00 UTC: love maps (default), and the check-in moved there; dates are
# looked at whenever due. 04.06 is today, 07.06 three days ahead.
NOON = datetime(2025, 6, 4, 12, tzinfo=UTC)


async def statements(couples: int, kind: Kind, sqlite_url: str, content: Content) -> int:
    """Statements one batch of `kind` runs for this many couples (each with two dates today
    and one three days ahead, one of them secret)."""
    async with Simulation(sqlite_url, START, content=content) as sim:
        for n in range(couples):
            c = await sim.onboard(f"A{n}", f"B{n}")
            await sim.feed(sim.tg.command(c.alex, c.group, "/checkin wednesday 12:00"))
            for chat, day in ((c.group, "04.06"), (c.alex, "04.06"), (c.group, "07.06")):
                await sim.feed(sim.tg.command(c.alex, chat, f"/dates add {day} a day"))
        count = 0

        def counted(*_args: Any) -> None:
            nonlocal count
            count += 1

        async with db.writing(sim.hearth.sessions) as session:
            due = list(await session.scalars(select(Couple)))
            assert len(due) == couples
            event.listen(sim.hearth.engine.sync_engine, "before_cursor_execute", counted)
            try:
                targets = [(couple, None) for couple in due]
                delivered = await deliver_batch(
                    session, BY_KIND[kind], targets, NOON, sim.hearth.content, "hearth_bot"
                )
            finally:
                event.remove(sim.hearth.engine.sync_engine, "before_cursor_execute", counted)
        assert delivered == couples
        return count


@pytest.mark.parametrize("kind", [Kind.GUESS, Kind.CHECKIN, Kind.DATES])
async def test_a_batch_runs_as_many_statements_for_six_couples_as_for_two(
    kind: Kind, tmp_path: Any, content: Content
) -> None:
    few = await statements(2, kind, f"sqlite+aiosqlite:///{tmp_path / 'few.sqlite3'}", content)
    many = await statements(6, kind, f"sqlite+aiosqlite:///{tmp_path / 'many.sqlite3'}", content)
    assert few == many, (few, many)
    assert many <= 12
