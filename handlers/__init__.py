"""Thin Telegram adapters; `register` is the single list of every handler, in order."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import answers, gestures, jar, onboarding, practices, privacy, settings
from handlers.common import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the failure without message text; the update's changes were rolled back or kept."""
    error = context.error
    where = update.update_id if isinstance(update, Update) else "job"
    log.error(
        "error handling %s: %s",
        where,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler to the application."""
    private = filters.ChatType.PRIVATE
    # Commands act on new messages only: editing "/jar add …" must not add a second question.
    new = filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS
    application.add_handlers(
        [
            ChatMemberHandler(onboarding.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, onboarding.migrated),
            CommandHandler("start", onboarding.start, filters=new),
            CommandHandler("help", settings.help_command, filters=new),
            CommandHandler("jar", jar.jar_command, filters=new),
            CommandHandler("timezone", settings.timezone, filters=new),
            CommandHandler("time", settings.time_command, filters=new),
            CommandHandler("jarnight", settings.jarnight, filters=new),
            CommandHandler("settings", settings.settings, filters=new),
            CommandHandler("pause", settings.pause, filters=new),
            CommandHandler("resume", settings.resume, filters=new),
            CommandHandler("depth", practices.depth_command, filters=new),
            CommandHandler("appreciation", practices.appreciation, filters=new),
            CommandHandler("together", practices.together_command, filters=new),
            CommandHandler("memories", practices.memories, filters=new),
            CommandHandler("privacy", privacy.privacy_command, filters=new),
            CommandHandler("export", privacy.export, filters=new),
            CommandHandler("forget", privacy.forget, filters=new),
            CallbackQueryHandler(onboarding.join, pattern=f"^{onboarding.JOIN}$"),
            CallbackQueryHandler(gestures.gesture_button, pattern=r"^g:"),
            CallbackQueryHandler(settings.settings_button, pattern=r"^s:"),
            CallbackQueryHandler(practices.warm_button, pattern=r"^w:"),
            CallbackQueryHandler(practices.depth_button, pattern=r"^d:"),
            CallbackQueryHandler(practices.appreciation_button, pattern=r"^p:"),
            CallbackQueryHandler(practices.together_button, pattern=r"^t:"),
            CallbackQueryHandler(privacy.forget_button, pattern=r"^f:"),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND, answers.edited),
            MessageHandler(
                groups & filters.REPLY & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                answers.group_reply,
            ),
            MessageHandler(
                private & ~filters.COMMAND & filters.UpdateType.MESSAGE, answers.private_message
            ),
        ]
    )
    application.add_error_handler(on_error)
