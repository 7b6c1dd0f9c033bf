"""Thin Telegram adapters; `register` is the single list of every handler, in order."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import _, speaking
from handlers import (
    access,
    admin,
    answers,
    apart,
    buttons,
    dates,
    jar,
    language,
    onboarding,
    practices,
    privacy,
    rituals,
    settings,
)
from handlers.common import Context, once
from handlers.context import HearthApp

log = logging.getLogger(__name__)


# Conditions Hearth handles and recovers from: one WARNING line, never ERROR.
HANDLED = (NetworkError, RetryAfter, Conflict, Forbidden)


async def on_error(update: object, context: Context) -> None:
    """Log a failure without message text; answer a button press so it doesn't spin.

    Network trouble, flood waits, a second poller and blocked chats are handled conditions
    (one WARNING line); anything else is a bug (ERROR, with its traceback).
    """
    error = context.error
    where = update.update_id if isinstance(update, Update) else "(a job or polling)"
    if isinstance(error, HANDLED):
        log.warning("update %s: %s (%s)", where, type(error).__name__, "handled")
    else:
        log.error(
            "error handling update %s: %s",
            where,
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
    query = update.callback_query if isinstance(update, Update) else None
    if query is not None:
        with speaking(query.from_user.language_code):
            sorry = _("Something went wrong. Please try again.")
        # Already answered, or Telegram is unreachable: nothing more to do.
        with contextlib.suppress(TelegramError):
            await query.answer(sorry, show_alert=True)


def register(application: HearthApp) -> None:
    """Add every handler to the application, each once-only for redelivered updates."""
    private = filters.ChatType.PRIVATE
    # Commands act on new messages only: editing "/jar add …" must not add a second question.
    new = filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS
    commands = {
        "start": onboarding.start,
        "help": settings.help_command,
        "jar": jar.jar_command,
        "timezone": settings.timezone,
        "time": settings.time_command,
        "jarnight": settings.jarnight,
        "language": language.language_command,
        "living": apart.living,
        "settings": settings.settings,
        "pause": settings.pause,
        "resume": settings.resume,
        "depth": practices.depth_command,
        "appreciation": practices.appreciation,
        "together": practices.together_command,
        "memories": practices.memories,
        "guess": rituals.guess,
        "checkin": rituals.checkin,
        "dates": dates.dates_command,
        "privacy": privacy.privacy_command,
        "export": privacy.export,
        "forget": privacy.forget,
        "stats": admin.stats_command,
    }
    application.add_handlers(
        [
            ChatMemberHandler(once(onboarding.my_chat_member), ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, once(onboarding.migrated)),
            MessageHandler(filters.StatusUpdate.NEW_CHAT_TITLE, once(onboarding.renamed)),
            *(CommandHandler(name, once(cb), filters=new) for name, cb in commands.items()),
            CallbackQueryHandler(once(buttons.on_button)),
            MessageHandler(
                filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND, once(answers.edited)
            ),
            MessageHandler(
                groups & filters.REPLY & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                once(answers.group_reply),
            ),
            MessageHandler(
                private & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                once(answers.private_message),
            ),
            MessageHandler(private & filters.COMMAND & new, once(admin.unknown)),
        ]
    )
    # Before everything: people outside a private instance's allow-list are turned away.
    application.add_handler(TypeHandler(Update, access.gate), group=-1)
    application.add_error_handler(on_error)
