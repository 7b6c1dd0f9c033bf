"""The fake Bot API over HTTP, so that a real `python -m bot run` process can talk to it.

Point TELEGRAM_API_BASE_URL at `http://127.0.0.1:<port>/bot` and the process gets the same
answers the in-process tests get (the same FakeBotApi, users and chats).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.web

from bot.simulation.fake_api import FakeBotApi


@dataclass
class _Posted:
    """The parts of PTB's RequestData that FakeBotApi reads, from an HTTP request."""

    parameters: dict[str, Any]
    contains_files: bool = False
    multipart_data: dict[str, Any] = field(default_factory=dict)


def _decode(value: str) -> Any:
    """PTB sends non-string values JSON-encoded in form fields."""
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Method(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def post(self, _token: str, method: str) -> None:
        # PTB posts form fields (multipart when a file is attached).
        arguments = self.request.body_arguments.items()
        fields = {name: values[-1].decode() for name, values in arguments}
        files = {
            name: (parts[0].filename, parts[0].body) for name, parts in self.request.files.items()
        }
        posted = _Posted({k: _decode(v) for k, v in fields.items()}, bool(files), files)
        request: Any = posted
        status, body = await self.api.do_request(f"/bot/{method}", "POST", request)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


def serve(api: FakeBotApi, port: int, host: str = "127.0.0.1") -> tornado.httpserver.HTTPServer:
    """Serve `api` on the running event loop; returns the server (call `.stop()`)."""
    app = tornado.web.Application(
        [(r"/bot([^/]+)/(\w+)", _Method, {"api": api})], log_function=lambda _h: None
    )
    server = tornado.httpserver.HTTPServer(app)
    server.listen(port, address=host)
    return server
