"""Telegram's send limits as one limiter: an overall rate, one message per second per chat and
twenty per minute per group. Sends are spaced evenly (no bursts), so a window checked at any
instant holds no more than the limit.

A message counts from its slot until its request has been answered (`release`), and its
windows run from then: between the slot and the request reaching Telegram the event loop may
be busy for tens of milliseconds, so a message sent on time could otherwise arrive within the
same second as one sent after it. Telegram saw each request before it answered, so windows
measured from the answers hold at Telegram whatever the delays.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Evenly spaced sends arrive with a little jitter; a small margin keeps every sliding window
# under its limit even when two neighbours arrive a millisecond closer than they were sent.
MARGIN = 1.03
# Waits are at least this long, so rounding at a window's edge can never spin in place.
TICK = 0.001
# How often a message waiting only for earlier ones to be answered looks again.
OPEN_POLL = 0.05
# Past this many chats remembered, those whose hold has passed are forgotten.
REMEMBER = 10_000


@dataclass(frozen=True)
class Limits:
    """The three windows (a rate of 0 turns the overall limit off, e.g. for benchmarks)."""

    per_second: float = 30.0
    chat_interval: float = 1.0
    group_per_minute: int = 20

    @property
    def unlimited(self) -> bool:
        """No limit at all."""
        return self.per_second <= 0


class Limiter:
    """Hands out send slots; each `acquire` returns when its message may go."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Limits, and the clock and sleep to use (tests pass virtual ones)."""
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self._interval = MARGIN / limits.per_second if limits.per_second > 0 else 0.0
        self._chat_interval = limits.chat_interval * MARGIN
        self._group_window = 60.0 * MARGIN
        self._next = 0.0  # the next free overall slot
        # When sent messages were answered: a late wake-up must not squeeze the window behind.
        self._sent: deque[float] = deque()
        self._open = 0  # messages given a slot and not yet answered (they count as in window)
        self._window = MARGIN  # seconds: Telegram's one-second window, with the margin
        self._chat_next: dict[int, float] = {}  # when each chat may have its next message
        # Chats with a message past the per-chat check and not yet answered: held until then.
        self._in_flight: dict[int, asyncio.Event] = {}
        self._group_log: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self.remember = REMEMBER

    def _ready_at(self, chat_id: int) -> float:
        ready = max(self._chat_next.get(chat_id, 0.0), self._paused_until)
        log = self._group_log.get(chat_id)
        if log is not None and len(log) >= self.limits.group_per_minute:
            ready = max(ready, log[-self.limits.group_per_minute] + self._group_window)
        return ready

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` fits every window, and take that slot; once the
        request has been answered (or failed), call `release` exactly once."""
        if self.limits.unlimited:
            return
        while True:
            busy = self._in_flight.get(chat_id)
            if busy is not None:
                # The chat's previous message has not been answered yet: its one-second hold
                # starts from then, so wait for that.
                await busy.wait()
                continue
            now = self.clock()
            ready = self._ready_at(chat_id)
            if ready <= now:
                break
            await self.sleep(max(ready - now, TICK))
        # Hold the chat until the answer, so no other sender takes it. The hold lives apart
        # from `_chat_next`, which `_forget_idle` may prune at any time.
        done = asyncio.Event()
        self._in_flight[chat_id] = done
        try:
            slot = max(now, self._next)
            self._next = slot + self._interval
            if slot > now:
                await self.sleep(slot - now)
            await self._within_window()
        except BaseException:
            del self._in_flight[chat_id]
            done.set()
            raise

    def release(self, chat_id: int) -> None:
        """The message's request was answered: its windows run from now."""
        if self.limits.unlimited:
            return
        answered = self.clock()
        self._open -= 1
        self._sent.append(answered)
        held = self._chat_next.get(chat_id, 0.0)  # a flood wait may have paused it meanwhile
        self._chat_next[chat_id] = max(held, answered + self._chat_interval)
        if chat_id < 0:
            log = self._group_log.setdefault(chat_id, deque(maxlen=self.limits.group_per_minute))
            log.append(answered)
        done = self._in_flight.pop(chat_id, None)
        if done is not None:
            done.set()
        if len(self._chat_next) > self.remember:
            self._forget_idle(answered)

    async def _within_window(self) -> None:
        """Wait while the last second's answers and the messages still unanswered already
        make the limit; then count this message as unanswered."""
        limit = max(int(self.limits.per_second), 1)
        while True:
            now = self.clock()
            while self._sent and self._sent[0] <= now - self._window:
                self._sent.popleft()
            if len(self._sent) + self._open < limit:
                self._open += 1
                return
            wait = self._sent[0] + self._window - now if self._sent else OPEN_POLL
            if self._open:  # an answer may come first (answers take long when Telegram does)
                wait = min(wait, OPEN_POLL)
            await self.sleep(max(wait, TICK))

    def pause(self, chat_id: int, seconds: float, everything: bool = False) -> None:
        """Telegram asked for a wait: hold this chat (or every chat) for `seconds`."""
        until = self.clock() + seconds
        if everything:
            self._paused_until = max(self._paused_until, until)
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    def _forget_idle(self, now: float) -> None:
        """Drop chats that have been quiet for a minute: they constrain nothing any more."""
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        self._group_log = {
            c: log
            for c, log in self._group_log.items()
            if log and log[-1] > now - self._group_window
        }
