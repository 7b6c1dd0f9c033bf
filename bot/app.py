"""build_application: the one place that wires settings, database, content, handlers and jobs."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot import db
from bot.config import Settings
from bot.core.content import Content, load_content
from bot.core.scheduler import tick
from bot.i18n import _
from handlers import register
from handlers.context import Clock, Hearth, utc_now
from handlers.sender import Sender

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def group_commands() -> list[BotCommand]:
    """The command menu in groups."""
    return [
        BotCommand("jar", _("Draw a question from your jar")),
        BotCommand("together", _("Something new to do together")),
        BotCommand("memories", _("A past question with both answers")),
        BotCommand("settings", _("Times, time zone, pause")),
        BotCommand("timezone", _("Set your time zone")),
        BotCommand("time", _("Set the question, gesture or jar time")),
        BotCommand("pause", _("Take a break")),
        BotCommand("resume", _("Start again")),
        BotCommand("depth", _("How deep the questions go")),
        BotCommand("privacy", _("What Hearth keeps")),
        BotCommand("forget", _("Delete your couple's data")),
        BotCommand("help", _("What Hearth can do")),
        BotCommand("start", _("Status, or set up")),
    ]


def private_commands() -> list[BotCommand]:
    """The command menu in the private chat."""
    return [
        BotCommand("jar", _("Add a secret question: /jar add …")),
        BotCommand("appreciation", _("What makes you feel appreciated")),
        BotCommand("memories", _("A past question with both answers")),
        BotCommand("settings", _("Times, time zone, pause")),
        BotCommand("export", _("Your data as a file")),
        BotCommand("forget", _("Delete your own data")),
        BotCommand("privacy", _("What Hearth keeps")),
        BotCommand("help", _("What Hearth can do")),
    ]


async def run_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: deliver what is due, then send the outbox."""
    hearth: Hearth = context.application.bot_data["hearth"]
    now = hearth.clock()
    delivered = await tick(
        hearth.sessions,
        hearth.content,
        now,
        hearth.bot_username,
        retention_days=hearth.settings.retention_days,
    )
    if delivered:
        log.info("tick delivered %s", dict(delivered))
    await hearth.sender.flush(now)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    hearth: Hearth = application.bot_data["hearth"]
    await db.migrate(hearth.engine)
    hearth.bot_username = application.bot.username
    try:
        await application.bot.set_my_commands(
            group_commands(), scope=BotCommandScopeAllGroupChats()
        )
        await application.bot.set_my_commands(
            private_commands(), scope=BotCommandScopeAllPrivateChats()
        )
    except TelegramError as error:
        log.warning("could not register command menus: %s", error)
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is required"
    job_queue.run_repeating(run_tick, interval=hearth.settings.tick_seconds, first=1, name="tick")


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    hearth: Hearth = application.bot_data["hearth"]
    await hearth.engine.dispose()


def file_base_url(api_base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL (…/bot → …/file/bot)."""
    if api_base_url.rstrip("/").endswith("/bot"):
        return api_base_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    return api_base_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    clock: Clock = utc_now,
    content: Content | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the Application: handlers, services in bot_data, lifecycle hooks."""
    builder: Any = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_base_url(settings.api_base_url))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if settings.rate_limit:
        # Flood waits are not slept through here: the outbox reschedules the message.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    application: Application = builder.build()  # type: ignore[type-arg]
    engine = db.create_engine(settings.database_url)
    application.bot_data["hearth"] = Hearth(
        settings=settings,
        engine=engine,
        sessions=db.session_factory(engine),
        content=content or load_content(),
        sender=Sender(application.bot, db.session_factory(engine)),
        clock=clock,
    )
    register(application)
    return application
