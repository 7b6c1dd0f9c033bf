"""A fake Bot API server behind PTB's BaseRequest: it answers every call like Telegram.

Used by the demo and the end-to-end tests, so what the demo shows is what the tests test.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.simulation.fake_html import (
    MAX_ALERT,
    MAX_CAPTION,
    buttons_of,
    check_buttons,
    check_text,
    error_body,
    html_to_plain,
)
from bot.simulation.people import Failure, FakeChat, FakeUser, Ids, Refused, Sent

BOT_ID = 777000111
BOT_USERNAME = "hearth_bot"
FAKE_TOKEN = f"{BOT_ID}:FAKE-token-for-the-simulated-telegram-0000"
JSONDict = dict[str, Any]
__all__ = ["FAKE_TOKEN", "Failure", "FakeBotApi", "FakeChat", "FakeUser", "JSONDict", "Sent"]


class FakeBotApi(BaseRequest):
    """The Bot API as a BaseRequest: every call is recorded and answered like Telegram.

    It holds the world (users, chats, messages); `TelegramDriver` acts in it as users.
    """

    def __init__(self, bot_username: str = BOT_USERNAME) -> None:
        """Start with no users or chats."""
        self.bot = {"id": BOT_ID, "is_bot": True, "first_name": "Hearth", "username": bot_username}
        self.bot |= {"can_join_groups": True, "can_read_all_group_messages": False}
        self.bot |= {"supports_inline_queries": False}
        self.reset()

    def reset(self) -> None:
        """Forget every user, chat, message and call (the bot itself stays)."""
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, JSONDict]] = []
        self.alerts: list[JSONDict] = []
        self.refused: list[Refused] = []
        self._answered: set[str] = set()  # callback query ids already answered
        self.reactions: list[tuple[int, int, str]] = []
        self.failures: list[Failure] = []
        self.pending_updates: list[JSONDict] = []
        self.documents: list[tuple[int, str, bytes]] = []
        self.profile: dict[str, str] = {}  # description, short description, webhook URL
        self._files: dict[str, tuple[str, bytes]] = {}
        self._message_ids: dict[int, Ids] = {}
        self._update_ids = Ids(1)
        self._user_ids = Ids(5001)
        self._chat_ids = Ids(1)
        self.date = 1_700_000_000

    # --- BaseRequest -----------------------------------------------------------------------

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call."""
        api_method = url.rsplit("/", 1)[-1]
        params: JSONDict = dict(request_data.parameters) if request_data else {}
        self._files = {}
        if request_data is not None and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                filename, content = str(value[0]), value[1]
                data = content if isinstance(content, bytes) else content.read()
                self._files[part] = (filename, data)
        self.calls.append((api_method, params))
        failure = self._take_failure(api_method, params)
        if failure is not None:
            if failure.kind == "network":
                raise NetworkError("simulated network error")
            if failure.kind == "timeout":
                raise TimedOut("simulated timeout")
            if failure.kind == "retry_after":
                return self._error(
                    429, "Too Many Requests: retry later", {"retry_after": failure.retry_after}
                )
            if failure.kind == "forbidden":
                return self._error(403, "Forbidden: bot was blocked by the user")
            if failure.kind == "bad_request":
                return self._error(400, "Bad Request: simulated")
            if failure.kind == "no_rights":  # restricted in a supergroup (text, or such media)
                what = "text messages" if api_method == "sendMessage" else "voice notes to the chat"
                return self._error(400, f"Bad Request: not enough rights to send {what}")
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            self.refused.append(Refused(api_method, params, 404, "Not Found"))
            return self._error(404, "Not Found")
        status, result = handler(params)
        if status != 200:
            self.refused.append(Refused(api_method, params, status, str(result["description"])))
            return status, json.dumps(result).encode()
        if failure is None and self._timeout_after_delivery(api_method, params):
            raise TimedOut("simulated timeout after delivery")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _take(self, method: str, params: JSONDict, after_delivery: bool) -> Failure | None:
        """Use up one matching injected failure (before or after the call takes effect)."""
        for failure in self.failures:
            if (failure.kind == "timeout_delivered") != after_delivery or failure.method != method:
                continue
            if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self.failures.remove(failure)
            return failure
        return None

    def _take_failure(self, method: str, params: JSONDict) -> Failure | None:
        return self._take(method, params, after_delivery=False)

    def _timeout_after_delivery(self, method: str, params: JSONDict) -> bool:
        return self._take(method, params, after_delivery=True) is not None

    def _error(
        self, code: int, description: str, parameters: JSONDict | None = None
    ) -> tuple[int, bytes]:
        status, body = self._json_error(code, description, parameters)
        return status, json.dumps(body).encode()

    def fail(
        self,
        method: str,
        kind: str,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 5,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`) fail with `kind`."""
        self.failures.append(Failure(method, kind, times, chat_id, retry_after))

    # --- Bot API methods -------------------------------------------------------------------

    def _api_getMe(self, params: JSONDict) -> tuple[int, Any]:
        return 200, self.bot

    def _api_deleteWebhook(self, params: JSONDict) -> tuple[int, Any]:
        return 200, True

    _api_setMyCommands = _api_deleteWebhook

    def _api_setMyDescription(self, params: JSONDict) -> tuple[int, Any]:
        for key in ("description", "short_description"):  # either call: its own key
            if key in params:
                self.profile[key] = str(params[key])
        return 200, True

    _api_setMyShortDescription = _api_setMyDescription

    def _api_setWebhook(self, params: JSONDict) -> tuple[int, Any]:
        self.profile["webhook"] = str(params.get("url", ""))
        return 200, True

    def _api_leaveChat(self, params: JSONDict) -> tuple[int, Any]:
        chat = self.chats.get(int(params["chat_id"]))
        if chat is None:
            return self._json_error(400, "Bad Request: chat not found")
        chat.bot_member = False
        return 200, True

    def _api_getUpdates(self, params: JSONDict) -> tuple[int, Any]:
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        return 200, list(self.pending_updates)

    def _api_answerCallbackQuery(self, params: JSONDict) -> tuple[int, Any]:
        query_id = str(params.get("callback_query_id", ""))
        if query_id in self._answered:
            return self._json_error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(params.get("text", ""))) > MAX_ALERT:
            return self._json_error(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answered.add(query_id)
        self.alerts.append(params)
        return 200, True

    def _api_getChatMemberCount(self, params: JSONDict) -> tuple[int, Any]:
        chat = self.chats.get(int(params["chat_id"]))
        if chat is None:
            return self._json_error(400, "Bad Request: chat not found")
        return 200, len(chat.members) + (1 if chat.bot_member else 0)

    def _api_getChatMember(self, params: JSONDict) -> tuple[int, Any]:
        chat = self.chats.get(int(params["chat_id"]))
        if chat is None:
            return self._json_error(400, "Bad Request: chat not found")
        if int(params["user_id"]) == BOT_ID:
            return 200, {"user": self.bot, "status": "member" if chat.bot_member else "left"}
        user = self.users.get(int(params["user_id"]))
        if user is None:
            return self._json_error(400, "Bad Request: user not found")
        status = "member" if user.id in chat.members else "left"
        return 200, {"user": user.json(), "status": status}

    def _api_setMessageReaction(self, params: JSONDict) -> tuple[int, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        chat = self.chats.get(chat_id)
        if chat is not None and not chat.reactions_allowed:
            return self._json_error(400, "Bad Request: REACTION_INVALID")
        if (chat_id, message_id) not in self.messages:
            return self._json_error(400, "Bad Request: message to react not found")
        for reaction in params.get("reaction") or []:
            self.reactions.append((chat_id, message_id, reaction.get("emoji", "")))
        return 200, True

    def _json_error(
        self, code: int, description: str, parameters: JSONDict | None = None
    ) -> tuple[int, Any]:
        return code, error_body(code, description, parameters)

    def _check_target(self, chat_id: int) -> tuple[int, Any] | None:
        """The 403s and 400s Telegram gives for a chat the bot can't write to."""
        if chat_id > 0:
            user = self.users.get(chat_id)
            if user is None:
                return self._json_error(400, "Bad Request: chat not found")
            if user.blocked:
                return self._json_error(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                return self._json_error(
                    403, "Forbidden: bot can't initiate conversation with a user"
                )
            return None
        chat = self.chats.get(chat_id)
        if chat is None:
            return self._json_error(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            return self._json_error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not chat.bot_member:
            return self._json_error(403, "Forbidden: bot was kicked from the group chat")
        return None

    def chat_json(self, chat_id: int) -> JSONDict:
        return self.users[chat_id].chat_json() if chat_id > 0 else self.chats[chat_id].json()

    def next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, Ids(1))
        return next(counter)

    def _store_bot_message(self, chat_id: int, body: JSONDict, sent: Sent) -> JSONDict:
        message: JSONDict = {
            "message_id": sent.message_id,
            "date": self.date,
            "chat": self.chat_json(chat_id),
            "from": self.bot,
            **body,
        }
        self.messages[(chat_id, sent.message_id)] = message
        self.sent.append(sent)
        return message

    def _api_sendMessage(self, params: JSONDict) -> tuple[int, Any]:
        chat_id = int(params["chat_id"])
        problem = self._check_target(chat_id)
        if problem:
            return problem
        text = str(params.get("text", ""))
        plain, error = html_to_plain(text) if params.get("parse_mode") == "HTML" else (text, "")
        if error:
            return self._json_error(400, f"Bad Request: can't parse entities: {error}")
        problem = check_text(plain) or check_buttons(params)
        if problem:
            return problem
        buttons = buttons_of(params)
        reply = (params.get("reply_parameters") or {}).get("message_id")
        sent = Sent(chat_id, self.next_message_id(chat_id), plain, text, buttons, reply_to=reply)
        body: JSONDict = {"text": plain}
        if buttons:
            body["reply_markup"] = {"inline_keyboard": buttons}
        return 200, self._store_bot_message(chat_id, body, sent)

    def _api_copyMessage(self, params: JSONDict) -> tuple[int, Any]:
        chat_id = int(params["chat_id"])
        problem = self._check_target(chat_id)
        if problem:
            return problem
        source = self.messages.get((int(params["from_chat_id"]), int(params["message_id"])))
        if source is None:
            return self._json_error(400, "Bad Request: message to copy not found")
        problem = check_buttons(params)
        if problem:
            return problem
        kind = next((k for k in ("voice", "video_note", "photo", "video") if k in source), "text")
        shown = source.get("text") or source.get("caption") or ""
        label = f"[{kind}] {shown}".strip() if kind != "text" else shown
        buttons = buttons_of(params)
        sent = Sent(chat_id, self.next_message_id(chat_id), label, label, buttons, kind=kind)
        body = {
            k: v
            for k, v in source.items()
            if k in ("text", "caption", "voice", "video_note", "photo", "video")
        }
        if buttons:
            body["reply_markup"] = {"inline_keyboard": buttons}
        self._store_bot_message(chat_id, body, sent)
        return 200, {"message_id": sent.message_id}

    def _api_sendDocument(self, params: JSONDict) -> tuple[int, Any]:
        chat_id = int(params["chat_id"])
        problem = self._check_target(chat_id)
        if problem:
            return problem
        if not self._files:
            return self._json_error(400, "Bad Request: there is no document in the request")
        filename, data = next(iter(self._files.values()))
        self.documents.append((chat_id, filename, data))
        caption = str(params.get("caption", ""))
        if len(caption) > MAX_CAPTION:
            return self._json_error(400, "Bad Request: message caption is too long")
        sent = Sent(chat_id, self.next_message_id(chat_id), caption, caption, [], kind="document")
        body = {
            "document": {"file_id": "doc", "file_unique_id": "doc", "file_name": filename},
            "caption": caption,
        }
        return 200, self._store_bot_message(chat_id, body, sent)

    def _api_editMessageText(self, params: JSONDict) -> tuple[int, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return self._json_error(400, "Bad Request: message to edit not found")
        text = str(params["text"])
        plain, error = html_to_plain(text) if params.get("parse_mode") == "HTML" else (text, "")
        if error:
            return self._json_error(400, f"Bad Request: can't parse entities: {error}")
        problem = check_text(plain) or check_buttons(params)
        if problem:
            return problem
        buttons = buttons_of(params)
        if (
            message.get("text") == plain
            and message.get("reply_markup", {}).get("inline_keyboard", []) == buttons
        ):
            return self._json_error(400, "Bad Request: message is not modified")
        message["text"] = plain
        message["reply_markup"] = {"inline_keyboard": buttons}
        for sent in self.sent:
            if (sent.chat_id, sent.message_id) == key:
                sent.text, sent.html, sent.buttons = plain, text, buttons
        return 200, message

    def _api_editMessageReplyMarkup(self, params: JSONDict) -> tuple[int, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return self._json_error(400, "Bad Request: message to edit not found")
        problem = check_buttons(params)
        if problem:
            return problem
        buttons = buttons_of(params)
        if message.get("reply_markup", {}).get("inline_keyboard", []) == buttons:
            return self._json_error(400, "Bad Request: message is not modified")
        message["reply_markup"] = {"inline_keyboard": buttons}
        for sent in self.sent:
            if (sent.chat_id, sent.message_id) == key:
                sent.buttons = buttons
        return 200, message
