"""Telegram's send limits as one limiter: an overall rate, one message per second per chat and
twenty per minute per group. Sends are spaced evenly (no bursts), so a window checked at any
instant holds no more than the limit.
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
        # When messages actually went: a late wake-up must not squeeze the window behind it.
        self._sent: deque[float] = deque()
        self._window = MARGIN  # seconds: Telegram's one-second window, with the margin
        self._chat_next: dict[int, float] = {}  # when each chat may have its next message
        # Chats whose message has passed the per-chat check and waits for an overall slot.
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
        """Wait until a message to `chat_id` fits every window, and take that slot."""
        if self.limits.unlimited:
            return
        while True:
            busy = self._in_flight.get(chat_id)
            if busy is not None:
                # The chat's previous message is still waiting for its overall slot: its
                # one-second hold starts when it actually goes, so wait for that.
                await busy.wait()
                continue
            now = self.clock()
            ready = self._ready_at(chat_id)
            if ready <= now:
                break
            await self.sleep(max(ready - now, TICK))
        # Hold the chat while waiting for an overall slot, so no other sender takes it. The
        # hold lives apart from `_chat_next`, which `_forget_idle` may prune at any time.
        done = asyncio.Event()
        self._in_flight[chat_id] = done
        try:
            slot = max(now, self._next)
            self._next = slot + self._interval
            if slot > now:
                await self.sleep(slot - now)
            sent = await self._within_window()
        finally:
            del self._in_flight[chat_id]
            done.set()
        held = self._chat_next.get(chat_id, 0.0)  # a flood wait may have paused it meanwhile
        self._chat_next[chat_id] = max(held, sent + self._chat_interval)
        if chat_id < 0:
            log = self._group_log.setdefault(chat_id, deque(maxlen=self.limits.group_per_minute))
            log.append(sent)
        if len(self._chat_next) > self.remember:
            self._forget_idle(sent)

    async def _within_window(self) -> float:
        """Wait while the last second already holds the limit; the moment the message goes."""
        limit = max(int(self.limits.per_second), 1)
        while True:
            now = self.clock()
            while self._sent and self._sent[0] <= now - self._window:
                self._sent.popleft()
            if len(self._sent) < limit:
                self._sent.append(now)
                return now
            await self.sleep(max(self._sent[0] + self._window - now, TICK))

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
