"""`python -m bot run | demo | migrate | check-content | new-key | rotate-key | backup PATH |
stats`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from bot import __version__
from bot.config import TOKEN_HELP, ConfigError, Settings, load_settings

T = TypeVar("T")


class RedactingFormatter(logging.Formatter):
    """Removes the token from the whole formatted record, tracebacks included.

    httpx logs request URLs and PTB's InvalidToken repeats the token, so redacting the
    message alone is not enough.
    """

    def __init__(self, fmt: str, secret: str) -> None:
        """Format with `fmt`; replace `secret` wherever it appears."""
        super().__init__(fmt)
        self.secret = secret

    # asyncpg's own error messages quote the value it refused ("invalid input for query
    # argument $1: <value> (...)"): SQLAlchemy's hide_parameters can't reach them.
    DRIVER_VALUE = re.compile(r"(query argument \$\d+:) .*?( \(|$)", re.MULTILINE)

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with the secret and any quoted SQL value replaced."""
        text = self.DRIVER_VALUE.sub(r"\1 <hidden>\2", super().format(record))
        return text.replace(self.secret, "<token>") if self.secret else text


class HandledConditions(logging.Filter):
    """PTB and SQLAlchemy log a few conditions Hearth handles as ERROR with a traceback: on
    call, ERROR means a bug, so these become one WARNING line."""

    PASSING = (
        "one more time to mark all fetched updates",
        # SQLAlchemy's pool discarding a dead database connection it could not close politely.
        "Exception closing connection",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade a known, handled condition; pass everything else unchanged."""
        if record.levelno >= logging.ERROR and any(p in record.getMessage() for p in self.PASSING):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def setup_logging(level: str, token: str = "") -> None:
    """Log to stderr at `level`, token redacted; noisy or text-carrying loggers held back."""
    logging.basicConfig(level=level, stream=sys.stderr)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
        handler.addFilter(HandledConditions())
    # httpx logs URLs (with the token) at INFO; PTB and aiosqlite log request parameters and
    # SQL values (message text) at DEBUG: none of them goes below WARNING/INFO here.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))


def run() -> int:
    """Run the bot with long polling."""
    try:
        settings = load_settings()
        settings.require_token()
        settings.require_key()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.token)
    from telegram.error import InvalidToken

    from bot import runner
    from bot.app import build_application

    application = build_application(settings)
    logging.getLogger("bot").info(
        "Hearth %s starting (database: %s, %s)",
        __version__,
        _safe_url(settings.database_url),
        "webhook" if settings.webhook_url else "polling",
    )
    try:
        runner.run(application, settings)
    except InvalidToken:
        print("Telegram rejected TELEGRAM_BOT_TOKEN.\n\n" + TOKEN_HELP, file=sys.stderr)
        return 2
    except runner.CannotListen as error:
        print(f"{error} (HEARTH_LISTEN)", file=sys.stderr)
        return 2
    except runner.WebhookRefused as error:
        print(f"HEARTH_WEBHOOK_URL: {error}", file=sys.stderr)
        return 2
    return 0


def rotate_key() -> int:
    """Rewrite every sealed value with HEARTH_ENCRYPTION_KEY (old keys in
    HEARTH_OLD_ENCRYPTION_KEYS are read meanwhile)."""
    try:
        settings = load_settings()
        settings.require_key()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import db, rekey
    from bot.core import crypto

    crypto.configure(crypto.Vault(settings.encryption_key, settings.old_encryption_keys))

    async def _go() -> rekey.Rotation:
        engine = db.create_engine(settings.database_url)
        try:
            await db.migrate(engine)
            return await rekey.rotate(engine)
        finally:
            await db.close(engine)

    try:
        done = asyncio.run(_go())
    except crypto.CryptoError as error:
        print(f"rotate-key: {error}", file=sys.stderr)
        return 2
    print(
        f"re-encrypted {done.rewritten} values with the current key "
        f"({done.current} already used it). HEARTH_OLD_ENCRYPTION_KEYS can now be removed."
    )
    return 0


def stats() -> int:
    """Print the instance in numbers (what /stats shows its admins)."""
    try:
        settings = load_settings()
        settings.require_key()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from datetime import UTC, datetime

    from bot import db
    from bot.core import crypto
    from bot.core import stats as numbers

    crypto.configure(crypto.Vault(settings.encryption_key, settings.old_encryption_keys))
    from bot.backup import sqlite_path

    database = sqlite_path(settings.database_url)
    if database is not None and not database.exists():
        # A typo in DATABASE_URL, or before the first start: say so, and create nothing.
        print(f"there is no database at {database}", file=sys.stderr)
        return 1

    async def _go() -> str:
        engine = db.create_engine(settings.database_url)
        try:
            now = datetime.now(UTC)
            async with db.reading(db.session_factory(engine)) as session:
                found = await numbers.gather(session, now)
        finally:
            await db.close(engine)
        return numbers.render(found, __version__, None, now)  # not this process's uptime

    report = _reaching(settings, _go())
    if report is None:
        return 1
    print(report)
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from bot.config import shown_database_url

    return shown_database_url(url)


def migrate() -> int:
    """Apply database migrations and exit."""
    try:
        settings = load_settings()
        settings.require_key()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import db
    from bot.core import crypto

    crypto.configure(crypto.Vault(settings.encryption_key, settings.old_encryption_keys))

    async def _go() -> bool:
        engine = db.create_engine(settings.database_url)
        try:
            await db.migrate(engine)
        finally:
            await db.close(engine)
        return True

    if _reaching(settings, _go()) is None:
        return 1
    print(f"database at {_safe_url(settings.database_url)} is up to date")
    return 0


def _reaching(settings: Settings, work: Coroutine[Any, Any, T]) -> T | None:
    """Run `work` against the database; None, after one line, when it cannot be reached."""
    from sqlalchemy.exc import DBAPIError

    try:
        return asyncio.run(work)
    except (OSError, DBAPIError, TimeoutError) as error:
        where = _safe_url(settings.database_url)
        print(f"cannot reach the database at {where}: {type(error).__name__}", file=sys.stderr)
        return None


def backup(argv: list[str]) -> int:
    """Back up the database to a path (SQLite), or explain how to (PostgreSQL)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot backup",
        description="Write a consistent copy of the SQLite database while the bot runs "
        "(for PostgreSQL: print how to use pg_dump).",
    )
    parser.add_argument("path", type=Path, help="the backup file to write (or a folder)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import backup as backups

    return backups.command(settings.database_url, args.path)


COMMANDS = (
    "run",
    "demo",
    "migrate",
    "check-content",
    "new-key",
    "rotate-key",
    "backup",
    "stats",
)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Hearth, a bot for couples")
    parser.add_argument("--version", action="version", version=f"hearth {__version__}")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=[
            "run",
            "demo",
            "migrate",
            "check-content",
            "new-key",
            "rotate-key",
            "backup",
            "stats",
        ],
        help="run the bot (default), play the demo, migrate the database, check content, "
        "print a new encryption key, re-encrypt everything with the current key "
        "(rotate-key), back up the database (backup PATH), or print the instance's "
        "numbers (stats)",
    )
    args, rest = parser.parse_known_args(argv)
    from bot.paths import installation_check

    # Before anything imports content or handlers: a broken install refuses clearly.
    problem = installation_check()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.command == "new-key":
        from bot.core.crypto import new_key

        print(new_key())
        return 0
    if args.command == "demo":
        from bot.simulation.demo import main as demo_main

        return int(demo_main(rest))
    if args.command == "check-content":
        from bot.tools.content_check import main as check_main

        return int(check_main(rest))
    if args.command == "migrate":
        return migrate()
    if args.command == "backup":
        return backup(rest)
    if args.command == "stats":
        return stats()
    if args.command == "rotate-key":
        return rotate_key()
    return run()


if __name__ == "__main__":
    sys.exit(main())
