"""Database engine, sessions and migrations (Alembic, run programmatically)."""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import NullPool

from bot import backup, sqlite_inline
from bot.config import ROOT
from bot.paths import private_dir, private_file

MIGRATIONS = ROOT / "migrations"
log = logging.getLogger(__name__)


WRITE = "hearth_write"  # execution option: this transaction will write
# PostgreSQL: a statement unanswered this long is on a hung connection (a failover, a network
# partition: without a bound, TCP may wait hours and the tick and the sender with it). It
# raises TimeoutError, an outage the callers wait out; migrations get no bound.
ANSWER_WITHIN = 120.0
# Each SQLite file engine's background checkpoints, for `close` to wait on.
_checkpointers: weakref.WeakKeyDictionary[Engine, sqlite_inline.Checkpointer] = (
    weakref.WeakKeyDictionary()
)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and one connection per process.

    SQLite lets one writer in at a time anyway: a single pooled connection makes the
    process's transactions wait their turn in asyncio instead of in SQLite's busy handler,
    which sleeps in steps of milliseconds. Other processes (backups, `stats`) still read
    alongside, because read-only transactions take no write lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = backup.sqlite_path(url)
        if database is not None:
            # Partners' words live here: a new folder is 0700 and a new file 0600 (and SQLite
            # gives its -wal and -shm files the database file's mode).
            private_dir(database.parent)
            private_file(database)
        # hide_parameters: error messages and logs must never carry answers' text.
        engine = create_async_engine(
            url,
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=120,
            # Every transaction ends in its own commit or rollback: no extra ROLLBACK each time
            # the connection goes back to the pool.
            pool_reset_on_return=None,
            async_creator=sqlite_inline.creator(str(database) if database else ":memory:"),
        )
        if database is not None:
            checkpoints = sqlite_inline.Checkpointer(str(database))
            _checkpointers[engine.sync_engine] = checkpoints

            @event.listens_for(engine.sync_engine, "commit")
            def _count_commit(_connection: Any) -> None:
                checkpoints.committed()

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Take over transaction control from the driver (SQLAlchemy's pysqlite recipe):
            # savepoints then work, and BEGIN IMMEDIATE below serialises writers instead of
            # failing a stale reader that tries to write ("database is locked").
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the application crashing, not the machine losing
            # power (the last commits may then be lost). The README says so.
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints fsync: they run in a thread (sqlite_inline.Checkpointer), not in a
            # commit on the event loop.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            # Writers take the write lock up front (a reader upgrading later could fail with
            # "database is locked"); read-only work takes none.
            writes = connection.get_execution_options().get(WRITE, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

        return engine
    return _postgres_engine(url, connect_args={"command_timeout": ANSWER_WITHIN})


def _postgres_engine(url: str | URL, **options: Any) -> AsyncEngine:
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **options)


async def close(engine: AsyncEngine) -> None:
    """Dispose of the engine once a SQLite checkpoint in progress has finished."""
    checkpoints = _checkpointers.get(engine.sync_engine)
    if checkpoints is not None:
        await checkpoints.finished()
    await engine.dispose()


def unavailable(error: BaseException) -> bool:
    """The database is unreachable or busy: an outage to wait out, not a bug."""
    unreachable = isinstance(error, DBAPIError) and error.connection_invalidated
    return unreachable or isinstance(
        error, OperationalError | InterfaceError | OSError | TimeoutError
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def writing(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that will write: committed at the end, rolled back on error."""
    async with sessions() as session, session.begin():
        await session.connection(execution_options={WRITE: True})
        yield session


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for read-only work (no write lock on SQLite)."""
    async with sessions() as session, session.begin():
        yield session


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at migrations/, optionally bound to a live connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x4E_41_52_54_48  # an arbitrary, fixed advisory lock key for migrations


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to `revision`; processes starting together take turns.

    PostgreSQL: an advisory lock held until the migration commits. SQLite: the write lock.
    The second process then finds the schema current and has nothing to do.
    """
    postgres = engine.dialect.name == "postgresql"
    # A migration of a large database (or waiting for another process's) may take minutes.
    patient = _postgres_engine(engine.url, poolclass=NullPool) if postgres else engine
    try:
        async with patient.connect() as connection:
            connection = await connection.execution_options(**{WRITE: True})
            async with connection.begin():
                if postgres:
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                await connection.run_sync(lambda sync: _backup_before_upgrade(sync, revision))
                await connection.run_sync(
                    lambda sync: command.upgrade(alembic_config(sync), revision)
                )
    finally:
        if patient is not engine:
            await patient.dispose()


def _backup_before_upgrade(connection: Connection, revision: str) -> Path | None:
    """On SQLite, back the database up when this upgrade has migrations to apply.

    Runs under the migration's write lock, so nothing changes between the copy and the
    upgrade. A new (or emptied) database, with no revision yet, has nothing to lose.
    """
    database = backup.sqlite_path(connection.engine.url.render_as_string(hide_password=False))
    if database is None:
        return None
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return None
    scripts = ScriptDirectory.from_config(alembic_config())
    pending = [script.revision for script in scripts.iterate_revisions(revision, current)]
    if not pending:
        return None
    copy = backup.backup_before_migration(database, pending[0])  # the target revision
    log.info("backed up the database to %s before migrating to %s", copy, pending[0])
    return copy


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade the database to `revision`."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
