"""Hearth as a service, tried as a host would: real `python -m bot run` processes against the
fake Bot API served over HTTP: webhook mode, health, two workers and a leader's death."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bot.config import ROOT
from bot.simulation import http_api
from bot.simulation.driver import TelegramDriver
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi
from bot.simulation.world import FAKE_KEY

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
