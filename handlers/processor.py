"""Updates processed concurrently, except that one chat's and one person's stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class OrderedPerChat(BaseUpdateProcessor):
    """Runs updates of different chats side by side; each chat's and each user's in order.

    An answer in the group and its edit, or a tap on "Answer privately" and the private
    answer after it, keep their order. Two partners acting at once in different chats run
    together; their transactions take turns on their couple's row (see common.unit_of_work).
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        """At most `max_concurrent_updates` updates in flight."""
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Hold the locks of the update's chat and user while it runs."""
        keys = sorted(_keys(update))
        async with AsyncExitStack() as stack:
            for key in keys:
                lock = self._locks.setdefault(key, asyncio.Lock())
                self._users[key] = self._users.get(key, 0) + 1
                stack.callback(self._release, key)
                await stack.enter_async_context(lock)
            await coroutine

    def _release(self, key: int) -> None:
        self._users[key] -= 1
        if not self._users[key]:  # nobody waits for this key any more: forget its lock
            del self._users[key]
            del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def _keys(update: object) -> set[int]:
    if not isinstance(update, Update):
        return set()
    chat, user = update.effective_chat, update.effective_user
    # A user id and a chat id never collide in meaning: private chats are the user's id.
    return {k for k in (chat.id if chat else None, user.id if user else None) if k is not None}
