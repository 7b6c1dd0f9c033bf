"""Opt-in question themes: "parents" (either partner turns it on for the couple) and
"intimacy" (on only while both partners said yes, each privately; either can say no again)."""

from __future__ import annotations

from bot.core.content import allowed_themes
from bot.core.couples import language_of, partner_in
from bot.core.models import Couple
from bot.core.outbox import Outgoing
from bot.core.purposes import Purpose
from bot.i18n import _, speaking


def intimacy_on(couple: Couple) -> bool:
    """Both partners said yes to affection & intimacy questions."""
    return couple.complete and all(p.intimacy_ok for p in couple.partners)


def opted_in(couple: Couple) -> tuple[str, ...]:
    """The opt-in themes this couple gets now."""
    return (("parents",) if couple.parents else ()) + (("intimacy",) if intimacy_on(couple) else ())


def themes_for(couple: Couple) -> tuple[str, ...]:
    """Every theme the couple's evening questions may come from."""
    return allowed_themes(opted_in(couple))


def set_parents(couple: Couple, enabled: bool) -> None:
    """New-parent questions on or off for the couple (either partner decides)."""
    couple.parents = enabled


def consent(couple: Couple, user_id: int, yes: bool) -> list[Outgoing]:
    """One partner's own yes or no to intimacy questions. Only when it makes them start are
    both told (privately): one partner's yes alone is never passed on."""
    partner = partner_in(couple, user_id)
    if partner is None or partner.intimacy_ok == yes:
        return []
    was_on = intimacy_on(couple)
    partner.intimacy_ok = yes
    if was_on or not intimacy_on(couple):
        return []
    messages = []
    for p in couple.partners:
        with speaking(language_of(couple, p)):
            text = _(
                "💞 You've both said yes: now and then, tonight's question will be about "
                "affection and intimacy. Either of you can turn them off at any time, "
                "privately, in /settings."
            )
        messages.append(Outgoing(p.user_id, text, purpose=Purpose.INFO, partner_id=p.id))
    return messages
