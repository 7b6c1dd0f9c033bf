"""Shared plumbing for handlers: the per-update unit of work and who is talking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.core import couples
from bot.core.models import Couple, Partner
from bot.core.outbox import Outgoing, enqueue
from handlers.context import Hearth

Context = ContextTypes.DEFAULT_TYPE


def hearth(context: Context) -> Hearth:
    """The services stored in bot_data at build time."""
    service: Hearth = context.application.bot_data["hearth"]
    return service


@dataclass
class Work:
    """One update's database session, its clock reading and the messages it queues."""

    session: AsyncSession
    now: datetime
    service: Hearth
    queued: list[tuple[int | None, list[Outgoing]]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # held outbox rows to send now

    def send(self, couple_id: int | None, messages: list[Outgoing]) -> None:
        """Queue messages that must arrive; stored with this update's changes."""
        if messages:
            self.queued.append((couple_id, messages))


@asynccontextmanager
async def unit_of_work(context: Context) -> AsyncIterator[Work]:
    """Open a session, commit the update's changes with its outbox, then send."""
    service = hearth(context)
    now = service.clock()
    async with service.sessions() as session, session.begin():
        work = Work(session, now, service)
        yield work
        rows = [
            row
            for couple_id, messages in work.queued
            for row in enqueue(session, couple_id, messages, now)
        ]
        await session.flush()
    ids = [row.id for row in rows] + work.released
    if ids:
        # Only this update's messages: a backlog is the tick's job, not this reply's.
        await service.sender.flush(now, ids=ids)


def is_private(update: Update) -> bool:
    """The update comes from a private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE


async def who(work: Work, update: Update) -> tuple[Couple | None, Partner | None]:
    """The couple this update concerns and the sender's partner record in it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None, None
    if chat.type == Chat.PRIVATE:
        partner = await couples.partner_of(work.session, user.id)
        return (None, None) if partner is None else (partner.couple, partner)
    couple = await couples.couple_by_chat(work.session, chat.id)
    if couple is None:
        return None, None
    return couple, couples.partner_in(couple, user.id)


async def reply(update: Update, text: str) -> None:
    """Reply in the chat of the update (HTML)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, do_quote=False)


def callback_numbers(data: str | None) -> list[int] | None:
    """The numbers after the prefix in callback data like "w:12:3", or None if malformed."""
    parts = (data or "").split(":")[1:]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]
