"""The SQLite plumbing under the engine: background checkpoints."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

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
