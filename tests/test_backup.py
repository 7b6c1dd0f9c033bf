"""Backups: a consistent copy while a writer is busy, restore as the README says, automatic
backups before migrations, and private files (0600) and folders (0700) for the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from bot import backup, db
from bot.config import ROOT
from bot.core.models import Answer, Couple, Partner, Prompt
from bot.simulation.world import FAKE_KEY

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WORDS = ["I felt close to you on the walk", "Your laugh at breakfast", "Когда ты рядом"]
WRITER_BASE = 10_000_000  # chat and user ids of the rows the background writer adds


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(path.stat().st_mode)


def url_of(path: Path) -> str:
    """The Hearth database URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def head() -> str:
    """The newest migration."""
    revision = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert revision is not None
    return revision


async def fill(path: Path, couples: int = 3, revision: str = "head") -> None:
    """A migrated database with couples, partners and sealed answers."""
    engine = db.create_engine(url_of(path))
    try:
        await db.migrate(engine, revision)
        if revision != "head":
            return
        async with db.writing(db.session_factory(engine)) as session:
            for n in range(couples):
                couple = Couple(chat_id=-100 - n, link_token=f"token-{n}", created_at=NOW)
                session.add(couple)
                await session.flush()
                partner = Partner(
                    couple_id=couple.id, user_id=500 + n, first_name="Alex", joined_at=NOW
                )
                prompt = Prompt(
                    couple_id=couple.id,
                    kind="question",
                    local_date=date(2026, 1, 5),
                    created_at=NOW,
                )
                session.add_all([partner, prompt])
                await session.flush()
                session.add(
                    Answer(
                        prompt_id=prompt.id,
                        partner_id=partner.id,
                        kind="text",
                        text=WORDS[n % len(WORDS)],
                        chat_id=500 + n,
                        message_id=n + 1,
                        created_at=NOW,
                    )
                )
    finally:
        await engine.dispose()


async def read_answers(path: Path) -> list[tuple[int, str | None]]:
    """(chat id, decrypted answer) for every answer in the database at `path`."""
    engine = db.create_engine(url_of(path))
    try:
        async with db.reading(db.session_factory(engine)) as session:
            rows = await session.execute(
                select(Couple.chat_id, Answer.text)
                .join(Prompt, Prompt.couple_id == Couple.id)
                .join(Answer, Answer.prompt_id == Prompt.id)
                .order_by(Couple.chat_id.desc())
            )
            return [(chat_id, text) for chat_id, text in rows]
    finally:
        await engine.dispose()


class Writer(threading.Thread):
    """Another connection adding a couple and its partner per transaction, in a loop.

    At transaction number `hold_at` it stops before COMMIT, holding SQLite's write lock, until
    the test says go on: the backup is then certainly taken while a write is in progress.
    """

    def __init__(self, path: Path, hold_at: int, limit: int = 5_000) -> None:
        """Write to the database at `path`; hold the write lock at transaction `hold_at`."""
        super().__init__(daemon=True)
        self.path, self.hold_at, self.limit = path, hold_at, limit
        self.committed = 0
        self.holding = threading.Event()
        self.go_on = threading.Event()
        self.advanced = threading.Event()  # committed well past the held transaction
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        """Insert until told to stop (or `limit` transactions, so the loop always ends)."""
        try:
            self._write()
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
            self.holding.set()
            self.advanced.set()

    def _write(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        couple_columns = [r[1] for r in connection.execute("PRAGMA table_info(couples)")]
        partner_columns = [r[1] for r in connection.execute("PRAGMA table_info(partners)")]

        def copy_of(table: str, columns: list[str], changed: dict[str, str]) -> str:
            # A copy of row 1 with the unique columns changed: every NOT NULL column is filled.
            kept = [c for c in columns if c != "id"]
            values = [changed.get(c, c) for c in kept]
            return (
                f"INSERT INTO {table} ({', '.join(kept)}) "
                f"SELECT {', '.join(values)} FROM {table} WHERE id = 1"
            )

        add_couple = copy_of("couples", couple_columns, {"chat_id": ":n", "link_token": ":t"})
        add_partner = copy_of(
            "partners", partner_columns, {"couple_id": ":couple", "user_id": ":n"}
        )
        for i in range(1, self.limit + 1):
            if self.stop.is_set():
                break
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(add_couple, {"n": WRITER_BASE + i, "t": f"writer-{i}"})
            couple_id = connection.execute("SELECT last_insert_rowid()").fetchone()[0]
            connection.execute(add_partner, {"couple": couple_id, "n": WRITER_BASE + i})
            if i == self.hold_at:
                self.holding.set()
                self.go_on.wait(timeout=120)
            connection.execute("COMMIT")
            self.committed = i
            if i >= self.hold_at + 20:
                self.advanced.set()
        self.advanced.set()
        connection.close()


def writer_rows(path: Path) -> tuple[int, int]:
    """How many couples and partners the writer added, as seen in the database at `path`."""
    with sqlite3.connect(path) as connection:
        couples = connection.execute(
            "SELECT count(*) FROM couples WHERE chat_id >= ?", (WRITER_BASE,)
        ).fetchone()[0]
        partners = connection.execute(
            "SELECT count(*) FROM partners WHERE user_id >= ?", (WRITER_BASE,)
        ).fetchone()[0]
    connection.close()
    return couples, partners


def run_bot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` with the given settings, from `cwd`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "DATABASE_"))}
    environ["PYTHONPATH"] = str(ROOT)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_backup_while_writing_then_restore(tmp_path: Path) -> None:
    live = tmp_path / "live" / "hearth.sqlite3"
    await fill(live, couples=3)
    writer = Writer(live, hold_at=40)
    writer.start()
    try:
        assert writer.holding.wait(timeout=60) and writer.error is None, writer.error
        # Both the function and the command, each while the writer holds the write lock.
        copy = backup.backup_sqlite(live, tmp_path / "copies" / "during-write.sqlite3")
        command = run_bot(
            "backup", str(tmp_path / "copies"), cwd=tmp_path, DATABASE_URL=url_of(live)
        )
        assert command.returncode == 0, command.stderr
        writer.go_on.set()
        assert writer.advanced.wait(timeout=60) and writer.error is None, writer.error
    finally:
        writer.go_on.set()
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.committed > writer.hold_at, "the writer went on after the backup"

    copies = sorted((tmp_path / "copies").iterdir())
    assert len(copies) == 2 and copy in copies, copies
    for made in copies:
        assert mode(made) == 0o600
        # One committed state: the 39 finished transactions, each couple with its partner,
        # and nothing of the 40th, which was in progress.
        assert writer_rows(made) == (39, 39), made
        with sqlite3.connect(made) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
        # A rollback-journal database (header bytes 18-19 are 1, not WAL's 2): one
        # self-contained file that opens even on read-only media.
        assert made.read_bytes()[18:20] == b"\x01\x01", made
    assert not list((tmp_path / "copies").glob("*-wal"))

    # Restore as the README says: bot stopped, copy the backup over the database file, remove
    # its -wal and -shm, start. Here into a new place, and the live database keeps running.
    restored = tmp_path / "restored" / "hearth.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(copy, restored)
    for suffix in ("-wal", "-shm"):
        Path(f"{restored}{suffix}").unlink(missing_ok=True)
    engine = db.create_engine(url_of(restored))
    try:
        await db.migrate(engine)  # what starting the bot does: nothing to apply
    finally:
        await engine.dispose()
    assert await read_answers(restored) == [
        (-100, WORDS[0]),
        (-101, WORDS[1]),
        (-102, WORDS[2]),
    ]
    assert not (restored.parent / "backups").exists(), "at head: no automatic backup"
    assert writer_rows(live)[0] > 39, "the live database has the later writes"


def tiny_database(path: Path) -> None:
    """A SQLite file with one empty table: enough to back up."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()


def test_backup_refuses_to_overwrite_or_invent(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.sqlite3"
    with pytest.raises(backup.BackupError, match="no database"):
        backup.backup_sqlite(missing, tmp_path / "copy.sqlite3")
    assert not missing.exists(), "a backup never creates an empty database"

    result = run_bot("backup", str(tmp_path / "c"), cwd=tmp_path, DATABASE_URL=url_of(missing))
    assert result.returncode == 1 and "no database" in result.stderr
    assert "Traceback" not in result.stderr and not missing.exists()

    source = tmp_path / "db.sqlite3"
    tiny_database(source)
    existing = tmp_path / "existing.sqlite3"
    existing.write_text("precious")
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup_sqlite(source, existing)
    assert existing.read_text() == "precious"
    assert not list(tmp_path.glob(".*partial")), "nothing half-written is left behind"


def test_postgresql_backup_explains_pg_dump_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://hearth:s3cret-pw@db.example:5433/hearth_prod"
    result = run_bot("backup", "/backups/hearth.dump", cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert (
        "pg_dump --host=db.example --port=5433 --username=hearth --format=custom "
        "--file=/backups/hearth.dump hearth_prod" in result.stdout
    )
    assert "pg_restore" in result.stdout and "PGPASSWORD=" in result.stdout


def test_database_file_and_folder_are_private(tmp_path: Path) -> None:
    import asyncio

    os.chmod(tmp_path, 0o755)
    path = tmp_path / "new" / "folder" / "hearth.sqlite3"
    asyncio.run(fill(path, couples=1))
    assert mode(path.parent) == 0o700, "a folder Hearth creates is the owner's only"
    assert mode(path) == 0o600
    assert mode(tmp_path) == 0o755, "an existing folder keeps its mode"

    # While a connection is open, SQLite's -wal and -shm files exist: private too.
    engine = db.create_engine(url_of(path))

    async def write_and_look() -> list[int]:
        async with db.writing(db.session_factory(engine)) as session:
            session.add(Couple(chat_id=-7, link_token="t-7", created_at=NOW))
        sidecars = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(p.exists() for p in sidecars)
        found = [mode(p) for p in sidecars]
        await engine.dispose()
        return found

    assert asyncio.run(write_and_look()) == [0o600, 0o600]


async def test_automatic_backup_before_migrations_only_when_there_is_one_to_apply(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hearth.sqlite3"
    folder = tmp_path / "backups"
    await fill(path, revision="0001")
    assert not folder.exists(), "a new database has nothing to back up"

    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO couples (chat_id, chat_title, active, tz, question_time, gesture_time,"
            " jar_day, jar_time, paused, depth, link_token, created_at)"
            " VALUES (-42, 'us', 1, 'UTC', '20:00', '09:00', 4, '19:00', 0, 1, 'x', ?)",
            ("2026-01-05 12:00:00.000000",),
        )
    connection.close()

    engine = db.create_engine(url_of(path))
    try:
        await db.migrate(engine)
        [made] = folder.iterdir()
        assert made.name.startswith("hearth-") and made.name.endswith(f"-before-{head()}.sqlite3")
        assert mode(made) == 0o600 and mode(folder) == 0o700
        with sqlite3.connect(made) as copy:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert copy.execute("SELECT chat_id FROM couples").fetchall() == [(-42,)]
        copy.close()

        await db.migrate(engine)  # up to date: no second backup
        assert list(folder.iterdir()) == [made]
    finally:
        await engine.dispose()


def test_automatic_backups_keep_the_last_five_of_this_database(tmp_path: Path) -> None:
    path = tmp_path / "hearth.sqlite3"
    tiny_database(path)
    folder = tmp_path / "backups"
    folder.mkdir()
    unrelated = [folder / "my-own-copy.sqlite3", folder / "other-20200101T000000Z-before-1.sqlite3"]
    for other in unrelated:
        other.write_text("kept")

    made = [
        backup.backup_before_migration(path, f"{n:04}", now=NOW + timedelta(days=n))
        for n in range(7)
    ]
    # Two in the same second get distinct names, and the later one counts as newer.
    made.append(backup.backup_before_migration(path, "0007", now=NOW + timedelta(days=6)))
    assert made[-1] != made[-2] and made[-1].exists()

    assert backup.automatic_backups(path) == made[-5:]
    assert all(not old.exists() for old in made[:3])
    assert all(other.read_text() == "kept" for other in unrelated)


def test_stats_on_a_database_that_is_not_there_says_so_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """A typo in DATABASE_URL (or `stats` before the first start): one clear line and a
    non-zero status, like `backup` gives; not a traceback and a stray empty database."""
    missing = tmp_path / "typo" / "hearth.sqlite3"
    done = run_bot(
        "stats",
        cwd=tmp_path,
        DATABASE_URL=f"sqlite+aiosqlite:///{missing}",
        HEARTH_ENCRYPTION_KEY=FAKE_KEY,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert not missing.exists(), "stats created an empty database"


def test_two_backups_into_a_folder_within_one_second_both_succeed(tmp_path: Path) -> None:
    source = tmp_path / "db.sqlite3"
    tiny_database(source)
    folder = tmp_path / "backups"
    folder.mkdir()
    first = backup.backup_sqlite(source, folder)
    second = backup.backup_sqlite(source, folder)  # the same second, as a cron job and a host
    assert first != second and first.exists() and second.exists()
