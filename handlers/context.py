"""The services one Application shares, and the typed PTB context handlers receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.config import Settings
from bot.core.content import Content
from handlers.sender import Sender

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (tests pass their own clock instead)."""
    return datetime.now(UTC)


@dataclass
class Hearth:
    """Everything handlers and jobs need, put into `bot_data["hearth"]` at build time."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    sender: Sender
    clock: Clock = field(default=utc_now)
    bot_username: str = "hearth_bot"
    started_at: datetime = field(default_factory=utc_now)
    # Updates can reach us: the webhook was registered, or polling started (see /healthz).
    receiving: bool = False


class HearthContext(CallbackContext[ExtBot[int], dict[Any, Any], dict[Any, Any], dict[str, Any]]):
    """PTB's context with Hearth's services one attribute away."""

    @property
    def hearth(self) -> Hearth:
        """The services stored in bot_data at build time."""
        service = self.bot_data["hearth"]
        if not isinstance(service, Hearth):
            raise TypeError("bot_data['hearth'] is not set up")
        return service


HearthApp = Application[
    ExtBot[int],
    HearthContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[str, Any],
    JobQueue[HearthContext],
]
CONTEXT_TYPES = ContextTypes(
    context=HearthContext,
    bot_data=dict[str, Any],
    chat_data=dict[Any, Any],
    user_data=dict[Any, Any],
)
