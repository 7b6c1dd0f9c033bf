"""The services one Application shares: settings, database, content, clock and sender."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.content import Content

if TYPE_CHECKING:
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
