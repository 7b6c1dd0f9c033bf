"""The whole bot as a host runs it: `python -m bot run`, unmodified, in its own process,
talking over HTTP to the project's fake Bot API made to enforce Telegram's three windows
(429 beyond them). A hundred couples add the bot and join, all their evening questions come
due at once, and then every couple answers (one partner in the group, the other privately,
so every answer is revealed). Wall-clock time: the process runs on its own clock.

Baseline: the configured rate (the ceiling). Hearth: the rate the questions went out at,
first to last, as Telegram received them; the 429s drawn over the whole evening; and how long
the last couple waited for their reveal after everyone had answered.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench.common import LimitedBotApi, Row, database, print_table, setup_vault
from bot import db
from bot.config import ROOT
from bot.core.models import Couple
from bot.simulation import http_api
from bot.simulation.driver import TelegramDriver
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi, FakeChat, FakeUser
from bot.simulation.world import FAKE_KEY

COUPLES = 100
RATE = 30
ASKED = "Tonight's question"


class EnforcingFake(FakeBotApi):
    """The project's fake Bot API, refusing with 429 what would break one of the windows."""

    def __init__(self) -> None:
        """Limits as Telegram's free tier; when each question arrived."""
        super().__init__("hearth_bot")
        self.windows = LimitedBotApi(per_second=RATE)
        self.asked_at: list[float] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:  # fmt: skip
        """Answer like Telegram, within its limits."""
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        refusal = self.windows.refuse(endpoint, params)
        if refusal is not None:
            return 429, json.dumps(refusal).encode()
        if endpoint in ("sendMessage", "copyMessage"):
            self.windows.sent_at.append(time.monotonic())
            if ASKED in str(params.get("text", "")):
                self.asked_at.append(time.monotonic())
        return await super().do_request(url, method, request_data, *args, **kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot process did not finish: {what}")
        await asyncio.sleep(0.1)


def _start_bot(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "TELEGRAM_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "DATABASE_URL": url,
        "HEARTH_ENCRYPTION_KEY": FAKE_KEY,
        "HEARTH_TICK_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


async def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, waiting without blocking the loop (the fake Telegram lives in it)."""
    process.send_signal(signal.SIGTERM)
    try:
        await _until(lambda: process.poll() is not None, 30, "stopping")
    except TimeoutError:
        process.kill()
        process.wait()


async def _onboard(
    api: FakeBotApi, tg: TelegramDriver
) -> list[tuple[FakeUser, FakeUser, FakeChat]]:
    """Every couple makes a group, adds the bot, both tap "We're in" and open private chats."""
    couples = []
    for n in range(COUPLES):
        alex, sam = tg.user(f"A{n}"), tg.user(f"S{n}")
        couples.append((alex, sam, tg.group(f"A{n} & S{n}", [alex, sam])))
        api.pending_updates.append(tg.add_bot(couples[-1][2], by=alex))
    await _until(lambda: all(tg.inbox(g) and tg.inbox(g)[-1].buttons for *_p, g in couples),
                 300, "greetings")  # fmt: skip
    for alex, sam, group in couples:
        greeting = tg.last(group)
        api.pending_updates += [tg.press(alex, greeting, "join"), tg.press(sam, greeting, "join")]
    await _until(lambda: all(tg.url_buttons(tg.last(g)) for *_p, g in couples), 300, "joining")
    for alex, sam, group in couples:
        token = tg.url_buttons(tg.last(group))[0].split("start=", 1)[1]
        api.pending_updates += [tg.start(alex, token), tg.start(sam, token)]
    await _until(lambda: all(tg.inbox(a) and tg.inbox(s) for a, s, _g in couples), 300, "linking")
    return couples


async def _evening(url: str) -> tuple[float, int, float, int]:
    """One evening; the questions' rate, the 429s, the wait for the last reveal, ERROR lines."""
    api = EnforcingFake()
    tg = TelegramDriver(api)
    port = _free_port()
    server = http_api.serve(api, port)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bot.log"
        process = _start_bot(url, port, log)
        try:
            couples = await _onboard(api, tg)
            # Everyone's question time set to this minute, as `/time question` would (without
            # waiting up to a minute for the next one): due at once.
            engine = db.create_engine(url)
            async with engine.begin() as connection:
                minute = datetime.now(UTC).replace(second=0, microsecond=0)
                await connection.execute(
                    update(Couple).values(
                        question_time=minute.strftime("%H:%M"), next_question_at=minute
                    )
                )
            await db.close(engine)
            await _until(lambda: len(api.asked_at) >= COUPLES, 300, "the questions")
            for n, (alex, sam, group) in enumerate(couples):
                question = next(m for m in reversed(tg.inbox(group)) if ASKED in m.text)
                replies = [
                    tg.send(alex, group, f"Answer {n}.", reply_to=question.message_id),
                    tg.send(sam, sam, f"Sealed answer {n}, about breakfast."),
                ]
                api.pending_updates += [reply for reply in replies if reply is not None]
            answered = time.monotonic()
            revealed = [(a, f"Sealed answer {n},") for n, (a, _s, _g) in enumerate(couples)]
            await _until(
                lambda: all(any(w in m.text for m in tg.inbox(a)) for a, w in revealed),
                300, "the reveals",
            )  # fmt: skip
            waited = time.monotonic() - answered
        finally:
            await _stop(process)
            server.stop()
        errors = sum(" ERROR " in line for line in log.read_text(errors="replace").splitlines())
    asked = api.asked_at
    return (len(asked) - 1) / (asked[-1] - asked[0]), api.windows.refused, waited, errors


async def measure(kind: str, runs: int) -> list[Row]:
    """Each run: a fresh database, a fresh process, one evening."""
    setup_vault()
    rate = Row(f"{COUPLES} questions due at once, sent by the process", "msg/s",
               target="ratio ≥ 0.95")  # fmt: skip
    refused = Row("  429s over the evening (onboarding, questions, answers)", "count", target="0")
    waited = Row("  the last reveal after everyone answered", "s")
    errors = Row("  ERROR lines in the bot's log", "count", target="0")
    for _run in range(runs):
        async with database(kind) as url:
            achieved, n429, seconds, bad = await _evening(url)
        rate.baseline.append(float(RATE))
        rate.hearth.append(achieved)
        rate.ratio.append(achieved / RATE)
        refused.hearth.append(float(n429))
        waited.hearth.append(seconds)
        errors.hearth.append(float(bad))
    return [rate, refused, waited, errors]


def report(kind: str, rows: list[Row]) -> None:
    """Print this benchmark's table."""
    print_table(f"the bot as a process, over HTTP, within Telegram's limits — {kind}", rows)
