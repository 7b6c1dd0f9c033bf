"""Sends the outbox through the Bot API: continuously, in batches, each chat in order, and
with the fallbacks for Telegram's errors. The limiter on the bot keeps it at Telegram's pace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot import db
from bot.core import sending
from bot.core.purposes import Outcome, backoff, policy
from bot.core.schedule import local_date
from bot.core.sending import Claimed, Result
from handlers import delivery

log = logging.getLogger(__name__)
FINAL_FLUSHES = 3  # tries to record the last results when stopping


def _trouble(error: Exception, retry_in: float) -> None:
    """One line for the on-call: the database being unreachable or busy is a handled
    condition; anything else (a constraint, a value that cannot be stored) is a bug."""
    if db.unavailable(error):
        # The class only: a database error's text can hold a statement.
        log.warning(
            "sender: the database failed (%s); retrying in %g s", type(error).__name__, retry_in
        )
    else:
        log.exception("sender: unexpected error; carrying on")


@dataclass
class SenderStats:
    """What the sender did since start (for /stats and the health check)."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    flood_waits: int = 0


IN_FLIGHT = 200  # claimed and not yet recorded, with no rate limit


def in_flight_for(rate: float) -> int:
    """How many messages the sender keeps claimed for a rate: a second's worth at least, so
    that claiming and recording never leave the limiter idle at a paid 1,000 a second; a few
    seconds' worth at most at a modest rate (three: chats with three messages each still keep
    up), since a message someone awaits, claimed first, still waits for those."""
    return IN_FLIGHT if rate <= 0 else max(math.ceil(rate), min(IN_FLIGHT, math.ceil(3 * rate)))


class Sender:
    """Claims due outbox rows in batches, sends them, and records what happened in batches."""

    def __init__(
        self,
        bot: ExtBot[int],
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        batch: int = IN_FLIGHT,
        paid_broadcast: bool = False,
        poll_seconds: float = 1.0,
    ) -> None:
        """Bind the sender to a bot, the session factory and the clock."""
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.batch = batch
        self.paid_broadcast = paid_broadcast
        self.poll_seconds = poll_seconds
        self.stats = SenderStats()
        # Only the leader sends (one process per bot token: Telegram's limits are per token).
        self.leading = True
        self._troubles: deque[tuple[datetime, str]] = deque(maxlen=10_000)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._results: list[Result] = []
        self._claimed: set[int] = set()  # outbox ids claimed whose result is not recorded yet
        self._tasks: set[asyncio.Task[None]] = set()  # `run`'s sends in flight, chat by chat

    def step_down(self) -> None:
        """Another process may lead now: claim nothing more, and stop the sends in flight
        (what they finished is still recorded; see `_send_chat` for the rest)."""
        self.leading = False
        for task in self._tasks:
            task.cancel()

    def wake(self) -> None:
        """New messages were queued in this process: look now instead of at the next poll."""
        self._wake.set()

    # --- the two ways to run: drain (tests, start-up) and run (the service) ---------------------

    async def drain(self, now: datetime | None = None) -> int:
        """Send everything due at `now`, batch after batch; returns how many went out."""
        sent = await self._flush()  # results an earlier failure kept (they count as sent now)
        while True:
            claimed = await self._claim(now or self.clock(), self.batch)
            if not claimed:
                return sent
            self._claimed.update(c.row.id for c in claimed)
            await asyncio.gather(*(self._send_chat(rows, now) for rows in _by_chat(claimed)))
            sent += await self._flush()

    async def run(self) -> None:
        """Send continuously until `stop`: claim while there is room, record as results come.

        Rows stay claimed until their result is recorded, so a chat's next message waits for
        the one before it; independent chats go out side by side, paced by the limiter.
        """
        tasks = self._tasks
        while not self._stopping.is_set():
            room = self.batch - len(self._claimed) if self.leading else 0
            try:
                claimed = await self._claim(self.clock(), room) if room > 0 else []
                self._claimed.update(c.row.id for c in claimed)
                for rows in _by_chat(claimed):
                    self._start(rows)
                if self._results:
                    await self._flush()
            except Exception as error:  # the sender outlives a database outage, or a bug
                _trouble(error, self.poll_seconds)
                await self._rest()
                continue
            tasks.difference_update([t for t in tasks if t.done()])
            if claimed and len(self._claimed) < self.batch:
                continue
            self._wake.clear()
            waiters: set[asyncio.Future[Any]] = set(tasks)
            waiters.add(asyncio.ensure_future(self._wake.wait()))
            waiters.add(asyncio.ensure_future(self._stopping.wait()))
            timeout = 0.05 if tasks else self.poll_seconds
            _done, pending = await asyncio.wait(
                waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending - tasks:
                waiter.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for attempt in range(FINAL_FLUSHES):
            try:
                await self._flush()
                break
            except Exception as error:
                _trouble(error, self.poll_seconds)
                if attempt + 1 < FINAL_FLUSHES:
                    await asyncio.sleep(self.poll_seconds)
        if self._results:  # not recorded: `recover` sends them again once their claims lapse
            log.warning("stopping with %s sent messages unrecorded", len(self._results))

    async def _rest(self) -> None:
        """Wait a poll's length before trying the database again (or until `stop`)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)

    def stop(self) -> None:
        """Ask `run` to finish what is in flight and return."""
        self._stopping.set()

    # --- claiming and recording ---------------------------------------------------------------

    async def _claim(self, now: datetime, limit: int) -> list[Claimed]:
        async with db.writing(self.sessions) as session:
            return await sending.claim(session, now, limit)

    async def _flush(self) -> int:
        results, self._results = self._results, []
        if not results:
            return 0
        try:
            await self._record(results)
        except BaseException as error:
            if not isinstance(error, Exception) or db.unavailable(error):
                # Not recorded: keep the results for the next flush, so nothing is sent twice.
                self._results = results + self._results
                raise
            # A bug in one result must not hold up the others: each on its own.
            log.exception("sender: could not record %s result(s); one by one", len(results))
            await self._record_each(results)
        return sum(1 for r in results if r.outcome == Outcome.SENT)

    async def _record(self, results: list[Result]) -> None:
        async with db.writing(self.sessions) as session:
            await sending.record(session, results, self.clock())
        self._claimed.difference_update(r.row.id for r in results)

    async def _record_each(self, results: list[Result]) -> None:
        """Record a batch that failed as a whole result by result; one that cannot be recorded
        is marked failed, so it is neither retried for ever nor sent again."""
        for n, result in enumerate(results):
            try:
                try:
                    await self._record([result])
                except Exception as error:
                    if db.unavailable(error):
                        raise
                    log.exception("sender: outbox %s could not be recorded", result.row.id)
                    async with db.writing(self.sessions) as session:
                        await sending.mark_failed(session, [result.row.id])
                    self._claimed.discard(result.row.id)
            except BaseException:
                self._results = results[n:] + self._results  # the database went away: later
                raise

    async def recover(self) -> int:
        """On taking the lead, and every tick: messages claimed by a process that must be gone
        (their claim lapsed) go back in line. This process's own claims stay (after an outage
        it may still hold results to record): sending them again would send them twice."""
        async with db.writing(self.sessions) as session:
            count = await sending.recover(session, self.clock(), keep=self._claimed)
        if count:
            log.warning("resuming %s messages a previous process had claimed", count)
            self.wake()
        return count

    # --- sending ------------------------------------------------------------------------------

    def _start(self, rows: list[Claimed]) -> None:
        """Send one chat's messages in a task of its own (`run`'s way)."""
        task = asyncio.create_task(self._send_chat(rows))
        task.add_done_callback(lambda done: self._untried(rows) if done.cancelled() else None)
        self._tasks.add(task)

    def _untried(self, rows: list[Claimed]) -> None:
        """A task cancelled before it began never runs its own handler (see `_send_chat`):
        its messages, still in hand with no result, were never tried: back in line."""
        known = {result.row.id for result in self._results}
        self._results.extend(
            Result(c.row, None) for c in rows if c.row.id in self._claimed and c.row.id not in known
        )

    async def _send_chat(self, rows: list[Claimed], now: datetime | None = None) -> None:
        """One chat's messages, in order; after a deferral the rest wait their turn."""
        chat = _Chat(rows[0].row.chat_id)
        for n, claimed in enumerate(rows):
            if chat.blocked:
                self._results.append(Result(claimed.row, None))
                continue
            try:
                result = await self._deliver(claimed, chat, now or self.clock())
            except asyncio.CancelledError:
                # Stepping down. This message may have gone or not: its claim is left to lapse
                # (then the leader sends it); the ones after it were never tried: back in line.
                self._claimed.discard(claimed.row.id)
                self._results.extend(Result(c.row, None) for c in rows[n + 1 :])
                raise
            except Exception:  # a bug: record it as failed, keep the rest of the batch going
                log.exception("outbox %s (%s) failed", claimed.row.id, claimed.row.purpose)
                result = Result(claimed.row, Outcome.FAILED)
            self._count(result)
            chat.blocked = result.outcome == Outcome.DEFERRED
            chat.closed = result.closed
            self._results.append(result)

    def _count(self, result: Result) -> None:
        if result.outcome == Outcome.SENT:
            self.stats.sent += 1
        elif result.outcome == Outcome.DEFERRED:
            self.stats.deferred += 1
        elif result.outcome == Outcome.FAILED:
            self.stats.failed += 1
            self._troubles.append((self.clock(), "failure"))

    def last_hour(self, now: datetime) -> dict[str, int]:
        """Flood waits and failures in the hour before `now` (for /stats)."""
        recent = [kind for at, kind in self._troubles if at > now - timedelta(hours=1)]
        return {"flood_waits": recent.count("flood_wait"), "failures": recent.count("failure")}

    async def _deliver(self, claimed: Claimed, chat: _Chat, now: datetime) -> Result:
        row = claimed.row
        rule = policy(row.purpose)
        if rule.expires_after is not None and now - row.created_at > rule.expires_after:
            return Result(row, Outcome.EXPIRED)
        if rule.day_bound and claimed.prompt_day is not None:
            # Tonight's question is not sent tomorrow, unless a crash interrupted it before
            # (one swapped in past midnight is made on the morrow: it goes that day).
            zone, first_try = ZoneInfo(claimed.tz), row.claimed_at or now
            made = max(claimed.prompt_day, local_date(row.created_at, zone))
            if local_date(first_try, zone) > made:
                return Result(row, Outcome.EXPIRED)
        if claimed.quotes_missing:
            return Result(row, Outcome.DROPPED)  # the answer it shows was deleted
        if chat.closed:  # refused earlier in this batch: the rest go as the first, unasked
            return self._closed(row, chat, quietly=True)
        for _attempt in range(3):  # again only after following a migrated group
            try:
                if row.only_if_private_group:
                    if chat.private is None:
                        chat.private = await delivery.only_partners(
                            self.bot, chat.id, claimed.partners
                        )
                    if not chat.private:
                        return Result(row, Outcome.SKIPPED)
                message_id = await delivery.send(self.bot, chat.id, claimed, self.paid_broadcast)
            except ChatMigrated as error:
                chat.moved_from, chat.id = chat.moved_from or chat.id, int(error.new_chat_id)
                continue
            except RetryAfter as error:
                self.stats.flood_waits += 1
                self._troubles.append((now, "flood_wait"))
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                return self._result(row, chat, Outcome.DEFERRED, retry_at=now + _secs(seconds))
            except TimedOut as error:
                never_sent = isinstance(error.__cause__, httpx.PoolTimeout | httpx.ConnectTimeout)
                if never_sent or not rule.assume_delivered:
                    log.warning("outbox %s (%s) timed out; retrying", row.id, row.purpose)
                    return self._result(row, chat, Outcome.DEFERRED, backoff(row.attempts, now))
                log.warning("outbox %s (%s) timed out; assuming delivered", row.id, row.purpose)
                return self._result(row, chat, Outcome.SENT)
            except Forbidden:
                return self._closed(row, chat)
            except BadRequest as error:
                return self._rejected(row, chat, error)
            except TelegramError as error:  # NetworkError and the like: transient
                log.warning(
                    "outbox %s (%s) deferred: %s", row.id, row.purpose, type(error).__name__
                )
                return self._result(row, chat, Outcome.DEFERRED, backoff(row.attempts, now))
            return self._result(row, chat, Outcome.SENT, message_id=message_id)
        return self._result(row, chat, Outcome.DEFERRED, now + timedelta(seconds=10))

    @staticmethod
    def _result(
        row: Any,
        chat: _Chat,
        outcome: Outcome,
        retry_at: datetime | None = None,
        message_id: int | None = None,
        closed: bool = False,
    ) -> Result:
        return Result(row, outcome, message_id, chat.id, retry_at, chat.moved_from, closed)

    def _closed(self, row: Any, chat: _Chat, quietly: bool = False) -> Result:
        """403: a private chat is closed (held, fallback to the group); a group removed us.
        `quietly`: a later message of a chat already found closed (one line is enough)."""
        private = row.partner_id is not None
        if not quietly:
            what = (
                "private chat closed; held" if private else "removed from the group; couple paused"
            )
            log.warning("outbox %s (%s): %s", row.id, row.purpose, what)
        return self._result(row, chat, Outcome.HELD if private else Outcome.DROPPED, closed=True)

    def _rejected(self, row: Any, chat: _Chat, error: BadRequest) -> Result:
        """400: a chat that is gone is as closed as a 403; a message the group's restrictions
        refuse, or a copy whose original its author deleted, cannot go; anything else is a
        message we built wrong (a bug)."""
        reason = error.message.lower()
        if "chat not found" in reason:
            return self._closed(row, chat)
        if "not enough rights" in reason:
            # Restricted in a supergroup (the bot, everyone, or one kind of message such as
            # voice notes): this message cannot go, but the couple stays as it is; Telegram
            # tells no one when the restriction ends, and the next message may well go.
            log.warning(
                "outbox %s (%s): not allowed to post this there; dropped", row.id, row.purpose
            )
            return self._result(row, chat, Outcome.DROPPED)
        if "message to copy not found" in reason:
            log.warning("outbox %s (%s): its original was deleted; dropped", row.id, row.purpose)
            return self._result(row, chat, Outcome.DROPPED)
        log.error("outbox %s (%s) rejected: %s", row.id, row.purpose, error.message)
        return self._result(row, chat, Outcome.FAILED)


@dataclass
class _Chat:
    """One chat's state during a batch: where it is now, and what was learnt about it."""

    id: int
    moved_from: int | None = None
    private: bool | None = None  # only the two partners in it (asked once per batch)
    blocked: bool = False
    closed: bool = False  # refused us (403): the rest of the batch goes unasked


def _by_chat(claimed: list[Claimed]) -> list[list[Claimed]]:
    chats: dict[int, list[Claimed]] = {}
    for item in claimed:
        chats.setdefault(item.row.chat_id, []).append(item)
    return list(chats.values())


def _secs(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)
