"""Running Hearth as a service: start (patiently), serve updates, lead when it is our turn, stop.

Polling (the default) or webhook mode (HEARTH_WEBHOOK_URL). Either way:
- start-up waits for Telegram and the database, retrying with backoff and one line per try;
- the HTTP listener (HEARTH_LISTEN) answers /healthz, and in webhook mode takes the updates;
- every worker handles updates; the leader (see bot/leader.py) also runs the tick and the
  sender, and a standby takes over within a few seconds when the leader dies;
- SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError

from bot import db, leader
from bot.app import ALLOWED_UPDATES
from bot.config import Settings
from bot.core import service
from handlers import web
from handlers.context import Hearth, HearthApp

log = logging.getLogger("bot")
LEADERSHIP_EVERY = 2.0  # seconds between a standby's tries, and a leader's checks
MAX_BACKOFF = 60.0


async def _patiently(what: str, attempt: Callable[[], Awaitable[Any]], stop: asyncio.Event) -> bool:
    """Retry `attempt` until it works or we are stopped: one WARNING line per failure."""
    delay = 1.0
    while not stop.is_set():
        try:
            await attempt()
            return True
        except (InvalidToken, BadRequest, Forbidden):
            raise  # Telegram answered, and said no: waiting changes nothing
        except (NetworkError, DBAPIError, OSError) as error:
            log.warning("%s: %s; retrying in %.0f s", what, _short(error), delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_BACKOFF)
    return False


def _short(error: BaseException) -> str:
    """The kind of failure, without a traceback or a URL (which would carry the token)."""
    cause = error.__cause__ or error
    return (
        f"{type(error).__name__} ({type(cause).__name__})"
        if cause is not error
        else type(error).__name__
    )


async def _lead(application: HearthApp, stop: asyncio.Event) -> None:
    """Become the leader when the lock is free; step down if it is lost."""
    hearth = application.bot_data["hearth"]
    sender = hearth.sender
    lock = leader.for_engine(hearth.engine, hearth.settings.database_url)
    sender.leading = False
    try:
        while not stop.is_set():
            try:
                if not sender.leading and await lock.try_acquire():
                    await _take_the_lead(hearth, lock)
                elif sender.leading and not await lock.still_held():
                    sender.step_down()  # a standby may take over now: its sends must not overlap
                    log.warning("lost leadership (database connection); standing by")
            except Exception as error:
                # Whatever failed (the database, mid-way through taking the lead), this worker
                # must not stop leading for good: let the lock go and try again later.
                sender.step_down()
                if db.unavailable(error):
                    log.warning("could not take the lead: %s; standing by", _short(error))
                else:
                    log.exception("could not take the lead; standing by")
                await lock.release()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LEADERSHIP_EVERY)
    finally:
        # Stopping: claim nothing more, but let the sends in flight finish and be recorded.
        sender.leading = False
        await lock.release()


async def _take_the_lead(hearth: Hearth, lock: leader.Leadership) -> None:
    """The lock is ours: resume a dead leader's claims, listen, and start leading."""
    sender = hearth.sender
    await sender.recover()  # what a dead leader had claimed goes out again (once it lapsed)
    await lock.on_notify(sender.wake)
    async with db.writing(hearth.sessions) as session:
        now = hearth.clock()
        await service.set_state(session, "leader_since", now.isoformat(), now)
    sender.leading = True
    sender.wake()
    log.info("this worker now runs the schedule and the sender")


async def serve(application: HearthApp, settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; raises InvalidToken when Telegram rejects the token."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if not await _patiently("cannot reach Telegram yet", application.initialize, stop):
        return
    prepare = application.post_init
    assert prepare is not None
    if not await _patiently("cannot prepare the database yet", lambda: prepare(application), stop):
        await application.shutdown()
        return
    settle()
    await application.start()
    try:
        server = web.listener(application) if settings.listen else None
    except OSError as error:  # the address is taken or not this machine's: a setting to fix
        await _shut_down(application)
        why = error.strerror or str(error)
        raise CannotListen(f"cannot listen on {settings.listen}: {why}") from None
    leading = asyncio.create_task(_lead(application, stop))
    updater = application.updater
    try:
        hearth = application.bot_data["hearth"]
        if settings.webhook_url:
            try:
                hearth.receiving = await _patiently(
                    "cannot register the webhook yet",
                    lambda: application.bot.set_webhook(
                        settings.webhook_url,
                        secret_token=settings.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES,
                    ),
                    stop,
                )
            except (BadRequest, Forbidden) as error:
                raise WebhookRefused(f"Telegram refused the webhook: {error.message}") from None
            if hearth.receiving:
                log.info("Hearth is serving the webhook on %s", settings.listen)
        else:
            assert updater is not None
            await _patiently("cannot stop an old webhook yet", application.bot.delete_webhook, stop)
            await updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, error_callback=_polling_trouble
            )
            hearth.receiving = True
            log.info("Hearth is polling for updates")
        await stop.wait()
    finally:
        log.info("Hearth is stopping")
        if updater is not None and updater.running:
            await updater.stop()
        if server is not None:
            server.stop()
            # Kept-alive connections too: an update posted on one now would be answered 503.
            await server.close_all_connections()
        stop.set()
        try:
            await leading
        except Exception:  # a bug in leading must not keep the rest from stopping cleanly
            log.exception("leadership failed")
        await _shut_down(application)


class CannotListen(Exception):
    """HEARTH_LISTEN names an address this process cannot listen on."""


class WebhookRefused(Exception):
    """Telegram refused HEARTH_WEBHOOK_URL (a port it doesn't serve, a bad certificate)."""


async def _shut_down(application: HearthApp) -> None:
    # Application.stop waits for the tasks it started, the sender among them.
    application.bot_data["hearth"].sender.stop()
    await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


FULL_COLLECTION_EVERY = 100  # middle collections (Python's default: 10)


def settle() -> None:
    """Hide what start-up built from the garbage collector (it lives as long as the process),
    and make full collections rarer.

    The content banks in four languages, the mappers and the handlers are some 120,000
    objects, and every full collection would walk them again; a tick that hands out
    thousands of questions makes objects fast enough to trigger many (10,000 couples at
    once: 2.2 s before, 1.75 s after).
    """
    gc.collect()
    gc.freeze()
    # Frozen objects leave the total that a full collection waits to see grow by a quarter,
    # so full collections came every tenth middle one, each walking all that a tick or a
    # burst of answers holds. Ten times rarer, the tick for 10,000 couples took 1.28 s
    # instead of 1.38 (its benchmark, alternating). Young collections keep their pace.
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def _polling_trouble(error: TelegramError) -> None:
    """getUpdates failed: a handled, passing condition (PTB retries); one line."""
    log.warning("polling: %s (retrying)", type(error).__name__)


def run(application: HearthApp, settings: Settings) -> None:
    """Serve in a fresh event loop (the console entry point)."""
    asyncio.run(serve(application, settings))
