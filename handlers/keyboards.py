"""Inline keyboards from the button rows messages are stored with."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.outbox import Button


def keyboard(rows: list[list[Button]] | None) -> InlineKeyboardMarkup | None:
    """Inline keyboard from stored button rows."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b["text"], url=b["url"])
                if "url" in b
                else InlineKeyboardButton(b["text"], callback_data=b["data"])
                for b in row
            ]
            for row in rows
        ]
    )
