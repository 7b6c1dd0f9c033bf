"""Sends the outbox through the Bot API, with retries and the fallbacks for Telegram errors."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.core.models import Couple, OutboxMessage, Partner, Prompt
from bot.core.outbox import Button, Outgoing, enqueue
from bot.core.schedule import local_date

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=15)
STALE_CLAIM = timedelta(minutes=5)
PROMPT_EXPIRY = timedelta(hours=12)
DAY_BOUND = ("question", "jar_night")  # worded for tonight: expire when the local day ends
# A group with the two partners and the bot; more members means someone else could read.
PRIVATE_GROUP_SIZE = 3
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}
# Prompts and nudges: after a timeout they have usually arrived, and a duplicate confuses.
# Everything else (reveals, "your turn", passed-on words) is retried: a duplicate beats a loss.
ASSUME_DELIVERED = (
    "question",
    "jar",
    "gesture",
    "notice_ask",
    "depth_ask",
    "together",
    "recap",
    "stuck",
)


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


async def _send(bot: Bot, chat_id: int, method: str, payload: dict[str, Any]) -> int:
    markup = keyboard(payload.get("buttons"))
    if method == "copy":
        copied = await bot.copy_message(
            chat_id=chat_id,
            from_chat_id=payload["from_chat_id"],
            message_id=payload["message_id"],
            reply_markup=markup,
        )
        return copied.message_id
    reply = payload.get("reply_to")
    sent = await bot.send_message(
        chat_id=chat_id,
        text=payload["text"],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        reply_parameters=None
        if reply is None
        else ReplyParameters(message_id=reply, allow_sending_without_reply=True),
    )
    return sent.message_id


class Sender:
    """Claims due outbox rows, sends them in order per chat, and records what happened."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Bind the sender to a bot and the session factory."""
        self.bot = bot
        self.sessions = sessions

    async def flush(self, now: datetime, limit: int = 500, ids: list[int] | None = None) -> int:
        """Send due messages (only `ids`, when given); returns how many went out.

        Messages of a couple whose group removed the bot wait: nothing is sent to them.
        """
        async with self.sessions() as session, session.begin():
            # A claim older than STALE_CLAIM belongs to a process that died mid-send.
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == "sending",
                    OutboxMessage.claimed_at < now - STALE_CLAIM,
                )
                .values(status="pending")
            )
            # A prompt that could not go out for half a day has missed its moment.
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.created_at < now - PROMPT_EXPIRY,
                    or_(*(OutboxMessage.purpose.startswith(p) for p in ASSUME_DELIVERED)),
                )
                .values(status="expired")
            )
            query = (
                select(OutboxMessage)
                .outerjoin(Couple, Couple.id == OutboxMessage.couple_id)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.couple_id.is_(None), Couple.active.is_(True)),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            if ids is not None:
                query = query.where(OutboxMessage.id.in_(ids))
            rows = list(await session.scalars(query))
        sent = 0
        fresh: list[int] = []  # fallbacks created during this pass
        blocked_chats: set[int] = set()
        for row in rows:
            if row.chat_id in blocked_chats:
                continue  # keep each chat's messages in order behind a deferred one
            if not await self._claim(row.id, now):
                continue
            outcome = await self._deliver(row, now, fresh)
            if outcome == "sent":
                sent += 1
            elif outcome == "deferred":
                blocked_chats.add(row.chat_id)
        if fresh:
            # Fallbacks created just now (a closed private chat) go out in the same pass.
            sent += await self.flush(now, ids=fresh)
        return sent

    async def _claim(self, row_id: int, now: datetime) -> bool:
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                .values(status="sending", claimed_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def _finish(self, row_id: int, **values: Any) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )

    async def _deliver(self, row: OutboxMessage, now: datetime, fresh: list[int]) -> str:
        """Send one claimed row; returns sent, skipped, deferred, held, expired or failed."""
        if row.purpose in DAY_BOUND and await self._day_over(row, now):
            await self._finish(row.id, status="expired")
            return "expired"
        chat_id = row.chat_id
        for _attempt in range(2):  # a second go only after following a migrated chat
            if row.only_if_private_group:
                try:
                    private = await self._only_partners(row, chat_id)
                except ChatMigrated as error:
                    chat_id = int(error.new_chat_id)
                    await self._follow_migration(row.chat_id, chat_id)
                    continue
                except Forbidden:
                    return await self._forbidden(row, now, fresh)
                except TelegramError as error:
                    # Unsure who is in the group: never guess in favour of posting answers.
                    return await self._defer(row, self._backoff(row, now), type(error).__name__)
                if not private:
                    await self._finish(row.id, status="skipped")
                    return "skipped"
            try:
                message_id = await _send(self.bot, chat_id, row.method, row.payload)
            except ChatMigrated as error:
                chat_id = int(error.new_chat_id)
                await self._follow_migration(row.chat_id, chat_id)
                continue
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                return await self._defer(row, now + timedelta(seconds=seconds), "flood wait")
            except TimedOut as error:
                never_sent = isinstance(error.__cause__, httpx.PoolTimeout | httpx.ConnectTimeout)
                if never_sent or not row.purpose.startswith(ASSUME_DELIVERED):
                    # Better a rare duplicate than a lost answer: retry.
                    return await self._defer(row, self._backoff(row, now), "timed out")
                # A prompt that timed out has usually arrived; a second copy would confuse.
                log.warning("outbox %s (%s) timed out; assuming delivered", row.id, row.purpose)
                await self._finish(row.id, status="sent", attempts=row.attempts + 1)
                return "sent"
            except Forbidden:
                return await self._forbidden(row, now, fresh)
            except BadRequest as error:
                log.error("outbox %s (%s) rejected: %s", row.id, row.purpose, error.message)
                await self._finish(row.id, status="failed", attempts=row.attempts + 1)
                return "failed"
            except Exception as error:  # NetworkError and anything transient: retry later
                return await self._defer(row, self._backoff(row, now), type(error).__name__)
            await self._finish(
                row.id,
                status="sent",
                sent_message_id=message_id,
                chat_id=chat_id,
                attempts=row.attempts + 1,
            )
            return "sent"
        return await self._defer(row, now + timedelta(seconds=10), "migration loop")

    async def _day_over(self, row: OutboxMessage, now: datetime) -> bool:
        """Tonight's question is not sent tomorrow: its local day has ended."""
        async with self.sessions() as session:
            prompt = None if row.prompt_id is None else await session.get(Prompt, row.prompt_id)
            couple = None if row.couple_id is None else await session.get(Couple, row.couple_id)
        if prompt is None or couple is None:
            return False
        return local_date(now, ZoneInfo(couple.tz)) > prompt.local_date

    @staticmethod
    def _backoff(row: OutboxMessage, now: datetime) -> datetime:
        return now + min(timedelta(seconds=10 * 2**row.attempts), MAX_BACKOFF)

    async def _only_partners(self, row: OutboxMessage, chat_id: int) -> bool:
        """The group holds just the two partners and the bot (a count alone could be fooled)."""
        if await self.bot.get_chat_member_count(chat_id) > PRIVATE_GROUP_SIZE:
            return False
        async with self.sessions() as session:
            couple = None if row.couple_id is None else await session.get(Couple, row.couple_id)
            users = [p.user_id for p in couple.partners] if couple else []
        if len(users) != 2:
            return False
        for user_id in users:
            member = await self.bot.get_chat_member(chat_id, user_id)
            if member.status not in PRESENT:
                return False
        return True

    async def _defer(self, row: OutboxMessage, when: datetime, why: str) -> str:
        log.warning("outbox %s (%s) deferred: %s", row.id, row.purpose, why)
        await self._finish(
            row.id, status="pending", next_attempt_at=when, attempts=row.attempts + 1
        )
        return "deferred"

    async def _forbidden(self, row: OutboxMessage, now: datetime, fresh: list[int]) -> str:
        """403: a private chat is closed (fallback to the group); a group means we were kicked."""
        async with self.sessions() as session, session.begin():
            stored = await session.get(OutboxMessage, row.id)
            assert stored is not None
            if row.partner_id is not None:
                partner = await session.get(Partner, row.partner_id)
                if partner is not None:
                    partner.private_open = False
                stored.status = "held"  # sent again if the partner opens the chat
                log.info("outbox %s: private chat closed; using fallback", row.id)
                if row.fallback is not None:
                    await self._enqueue_fallback(session, row, now, fresh)
                return "held"
            couple = await session.scalar(select(Couple).where(Couple.chat_id == row.chat_id))
            if couple is not None:
                couple.active = False
                couple.removed_at = now
            stored.status = "dropped"
            log.info("outbox %s: removed from group; couple deactivated", row.id)
            return "dropped"

    async def _enqueue_fallback(
        self, session: AsyncSession, row: OutboxMessage, now: datetime, fresh: list[int]
    ) -> None:
        fallback = dict(row.fallback or {})
        purpose = str(fallback.pop("purpose", row.purpose))
        chat_id = int(fallback.pop("chat_id"))
        if purpose.startswith("gesture_shared:"):
            # Both partners' private nudges may fail: the group gets one shared challenge.
            exists = await session.scalar(
                select(func.count()).where(
                    OutboxMessage.couple_id == row.couple_id, OutboxMessage.purpose == purpose
                )
            )
            if exists:
                return
        message = Outgoing(
            chat_id,
            str(fallback.get("text", "")),
            buttons=fallback.get("buttons", []),
            purpose=purpose,
            prompt_id=row.prompt_id,
        )
        (added,) = enqueue(session, row.couple_id, [message], now)
        await session.flush()
        fresh.append(added.id)

    async def _follow_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        from bot.core.couples import migrate_chat

        async with self.sessions() as session, session.begin():
            await migrate_chat(session, old_chat_id, new_chat_id)
