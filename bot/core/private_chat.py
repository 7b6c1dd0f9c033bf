"""A partner's private chat with the bot: opened by a deep link, and what waits until it is."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.couples import of_this_pair, partner_in
from bot.core.models import Couple, OutboxMessage, Partner, Prompt
from bot.core.purposes import COPIED_TO_GROUP, OutboxStatus, Purpose, policy


class Link(enum.Enum):
    """What a deep-link /start did."""

    LINKED = "linked"
    NOT_PARTNER = "not_partner"
    STALE = "stale"  # a group Hearth has left, or a question asked to an earlier pair
    UNKNOWN = "unknown"


@dataclass
class LinkResult:
    """The outcome of a deep link, with the partner and (for answer links) the prompt."""

    outcome: Link
    partner: Partner | None = None
    prompt: Prompt | None = None
    couple: Couple | None = None
    released: list[int] = field(default_factory=list)


async def link_private(
    session: AsyncSession, payload: str, user_id: int, now: datetime
) -> LinkResult:
    """Link a partner's private chat from a deep-link payload (couple token or `a<prompt>`)."""
    prompt = None
    answer_link = re.fullmatch(r"a([0-9]{1,9})", payload)
    if answer_link:
        prompt = await session.get(Prompt, int(answer_link.group(1)))
        couple = None if prompt is None else await session.get(Couple, prompt.couple_id)
    elif re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload):
        couple = await session.scalar(select(Couple).where(Couple.link_token == payload))
    else:
        couple = None
    if couple is None:
        return LinkResult(Link.UNKNOWN)
    partner = partner_in(couple, user_id)
    if partner is None:
        return LinkResult(Link.NOT_PARTNER)
    if not couple.active or (prompt is not None and not of_this_pair(couple, prompt)):
        # Its words would be filed under another couple's question, or reach a new partner.
        return LinkResult(Link.STALE)
    result_ids = await open_private(session, partner, now)
    if prompt is not None:
        partner.pending_prompt_id, partner.picked_at = prompt.id, now
    return LinkResult(Link.LINKED, partner, prompt, couple, result_ids)


# Held messages go out late only while fresh, unless their policy keeps them (a reveal).
HELD_FRESH = timedelta(days=1)


async def open_private(session: AsyncSession, partner: Partner, now: datetime) -> list[int]:
    """The partner's private chat works (again): messages held while it was closed go out.

    Returns the outbox ids released, so the caller can send them right away.
    """
    if partner.private_open:
        return []
    partner.private_open = True
    held = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.partner_id == partner.id, OutboxMessage.status == OutboxStatus.HELD
        )
    )
    released, rows = [], list(held)
    # An answer's words are read when sent: a held reveal shows its latest edit already, and
    # of several edit notes the last says all.
    revealed = {r.prompt_id for r in rows if r.purpose == Purpose.REVEAL}
    last_edit: dict[int | None, datetime] = {}
    for r in rows:
        if r.purpose == Purpose.EDIT:  # one edit may be several messages, made at one instant
            last_edit[r.prompt_id] = max(r.created_at, last_edit.get(r.prompt_id, r.created_at))
    for row in rows:
        keep = row.created_at >= now - HELD_FRESH or policy(row.purpose).keep_when_held
        if row.fallback is not None and row.purpose in COPIED_TO_GROUP:
            keep = False  # the group had it, whole
        if row.purpose == Purpose.EDIT and (
            row.prompt_id in revealed or row.created_at < last_edit[row.prompt_id]
        ):
            keep = False
        if keep and row.purpose == Purpose.YOUR_TURN and row.prompt_id is not None:
            prompt = await session.get(Prompt, row.prompt_id)
            keep = prompt is not None and prompt.revealed_at is None  # no nudge after the fact
        row.status = OutboxStatus.PENDING if keep else OutboxStatus.DROPPED
        row.next_attempt_at = now
        if keep:
            released.append(row.id)
    return released
