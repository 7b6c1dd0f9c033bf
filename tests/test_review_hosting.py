"""A host's review: README commands and settings tried as a host would, each test a bug found.

Every test here failed when it was written; each docstring says what a host sees.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.__main__ as cli
from bot import db
from bot.core import service
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi
from bot.simulation.world import FAKE_KEY

HOOK = "https://hearth.example.org:8080/telegram/hook"  # a port Telegram refuses
SECRET = "a-webhook-secret-of-sorts"


@pytest.fixture
def host_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment for `python -m bot ...` in this process (no stray settings)."""
    for name in list(os.environ):
        if name.startswith(("HEARTH_", "TELEGRAM_")) or name in ("DATABASE_URL", "LOG_LEVEL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HEARTH_ENCRYPTION_KEY", FAKE_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}")
    # run() would reconfigure the test process's own logging.
    monkeypatch.setattr(cli, "setup_logging", lambda *_a, **_k: None)
    return tmp_path


def _main(argv: list[str]) -> int:
    """`python -m bot <argv>`: its exit status; a traceback (an exception) fails the test."""
    try:
        return cli.main(argv)
    except SystemExit as leaving:
        return int(leaving.code or 0)
    except Exception as error:  # what a host would see as a traceback
        pytest.fail(f"`python -m bot {' '.join(argv)}` ended in a traceback: {error!r}")


# --- 1. a malformed DATABASE_URL --------------------------------------------------------------


@pytest.mark.parametrize("command", [["migrate"], ["stats"], ["backup", "copy.sqlite3"], ["run"]])
def test_a_malformed_database_url_is_one_clear_line_and_exit_status_2(
    host_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """A typo in DATABASE_URL (here a forgotten scheme) must be refused like every other
    malformed setting: one line naming DATABASE_URL, exit status 2 (the systemd unit then
    stops restarting). Today every command ends in SQLAlchemy's ArgumentError traceback,
    exit status 1, and the unit restarts it every 10 s for ever."""
    monkeypatch.setenv("DATABASE_URL", "hearth.sqlite3")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", FAKE_TOKEN)
    monkeypatch.chdir(host_env)
    status = _main(command)
    err = capsys.readouterr().err
    assert status == 2, (status, err)
    assert "DATABASE_URL" in err, err


# --- 2. a webhook URL Telegram refuses ---------------------------------------------------------


class RefusingWebhooks(FakeBotApi):
    """Telegram's answer to a webhook on a port other than 80, 88, 443 or 8443."""

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        return self._json_error(
            400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        )


def test_a_webhook_url_telegram_refuses_is_one_clear_line_and_exit_status_2(
    host_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """HEARTH_WEBHOOK_URL on port 8080 (a common slip: the port Hearth listens on) passes the
    settings check, and Telegram refuses it in setWebhook with a 400. Hearth should stop with
    one line naming HEARTH_WEBHOOK_URL and Telegram's reason, exit status 2; today BadRequest
    escapes `runner.serve` (only NetworkError/InvalidToken are handled) as a traceback, exit
    status 1, and systemd restarts it for ever."""
    import bot.app

    api = RefusingWebhooks()
    real = bot.app.build_application
    monkeypatch.setattr(bot.app, "build_application", lambda s: real(s, request=api))
    for name, value in {
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "HEARTH_WEBHOOK_URL": HOOK,
        "HEARTH_WEBHOOK_SECRET": SECRET,
        "HEARTH_LISTEN": "127.0.0.1:0",
    }.items():
        monkeypatch.setenv(name, value)
    status = _main(["run"])
    err = capsys.readouterr().err
    assert status == 2, (status, err)
    assert "HEARTH_WEBHOOK_URL" in err and "8443" in err, err


# --- 3. stats on the command line when the bot is stopped --------------------------------------


def test_stats_on_the_command_line_does_not_call_a_stopped_bot_up(
    host_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README: `python -m bot stats` "prints the same" as /stats: the version and the uptime.
    The command line's "Up for" is the time since the last leader took over
    (service_state.leader_since), never cleared: with the bot stopped three hours ago
    (last tick three hours old) it still says "Up for 5 h 0 min", and keeps counting."""
    url = os.environ["DATABASE_URL"]
    now = datetime.now(UTC)

    async def a_bot_that_ran_and_stopped() -> None:
        engine = db.create_engine(url)
        try:
            await db.migrate(engine)
            async with db.writing(db.session_factory(engine)) as session:
                started = now - timedelta(hours=5)
                await service.set_state(session, "leader_since", started.isoformat(), started)
                await service.mark_tick(session, now - timedelta(hours=3))
        finally:
            await db.close(engine)

    asyncio.run(a_bot_that_ran_and_stopped())
    assert _main(["stats"]) == 0
    report = capsys.readouterr().out
    assert "Up for" not in report, report
