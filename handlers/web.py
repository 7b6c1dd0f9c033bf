"""The HTTP listener: Telegram's webhook and the health check, on Tornado (as PTB's own)."""

from __future__ import annotations

import hmac
import json
import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from sqlalchemy.exc import DBAPIError
from telegram import Update

from bot import __version__, db
from bot.core import sending, service
from handlers.context import HearthApp

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    """The local path Telegram posts to: the webhook URL's own path."""
    return urlsplit(url).path or "/"


def webhook_route(url: str) -> str:
    """The webhook path as Tornado's route pattern (a regular expression): `+`, `(` or `.` in
    the host's path are meant literally."""
    return re.escape(webhook_path(url))


class Webhook(tornado.web.RequestHandler):
    """Updates from Telegram: refused without the secret, queued for the Application."""

    def initialize(self, hearth_app: HearthApp, secret: str) -> None:
        """Bind to the Application and the expected secret."""
        self.hearth_app = hearth_app
        self.secret = secret

    async def post(self) -> None:
        """One update."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook: a request without the right secret was refused")
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.hearth_app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        if not self.hearth_app.running:
            # Stopping: nothing reads the queue any more. Telegram sends it again later.
            self.set_status(503)
            return
        await self.hearth_app.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, *args: Any) -> None:
        """Request bodies carry partners' words: Tornado must never log them."""
        log.warning("webhook: a request failed")


class Health(tornado.web.RequestHandler):
    """GET /healthz: 200 with the service's state as JSON, 503 when something is wrong."""

    def initialize(self, hearth_app: HearthApp) -> None:
        """Bind to the Application."""
        self.hearth_app = hearth_app

    async def get(self) -> None:
        """Check the database, the age of the last tick and the outbox backlog."""
        body, healthy = await health(self.hearth_app)
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


async def health(application: HearthApp) -> tuple[dict[str, Any], bool]:
    """The health report and whether it is healthy."""
    hearth = application.bot_data["hearth"]
    now = hearth.clock()
    body: dict[str, Any] = {
        "version": __version__,
        "leader": hearth.sender.leading,
        "uptime_seconds": int((now - hearth.started_at).total_seconds()),
    }
    try:
        async with db.reading(hearth.sessions) as session:
            last = await service.last_tick(session)
            body["outbox_backlog"] = await sending.backlog(session)
        body["database"] = "ok"
    except (DBAPIError, OSError) as error:
        body["database"] = type(error).__name__
        return body, False
    body["last_tick_age_seconds"] = None if last is None else int((now - last).total_seconds())
    # Some worker must be ticking: a tick older than a few intervals means none is.
    late = timedelta(seconds=max(3 * hearth.settings.tick_seconds, 90))
    starting = now - hearth.started_at < late
    ticking = last is not None and now - last < late
    receiving = hearth.receiving or starting  # e.g. the webhook could not be registered yet
    body["status"] = (
        "no recent tick"
        if not (ticking or starting)
        else "ok"
        if receiving
        else "not receiving updates"
    )
    return body, (ticking or starting) and receiving


def listener(application: HearthApp) -> tornado.httpserver.HTTPServer:
    """The HTTP server for HEARTH_LISTEN: /healthz, and the webhook in webhook mode."""
    settings = application.bot_data["hearth"].settings
    routes: list[Any] = [(r"/healthz", Health, {"hearth_app": application})]
    if settings.webhook_url:
        routes.append(
            (
                webhook_route(settings.webhook_url),
                Webhook,
                {"hearth_app": application, "secret": settings.webhook_secret},
            )
        )
    # Tornado's own access log would be noise (and paths are all it has): off.
    app = tornado.web.Application(routes, log_function=lambda _handler: None)
    server = tornado.httpserver.HTTPServer(app, xheaders=True)
    host, _sep, port = settings.listen.rpartition(":")
    server.listen(int(port), address=host)
    return server
