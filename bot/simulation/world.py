"""The real Application wired to the fake Bot API, a settable clock and a database.

Shared by the demo and the end-to-end tests: it feeds updates through
`Application.process_update` and runs the tick job with `Job.run`, never sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.core.content import Content
from bot.core.models import OutboxMessage
from bot.core.purposes import OutboxStatus
from bot.simulation.driver import TelegramDriver
from bot.simulation.fake_api import FAKE_TOKEN, FakeBotApi, FakeChat, FakeUser, Sent
from handlers.context import Hearth, HearthApp, HearthContext

# A fixed key for the simulation only: demo and test databases are thrown away.
FAKE_KEY = "c2ltdWxhdGlvbi1vbmx5LWtleS0wMDAwMDAwMDAwMDA="


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        """Start at `now` (aware)."""
        self.now = now

    def __call__(self) -> datetime:
        """The current simulated time."""
        return self.now


@dataclass
class Couple:
    """Two onboarded partners and their group, as the simulation knows them."""

    alex: FakeUser
    sam: FakeUser
    group: FakeChat


class Simulation:
    """An Application against FakeBotApi, with a driver (`tg`) acting as users; use `async with`."""

    def __init__(
        self,
        database_url: str,
        start: datetime,
        content: Content | None = None,
        bot_username: str = "hearth_bot",
        settings: Settings | None = None,
    ) -> None:
        """Prepare (nothing runs until entered); `settings` replaces the defaults below."""
        self.api = FakeBotApi(bot_username)
        self.tg = TelegramDriver(self.api)
        self.clock = FakeClock(start)
        self.settings = settings or Settings(
            token=FAKE_TOKEN,
            database_url=database_url,
            rate_limit=False,
            encryption_key=FAKE_KEY,
        )
        self.app: HearthApp = build_application(
            self.settings, request=self.api, clock=self.clock, content=content
        )
        self.errors: list[BaseException] = []
        self.app.add_error_handler(self._record_error)

    async def _record_error(self, update: object, context: HearthContext) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    @property
    def hearth(self) -> Hearth:
        """The services in bot_data."""
        service = self.app.bot_data["hearth"]
        assert isinstance(service, Hearth)
        return service

    async def __aenter__(self) -> Simulation:
        """Initialise the Application and run post_init (migrations, menus, the tick job)."""
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        # The one process here is the leader: what a dead one had claimed goes out again (once
        # its claim has lapsed).
        await self.hearth.sender.recover()
        self.hearth.receiving = True  # updates come through `feed`
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Shut the Application down."""
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)

    async def feed(self, update: dict[str, Any] | None) -> None:
        """Process one update the fake produced (None: privacy mode hid it from the bot)."""
        if update is None:
            return
        await self.app.process_update(Update.de_json(update, self.app.bot))
        if self.errors:
            error = self.errors.pop(0)
            raise AssertionError(f"handler failed: {error!r}") from error
        await self.send()

    async def tick(self, at: datetime | None = None) -> None:
        """Move the clock (optionally) and run the repeating tick job once."""
        if at is not None:
            self.clock.now = at
        assert self.app.job_queue is not None
        (job,) = self.app.job_queue.get_jobs_by_name("tick")
        await job.run(self.app)
        if self.errors:
            raise AssertionError(f"tick failed: {self.errors.pop(0)!r}")
        await self.send()

    async def send(self) -> int:
        """Let the sender send everything due now (the service does this continuously)."""
        if not await self._anything_due():
            return 0  # claiming takes a write transaction: skip it when it would find nothing
        return await self.hearth.sender.drain()

    async def _anything_due(self) -> bool:
        """Some outbox message waits to be sent now (the sender claims only such messages)."""
        async with self.hearth.sessions() as session:
            found = await session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= self.clock(),
                )
                .limit(1)
            )
        return found is not None

    async def onboard(
        self,
        alex: str = "Alex",
        sam: str = "Sam",
        private: bool = True,
        languages: tuple[str, str] = ("", ""),
    ) -> Couple:
        """Two partners make a group, add the bot, join, and (optionally) open private chats;
        `languages` are their Telegram apps' language codes (Alex adds the bot)."""
        a, s = self.tg.user(alex, languages[0]), self.tg.user(sam, languages[1])
        group = self.tg.group(f"{alex} & {sam}", [a, s])
        await self.feed(self.tg.add_bot(group, by=a))
        greeting = self.tg.last(group)
        await self.feed(self.tg.press(a, greeting, "join"))
        await self.feed(self.tg.press(s, greeting, "join"))
        if private:
            link = self.tg.url_buttons(self.tg.last(group))[0]
            token = link.split("start=", 1)[1]
            for user in (a, s):
                await self.feed(self.tg.start(user, token))
        return Couple(a, s, group)

    def new_messages(self, since: int) -> list[Sent]:
        """Messages the bot sent after the first `since` ones."""
        return self.api.sent[since:]
