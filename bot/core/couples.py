"""Couples and partners: onboarding, private-chat links and schedule settings."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core import rhythms, schedule
from bot.core.apart import own_clock, zone_of
from bot.core.models import Couple, OutboxMessage, Partner, Prompt
from bot.core.purposes import OutboxStatus

MAX_PAUSE_DAYS = 90


# Built once (every update runs one): building a statement costs about what running it does.
_WITH_PARTNERS = joinedload(Couple.partners)  # every update needs both: one query, not two
_IN_CHAT = Couple.chat_id == bindparam("chat_id")
_BY_CHAT = select(Couple).where(_IN_CHAT).options(_WITH_PARTNERS)
_THEIRS = Couple.id.in_(select(Partner.couple_id).where(Partner.user_id == bindparam("user_id")))
_ACTIVE_NEWEST = (Couple.active.desc(), Couple.id.desc())
_OF_USER = select(Couple).where(_THEIRS).options(_WITH_PARTNERS).order_by(*_ACTIVE_NEWEST)


async def lock_couples(
    session: AsyncSession, which: ColumnElement[bool], params: dict[str, Any] | None = None
) -> set[int] | None:
    """PostgreSQL: lock the couples' rows until the transaction ends, in id order (so that two
    transactions never wait on each other), before anything about them is read: a couple
    loaded after its lock was awaited includes what the holder committed, partners too.
    `params` fill `which`'s bound parameters (a missing one fails on PostgreSQL alone).
    Returns the ids locked; None on SQLite, which has one writer at a time: nothing to do."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    query = select(Couple.id).where(which).order_by(Couple.id).with_for_update()
    return set(await session.scalars(query, params))


async def couple_by_chat(session: AsyncSession, chat_id: int, lock: bool = False) -> Couple | None:
    """The couple living in group `chat_id`, active or not, with its partners; `lock`: its row
    stays locked until the transaction ends (see `lock_couples`)."""
    if lock:
        await lock_couples(session, _IN_CHAT, {"chat_id": chat_id})
    return (await session.scalars(_BY_CHAT, {"chat_id": chat_id})).unique().first()


async def couple_of_user(
    session: AsyncSession, user_id: int, lock: bool = False
) -> tuple[Couple, Partner] | tuple[None, None]:
    """The user's couple (an active one first, else their newest) and their partner record;
    `lock` as in `couple_by_chat`."""
    params = {"user_id": user_id}
    locked = await lock_couples(session, _THEIRS, params) if lock else None
    couple = (await session.scalars(_OF_USER, params)).unique().first()
    while locked is not None and couple is not None and couple.id not in locked:
        # The user joined a couple between the lock and the load: lock that one too, read again.
        locked = await lock_couples(session, _THEIRS, params)
        refreshed = _OF_USER.execution_options(populate_existing=True)
        couple = (await session.scalars(refreshed, params)).unique().first()
    partner = None if couple is None else partner_in(couple, user_id)
    return (couple, partner) if couple is not None and partner is not None else (None, None)


async def couples_of_user(session: AsyncSession, user_id: int) -> list[tuple[Couple, Partner]]:
    """Every couple the user belongs to, active or ended (an ended one is kept for the
    retention period), each with their partner record; locked as in `couple_by_chat`."""
    params = {"user_id": user_id}
    await lock_couples(session, _THEIRS, params)
    found = (await session.scalars(_OF_USER, params)).unique()
    return [(couple, partner) for couple in found if (partner := partner_in(couple, user_id))]


def other_partner(couple: Couple, partner: Partner) -> Partner | None:
    """The other half of the couple, once there is one."""
    return next((p for p in couple.partners if p.id != partner.id), None)


def language_of(couple: Couple, partner: Partner | None = None) -> str:
    """The language of a message to the group (no partner) or to a partner privately."""
    if partner is not None and partner.language:
        return partner.language
    return couple.language


def set_language(couple: Couple, partner: Partner | None, language: str) -> None:
    """The group's language (no partner), or a partner's for their private chat."""
    if partner is None:
        couple.language = language
    else:
        partner.language = language


def partner_in(couple: Couple, user_id: int) -> Partner | None:
    """The couple's partner with this Telegram user id, or None (a third person)."""
    return next((p for p in couple.partners if p.user_id == user_id), None)


def pair_since(couple: Couple) -> datetime | None:
    """When the current two partners became a couple: older prompts belong to another pair."""
    if not couple.complete:
        return None
    return max(p.joined_at for p in couple.partners)


def of_this_pair(couple: Couple, prompt: Prompt) -> bool:
    """The prompt was asked to the current two partners (an older one is another pair's)."""
    return prompt.created_at >= (pair_since(couple) or couple.created_at)


def reschedule(couple: Couple, now: datetime, catch_up: bool = True) -> None:
    """A setting changed: every next instant follows it (today's prompt is kept, see
    rhythms.reschedule_one)."""
    rhythms.reschedule(couple, now, catch_up)


async def bot_added(
    session: AsyncSession, chat_id: int, title: str, now: datetime, language: str = "en"
) -> Couple:
    """Create the couple for a group the bot joined (speaking the language of whoever added
    it), or reactivate it after a removal unless a partner has paired elsewhere since (it
    then stays inactive)."""
    couple = await couple_by_chat(session, chat_id)
    if couple is None:
        couple = Couple(
            chat_id=chat_id,
            chat_title=title[:255],
            language=language,
            link_token=secrets.token_urlsafe(12),
            created_at=now,
            active=True,
            tz="UTC",
            question_time="20:00",
            gesture_time="09:00",
            jar_day=4,
            jar_time="19:00",
            paused=False,
            depth=1,
        )
        couple.partners = []
        session.add(couple)
        await session.flush()
    elif not await paired_elsewhere(session, couple):
        # One couple per person: whoever paired in another chat meanwhile keeps that one, and
        # this group stays as it was left (purged on schedule), so no answer can go astray.
        couple.active = True
        couple.removed_at = None
        couple.chat_title = title[:255]
        rhythms.start(couple, now)
    return couple


async def paired_elsewhere(session: AsyncSession, couple: Couple) -> list[Partner]:
    """This couple's partners who are in another active couple now."""
    users = [p.user_id for p in couple.partners]
    if not users:
        return []
    taken = set(
        await session.scalars(
            select(Partner.user_id)
            .join(Partner.couple)
            .where(Partner.user_id.in_(users), Couple.active.is_(True), Couple.id != couple.id)
        )
    )
    return [p for p in couple.partners if p.user_id in taken]


async def bot_removed(session: AsyncSession, chat_id: int, now: datetime) -> Couple | None:
    """Deactivate the couple of a group the bot was removed from: nothing more is sent."""
    couple = await couple_by_chat(session, chat_id)
    if couple is not None and couple.active:
        couple.active = False
        couple.removed_at = now
    return couple


class Moved(enum.Enum):
    """What following a group to its supergroup did."""

    NOT = "not"  # no couple there, or the new chat already holds another one
    MOVED = "moved"
    OVER_A_GREETING = "over_a_greeting"  # the new chat had been greeted as a stranger first


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> Moved:
    """Follow a group that became a supergroup (its chat id changes)."""
    couple = await couple_by_chat(session, old_chat_id)
    if couple is None:
        return Moved.NOT
    placeholder = await couple_by_chat(session, new_chat_id)
    if placeholder is not None:
        if placeholder.partners:
            return Moved.NOT
        # Telegram may announce the bot in the new supergroup before the migration message:
        # that empty couple gives way to the real one.
        await session.delete(placeholder)
        await session.flush()
    couple.chat_id = new_chat_id
    # Message ids count per chat, and the supergroup's start again from 1: the old group's
    # would be taken for replies to new messages there. Negated, they match no reply and
    # still say the prompt was asked (a missing id turns on the match by question text).
    await session.execute(
        update(Prompt)
        .where(Prompt.couple_id == couple.id, Prompt.message_id > 0)
        .values(message_id=-Prompt.message_id)
    )
    pending = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
    )
    for row in pending:
        row.chat_id = new_chat_id
    return Moved.MOVED if placeholder is None else Moved.OVER_A_GREETING


class Join(enum.Enum):
    """What pressing "We're in" did."""

    JOINED = "joined"  # first partner in
    COMPLETED = "completed"  # second partner in: the couple is complete
    ALREADY = "already"
    FULL = "full"
    PAIRED_ELSEWHERE = "paired_elsewhere"
    INACTIVE = "inactive"


@dataclass
class JoinResult:
    """The outcome of a join and the partner it concerns."""

    outcome: Join
    partner: Partner | None = None
    elsewhere: Couple | None = None


async def join(
    session: AsyncSession,
    couple: Couple,
    user_id: int,
    first_name: str,
    now: datetime,
    language: str | None = None,
) -> JoinResult:
    """Add a person to the couple: at most two, and never someone paired in another chat;
    `language` is theirs for the private chat (None: the couple's)."""
    if not couple.active:
        return JoinResult(Join.INACTIVE)
    existing = partner_in(couple, user_id)
    if existing is not None:
        return JoinResult(Join.ALREADY, existing)
    if couple.complete:
        return JoinResult(Join.FULL)
    other_couple, elsewhere = await couple_of_user(session, user_id)
    if other_couple is not None and other_couple.active and other_couple.id != couple.id:
        return JoinResult(Join.PAIRED_ELSEWHERE, elsewhere, other_couple)
    partner = Partner(
        couple_id=couple.id,
        user_id=user_id,
        first_name=(first_name or "Partner")[:255],
        private_open=False,
        joined_at=now,
        language=language,
    )
    couple.partners.append(partner)
    await session.flush()
    if couple.complete:
        rhythms.start(couple, now)
        return JoinResult(Join.COMPLETED, partner)
    return JoinResult(Join.JOINED, partner)


def set_timezone(couple: Couple, name: str, now: datetime) -> None:
    """Set the IANA zone (already resolved) and recompute the schedule; a pause "until
    <date>" still ends as that date begins, now in the new zone."""
    before = _clocks(couple)
    if couple.paused_until is not None:
        back_on = schedule.local_date(couple.paused_until, ZoneInfo(couple.tz))
        couple.paused_until = schedule.local_to_utc(back_on, time(), ZoneInfo(name))
    couple.tz = name
    _new_clocks(couple, before, now)


def set_partner_timezone(couple: Couple, partner: Partner, name: str | None, now: datetime) -> None:
    """Set a partner's own IANA zone (None: they follow the couple's) and recompute."""
    before = _clocks(couple)
    partner.tz = name
    _new_clocks(couple, before, now)


def _clock(couple: Couple, partner: Partner) -> tuple[str, bool]:
    """The partner's clock: the zone they live by, and whether it is their own."""
    return zone_of(couple, partner), own_clock(couple, partner)


def _clocks(couple: Couple) -> dict[int, tuple[str, bool]]:
    """Each partner's clock, by partner id."""
    return {p.id: _clock(couple, p) for p in couple.partners}


def _new_clocks(couple: Couple, before: dict[int, tuple[str, bool]], now: datetime) -> None:
    """Zones changed: recompute. Until a question is put to a partner on their new clock, the
    group's questions are theirs to answer; one whose clock stayed as it was keeps the question
    put to them (their private answer still belongs to it, not to an older group one)."""
    for partner in couple.partners:
        if before.get(partner.id) != _clock(couple, partner):
            partner.asked_prompt_id = partner.asked_at = None
    reschedule(couple, now, catch_up=False)


def set_living_apart(couple: Couple, apart: bool) -> None:
    """Record whether the couple lives apart (no longer inferred from their zones)."""
    couple.living_apart = apart


TIME_COLUMNS = {
    "question": "question_time",
    "gesture": "gesture_time",
    "jar": "jar_time",
    "together": "together_time",
}


def set_time(couple: Couple, which: str, raw: str, now: datetime) -> str:
    """Set the question, gesture or jar time from 'HH:MM'; raise ValueError if malformed."""
    if which not in TIME_COLUMNS:
        raise KeyError(which)
    value = schedule.hhmm(schedule.parse_hhmm(raw))
    setattr(couple, TIME_COLUMNS[which], value)
    reschedule(couple, now)
    return value


def set_jar_day(couple: Couple, raw: str, now: datetime) -> int:
    """Set the weekday of jar night; raise ValueError if not a weekday."""
    couple.jar_day = schedule.parse_weekday(raw)
    reschedule(couple, now)
    return couple.jar_day


def set_jar_with_question(couple: Couple, both: bool) -> None:
    """Jar night with the evening question too (`both`), or in its place."""
    couple.jar_with_question = both


def set_together(couple: Couple, enabled: bool, now: datetime) -> None:
    """Switch the weekly activity suggestion on or off."""
    couple.together_enabled = enabled
    reschedule(couple, now)


def set_together_day(couple: Couple, raw: str, now: datetime) -> int:
    """Set the weekday of the weekly activity suggestion; raise ValueError if not a weekday."""
    couple.together_day = schedule.parse_weekday(raw)
    reschedule(couple, now)
    return couple.together_day


def pause(couple: Couple, days: int | None, now: datetime) -> datetime | None:
    """Pause every prompt, for `days` (until the start of that local day) or until resumed;
    returns when it ends."""
    if days is not None and not 1 <= days <= MAX_PAUSE_DAYS:
        raise ValueError(days)
    couple.paused = True
    couple.paused_until = None if days is None else _start_of_day_in(couple, days, now)
    return couple.paused_until


def _start_of_day_in(couple: Couple, days: int, now: datetime) -> datetime:
    """The start of the couple's local day `days` days from today: a pause told as "back on
    <date>" is over for all of that day (not only from the hour it began)."""
    tz = ZoneInfo(couple.tz)
    return schedule.local_to_utc(schedule.local_date(now, tz) + timedelta(days=days), time(), tz)


def resume(couple: Couple) -> bool:
    """End a pause; False if the couple was not paused."""
    was_paused = couple.paused
    couple.paused = False
    couple.paused_until = None
    return was_paused


def pause_over(couple: Couple, now: datetime) -> bool:
    """A timed pause has run out (the couple is paused only in name until it is cleared)."""
    return couple.paused and couple.paused_until is not None and couple.paused_until <= now


def is_paused(couple: Couple, now: datetime) -> bool:
    """Paused right now: a timed pause is over by itself, though its flag is cleared only when
    the couple's next rhythm falls due (what the couple is shown must not wait for that)."""
    return couple.paused and not pause_over(couple, now)
