"""The SQLite plumbing under the engine: background checkpoints."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import db
from bot.sqlite_inline import Checkpointer


async def test_a_checkpoint_that_fails_is_one_warning_and_the_next_one_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A disk error in the checkpoint thread is a handled condition, not a lost task error."""
    path = tmp_path / "hearth.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x INTEGER)")
    checkpoints = Checkpointer(str(tmp_path), every=1)  # a folder: SQLite cannot open it
    with caplog.at_level(logging.WARNING):
        await checkpoints.checkpoint()
    failed = [r for r in caplog.records if "checkpoint failed" in r.getMessage()]
    assert [r.levelno for r in failed] == [logging.WARNING]

    caplog.clear()
    checkpoints.path = str(path)
    await checkpoints.checkpoint()
    assert not caplog.records


async def test_closing_the_engine_waits_for_a_checkpoint_in_progress(tmp_path: Path) -> None:
    """A clean stop never leaves a checkpoint running on a database being closed or moved."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}")
    checkpoints = db._checkpointers[engine.sync_engine]
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    checkpoints.commits = checkpoints.every  # the next commit starts a checkpoint
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t VALUES (1)"))
    running = checkpoints._running
    assert running is not None and not running.done()
    await db.close(engine)
    assert running.done()
