"""SQLite for an asyncio server: statements run on the event loop, checkpoints in a thread.

aiosqlite sends every call (cursor, execute, fetch, close) to a worker thread and back; on
this kind of machine each round trip costs more than the SQLite work itself (a statement on
a small WAL database takes microseconds, a transaction of a few statements ~20 µs; through
the thread ~1 ms). `InlineConnection` keeps aiosqlite's API, which SQLAlchemy's dialect
speaks, but runs each call where it is made. What can take long in SQLite is a checkpoint,
which fsyncs: automatic checkpoints are off on this connection, and `Checkpointer` runs a
passive one in a thread after every so many commits, so the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

COMMITS_PER_CHECKPOINT = 500
log = logging.getLogger(__name__)


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread: runs each (future, function) at once.

    SQLAlchemy's adapter puts a function on that queue directly to set the isolation level.
    """

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        """Run the function now and settle its future."""
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to whoever awaits the future
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection without its thread: every call runs on the caller's loop."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        """Like aiosqlite's, with a queue that runs what is put on it at once."""
        super().__init__(connector, iter_chunk_size)
        inline: Any = _InlineQueue()  # duck-typed: only put_nowait is ever called on it
        self._tx = inline

    def __await__(self) -> Any:
        """Open the SQLite connection here (the worker thread is never started)."""
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def stop(self) -> None:
        """Close the SQLite connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def creator(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """SQLAlchemy's `async_creator` for a SQLite file, opened inline."""

    async def connect() -> aiosqlite.Connection:
        connection = InlineConnection(
            lambda: sqlite3.connect(path, timeout=30, isolation_level=None), 64
        )
        await connection._connect()
        return connection

    return connect


class Checkpointer:
    """Folds the WAL back into the database file in a thread, every so many commits."""

    def __init__(self, path: str, every: int = COMMITS_PER_CHECKPOINT) -> None:
        """Checkpoint the database at `path` after every `every` commits."""
        self.path = path
        self.every = every
        self.commits = 0
        self._running: asyncio.Task[None] | None = None

    def committed(self) -> None:
        """Count a commit; start a checkpoint in the background when it is time."""
        self.commits += 1
        if self.commits < self.every or (self._running and not self._running.done()):
            return
        self.commits = 0
        with contextlib.suppress(RuntimeError):  # no running loop (a sync tool): skip
            self._running = asyncio.get_running_loop().create_task(self.checkpoint())

    async def finished(self) -> None:
        """Wait for a checkpoint in progress (before the database is closed or moved)."""
        if self._running is not None:
            await asyncio.shield(self._running)

    async def checkpoint(self) -> None:
        """A passive checkpoint: never blocks writers; what it can't copy waits for the next."""
        try:
            await asyncio.to_thread(self._checkpoint)
        except sqlite3.Error as error:
            # Nothing is lost: the WAL keeps every commit and the next checkpoint tries again.
            # Left alone, the error would surface as "Task exception was never retrieved".
            log.warning("WAL checkpoint failed, the next one retries: %s", error)

    def _checkpoint(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
