"""Who runs the schedule and the sender: one process at a time, the leader.

Several workers may share one PostgreSQL database (webhook mode behind a load balancer). All of
them handle updates; only the leader runs the tick and sends the outbox, so Telegram's
per-token limit is enforced in one place. Leadership is a PostgreSQL advisory lock held on a
connection of its own: when the leader dies, PostgreSQL releases the lock with its connection,
and a standby that tries every few seconds takes over. Other workers wake the leader's sender
with NOTIFY. With SQLite (one process), the lock is a file lock beside the database, released
by the operating system when the process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import backup

log = logging.getLogger(__name__)
LEADER_LOCK = 0x48_45_41_52_54  # an arbitrary, fixed advisory lock key: "HEART"
CHANNEL = "hearth_outbox"  # NOTIFY channel: new messages were queued by some worker
# A check of the lock that gets no answer this long counts as a lost lock: on a half-dead
# connection PostgreSQL may already have freed it for a standby, whose sends must not overlap.
CHECK_WITHIN = 5.0


class Leadership(Protocol):
    """A lock only one process holds at a time."""

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; True if this process holds it now."""

    async def still_held(self) -> bool:
        """Whether this process still holds the lock (its connection may have died)."""

    async def release(self) -> None:
        """Give the lock up (shutting down)."""

    async def on_notify(self, wake: Callable[[], None]) -> None:
        """Call `wake` when another worker queued messages (leaders only)."""


class PostgresLeadership:
    """A session-level advisory lock on a connection kept for it."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Leadership among the processes sharing this database."""
        self.engine = engine
        self._connection: AsyncConnection | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        """Try the lock once (never waits for it, nor longer than `CHECK_WITHIN` for an
        answer: a standby stuck on a hung connection would never take over)."""
        try:
            self._held = await asyncio.wait_for(self._take(), CHECK_WITHIN)
        except (DBAPIError, OSError, TimeoutError) as error:
            log.warning("leadership: database unreachable (%s)", type(error).__name__)
            await self._drop()
            return False
        return self._held

    async def _take(self) -> bool:
        if self._connection is None:
            self._connection = await self.engine.connect()
        got = await self._connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
        )
        await self._connection.commit()  # the lock outlives the transaction
        return bool(got)

    async def still_held(self) -> bool:
        """A round trip on the lock's connection: if it died, so did the lock."""
        if not self._held or self._connection is None:
            return False
        try:
            await asyncio.wait_for(self._round_trip(self._connection), CHECK_WITHIN)
        except (DBAPIError, OSError, TimeoutError):
            await self._drop()
            return False
        return True

    @staticmethod
    async def _round_trip(connection: AsyncConnection) -> None:
        await connection.execute(text("SELECT 1"))
        await connection.commit()

    async def release(self) -> None:
        """Unlock and close the connection (dropping it unanswered: shutting down must not
        hang on a dead connection, and the server frees the lock when it goes)."""
        if self._connection is not None and self._held:
            with contextlib.suppress(DBAPIError, OSError, TimeoutError):
                await asyncio.wait_for(self._unlock(self._connection), CHECK_WITHIN)
        await self._drop()

    @staticmethod
    async def _unlock(connection: AsyncConnection) -> None:
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK})
        await connection.commit()

    async def on_notify(self, wake: Callable[[], None]) -> None:
        """LISTEN on the lock's connection; every NOTIFY wakes the sender."""
        if self._connection is None:
            return
        raw = await self._connection.get_raw_connection()
        driver: Any = raw.driver_connection

        def listener(*_args: object) -> None:
            wake()

        await driver.add_listener(CHANNEL, listener)

    async def _drop(self) -> None:
        self._held = False
        if self._connection is not None:
            # Invalidated, not closed: closing talks to the server, which a dead or hung
            # connection may never answer; invalidating drops the socket at once.
            with contextlib.suppress(Exception):
                await self._connection.invalidate()
            self._connection = None


class FileLeadership:
    """An exclusive file lock beside the SQLite database (released when the process ends)."""

    def __init__(self, path: Path | None) -> None:
        """`path`: the database file (None: an in-memory database, always leader)."""
        self.path = None if path is None else path.with_name(path.name + ".leader")
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        """Take the file lock if no other process holds it."""
        if self.path is None:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def still_held(self) -> bool:
        """A file lock is held until released or the process ends."""
        return self.path is None or self._fd is not None

    async def release(self) -> None:
        """Unlock (closing the file releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def on_notify(self, wake: Callable[[], None]) -> None:
        """One process: handlers wake the sender directly."""


def for_engine(engine: AsyncEngine, url: str) -> Leadership:
    """The kind of leadership this database supports."""
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    return FileLeadership(backup.sqlite_path(url))


async def notify(connection: AsyncConnection) -> None:
    """Tell the leader (maybe another process) that messages were queued; sent on commit."""
    await connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
