"""Fixtures: a database per test (SQLite file and PostgreSQL) and a running Simulation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.simulation import Simulation

POSTGRES_URL = os.environ.get(
    "HEARTH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday morning


async def _reset_postgres(url: str) -> str | None:
    """Empty the test database; returns why it can't be used, or None."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL not reachable at {url}: {error}"
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    return None


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, loaded once."""
    return load_content()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
        return
    problem = asyncio.run(_reset_postgres(POSTGRES_URL))
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    yield POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file only (for tests that don't need both engines)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"


@pytest.fixture
async def sim(database_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A running Simulation on each database, starting Monday 2025-06-02 06:00 UTC."""
    async with Simulation(database_url, START, content=content) as simulation:
        yield simulation
