"""`python -m bot run | demo | migrate | check-content`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, load_settings


class _Redact(logging.Filter):
    """Removes the token from every log record (httpx logs request URLs, which contain it)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg, record.args = message.replace(self.secret, "<token>"), None
        return True


def setup_logging(level: str, token: str = "") -> None:
    """Log to stderr at `level`; HTTP request lines stay at WARNING (they carry the token)."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact(token))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run() -> int:
    """Run the bot with long polling."""
    try:
        settings = load_settings()
        settings.require_token()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.token)
    from bot.app import ALLOWED_UPDATES, build_application

    application = build_application(settings)
    logging.getLogger("bot").info(
        "Hearth starting (database: %s)", _safe_url(settings.database_url)
    )
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def migrate() -> int:
    """Apply database migrations and exit."""
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import db

    async def _go() -> None:
        engine = db.create_engine(settings.database_url)
        await db.migrate(engine)
        await engine.dispose()

    asyncio.run(_go())
    print(f"database at {_safe_url(settings.database_url)} is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Hearth, a bot for couples")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "demo", "migrate", "check-content"],
        help="run the bot (default), play the demo, migrate the database, or check content",
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "demo":
        from bot.demo import main as demo_main

        return int(demo_main(rest))
    if args.command == "check-content":
        from bot.content_check import main as check_main

        return int(check_main(rest))
    if args.command == "migrate":
        return migrate()
    return run()


if __name__ == "__main__":
    sys.exit(main())
