"""The Bot API calls behind one outbox message: the message (or copy) itself, and the check
that a group holds only the two partners before answers are posted there."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import ChatMember, ReplyParameters
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bot.core.sending import Claimed
from handlers.keyboards import keyboard

# A group with the two partners and the bot; more members means someone else could read.
PRIVATE_GROUP_SIZE = 3
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}
NO_RETRY = 0  # rate_limit_args: the outbox reschedules a flood wait itself


async def send(bot: ExtBot[int], chat_id: int, claimed: Claimed, paid_broadcast: bool) -> int:
    """Send (or copy) the claimed message to `chat_id`; its message id there."""
    row = claimed.row
    payload = row.payload
    markup = keyboard(payload.get("buttons"))
    extra: dict[str, Any] = {"allow_paid_broadcast": True} if paid_broadcast else {}
    if row.method == "copy":
        copied = await bot.copy_message(
            chat_id=chat_id,
            from_chat_id=payload["from_chat_id"],
            message_id=payload["message_id"],
            reply_markup=markup,
            rate_limit_args=NO_RETRY,
            **extra,
        )
        return copied.message_id
    reply = payload.get("reply_to")
    sent = await bot.send_message(
        chat_id=chat_id,
        text=claimed.text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        reply_parameters=None
        if reply is None
        else ReplyParameters(message_id=reply, allow_sending_without_reply=True),
        rate_limit_args=NO_RETRY,
        **extra,
    )
    return sent.message_id


async def only_partners(bot: ExtBot[int], chat_id: int, partners: tuple[int, ...]) -> bool:
    """The group holds just the two partners and the bot (a count alone could be fooled).

    Raises TelegramError when unsure: never guess in favour of posting answers.
    """
    if len(partners) != 2:
        return False
    count, members = await asyncio.gather(
        bot.get_chat_member_count(chat_id),
        asyncio.gather(*(bot.get_chat_member(chat_id, u) for u in partners)),
    )
    return count <= PRIVATE_GROUP_SIZE and all(m.status in PRESENT for m in members)
