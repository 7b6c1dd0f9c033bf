"""Hosting edges: README commands and settings tried as a host would (a malformed or
provider-style DATABASE_URL, a webhook Telegram refuses or can't be reached for, a stop in
webhook mode, the numbers a host reads, settings that would break later)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError

import bot.__main__ as cli
from bot import db
from bot.core import service
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi
from bot.simulation.world import FAKE_KEY


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    stops restarting), not SQLAlchemy's traceback and exit status 1 (restarted for ever)."""
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


class UnreachableWebhooks(FakeBotApi):
    """A Telegram whose setWebhook never gets through (a network that drops it)."""

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        raise NetworkError("simulated network error")


async def _serve_refused(
    tmp_path: Path, api: type[FakeBotApi] = RefusingWebhooks
) -> tuple[asyncio.Task[None], int, Any]:
    """`runner.serve` (what `python -m bot run` runs) against a Telegram refusing the webhook."""
    from bot import runner
    from bot.app import build_application
    from bot.config import load_settings

    port = free_port()
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
            "HEARTH_ENCRYPTION_KEY": FAKE_KEY,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}",
            "HEARTH_WEBHOOK_URL": HOOK,
            "HEARTH_WEBHOOK_SECRET": SECRET,
            "HEARTH_LISTEN": f"127.0.0.1:{port}",
            "HEARTH_TICK_SECONDS": "1",
        },
        env_file=None,
    )
    application = build_application(settings, request=api())
    return asyncio.create_task(runner.serve(application, settings)), port, application


async def _stop(serving: asyncio.Task[None]) -> None:
    """SIGTERM, as systemd sends it (serve's own handler stops it cleanly)."""
    if not serving.done():
        os.kill(os.getpid(), signal.SIGTERM)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(serving, 30)


async def test_a_webhook_url_telegram_refuses_stops_with_telegrams_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """HEARTH_WEBHOOK_URL on port 8080 (a common slip: the port Hearth listens on) passes the
    settings check, and Telegram refuses it in setWebhook with a 400 that says why. Hearth
    should stop with that reason and HEARTH_WEBHOOK_URL named (exit status 2, as for every
    setting to fix): BadRequest, a NetworkError in PTB, is not waited out as an outage."""
    caplog.set_level(logging.INFO, logger="bot")
    serving, _port, _app = await _serve_refused(tmp_path)
    try:
        await asyncio.wait({serving}, timeout=10)
        lines = [r.getMessage() for r in caplog.records if r.name == "bot"]
        assert serving.done(), (
            "still retrying a webhook Telegram refused after 10 s; the log says only: "
            + " | ".join(line for line in lines if "webhook" in line)
        )
    finally:
        await _stop(serving)


async def test_health_is_not_ok_while_the_webhook_cannot_be_registered(tmp_path: Path) -> None:
    """README: /healthz answers 503 "when something is wrong". While the webhook can't be
    registered (the network drops it; Hearth keeps trying) no update can arrive: past the
    start-up grace /healthz says so with 503, though the worker leads and ticks."""
    serving, port, application = await _serve_refused(tmp_path, UnreachableWebhooks)
    try:
        report: dict[str, Any] = {}
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(100):  # until the listener answers and a tick was recorded
                await asyncio.sleep(0.1)
                with contextlib.suppress(httpx.HTTPError):
                    answer = await client.get(f"http://127.0.0.1:{port}/healthz")
                    report = answer.json() | {"http_status": answer.status_code}
                    if report.get("last_tick_age_seconds") is not None:
                        break
            assert report.get("last_tick_age_seconds") is not None, report
            # Past the start-up grace (an hour up): the answer is the steady state's.
            application.bot_data["hearth"].started_at -= timedelta(hours=1)
            answer = await client.get(f"http://127.0.0.1:{port}/healthz")
            report = answer.json() | {"http_status": answer.status_code}
        assert report["http_status"] == 503, report
    finally:
        await _stop(serving)


# --- 3. stats on the command line when the bot is stopped --------------------------------------


def test_stats_on_the_command_line_does_not_call_a_stopped_bot_up(
    host_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot stats` reads the database from outside: it says when the last tick was,
    never "Up for" (the time since a leader took over, never cleared: with the bot stopped
    three hours ago it would say "Up for 5 h 0 min", and keep counting)."""
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


# --- 4. SIGTERM in webhook mode ---------------------------------------------------------------


async def test_an_update_accepted_while_stopping_is_processed_or_refused(tmp_path: Path) -> None:
    """Telegram posts webhook updates over kept-alive connections. On SIGTERM Hearth stops
    its listener with `HTTPServer.stop()`, which closes the listening socket only: requests
    on connections already open are still answered 200 and put on the update queue, after
    the Application has stopped reading it. Telegram counts a 200 as delivered and never
    sends it again: the update (a partner's answer) is lost. Here one arrives while Hearth
    is finishing its stop (post_stop, e.g. the sender recording its last sends)."""
    from sqlalchemy import select

    from bot import runner
    from bot.app import build_application
    from bot.config import load_settings
    from bot.core.models import UpdateSeen
    from bot.simulation.driver import TelegramDriver

    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
            "HEARTH_ENCRYPTION_KEY": FAKE_KEY,
            "DATABASE_URL": url,
            "HEARTH_WEBHOOK_URL": "https://hearth.example.org/telegram/hook",
            "HEARTH_WEBHOOK_SECRET": SECRET,
            "HEARTH_LISTEN": f"127.0.0.1:{port}",
        },
        env_file=None,
    )
    api = FakeBotApi()
    tg = TelegramDriver(api)
    application = build_application(settings, request=api)
    stopping = asyncio.Event()
    finish_stopping = application.post_stop
    assert finish_stopping is not None

    async def post_stop(app: Any) -> None:
        stopping.set()
        await asyncio.sleep(1.0)  # the last sends being recorded, a checkpoint: a moment
        await finish_stopping(app)

    application.post_stop = post_stop
    serving = asyncio.create_task(runner.serve(application, settings))
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    alex, sam = tg.user("Alex"), tg.user("Sam")
    try:
        async with httpx.AsyncClient(timeout=5) as telegram:  # one kept-alive connection
            for _ in range(100):
                await asyncio.sleep(0.1)
                with contextlib.suppress(httpx.HTTPError):
                    first = tg.add_bot(tg.group("Alex & Sam", [alex, sam]), by=alex)
                    if (await telegram.post(hook, json=first, headers=headers)).status_code == 200:
                        break
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stopping.wait(), 20)
            late = tg.add_bot(tg.group("Robin & Kim", [alex, sam]), by=sam)
            try:
                status = (await telegram.post(hook, json=late, headers=headers)).status_code
            except httpx.HTTPError:
                status = None  # refused: Telegram delivers it again later
        await asyncio.wait_for(serving, 30)
    finally:
        await _stop(serving)
    engine = db.create_engine(url)
    try:
        async with db.reading(db.session_factory(engine)) as session:
            seen = set(await session.scalars(select(UpdateSeen.update_id)))
    finally:
        await db.close(engine)
    assert first["update_id"] in seen
    assert status != 200 or late["update_id"] in seen, (
        f"the webhook answered {status} to an update while stopping, and it was never processed"
    )


# --- 5. settings accepted that break later ---------------------------------------------------


def test_a_postgresql_url_with_sslmode_as_providers_give_it_works(
    host_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    postgres_url: str,
) -> None:
    """Managed PostgreSQL hands out URLs with libpq's `?sslmode=...`; asyncpg calls it `ssl`:
    the URL works as given (sslmode=disable here: the test server has no TLS)."""
    plain = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    monkeypatch.setenv("DATABASE_URL", f"{plain}?sslmode=disable")
    status = _main(["migrate"])
    captured = capsys.readouterr()
    assert status == 0, (status, captured.err)
    assert "is up to date" in captured.out


async def test_a_long_retention_is_refused_or_works(tmp_path: Path, content: Any) -> None:
    """HEARTH_RETENTION_DAYS=1000000 ("keep for ever") would overflow a date in every tick:
    it is refused at start with one line, or works."""
    from bot.config import ConfigError, load_settings
    from bot.core.scheduler import tick

    try:
        settings = load_settings({"HEARTH_RETENTION_DAYS": "1000000"}, env_file=None)
    except ConfigError:
        return  # refused with one clear line: fine
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
    engine = db.create_engine(url)
    try:
        await db.migrate(engine)
        sessions = db.session_factory(engine)
        now = datetime.now(UTC)
        try:
            await tick(sessions, content, now, "hearth_bot", retention_days=settings.retention_days)
        except OverflowError as error:
            pytest.fail(
                f"HEARTH_RETENTION_DAYS=1000000 was accepted, then the tick failed: {error}"
            )
        async with db.reading(sessions) as session:
            assert await service.last_tick(session) is not None
    finally:
        await db.close(engine)


def test_a_telegram_api_base_url_without_a_scheme_is_refused() -> None:
    """TELEGRAM_API_BASE_URL without its scheme ("bot-api:8081/bot") is refused with one line
    naming the setting, not retried for ever as if Telegram were down."""
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="TELEGRAM_API_BASE_URL"):
        load_settings({"TELEGRAM_API_BASE_URL": "api.telegram.org/bot"}, env_file=None)


# --- 6. a password in the URL's query ---------------------------------------------------------


def test_a_password_given_in_the_database_urls_query_is_never_printed() -> None:
    """`postgresql://hearth@db/hearth?password=...` (libpq's form, which asyncpg accepts) is
    never printed with its password: not by `migrate`, the start-up log or `backup`."""
    from bot.backup import pg_dump_advice

    url = "postgresql+asyncpg://hearth@db:5432/hearth?password=S3cretPassw0rd"
    assert "S3cret" not in cli._safe_url(url), cli._safe_url(url)
    assert "S3cret" not in pg_dump_advice(url, "hearth.dump"), pg_dump_advice(url, "x")


# --- 7. the host's numbers --------------------------------------------------------------------


async def test_stats_do_not_count_a_group_nobody_joined_as_an_active_couple(lite: Any) -> None:
    """/stats and `python -m bot stats` count as active only couples that formed: a group
    where nobody tapped We're in is "waiting for a partner"."""
    from bot.core import stats

    tg = lite.tg
    for name in ("Alex & Sam", "Robin & Kim"):
        first, second = tg.user(name.split()[0]), tg.user(name.split()[-1])
        await lite.feed(tg.add_bot(tg.group(name, [first, second]), by=first))
    async with db.reading(lite.hearth.sessions) as session:
        numbers = await stats.gather(session, lite.clock.now)
    assert numbers.active == 0, stats.render(numbers, "0", None)


@pytest.mark.parametrize("command", [["migrate"], ["stats"]])
def test_an_unreachable_database_is_one_line_and_exit_status_1(
    host_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """`migrate` or `stats` with PostgreSQL down (nothing listens on the port): one line
    naming the database (password hidden), not a traceback."""
    monkeypatch.setenv("DATABASE_URL", f"postgresql://hearth:S3cret@127.0.0.1:{free_port()}/db")
    assert _main(command) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cannot reach the database at") and "\n" not in err, err
    assert "S3cret" not in err


def test_libpq_certificate_files_in_the_url_are_refused_with_where_they_go() -> None:
    """Managed PostgreSQL hands out `?sslmode=verify-full&sslrootcert=/path/ca.pem`. asyncpg
    takes no `sslrootcert` argument (every connection would fail), but reads PGSSLROOTCERT:
    the setting is refused at start with one line saying so."""
    from bot.config import ConfigError, checked_database_url

    with pytest.raises(ConfigError, match="PGSSLROOTCERT"):
        checked_database_url(
            "postgresql://hearth@db.example.com:25060/hearth"
            "?sslmode=verify-full&sslrootcert=/etc/hearth/ca.pem"
        )
