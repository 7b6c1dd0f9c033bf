"""Messages that must arrive: described without Telegram types, stored with the change that
causes them, claimed in batches by the sender and recorded in batches after sending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.callbacks import Callback
from bot.core.models import Answer, Base, OutboxMessage, table
from bot.core.purposes import OutboxStatus, Purpose
from bot.i18n import _, current, speaking

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
    # The language it was written in: quotes are rendered when sent, outside any handler,
    # and a media answer's words ("a voice message") must match the rest.
    language: str = field(default_factory=current)

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
            body["language"] = self.language
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
    """Header plus user text (escaped), the text cut so the whole stays within `room`
    characters as Telegram counts them: the visible ones, not the escaping (`'` is six)."""
    space = room - len(header) - len(separator)
    if len(body) > space:
        body = body[: max(space - 1, 0)].rstrip() + "…" if space > 1 else ""
    if not body:
        return header
    text = escape(body)
    return f"{header}{separator}{text}" if header else text


def _need(label: str, answer: Answer) -> int:
    """Characters a quote takes in a message: its label, and the words or what they are."""
    words = answer.text or "" if answer.kind == "text" else describe(answer.kind) + " ⬇️"
    return len(label) + 1 + len(words)


def _shares(needs: Sequence[int], room: int) -> list[int]:
    """Room for each of several quotes: all each needs when they fit, else equal shares,
    what a short one leaves over going to the longer ones."""
    shares = [0] * len(needs)
    left = room
    by_need = sorted(range(len(needs)), key=lambda n: needs[n])
    for done, n in enumerate(by_need):
        shares[n] = min(needs[n], left // (len(needs) - done))
        left -= shares[n]
    return shares


def spread(message: Outgoing, answers: Mapping[int, Answer]) -> list[Outgoing]:
    """A message quoting answers as Telegram can take it: whole when it fits; else its text
    with the quotes that fit, each further one in a message of its own, and an answer too
    long even for that copied from the partner's own message after its label. A partner's
    words are never cut. Buttons go under the last message, a fallback with the first."""
    if not message.quotes:
        return [message]
    messages = [replace(message, quotes=[], buttons=[])]
    used = len(message.text)
    for answer_id, label in message.quotes:
        answer = answers.get(answer_id)
        with speaking(message.language):  # measured in the words `render` will use
            need = 2 + (len(label) if answer is None else _need(label, answer))
        if used + need <= MAX_TEXT:
            messages[-1].quotes.append((answer_id, label))
            used += need
            continue
        alone = replace(message, text="", quotes=[(answer_id, label)], buttons=[], fallback=None)
        if answer is not None and answer.kind == "text" and need > MAX_TEXT:
            alone = replace(alone, text=label, quotes=[])
            copy = replace(alone, text="", copy_from=(answer.chat_id, answer.message_id))
            messages += [alone, copy] if label else [copy]
            used = MAX_TEXT  # nothing more goes under a copy
        else:
            messages.append(alone)
            used = need
    if not messages[0].text and not messages[0].quotes:
        messages.pop(0)  # no text of its own: the first quote's message leads
        messages[0].fallback = message.fallback
    messages[-1].buttons = message.buttons
    return messages


def describe(kind: str) -> str:
    """Words for a media answer ("a voice message")."""
    return {
        "voice": _("a voice message"),
        "video_note": _("a video message"),
        "photo": _("a photo"),
        "video": _("a video"),
    }.get(kind, "")


def render(payload: dict[str, Any], answers: dict[int, Answer]) -> str:
    """The text of a stored message with its quoted answers, read now (each cut only if the
    whole would pass Telegram's limit: `spread` keeps that for what it queues)."""
    text = str(payload.get("text", ""))
    found = [
        (answer, str(label))
        for answer_id, label in payload.get("quotes") or []
        if (answer := answers.get(int(answer_id))) is not None
    ]
    if not found:
        return text
    parts = [text] if text else []
    room = MAX_TEXT - len(text) - 2 * len(found)
    with speaking(payload.get("language")):
        shares = _shares([_need(label, answer) for answer, label in found], room)
        for (answer, label), share in zip(found, shares, strict=True):
            if answer.kind == "text":
                parts.append(fit(label, answer.text or "", share, separator=" "))
            else:
                parts.append(f"{label} {describe(answer.kind)} ⬇️".strip())
    return "\n\n".join(parts)
