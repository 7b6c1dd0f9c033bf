"""Messages that must arrive: described without Telegram types, stored with the change that
causes them, claimed in batches by the sender and recorded in batches after sending."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.callbacks import Callback
from bot.core.models import Answer, Base, OutboxMessage, table
from bot.core.purposes import OutboxStatus, Purpose
from bot.i18n import _

Button = dict[str, str]  # {"text": ..., "data": ...} or {"text": ..., "url": ...}
MAX_TEXT = 4096


def button(text: str, callback: Callback | None = None, url: str = "") -> Button:
    """An inline button: a callback (encoded, at most 64 bytes) or a URL."""
    if url:
        return {"text": text, "url": url}
    if callback is None:
        raise ValueError("a button needs a callback or a URL")
    return {"text": text, "data": callback.encode()}


@dataclass
class Outgoing:
    """One message to send: text (HTML) or a copy of an existing message.

    `quotes` are answers shown after the text, each behind its label; they are stored as
    references and read when the message is sent, so the outbox never copies answers.
    """

    chat_id: int
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    reply_to: int | None = None
    copy_from: tuple[int, int] | None = None  # (from_chat_id, message_id)
    purpose: Purpose = Purpose.INFO
    partner_id: int | None = None  # set for a private chat, so a 403 can close it
    prompt_id: int | None = None
    only_if_private_group: bool = False
    fallback: Outgoing | None = None  # sent instead when the private chat is closed
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (answer id, label)

    def payload(self) -> dict[str, Any]:
        """The JSON-able body stored in the outbox."""
        body: dict[str, Any] = {"text": self.text}
        if self.buttons:
            body["buttons"] = self.buttons
        if self.reply_to is not None:
            body["reply_to"] = self.reply_to
        if self.copy_from is not None:
            body["from_chat_id"], body["message_id"] = self.copy_from
        if self.quotes:
            body["quotes"] = [list(quote) for quote in self.quotes]
        return body

    def fallback_payload(self) -> dict[str, Any] | None:
        """The fallback as stored: its chat, body and purpose."""
        if self.fallback is None:
            return None
        return {
            "chat_id": self.fallback.chat_id,
            "purpose": str(self.fallback.purpose),
            **self.fallback.payload(),
        }


def rows(
    couple_id: int | None, messages: Iterable[Outgoing], now: datetime
) -> list[dict[str, Any]]:
    """Outbox rows for `messages`, as parameters of one multi-row INSERT."""
    return [
        {
            "couple_id": couple_id,
            "partner_id": message.partner_id,
            "chat_id": message.chat_id,
            "method": "copy" if message.copy_from else "message",
            "payload": message.payload(),
            "fallback": message.fallback_payload(),
            "purpose": message.purpose,
            "prompt_id": message.prompt_id,
            "only_if_private_group": message.only_if_private_group,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "claimed_at": None,
            "sent_message_id": None,
            "created_at": now,
        }
        for message in messages
    ]


async def enqueue(
    session: AsyncSession, batches: Iterable[tuple[int | None, Sequence[Outgoing]]], now: datetime
) -> int:
    """Add every message to the outbox in the caller's transaction, in one statement."""
    params = [row for couple_id, messages in batches for row in rows(couple_id, messages, now)]
    if params:
        await session.execute(insert(table(OutboxMessage)), params)
    return len(params)


async def insert_keyed(
    session: AsyncSession, model: type[Base], params: Sequence[dict[str, Any]], *key: str
) -> dict[tuple[Any, ...], int]:
    """Insert many rows in one statement; their new ids by the values of `key` columns.

    RETURNING order is not guaranteed on every engine (SQLite would fall back to one
    statement per row), so rows are matched back by a key that is unique within the batch.
    """
    if not params:
        return {}
    target = table(model)
    columns = [target.c[name] for name in key]
    rows = await session.execute(insert(target).returning(target.c.id, *columns), params)
    return {tuple(row[1:]): row[0] for row in rows}


def fit(header: str, body: str, room: int = MAX_TEXT, separator: str = "\n\n") -> str:
    """Header plus user text (escaped), cut so the whole stays within `room` characters."""
    space = room - len(header) - len(separator)
    text = escape(body)
    cut = len(body)
    while len(text) > space and cut > 0:
        cut = max(min(cut, space) - 40, 0)  # escaping lengthens text: cut the raw words
        text = escape(body[:cut]) + "…"
    if not text:
        return header
    return f"{header}{separator}{text}" if header else text


def describe(kind: str) -> str:
    """Words for a media answer ("a voice message")."""
    return {
        "voice": _("a voice message"),
        "video_note": _("a video message"),
        "photo": _("a photo"),
        "video": _("a video"),
    }.get(kind, "")


def render(payload: dict[str, Any], answers: dict[int, Answer]) -> str:
    """The text of a stored message with its quoted answers, read now."""
    text = str(payload.get("text", ""))
    quotes = payload.get("quotes") or []
    if not quotes:
        return text
    room = (MAX_TEXT - len(text)) // len(quotes) - 2
    parts = [text] if text else []
    for answer_id, label in quotes:
        answer = answers.get(int(answer_id))
        if answer is None:
            continue
        if answer.kind == "text":
            parts.append(fit(label, answer.text or "", room, separator=" "))
        else:
            parts.append(f"{label} {describe(answer.kind)} ⬇️".strip())
    return "\n\n".join(parts)
