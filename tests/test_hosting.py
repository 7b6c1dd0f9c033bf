"""Hearth as a service, tried as a host would: real `python -m bot run` processes against the
fake Bot API served over HTTP: webhook mode, health, two workers and a leader's death."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot import db, leader
from bot.__main__ import HandledConditions
from bot.config import ROOT, ConfigError, Settings, load_settings
from bot.core.content import Content
from bot.core.models import Base
from bot.simulation import http_api
from bot.simulation.driver import TelegramDriver
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi
from bot.simulation.world import FAKE_KEY, Simulation
from handlers import web
from tests.conftest import START
from tests.helpers import FreezingProxy

SECRET = "a-webhook-secret-of-sorts"
HOOK = "https://hearth.example.org/telegram/hook"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Wait for a running process to bring about `check` (polls; fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


class Worker:
    """A running `python -m bot run`, its output written to a file we can read as it runs."""

    def __init__(self, process: subprocess.Popen[str], log: Path) -> None:
        """Wrap the process and its log file."""
        self.process, self.log = process, log

    def output(self) -> str:
        """Everything it has logged so far."""
        return self.log.read_text(errors="replace")

    async def stop(self) -> str:
        """SIGTERM, wait for a clean exit (the event loop keeps serving the fake Bot API
        meanwhile: the worker talks to it while stopping); its whole output."""
        self.process.send_signal(signal.SIGTERM)
        await until(lambda: self.process.poll() is not None, seconds=20)
        return self.output()


@asynccontextmanager
async def bot_process(
    database_url: str, api_port: int, listen: int, webhook: bool = True, **extra: str
) -> AsyncIterator[Worker]:
    """`python -m bot run` with its output kept; stopped (SIGTERM) at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "TELEGRAM_"))} | {
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api_port}/bot",
        "DATABASE_URL": database_url,
        "HEARTH_ENCRYPTION_KEY": FAKE_KEY,
        "HEARTH_LISTEN": f"127.0.0.1:{listen}",
        "HEARTH_TICK_SECONDS": "1",
        "LOG_LEVEL": "INFO",
        **extra,
    }
    if webhook:
        env |= {"HEARTH_WEBHOOK_URL": HOOK, "HEARTH_WEBHOOK_SECRET": SECRET}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"hearth-worker-{os.getpid()}-{listen}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield Worker(process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def health(port: int) -> dict[str, Any] | None:
    """The health report of the worker listening on `port` (None if it doesn't answer)."""
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            answer = await client.get(f"http://127.0.0.1:{port}/healthz")
    except httpx.HTTPError:
        return None
    body: dict[str, Any] = answer.json() | {"http_status": answer.status_code}
    return body


async def post_update(port: int, update: dict[str, Any], secret: str | None) -> int:
    """Deliver an update to a worker's webhook, as Telegram does."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.post(
            f"http://127.0.0.1:{port}/telegram/hook", json=update, headers=headers
        )
    return answer.status_code


async def test_webhook_mode_needs_the_secret_and_stops_cleanly(tmp_path: Path) -> None:
    api, api_port, listen = FakeBotApi(), free_port(), free_port()
    tg = TelegramDriver(api)
    server = http_api.serve(api, api_port)
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
    try:
        async with bot_process(url, api_port, listen) as worker:
            report = await until(lambda: health(listen))
            assert report["http_status"] == 200 and report["database"] == "ok"
            await until(lambda: api.profile.get("webhook") == HOOK)
            assert api.profile.get("description") and api.profile.get("short_description")
            await until(lambda: _leads(listen))
            alex, sam = tg.user("Alex"), tg.user("Sam")
            group = tg.group("Alex & Sam", [alex, sam])
            added = tg.add_bot(group, by=alex)
            assert await post_update(listen, added, None) == 403
            assert await post_update(listen, added, "wrong-secret-wrong-secret") == 403
            assert not tg.inbox(group), "a refused update is not processed"
            assert await post_update(listen, added, SECRET) == 200
            await until(lambda: any("We're in" in str(s.buttons) for s in tg.inbox(group)))
            output = await worker.stop()
            assert worker.process.returncode == 0, output
            assert "Traceback" not in output and " ERROR " not in output, output
    finally:
        server.stop()


async def _leads(port: int) -> bool:
    report = await health(port)
    return bool(report and report.get("leader"))


async def test_two_workers_share_one_database_and_a_standby_takes_over(
    postgres_url: str,
) -> None:
    from tests.conftest import _reset

    await _reset(postgres_url)
    api, api_port = FakeBotApi(), free_port()
    server = http_api.serve(api, api_port)
    ports = [free_port(), free_port()]
    try:
        async with bot_process(postgres_url, api_port, ports[0]) as first:
            await until(lambda: _leads(ports[0]))
            async with bot_process(postgres_url, api_port, ports[1]) as second:
                report = await until(lambda: health(ports[1]))
                assert report["leader"] is False, "one leader at a time"
                assert (await health(ports[0]) or {}).get("leader") is True
                # Any worker takes updates; the leader sends what they queue.
                tg = TelegramDriver(api)
                alex, sam = tg.user("Alex"), tg.user("Sam")
                group = tg.group("Alex & Sam", [alex, sam])
                assert await post_update(ports[1], tg.add_bot(group, by=alex), SECRET) == 200
                await until(lambda: tg.inbox(group))
                first.process.send_signal(signal.SIGKILL)  # the leader dies without a word
                died = time.monotonic()
                await until(lambda: _leads(ports[1]), seconds=15)
                failover = time.monotonic() - died
                assert failover < 8, failover
                print(f"failover took {failover:.1f} s")
                assert second.process.poll() is None
    finally:
        server.stop()


async def test_without_network_it_waits_with_one_line_per_try(tmp_path: Path) -> None:
    api_port, listen = free_port(), free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
    async with bot_process(url, api_port, listen, webhook=False) as worker:
        # Nothing listens on api_port yet: Telegram is unreachable, the worker waits.
        await until(lambda: worker.output().count("cannot reach Telegram yet") >= 2)
        api = FakeBotApi()
        server = http_api.serve(api, api_port)  # Telegram is back
        try:
            report = await until(lambda: health(listen), seconds=60)
            assert report["http_status"] == 200
            await until(lambda: any(method == "getUpdates" for method, _p in api.calls))
            output = await worker.stop()
        finally:
            server.stop()
    waits = [line for line in output.splitlines() if "cannot reach Telegram yet" in line]
    assert len(waits) >= 2 and all(" WARNING " in line for line in waits), output
    assert "Traceback" not in output and " ERROR " not in output, output


# --- in one process: access control, the host's numbers, health --------------------------


def simulation(url: str, **settings: Any) -> Simulation:
    """A simulation with some hosting settings."""
    base = Settings(token=FAKE_TOKEN, database_url=url, rate_limit=False, encryption_key=FAKE_KEY)
    return Simulation(url, START, settings=replace(base, **settings))


async def stored_ids(sim: Simulation) -> set[int]:
    """Every integer stored anywhere (user and chat ids among them)."""
    found: set[int] = set()
    async with sim.hearth.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                found |= {value for value in row if isinstance(value, int)}
    return found


async def test_a_private_instance_turns_strangers_away_and_stores_nothing(sqlite_url: str) -> None:
    async with simulation(sqlite_url, allowed_users=frozenset({"@alexandra"})) as sim:
        stranger = sim.tg.user("Robin")
        await sim.feed(sim.tg.start(stranger))
        assert "This Hearth is private" in sim.tg.last(stranger).text
        group = sim.tg.group("Robin & Kim", [stranger])
        await sim.feed(sim.tg.add_bot(group, by=stranger))
        assert "This Hearth is private" in sim.tg.last(group).text
        assert not sim.api.chats[group.id].bot_member, "the bot leaves a stranger's group"
        assert stranger.id not in await stored_ids(sim)
        assert group.id not in await stored_ids(sim)
        # An allowed person whose partner isn't allowed: the partner can't join.
        alex, sam = sim.tg.user("Alex"), sim.tg.user("Sam")
        alex.username = "Alexandra"  # usernames match whatever their case
        couple_group = sim.tg.group("Alex & Sam", [alex, sam])
        await sim.feed(sim.tg.add_bot(couple_group, by=alex))
        greeting = sim.tg.last(couple_group)
        await sim.feed(sim.tg.press(alex, greeting, "join"))
        await sim.feed(sim.tg.press(sam, greeting, "join"))
        assert "This Hearth is private" in sim.api.alerts[-1]["text"]
        assert sam.id not in await stored_ids(sim)


async def test_stats_for_admins_only(sqlite_url: str) -> None:
    async with simulation(sqlite_url, admin_ids=frozenset({5001})) as sim:
        couple = await sim.onboard()  # Alex is user 5001
        await sim.feed(sim.tg.command(couple.alex, couple.alex, "/stats"))
        report = sim.tg.last(couple.alex).text
        assert "Couples: 1 active, 0 paused, 0 removed" in report
        assert "Waiting to be sent: 0" in report and "Hearth 0." in report
        assert "Alex" not in report and "Sam" not in report, "counts only, never names"
        for who, chat in ((couple.sam, couple.sam), (couple.alex, couple.group)):
            await sim.feed(sim.tg.command(who, chat, "/stats"))
            assert "I don't know that command" in sim.tg.last(chat).text
        await sim.feed(sim.tg.command(couple.sam, couple.sam, "/nonsense"))
        assert "I don't know that command" in sim.tg.last(couple.sam).text


async def test_health_is_503_when_the_database_is_unreachable(sqlite_url: str) -> None:
    async with simulation(sqlite_url) as sim:
        assert sim.api.profile["description"] and sim.api.profile["short_description"]
        await sim.tick(START + timedelta(minutes=1))
        body, healthy = await web.health(sim.app)
        assert healthy and body["database"] == "ok" and body["last_tick_age_seconds"] == 0
        sim.clock.now += timedelta(hours=1)  # no tick for an hour: nobody is leading
        body, healthy = await web.health(sim.app)
        assert not healthy and body["status"] == "no recent tick"
        broken = db.create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        sim.hearth.sessions = db.session_factory(broken)
        body, healthy = await web.health(sim.app)
        assert not healthy and body["database"] != "ok"
        await broken.dispose()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HEARTH_WEBHOOK_URL", "http://insecure.example.org/hook"),
        ("HEARTH_LISTEN", "8080"),
        ("HEARTH_ALLOWED_USERS", "alex"),
        ("HEARTH_ADMIN_IDS", "@alex"),
    ],
)
def test_hosting_settings_refuse_malformed_values(variable: str, value: str) -> None:
    environ = {variable: value, "HEARTH_WEBHOOK_SECRET": "s" * 20}
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ, env_file=None)


def test_webhook_mode_needs_a_secret() -> None:
    with pytest.raises(ConfigError, match="HEARTH_WEBHOOK_SECRET"):
        load_settings({"HEARTH_WEBHOOK_URL": HOOK}, env_file=None)
    settings = load_settings({"HEARTH_WEBHOOK_URL": HOOK, "HEARTH_WEBHOOK_SECRET": SECRET}, None)
    assert settings.listen == "0.0.0.0:8080" and web.webhook_path(HOOK) == "/telegram/hook"


async def test_only_a_worker_that_does_not_lead_notifies_the_leader(
    postgres_url: str, content: Content
) -> None:
    """An update that queues messages on a worker that is not the leader tells the leader
    through PostgreSQL (NOTIFY, sent at commit); on the leader itself it only wakes the
    sender in-process: no NOTIFY, one round trip fewer an update."""
    from tests.conftest import _reset

    await _reset(postgres_url)
    heard: list[object] = []
    async with (
        Simulation(postgres_url, START, content=content) as sim,
        sim.hearth.engine.connect() as listening,
    ):
        raw = await listening.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's own: outside any transaction
        await driver.add_listener(leader.CHANNEL, lambda *args: heard.append(args))

        async def heard_after(update: dict[str, Any] | None) -> int:
            heard.clear()
            await sim.feed(update)
            await driver.execute("SELECT 1")  # a NOTIFY committed before comes before this
            await asyncio.sleep(0)  # the listener is called soon after it came
            return len(heard)

        couple = await sim.onboard()
        await sim.tick(START.replace(hour=20))
        question = sim.tg.last(couple.group)
        assert sim.hearth.sender.leading
        words = "The rain on the way home."
        reply = sim.tg.send(couple.alex, couple.group, words, reply_to=question.message_id)
        assert await heard_after(reply) == 0
        sim.hearth.sender.leading = False  # as on a worker beside the leader
        assert await heard_after(sim.tg.send(couple.sam, couple.sam, "Finishing the shelf.")) == 1


def test_a_settled_process_hides_start_up_and_collects_in_full_less_often() -> None:
    """`settle` (run once the bot is ready) freezes what start-up built and makes full
    collections rarer: both were measured to cut the tick's time (see `runner.settle`)."""
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc; from bot.runner import settle; settle(); "
            "print(gc.get_freeze_count(), gc.get_threshold()[2])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    frozen, full_every = int(shown[0]), int(shown[1])
    assert frozen > 10_000, "start-up's objects are frozen"
    assert full_every == 100, "a full collection every 100 middle ones"


async def test_a_leadership_check_that_gets_no_answer_gives_the_lock_up(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a half-dead connection the leader's check would hang while PostgreSQL may already
    have freed the lock for a standby: past `CHECK_WITHIN` it counts as lost, and the
    connection is dropped at once (never closed politely), so the lock is free for another."""
    engine = db.create_engine(postgres_url)
    try:
        held, standby = leader.PostgresLeadership(engine), leader.PostgresLeadership(engine)
        assert await held.try_acquire() and not await standby.try_acquire()
        assert await held.still_held()

        async def no_answer(connection: object) -> None:
            await asyncio.Event().wait()

        monkeypatch.setattr(leader, "CHECK_WITHIN", 0.05)
        monkeypatch.setattr(leader.PostgresLeadership, "_round_trip", staticmethod(no_answer))
        assert not await asyncio.wait_for(held.still_held(), 10)
        await until(standby.try_acquire, seconds=10)
    finally:
        await standby.release()
        await db.close(engine)


async def test_taking_or_giving_up_the_lock_on_a_hung_connection_ends_in_time(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A standby whose try gets no answer would otherwise never take over, and a leader
    shutting down would hang: both give up after `CHECK_WITHIN`, dropping the connection."""
    engine = db.create_engine(postgres_url)
    held, standby = leader.PostgresLeadership(engine), leader.PostgresLeadership(engine)
    try:

        async def no_answer(*_args: object) -> bool:
            await asyncio.Event().wait()
            return True

        monkeypatch.setattr(leader, "CHECK_WITHIN", 0.05)
        with monkeypatch.context() as hung:
            hung.setattr(leader.PostgresLeadership, "_take", no_answer)
            assert not await asyncio.wait_for(standby.try_acquire(), 10)
        assert [r.levelname for r in caplog.records if r.name == "bot.leader"] == ["WARNING"]
        assert await standby.try_acquire(), "the next try starts on a fresh connection"
        with monkeypatch.context() as hung:
            hung.setattr(leader.PostgresLeadership, "_unlock", staticmethod(no_answer))
            await asyncio.wait_for(standby.release(), 10)
        await until(held.try_acquire, seconds=10)  # dropped: the server freed the lock
    finally:
        await held.release()
        await standby.release()
        await db.close(engine)


async def test_a_postgresql_statement_on_a_hung_connection_ends_as_an_outage(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a bound, a statement on a hung connection waits as long as TCP does (hours),
    and the tick and the sender with it. It ends as a TimeoutError, which every caller
    treats as an outage to wait out; migrations (which may take minutes) are not bounded."""
    url = make_url(postgres_url)
    proxy = await FreezingProxy(url.host or "127.0.0.1", url.port or 5432).start()
    monkeypatch.setattr(db, "ANSWER_WITHIN", 0.3)
    engine = db.create_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))

    async def select_one() -> Any:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT 1"))

    try:
        assert await select_one() == 1
        proxy.frozen = True
        hung = asyncio.create_task(select_one())
        done, _ = await asyncio.wait({hung}, timeout=20)
        assert done, "the statement hung"
        error = hung.exception()
        assert isinstance(error, TimeoutError) and db.unavailable(error), repr(error)
        proxy.frozen = False
        assert await select_one() == 1, "a fresh connection once the database answers"

        def slow_backup(connection: Any, revision: str) -> None:
            connection.execute(text("SELECT pg_sleep(1)"))

        monkeypatch.setattr(db, "_backup_before_upgrade", slow_backup)
        await db.migrate(engine)  # a step longer than the bound still completes
    finally:
        await db.close(engine)
        await proxy.close()


def test_a_dead_connection_the_pool_could_not_close_is_one_warning_line() -> None:
    def record(message: str) -> logging.LogRecord:
        try:
            raise TimeoutError
        except TimeoutError:
            exc_info = sys.exc_info()
        return logging.LogRecord(
            "sqlalchemy.pool.impl", logging.ERROR, "", 0, message, (), exc_info
        )

    closing, bug = record("Exception closing connection <conn>"), record("Exception during reset")
    assert HandledConditions().filter(closing) and HandledConditions().filter(bug)
    assert (closing.levelname, closing.exc_info) == ("WARNING", None)
    assert bug.levelname == "ERROR" and bug.exc_info is not None


async def test_a_listen_port_in_use_stops_the_bot_cleanly(tmp_path: Path) -> None:
    """HEARTH_LISTEN on a port another program holds: the bot must say so and exit, not hang
    or leave a traceback."""
    api, api_port, listen = FakeBotApi(), free_port(), free_port()
    server = http_api.serve(api, api_port)
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("127.0.0.1", listen))
    taken.listen()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hearth.sqlite3'}"
    try:
        async with bot_process(url, api_port, listen, webhook=False) as worker:
            await until(lambda: worker.process.poll() is not None, seconds=30)
            output = worker.output()
            assert worker.process.returncode != 0, output
            assert "Traceback" not in output, output
    finally:
        taken.close()
        server.stop()


def test_a_listen_address_the_settings_accept_can_be_listened_on() -> None:
    """HEARTH_LISTEN=[::1]:8080 (the usual way to write an IPv6 host:port) passes the
    settings check, then fails at start with gaierror after the bot has started."""
    import tornado.netutil

    from bot.config import ConfigError, load_settings

    value = f"[::1]:{free_port()}"
    try:
        listen = load_settings({"HEARTH_LISTEN": value}, env_file=None).listen
    except ConfigError:
        return  # refused up front, with a message: fine
    host, _sep, port = listen.rpartition(":")
    for sock in tornado.netutil.bind_sockets(int(port), address=host):  # as handlers/web.py
        sock.close()


def test_a_webhook_path_with_regex_characters_is_matched_literally() -> None:
    """Tornado's routes are regular expressions: a `+` or `(` in the host's webhook path
    must not keep Telegram's posts from matching it (nor let other paths match)."""
    route = web.webhook_route("https://hearth.example.org/hook+1/(x).y")
    assert re.fullmatch(route, "/hook+1/(x).y")
    assert not re.fullmatch(route, "/hookk1/x-y")
