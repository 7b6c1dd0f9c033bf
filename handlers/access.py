"""A private instance: people outside HEARTH_ALLOWED_USERS get one polite line, and nothing
about them is stored (this runs before every other handler, before any database work)."""

from __future__ import annotations

import contextlib
import logging

from telegram import Chat, Update, User
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import _, speaking
from handlers.common import Context

log = logging.getLogger(__name__)


def allowed(user: User, allow_list: frozenset[str]) -> bool:
    """Whether this person may use the instance (an empty list lets everyone in)."""
    if not allow_list:
        return True
    username = f"@{user.username.lower()}" if user.username else ""
    return str(user.id) in allow_list or (bool(username) and username in allow_list)


def private_instance() -> str:
    """What a stranger is told."""
    return _(
        "This Hearth is private: its host runs it for people they know. If you'd like Hearth "
        "for the two of you, a host can run their own copy (it's free software)."
    )


async def gate(update: Update, context: Context) -> None:
    """Stop updates from people outside the allow-list, after one polite line."""
    user = update.effective_user
    if user is None or allowed(user, context.hearth.settings.allowed_users):
        return
    with speaking(user.language_code):  # a stranger: their app's language, if Hearth has it
        text = private_instance()
    with contextlib.suppress(TelegramError):  # a stranger's chat may refuse us: nothing to do
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.my_chat_member is not None:
            chat = update.my_chat_member.chat
            if update.my_chat_member.new_chat_member.status in ("member", "administrator"):
                await context.bot.send_message(chat.id, text)
                await context.bot.leave_chat(chat.id)
        elif update.message is not None and (
            update.message.chat.type == Chat.PRIVATE or update.message.text
        ):
            await update.message.reply_text(text, do_quote=False)
    log.info("an update from outside the allow-list was turned away")
    raise ApplicationHandlerStop
