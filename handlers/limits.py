"""Telegram's limits on every Bot API call: python-telegram-bot's rate-limiter hook around
Hearth's limiter, so replies, edits and the outbox share one budget."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.core.limiter import Limiter

log = logging.getLogger(__name__)
# Methods that put a message in a chat (Telegram's flood limits count these).
LIMITED = ("send", "copyMessage", "forwardMessage", "editMessage")
JSONDict = dict[str, Any]


def _chat(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None  # a @channel name: not a chat Hearth writes to


class TelegramLimits(BaseRateLimiter[int]):
    """Waits for a slot before each message; a flood wait holds its chat and is one WARNING.

    `rate_limit_args` is how many times a flood wait is retried here (default once, when it
    is short); the outbox passes 0 and reschedules the message itself.
    """

    def __init__(self, limiter: Limiter, max_wait: float = 10.0) -> None:
        """Wrap `limiter`; waits longer than `max_wait` seconds are never slept through here."""
        self.limiter = limiter
        self.max_wait = max_wait

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Take a slot in every window the call counts against, then make the call."""
        chat_id = _chat(data) if endpoint.startswith(LIMITED) else None
        retries = 1 if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            if chat_id is not None:
                await self.limiter.acquire(chat_id)
            try:
                try:
                    return await callback(*args, **kwargs)
                finally:
                    if chat_id is not None:
                        self.limiter.release(chat_id)  # answered (or failed): windows from now
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if chat_id is not None:
                    self.limiter.pause(chat_id, seconds)  # its next slot waits as asked
                retry = attempt < retries and seconds <= self.max_wait
                log.warning(
                    "flood wait: Telegram asked for %.0f s on %s to %s; %s",
                    seconds,
                    endpoint,
                    "a group" if (chat_id or 0) < 0 else "a private chat",
                    "retrying" if retry else "rescheduled",
                )
                if not retry:
                    raise
                if chat_id is None:
                    await self.limiter.sleep(seconds)  # no chat's slot to hold: wait here
                attempt += 1
