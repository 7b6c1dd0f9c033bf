"""Fixtures: a database per test (SQLite file and PostgreSQL) and a running Simulation."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import db
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


async def _reset(own_url: str, template: str = "template0") -> None:
    """Recreate this process's database as a copy of `template` (empty, or migrated).

    Cloning is much quicker than dropping a schema and migrating again (WAL_LOG: PostgreSQL
    15 copies the template without a checkpoint).
    """
    import asyncpg

    name = own_url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY WAL_LOG")
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


# Modules whose behaviour depends on the engine (claims, races, migrations, cascades) set
# ENGINES = BOTH and run every test on SQLite and on PostgreSQL; the rest run on SQLite, the
# default for hosts, which keeps the suite quick.
BOTH = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `database_url` with the engines the test's module asks for."""
    if "database_url" in metafunc.fixturenames:
        engines = getattr(metafunc.module, "ENGINES", ("sqlite",))
        metafunc.parametrize("database_url", engines, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or this process's PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
        return
    own_url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_reset(own_url))
    yield own_url


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database migrated once; simulations start from clones of it."""
    name = f"hearth_template_{os.getpid()}"
    url = postgres_url.rsplit("/", 1)[0] + "/" + name

    async def create() -> None:
        await _reset(url)
        engine = db.create_engine(url)
        await db.migrate(engine)
        await engine.dispose()

    # Asked for from inside running tests too: its own event loop, in a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    yield name
    asyncio.run(_drop_database(POSTGRES_URL, url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once; simulations start from copies of it."""
    path = tmp_path_factory.mktemp("template") / "hearth.sqlite3"

    async def migrate() -> None:
        engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
        await db.migrate(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file only (for tests that don't need both engines)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"


@pytest.fixture
async def sim(
    request: pytest.FixtureRequest, database_url: str, content: Content, sqlite_template: Path
) -> AsyncIterator[Simulation]:
    """A running Simulation on each database, starting Monday 2025-06-02 06:00 UTC."""
    # Start from an already migrated database: a copy is quicker than a migration.
    if database_url.startswith("sqlite"):
        shutil.copyfile(sqlite_template, database_url.split("///", 1)[1])
    else:
        await _reset(database_url, request.getfixturevalue("postgres_template"))
    async with Simulation(database_url, START, content=content) as simulation:
        yield simulation


@pytest.fixture
async def lite(sqlite_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A running Simulation on SQLite only, for behaviour the database engine doesn't change."""
    async with Simulation(sqlite_url, START, content=content) as simulation:
        yield simulation
