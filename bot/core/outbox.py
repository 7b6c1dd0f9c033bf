"""Messages that must arrive, described without Telegram types and stored before sending."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import OutboxMessage

Button = dict[str, str]  # {"text": ..., "data": ...} or {"text": ..., "url": ...}


def button(text: str, data: str = "", url: str = "") -> Button:
    """An inline button: callback data (at most 64 bytes) or a URL."""
    if url:
        return {"text": text, "url": url}
    if len(data.encode()) > 64:
        raise ValueError("callback data is limited to 64 bytes")
    return {"text": text, "data": data}


@dataclass
class Outgoing:
    """One message to send: text (HTML) or a copy of an existing message."""

    chat_id: int
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    reply_to: int | None = None
    copy_from: tuple[int, int] | None = None  # (from_chat_id, message_id)
    purpose: str = "info"
    partner_id: int | None = None  # set for a private chat, so a 403 can close it
    prompt_id: int | None = None
    only_if_private_group: bool = False
    fallback: Outgoing | None = None  # sent instead when the private chat is closed

    def payload(self) -> dict[str, Any]:
        """The JSON-able body stored in the outbox."""
        body: dict[str, Any] = {"text": self.text}
        if self.buttons:
            body["buttons"] = self.buttons
        if self.reply_to is not None:
            body["reply_to"] = self.reply_to
        if self.copy_from is not None:
            body["from_chat_id"], body["message_id"] = self.copy_from
        return body

    def fallback_payload(self) -> dict[str, Any] | None:
        """The fallback as stored: its chat, body and purpose."""
        if self.fallback is None:
            return None
        return {
            "chat_id": self.fallback.chat_id,
            "purpose": self.fallback.purpose,
            **self.fallback.payload(),
        }


def enqueue(
    session: AsyncSession, couple_id: int | None, messages: list[Outgoing], now: datetime
) -> list[OutboxMessage]:
    """Add `messages` to the outbox in the caller's transaction; they go out after commit."""
    rows = []
    for message in messages:
        row = OutboxMessage(
            couple_id=couple_id,
            partner_id=message.partner_id,
            chat_id=message.chat_id,
            method="copy" if message.copy_from else "message",
            payload=message.payload(),
            fallback=message.fallback_payload(),
            purpose=message.purpose,
            prompt_id=message.prompt_id,
            only_if_private_group=message.only_if_private_group,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    return rows
