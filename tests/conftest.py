"""Fixtures: a database per test (SQLite file and PostgreSQL) and a running Simulation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import crypto
from bot.core.content import Content, load_content
from bot.simulation.world import FAKE_KEY, Simulation

POSTGRES_URL = os.environ.get(
    "HEARTH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
START = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # a Monday morning


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _create_database(url: str) -> tuple[str | None, str]:
    """A database of this test process's own (runs in parallel must not share one)."""
    import asyncpg  # type: ignore[import-untyped]

    name = f"hearth_test_{os.getpid()}"
    try:
        connection = await asyncpg.connect(_dsn(url), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL not reachable at {url}: {error}", ""
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name}")
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()
    return None, url.rsplit("/", 1)[0] + "/" + name


async def _drop_database(url: str, own_url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        await connection.execute(
            f"DROP DATABASE IF EXISTS {own_url.rsplit('/', 1)[1]} WITH (FORCE)"
        )
    finally:
        await connection.close()


async def _reset(own_url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_dsn(own_url), timeout=5)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This process's own PostgreSQL database (skipped with the reason if unreachable)."""
    problem, own_url = asyncio.run(_create_database(POSTGRES_URL))
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    yield own_url
    asyncio.run(_drop_database(POSTGRES_URL, own_url))


@pytest.fixture(autouse=True, scope="session")
def vault() -> crypto.Vault:
    """Every test can read and write sealed columns (the simulation's throwaway key)."""
    keys = crypto.Vault(FAKE_KEY)
    crypto.configure(keys)
    return keys


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, loaded once."""
    return load_content()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or this process's PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
        return
    own_url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_reset(own_url))
    yield own_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file only (for tests that don't need both engines)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"


@pytest.fixture
async def sim(database_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A running Simulation on each database, starting Monday 2025-06-02 06:00 UTC."""
    async with Simulation(database_url, START, content=content) as simulation:
        yield simulation


@pytest.fixture
async def lite(sqlite_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A running Simulation on SQLite only, for behaviour the database engine doesn't change."""
    async with Simulation(sqlite_url, START, content=content) as simulation:
        yield simulation
