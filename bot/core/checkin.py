"""The weekly check-in (off by default): what went well this week, one appreciation, and one
thing I need next week, answered privately and revealed together, with an invitation to talk."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.core import prompt_kinds
from bot.core.content import Content, RitualItem, pick_checkin
from bot.core.models import Couple, Partner
from bot.core.purposes import Purpose
from bot.core.rounds import Quote, Ritual, Round
from bot.i18n import _


def _pick(content: Content, history: Sequence[str], seed: str) -> tuple[RitualItem, ...]:
    return pick_checkin(content, history, seed)


def _ask(part: int, question: str, partner: Partner, other: Partner) -> str:
    step = _("{n}/3 · <b>{question}</b>").format(n=part + 1, question=escape(question))
    if part:
        return step
    return (
        _(
            "🌿 <b>Weekly check-in</b>: three short questions about our week. Your answers "
            "stay sealed until you've both answered all three."
        )
        + "\n\n"
        + step
    )


def _title() -> str:
    return _("this week's check-in")


def _labels() -> tuple[str, str, str]:
    return _("✨ Went well:"), _("💛 Thank you for:"), _("🌱 Next week I need:")


def _layout(
    couple: Couple, receiver: Partner | None, rnd: Round, content: Content
) -> tuple[str, list[Quote]]:
    """Privately the other's three answers; in the group both partners', named."""
    if receiver is not None:
        sharers = [p for p in couple.partners if p.id != receiver.id]
        heading = _("🌿 <b>{name}'s check-in</b> for this week").format(
            name=escape(sharers[0].first_name)
        )
    else:
        sharers = list(couple.partners)
        heading = _("🌿 <b>Your check-ins are in</b>")
    quotes: list[Quote] = []
    for sharer in sharers:
        for part, label in enumerate(_labels()):
            answer = rnd.answer(part, sharer)
            if answer is None:
                continue
            if receiver is None:
                label = _("<b>{name}</b> · {label}").format(
                    name=escape(sharer.first_name), label=label
                )
            quotes.append((answer.id, label))
    return heading, quotes


def _closing() -> str:
    return _(
        "🕯 Take twenty minutes together this week: thank each other for what you read, and "
        "agree on one small way to meet each need."
    )


CHECKIN = Ritual(
    name="checkin",
    kinds=prompt_kinds.CHECKIN,
    purpose=Purpose.CHECKIN,
    enabled_column="checkin_enabled",
    day_column="checkin_day",
    time_column="checkin_time",
    pick=_pick,
    ask=_ask,
    title=_title,
    layout=_layout,
    closing=_closing,
)
