"""Backups: a consistent copy of a SQLite database while the bot runs, and how to dump PostgreSQL.

SQLite's online backup API copies the database page by page inside one read transaction: in WAL
mode (which Hearth uses) that transaction sees one committed state and never blocks the bot's
writers, so the copy is consistent even while couples are answering.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.config import shown_database_url
from bot.paths import private_dir

KEEP = 5  # automatic backups kept before migrations (per database)
BACKUPS_DIR = "backups"  # next to the database file
STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """A backup could not be made; the message says why."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    # "file:..." URIs carry their own options; Hearth never writes them, so leave them be.
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy the SQLite database `source` to `target` (0600), consistently, while it is in use.

    `target` may be a folder (the copy is then named after the database and the time). The
    copy is written beside the target and renamed into place only once it is complete and
    passes SQLite's quick check, so a failed backup never leaves a half-written file there.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.is_dir():
        named = f"{source.stem}-{datetime.now(UTC).strftime(STAMP)}"
        target = target / f"{named}.sqlite3"
        for n in range(2, 100):  # two backups within one second: the second gets a number
            if not target.exists():
                break
            target = target.with_name(f"{named}-{n}.sqlite3")
    if target.exists():
        raise BackupError(f"{target} already exists; choose another name")
    private_dir(target.parent)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)  # left over from a backup that was killed
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # mode=rw: never create an empty database where the real one was expected.
        uri = f"file:{quote(source.resolve().as_posix())}?mode=rw"
        with (
            closing(sqlite3.connect(uri, uri=True, timeout=30)) as reader,
            closing(sqlite3.connect(partial)) as copy,
        ):
            # pages=-1 (all at once): one read transaction, so one committed state. Copying in
            # steps would restart whenever the bot commits in between.
            reader.backup(copy, pages=-1)
            # A single self-contained file: no -wal beside it, readable from read-only media.
            # Hearth switches a restored database back to WAL when it opens it.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed SQLite's quick check: {verdict}")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _automatic_name(stem: str) -> re.Pattern[str]:
    return re.compile(re.escape(stem) + r"-(\d{8}T\d{6}Z)(?:-(\d+))?-before-[^/]+\.sqlite3")


def automatic_backups(database: Path) -> list[Path]:
    """The automatic (before-migration) backups of `database`, oldest first."""
    folder = database.parent / BACKUPS_DIR
    if not folder.is_dir():
        return []
    pattern = _automatic_name(database.stem)
    found: list[tuple[str, int, Path]] = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match:
            # The UTC time, then the counter of a second backup within the same second.
            found.append((match[1], int(match[2] or 1), path))
    return [path for *_, path in sorted(found)]


def backup_before_migration(
    database: Path, revision: str, now: datetime | None = None, keep: int = KEEP
) -> Path:
    """Back up `database` to backups/<name>-<time>-before-<revision>.sqlite3; keep the last few."""
    folder = database.parent / BACKUPS_DIR
    private_dir(folder)
    stamp = (now or datetime.now(UTC)).strftime(STAMP)
    target = folder / f"{database.stem}-{stamp}-before-{revision}.sqlite3"
    counter = 2
    while target.exists():  # two upgrades within a second (tests, a restart loop)
        target = folder / f"{database.stem}-{stamp}-{counter}-before-{revision}.sqlite3"
        counter += 1
    backup_sqlite(database, target)
    for old in automatic_backups(database)[:-keep]:
        old.unlink(missing_ok=True)
    return target


def pg_dump_advice(url: str, target: str) -> str:
    """How to back up (and restore) the PostgreSQL database at `url`, password hidden."""
    parsed = make_url(url)
    options = []
    if parsed.host:
        options.append(f"--host={shlex.quote(parsed.host)}")
    if parsed.port:
        options.append(f"--port={parsed.port}")
    if parsed.username:
        options.append(f"--username={shlex.quote(parsed.username)}")
    connection = " ".join(options)
    database = shlex.quote(parsed.database or "hearth")
    secret = parsed.password or parsed.query.get("password")
    password = "PGPASSWORD='<the password in DATABASE_URL>' " if secret else ""
    safe = shown_database_url(url)
    return (
        f"Hearth's database is PostgreSQL ({safe}); back it up with pg_dump while the bot runs:\n"
        f"    {password}pg_dump {connection} --format=custom --file={shlex.quote(target)} "
        f"{database}\n"
        "Restore it (bot stopped) into an empty database with:\n"
        f"    {password}pg_restore {connection} --no-owner --dbname={database} "
        f"{shlex.quote(target)}"
    )


def command(database_url: str, target: Path) -> int:
    """`python -m bot backup PATH`: back up SQLite to PATH, or explain pg_dump; exit status."""
    path = sqlite_path(database_url)
    if path is None:
        if make_url(database_url).get_backend_name() == "postgresql":
            print(pg_dump_advice(database_url, str(target)))
            return 0
        print("an in-memory database cannot be backed up", file=sys.stderr)
        return 2
    try:
        written = backup_sqlite(path, target)
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    print(f"backed up {path} to {written}")
    return 0
