"""What every benchmark shares: databases on both engines, many couples written fast, an
instant Bot API fake, counters of statements and commits, and the table printed at the end."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.request import BaseRequest, RequestData

from bot import db, runner
from bot.core import crypto
from bot.core.content import Content, load_content
from bot.core.models import Couple, Partner
from bot.simulation.world import FAKE_KEY

POSTGRES_URL = os.environ.get(
    "HEARTH_BENCH_POSTGRES_URL",
    os.environ.get("HEARTH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
)
ENGINES = ("sqlite", "postgresql")
BOT = {"id": 777, "is_bot": True, "first_name": "Hearth", "username": "hearth_bot"}
JSONDict = dict[str, Any]


def setup_vault() -> None:
    """Benchmarks write sealed columns with the simulation's throwaway key."""
    crypto.configure(crypto.Vault(FAKE_KEY))


def start_up() -> Content:
    """What the bot does before it serves: the key, the content, and `runner.settle`
    (the baseline runs in the same settled process)."""
    setup_vault()
    content = load_content()
    runner.settle()
    return content


# --- results ----------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> str:
    """min / median / max, compactly."""
    return " / ".join(_fmt(v) for v in (min(values), statistics.median(values), max(values)))


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Row:
    """One line of a benchmark's table: what was measured, the baseline, Hearth, their ratio."""

    measure: str
    unit: str
    baseline: list[float] = field(default_factory=list)
    hearth: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    target: str = ""
    note: str = ""


def print_table(title: str, rows: Sequence[Row]) -> None:
    """The benchmark's numbers: baseline, Hearth and the ratio, each min / median / max."""
    print(f"\n## {title}\n")
    print("| measure | unit | baseline | Hearth | ratio | target |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        base = spread(row.baseline) if row.baseline else "—"
        ours = spread(row.hearth) if row.hearth else "—"
        ratio = spread(row.ratio) if row.ratio else "—"
        print(f"| {row.measure} | {row.unit} | {base} | {ours} | {ratio} | {row.target} |")
        if row.note:
            print(f"|   ↳ {row.note} | | | | | |")


# --- databases --------------------------------------------------------------------------------


async def _postgres(url: str, name: str, create: bool) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()


async def postgres_available() -> bool:
    """Whether the PostgreSQL server for benchmarks answers."""
    try:
        import asyncpg

        connection = await asyncpg.connect(
            POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=3
        )
        await connection.close()
        return True
    except (OSError, Exception):
        return False


_counter = itertools.count()


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """A fresh, migrated database of this kind; its URL (dropped or deleted afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
            engine = db.create_engine(url)
            await db.migrate(engine)
            await db.close(engine)
            yield url
        return
    name = f"hearth_bench_{os.getpid()}_{next(_counter)}"
    await _postgres(POSTGRES_URL, name, create=True)
    try:
        url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
        engine = db.create_engine(url)
        await db.migrate(engine)
        await db.close(engine)
        yield url
    finally:
        await _postgres(POSTGRES_URL, name, create=False)


async def add_couples(
    engine: AsyncEngine,
    count: int,
    question_at: datetime,
    first_id: int = 1,
    far: timedelta = timedelta(days=1),
) -> list[tuple[int, int, int, int]]:
    """`count` complete couples (private chats open) whose evening question is due at
    `question_at`; everything else is far away. Returns (couple id, group chat id, partner
    user ids) per couple."""
    later = question_at + far
    couples, partners, made = [], [], []
    for n in range(first_id, first_id + count):
        chat_id, a, b = -4_000_000_000 - n, 10_000_000 + 2 * n, 10_000_001 + 2 * n
        couples.append(
            {
                "id": n,
                "chat_id": chat_id,
                "chat_title": f"c{n}",
                "active": True,
                "tz": "UTC",
                "question_time": question_at.strftime("%H:%M"),
                "gesture_time": "09:00",
                "jar_day": 4,
                "jar_time": "19:00",
                "paused": False,
                "depth": 1,
                "link_token": f"tok{n}",
                "next_question_at": question_at,
                "next_gesture_at": later,
                "next_jar_at": later,
                "next_jar_reminder_at": later,
                "next_together_at": later,
                "next_recap_at": later,
                "created_at": question_at - timedelta(days=30),
            }
        )
        for user_id in (a, b):
            partners.append(
                {
                    "couple_id": n,
                    "user_id": user_id,
                    "first_name": "P",
                    "private_open": True,
                    "appreciation": "",
                    "joined_at": question_at - timedelta(days=30),
                }
            )
        made.append((n, chat_id, a, b))
    async with engine.begin() as connection:
        for start in range(0, count, 2000):
            await connection.execute(insert(Couple), couples[start : start + 2000])
            await connection.execute(insert(Partner), partners[2 * start : 2 * start + 4000])
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('couples', 'id'), "
                "(SELECT MAX(id) FROM couples))"
            )
    return made


@dataclass
class Counts:
    """Statements and commits a piece of work made."""

    statements: int = 0
    commits: int = 0

    def reset(self) -> None:
        """Start counting again."""
        self.statements = self.commits = 0


def count(engine: AsyncEngine) -> Counts:
    """Count every statement and commit on this engine from now on."""
    counts = Counts()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        counts.statements += 1

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(*args: Any) -> None:
        counts.commits += 1

    return counts


# --- an instant Bot API -----------------------------------------------------------------------


class InstantBotApi(BaseRequest):
    """A Bot API that answers at once and keeps nothing but counts and send times.

    Both sides of a comparison run against it, so what is measured is Hearth's own cost.
    """

    def __init__(self) -> None:
        """Nothing sent yet."""
        self.calls: dict[str, int] = {}
        self.sent_at: list[float] = []
        self.sent_to: list[int] = []
        self._ids = itertools.count(1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No network."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one call."""
        endpoint = url.rsplit("/", 1)[-1]
        params: JSONDict = dict(request_data.parameters) if request_data else {}
        self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
        refusal = self.refuse(endpoint, params)
        if refusal is not None:
            return 429, json.dumps(refusal).encode()
        return 200, json.dumps({"ok": True, "result": self.result(endpoint, params)}).encode()

    def refuse(self, endpoint: str, params: JSONDict) -> JSONDict | None:
        """An error body to answer with instead (subclasses enforce limits)."""
        return None

    def result(self, endpoint: str, params: JSONDict) -> Any:
        """The result of a successful call."""
        chat_id = int(params.get("chat_id", 0) or 0)
        if endpoint in ("sendMessage", "copyMessage", "sendDocument"):
            self.sent_at.append(time.monotonic())
            self.sent_to.append(chat_id)
            message_id = next(self._ids)
            if endpoint == "copyMessage":
                return {"message_id": message_id}
            chat = {"id": chat_id, "type": "group" if chat_id < 0 else "private"}
            return {"message_id": message_id, "date": 0, "chat": chat, "text": "x"}
        if endpoint == "getMe":
            return BOT
        if endpoint == "getChatMemberCount":
            return 3
        if endpoint == "getChatMember":
            return {"user": {"id": params.get("user_id"), "is_bot": False, "first_name": "P"},
                    "status": "member"}  # fmt: skip
        if endpoint in ("editMessageText", "editMessageReplyMarkup"):
            chat = {"id": chat_id, "type": "group" if chat_id < 0 else "private"}
            return {"message_id": int(params.get("message_id", 1)), "date": 0, "chat": chat}
        return True


class LimitedBotApi(InstantBotApi):
    """An instant Bot API that enforces Telegram's three windows like Telegram: 30 messages
    in any second, one per second per chat, twenty per minute per group; 429 otherwise."""

    def __init__(self, per_second: int = 30, clock: Callable[[], float] = time.monotonic) -> None:
        """Limits and the clock they are measured with."""
        super().__init__()
        self.per_second = per_second
        self.clock = clock
        self.refused = 0
        self._chats: dict[int, list[float]] = {}

    def refuse(self, endpoint: str, params: JSONDict) -> JSONDict | None:
        """A 429 when this message would break a window."""
        if endpoint not in ("sendMessage", "copyMessage"):
            return None
        now = self.clock()
        chat_id = int(params.get("chat_id", 0) or 0)
        recent = [t for t in self.sent_at if t > now - 1.0][-self.per_second :]
        chat = [t for t in self._chats.get(chat_id, []) if t > now - 60.0]
        if (
            len(recent) >= self.per_second
            or (chat and chat[-1] > now - 1.0)
            or (chat_id < 0 and len(chat) >= 20)
        ):
            self.refused += 1
            return {"ok": False, "error_code": 429, "description": "Too Many Requests",
                    "parameters": {"retry_after": 1}}  # fmt: skip
        chat.append(now)
        self._chats[chat_id] = chat
        return None


def run(coroutine: Any) -> Any:
    """Run one benchmark coroutine in a fresh event loop."""
    return asyncio.run(coroutine)
