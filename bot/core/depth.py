"""The depth ladder: questions start light and go deeper only when both partners are ready."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks
from bot.core.couples import language_of, pair_since, partner_in
from bot.core.models import Couple, Partner, Prompt
from bot.core.outbox import Button, Outgoing, button
from bot.core.purposes import Purpose
from bot.i18n import _, speaking

MAX_LEVEL = 3
WINDOW = timedelta(days=14)
ANSWERED_DAYS = 10  # "two weeks of answered questions", forgiving a few busy evenings


def level_name(level: int) -> str:
    """A word for a ladder level."""
    return {2: _("personal"), 3: _("deep")}.get(level) or _("light")


def _ask(
    couple: Couple, level: int, asker: Partner | None, asked: Partner
) -> tuple[str, list[list[Button]]]:
    buttons = [
        [
            button(_("🌊 Ready for deeper"), callbacks.Depth(couple.id, level, asked.id)),
            button(_("Not yet"), callbacks.Depth(couple.id, 0, asked.id)),
        ]
    ]
    if asker is None:
        text = _(
            "🪜 You two have been answering for a couple of weeks now. Ready for questions "
            "that go a little deeper ({level})? Nothing changes unless you both tap Ready."
        ).format(level=level_name(level))
    else:
        text = _(
            "🪜 {name} would like to try questions that go a little deeper ({level}). "
            "Nothing changes unless you tap Ready too."
        ).format(name=escape(asker.first_name), level=level_name(level))
    return text, buttons


def ask_messages(couple: Couple, level: int, asker: Partner | None = None) -> list[Outgoing]:
    """Ask each partner (privately when possible) whether they're ready for `level`; not the
    one who asked."""
    messages = []
    for partner in couple.partners:
        if asker is not None and partner.id == asker.id:
            continue
        with speaking(couple.language):
            text, buttons = _ask(couple, level, asker, partner)
            group = Outgoing(
                couple.chat_id,
                _("{name}: ").format(name=escape(partner.first_name)) + text,
                buttons=buttons,
                purpose=Purpose.DEPTH_ASK,
            )
        if not partner.private_open:
            messages.append(group)
            continue
        with speaking(language_of(couple, partner)):
            text, buttons = _ask(couple, level, asker, partner)
        messages.append(
            Outgoing(
                partner.user_id,
                text,
                buttons=buttons,
                purpose=Purpose.DEPTH_ASK,
                partner_id=partner.id,
                fallback=group,
            )
        )
    return messages


# Built once: every reveal of a question asks it once the pair is two weeks old.
_ANSWERED_DAYS = select(func.count(func.distinct(Prompt.local_date))).where(
    Prompt.couple_id == bindparam("couple_id"),
    Prompt.kind == "question",
    Prompt.revealed_at.is_not(None),
    Prompt.created_at >= bindparam("since"),
)


async def after_reveal(session: AsyncSession, couple: Couple, now: datetime) -> list[Outgoing]:
    """After two weeks of answered questions at this level, ask once about going deeper."""
    nxt = couple.depth + 1
    if nxt > MAX_LEVEL or couple.depth_asked_level >= nxt:
        return []
    if (pair_since(couple) or now) > now - timedelta(days=ANSWERED_DAYS - 1):
        return []  # too new a pair to have answered on enough days: no need to count
    answered_days = await session.scalar(
        _ANSWERED_DAYS, {"couple_id": couple.id, "since": now - WINDOW}
    )
    if (answered_days or 0) < ANSWERED_DAYS:
        return []
    couple.depth_asked_level = nxt
    return ask_messages(couple, nxt)


class Ready(enum.Enum):
    """What a readiness tap did."""

    WAITING = "waiting"  # this partner is ready; the other isn't yet
    RAISED = "raised"  # both ready: the level went up
    NOT_YET = "not_yet"
    NOT_YOURS = "not_yours"
    FOR_THE_OTHER = "for_the_other"  # the other partner was asked: their buttons stay
    STALE = "stale"


@dataclass
class ReadyResult:
    """The outcome and any announcement."""

    outcome: Ready
    messages: list[Outgoing] = field(default_factory=list)


async def tap_ready(
    session: AsyncSession, couple_id: int, level: int, user_id: int, asked: int | None = None
) -> ReadyResult:
    """A partner taps Ready (level > 0) or Not yet (level 0) under the question put to the
    partner `asked`."""
    couple = await session.get(Couple, couple_id)
    partner = None if couple is None else partner_in(couple, user_id)
    if couple is None or partner is None:
        return ReadyResult(Ready.NOT_YOURS)
    if asked is not None and asked != partner.id:
        return ReadyResult(Ready.FOR_THE_OTHER)
    if level == 0:
        # Readiness starts over: a later /depth up asks afresh (not taken for a second tap).
        for each in couple.partners:
            each.ready_depth = min(each.ready_depth, couple.depth)
        return ReadyResult(Ready.NOT_YET)
    if level != couple.depth + 1 or level > MAX_LEVEL:
        return ReadyResult(Ready.STALE)
    return _mark_ready(couple, partner.id, level)


def _mark_ready(couple: Couple, partner_id: int, level: int) -> ReadyResult:
    for partner in couple.partners:
        if partner.id == partner_id:
            partner.ready_depth = max(partner.ready_depth, level)
    if not couple.complete or any(p.ready_depth < level for p in couple.partners):
        return ReadyResult(Ready.WAITING)
    couple.depth = level
    couple.depth_asked_level = level
    with speaking(couple.language):
        text = _(
            "🪜 You're both ready. From the next question on, they go a little deeper "
            "({level}). Either of you can step back with /depth down at any time."
        ).format(level=level_name(level))
    announce = Outgoing(couple.chat_id, text, purpose=Purpose.DEPTH_UP)
    return ReadyResult(Ready.RAISED, [announce])


def ask_now(couple: Couple, user_id: int) -> ReadyResult:
    """/depth up: this partner is ready for the next level; the other is asked."""
    partner = partner_in(couple, user_id)
    level = couple.depth + 1
    if partner is None or level > MAX_LEVEL:
        return ReadyResult(Ready.STALE)
    asked_already = partner.ready_depth >= level and couple.depth_asked_level == level
    result = _mark_ready(couple, partner.id, level)
    if result.outcome == Ready.WAITING and not asked_already:  # a second tap asks nobody
        couple.depth_asked_level = level
        others = [p for p in couple.partners if p.id != partner.id]
        result.messages = ask_messages(couple, level, partner) if others else []
    return result


def step_down(couple: Couple) -> bool:
    """/depth down: one level lighter (never below 1); readiness starts over."""
    if couple.depth <= 1:
        return False
    couple.depth -= 1
    # They chose lighter: don't ask again on our own; /depth up is there when they want it.
    couple.depth_asked_level = couple.depth + 1
    for partner in couple.partners:
        partner.ready_depth = min(partner.ready_depth, couple.depth)
    return True
