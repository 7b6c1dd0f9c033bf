"""build_application: the one place that wires settings, database, content, handlers and jobs."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest

from bot import db
from bot.config import Settings
from bot.core import crypto, service, stats
from bot.core.content import Content, library, load_content
from bot.core.limiter import Limiter, Limits
from bot.core.scheduler import tick
from bot.i18n import LANGUAGES, SOURCE, _, speaking, telegram_code
from handlers import register
from handlers.context import CONTEXT_TYPES, Clock, Hearth, HearthApp, HearthContext, utc_now
from handlers.limits import TelegramLimits
from handlers.processor import OrderedPerChat
from handlers.sender import Sender, in_flight_for

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
SENDER_TASK = "hearth-sender"


def group_commands() -> list[BotCommand]:
    """The command menu in groups."""
    return [
        BotCommand("jar", _("Draw a question from your jar")),
        BotCommand("together", _("Something new to do together")),
        BotCommand("memories", _("A past question with both answers")),
        BotCommand("guess", _("Love maps: answer, then guess each other")),
        BotCommand("dates", _("Your important dates")),
        BotCommand("checkin", _("A weekly check-in: on, off or its day")),
        BotCommand("settings", _("Times, time zone, pause")),
        BotCommand("timezone", _("Set your time zone")),
        BotCommand("living", _("Living together or apart")),
        BotCommand("time", _("Set the question, gesture or jar time")),
        BotCommand("pause", _("Take a break")),
        BotCommand("resume", _("Start again")),
        BotCommand("depth", _("How deep the questions go")),
        BotCommand("language", _("The language I write in")),
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
        BotCommand("guess", _("Carry on with this week's love map")),
        BotCommand("checkin", _("Carry on with this week's check-in")),
        BotCommand("dates", _("Secret dates: /dates add 14.02 …")),
        BotCommand("settings", _("Times, time zones, pause, intimacy questions")),
        BotCommand("timezone", _("Your own time zone: /timezone me …")),
        BotCommand("export", _("Your data as a file")),
        BotCommand("forget", _("Delete your own data")),
        BotCommand("privacy", _("What Hearth keeps")),
        BotCommand("language", _("The language I write in here")),
        BotCommand("help", _("What Hearth can do")),
    ]


def description() -> str:
    """What Telegram shows in the bot's empty chat (BotFather's "description")."""
    return _(
        "Hearth helps couples stay close with small daily rituals: an evening question you "
        "both answer (sealed until you've both replied), a private idea each morning for "
        "showing appreciation, and a question jar you fill together. Add me to a group with "
        "your partner to begin."
    )


def short_description() -> str:
    """The one line on the bot's profile (BotFather's "about")."""
    return _("Small daily rituals for couples: a question, a gesture, a jar.")


async def run_tick(context: HearthContext) -> None:
    """The repeating job (the leader's): hand out what is due; the sender takes it from there."""
    hearth = context.hearth
    if not hearth.sender.leading:
        return
    now = hearth.clock()
    async with db.writing(hearth.sessions) as session:
        troubles = json.dumps(hearth.sender.last_hour(now))
        await service.set_state(session, stats.SENDER_HOUR, troubles, now)
    # What a leader that died or stepped down had in hand goes out once its claim lapses.
    await hearth.sender.recover()
    delivered = await tick(
        hearth.sessions,
        hearth.content,
        hearth.clock(),
        hearth.bot_username,
        retention_days=hearth.settings.retention_days,
    )
    if delivered:
        log.info("tick delivered %s", dict(delivered))
        hearth.sender.wake()


async def start_sender(context: HearthContext) -> None:
    """Run the sender for as long as the application runs (started once the bot is up)."""
    hearth = context.hearth
    if not context.application.running:
        return  # stopping already (a refused webhook, a signal): nothing to send for
    context.application.create_task(hearth.sender.run(), name=SENDER_TASK)


async def _register_menus(application: HearthApp, language: str) -> None:
    """Menus and descriptions in one language: English for everyone without their own."""
    code = None if language == SOURCE else telegram_code(language)
    bot = application.bot
    with speaking(language):
        groups, privates = BotCommandScopeAllGroupChats(), BotCommandScopeAllPrivateChats()
        await bot.set_my_commands(group_commands(), scope=groups, language_code=code)
        await bot.set_my_commands(private_commands(), scope=privates, language_code=code)
        await bot.set_my_description(description(), language_code=code)
        await bot.set_my_short_description(short_description(), language_code=code)


async def _post_init(application: HearthApp) -> None:
    hearth = application.bot_data["hearth"]
    await db.migrate(hearth.engine)
    hearth.bot_username = application.bot.username
    try:
        for language in LANGUAGES:
            await _register_menus(application, language)
    except TelegramError as error:
        log.warning("could not register menus and descriptions: %s", type(error).__name__)
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is required"
    job_queue.run_repeating(run_tick, interval=hearth.settings.tick_seconds, first=1, name="tick")
    job_queue.run_once(start_sender, when=0, name="sender")


async def _post_stop(application: HearthApp) -> None:
    hearth = application.bot_data["hearth"]
    hearth.sender.stop()
    await asyncio.sleep(0)  # let the sender finish recording what is in flight


async def _post_shutdown(application: HearthApp) -> None:
    hearth = application.bot_data["hearth"]
    await db.close(hearth.engine)


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
) -> HearthApp:
    """Build the Application: handlers, services in bot_data, lifecycle hooks."""
    crypto.configure(crypto.Vault(settings.encryption_key, settings.old_encryption_keys))
    limits = Limits(per_second=settings.send_rate) if settings.rate_limit else Limits(0)
    builder: Any = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_base_url(settings.api_base_url))
        .context_types(CONTEXT_TYPES)
        .rate_limiter(TelegramLimits(Limiter(limits)))
        .concurrent_updates(OrderedPerChat(settings.concurrent_updates))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: HearthApp = builder.build()
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    application.bot_data["hearth"] = Hearth(
        settings=settings,
        engine=engine,
        sessions=sessions,
        content=library(content or load_content()),
        sender=Sender(
            application.bot,
            sessions,
            clock,
            batch=in_flight_for(limits.per_second),
            paid_broadcast=settings.paid_broadcast,
        ),
        clock=clock,
        started_at=clock(),
    )
    register(application)
    return application
