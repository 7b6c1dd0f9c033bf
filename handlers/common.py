"""Shared plumbing for handlers: the per-update unit of work and who is talking."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)

from bot import db, leader
from bot.core import couples, outbox, service
from bot.core.models import Couple, Partner
from bot.core.outbox import Outgoing
from bot.i18n import _, speaking, use
from handlers import texts
from handlers.context import Hearth, HearthContext

Context = HearthContext
TAG = re.compile(r"<[^>]*>")
Callback = Callable[[Update, HearthContext], Coroutine[Any, Any, None]]


class DuplicateUpdate(Exception):
    """This update was processed before (Telegram delivered it again): do nothing."""


@dataclass
class Work:
    """One update's database session, its clock reading and the messages it queues."""

    session: AsyncSession
    now: datetime
    service: Hearth
    queued: list[tuple[int | None, list[Outgoing]]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # held outbox rows back in line
    # The chat's couple as loaded to learn the chat's language: the first `who` takes it
    # instead of loading it again; later ones load afresh (the handler may have changed it).
    preloaded: Couple | None = None

    def send(self, couple_id: int | None, messages: list[Outgoing]) -> None:
        """Queue messages that must arrive; stored with this update's changes."""
        if messages:
            self.queued.append((couple_id, messages))


@asynccontextmanager
async def unit_of_work(update: Update, context: HearthContext) -> AsyncIterator[Work]:
    """One transaction per update: its changes, its queued messages and the record that it
    was processed commit together; then the sender is woken to send what was queued."""
    hearth = context.hearth
    now = hearth.clock()
    async with db.writing(hearth.sessions) as session:
        if not await service.first_time(session, update.update_id, now):
            raise DuplicateUpdate(update.update_id)
        work = Work(session, now, hearth)
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None:
            # Whatever the handler says, it says in the language of the chat it answers. The
            # couple's row is locked first, so that two updates of one couple (the partners
            # answering at once, one in the group, one privately) take their locks in the same
            # order and the second waits for the first instead of deadlocking (PostgreSQL).
            couple, partner = await _load(session, chat, user.id, lock=True)
            work.preloaded = couple
            if couple is not None:  # a group speaks its couple's language, whoever writes
                use(couples.language_of(couple, partner if chat.type == Chat.PRIVATE else None))
        yield work
        await outbox.enqueue(session, work.queued, now)
        if (
            (work.queued or work.released)
            and not hearth.sender.leading
            and session.get_bind().dialect.name == "postgresql"
        ):
            # The leader is another worker: PostgreSQL tells it at commit. (The leader wakes
            # its own sender below, without a statement: one round trip fewer an update.)
            await leader.notify(await session.connection())
    if work.queued or work.released:
        hearth.sender.wake()


def once(callback: Callback) -> Callback:
    """Wrap a handler so that an update delivered twice has no visible effect the second time."""

    @functools.wraps(callback)
    async def handler(update: Update, context: HearthContext) -> None:
        user = update.effective_user
        # Until the handler knows whose chat this is, it speaks the sender's app language.
        with speaking(user.language_code if user else None):
            try:
                await callback(update, context)
            except DuplicateUpdate:
                return

    return handler


def is_private(update: Update) -> bool:
    """The update comes from a private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE


async def _load(
    session: AsyncSession, chat: Chat, user_id: int, lock: bool = False
) -> tuple[Couple | None, Partner | None]:
    """A group's couple and the user in it (None for a third person), or in a private chat
    the user's couple and partner record."""
    if chat.type == Chat.PRIVATE:
        return await couples.couple_of_user(session, user_id, lock)
    couple = await couples.couple_by_chat(session, chat.id, lock)
    return (None, None) if couple is None else (couple, couples.partner_in(couple, user_id))


async def who(work: Work, update: Update) -> tuple[Couple | None, Partner | None]:
    """The couple this update concerns and the sender's partner record in it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None, None
    couple, work.preloaded = work.preloaded, None
    if couple is None:
        return await _load(work.session, chat, user.id)
    partner = couples.partner_in(couple, user.id)
    if partner is None and chat.type == Chat.PRIVATE:
        return None, None
    return couple, partner


async def who_may_change(
    work: Work, update: Update
) -> tuple[Couple, Partner, str] | tuple[None, None, str]:
    """The couple and partner changing a setting, or an explanation why they may not."""
    couple, partner = await who(work, update)
    if couple is None or not couple.active:
        return None, None, texts.not_set_up()
    if partner is None:
        return None, None, _("Only the two partners can change Hearth's settings.")
    return couple, partner, ""


async def reply(update: Update, text: str) -> None:
    """Reply in the chat of the update (HTML)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, do_quote=False)


def invalid_button() -> str:
    """The one alert every button that is no longer valid gets."""
    return _("That button is no longer valid.")


def already_shows(
    message: MaybeInaccessibleMessage | None,
    markup: InlineKeyboardMarkup | None,
    html: str | None = None,
) -> bool:
    """The message shows this keyboard (and this text, if given) already: an edit would change
    nothing, and Telegram refuses it ("message is not modified")."""
    if not isinstance(message, Message):
        return False
    if html is not None and message.text != unescape(TAG.sub("", html)):
        return False
    nothing = InlineKeyboardMarkup([])
    return (message.reply_markup or nothing) == (markup or nothing)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the pressed message, unless they are gone already (a second tap:
    Telegram refuses an edit that changes nothing)."""
    if not already_shows(query.message, None):
        await query.edit_message_reply_markup(reply_markup=None)


def not_yours() -> str:
    """The alert for a button pressed by someone it isn't for."""
    return _("This button is for someone else 🙂")
