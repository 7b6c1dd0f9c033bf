"""Living apart: `/timezone me <zone>` (a partner's own zone) and `/living apart|together`."""

from __future__ import annotations

from telegram import Update

from bot.core import couples
from bot.core.apart import lives_apart, own_clock, zones_differ
from bot.core.models import Couple, Partner
from bot.core.timezones import keeps_one_offset, resolve_timezone
from bot.i18n import _, clock
from handlers import texts
from handlers.common import Context, reply, unit_of_work, who_may_change

FOLLOW_THE_COUPLE = "group"  # /timezone me group: back to the couple's zone


def timezone_me_usage() -> str:
    """How /timezone me is used."""
    return _(
        "Living in another time zone than your partner? Set your own, for example "
        "<code>/timezone me Europe/Berlin</code>: your evening question and gesture idea then "
        "come at your own times, privately. <code>/timezone me group</code> follows the "
        "couple's zone again."
    )


def living_usage() -> str:
    """How /living is used."""
    return _(
        "Use <code>/living apart</code> or <code>/living together</code>. While you live apart "
        "I leave out questions and ideas that need you in one place."
    )


def _own_zone_text(couple: Couple, partner: Partner) -> str:
    """Where the partner's own times stand now."""
    if own_clock(couple, partner):
        return _(
            "🌍 Your own time zone is {tz}: your evening question comes at {question} and your "
            "gesture idea at {gesture} there, privately. The group keeps {couple_tz}."
        ).format(
            tz=partner.tz,
            question=clock(couple.question_time),
            gesture=clock(couple.gesture_time),
            couple_tz=couple.tz,
        )
    return _("🌍 You follow the couple's time zone, {tz}.").format(tz=couple.tz)


def _apart_note(couple: Couple, partner: Partner) -> str:
    """What setting a zone implies: living apart (inferred), and a private chat to write to."""
    notes = []
    if couple.living_apart is None and zones_differ(couple):
        notes.append(
            _(
                "Your zones differ, so I take it you live apart: I'll leave out questions and "
                "ideas that need you in one place. Just travelling? <code>/living together</code>"
            )
        )
    if own_clock(couple, partner) and not partner.private_open:
        notes.append(
            _(
                "Open our private chat (the button from when you joined) so that your question "
                "and idea can reach you there."
            )
        )
    return "".join("\n\n" + note for note in notes)


async def timezone_me(update: Update, context: Context, raw: str) -> None:
    """/timezone me [zone|group]: the sender's own time zone."""
    async with unit_of_work(update, context) as work:
        couple, partner, why = await who_may_change(work, update)
        if couple is None or partner is None:
            text = why
        elif not raw:
            text = _own_zone_text(couple, partner) + "\n" + timezone_me_usage()
        elif raw.strip().lower() == FOLLOW_THE_COUPLE:
            couples.set_partner_timezone(couple, partner, None, work.now)
            text = _("🌍 You follow the couple's time zone again, {tz}.").format(tz=couple.tz)
        elif (name := resolve_timezone(raw)) is None:
            text = texts.unknown_zone(raw) + "\n" + timezone_me_usage()
        else:
            couples.set_partner_timezone(couple, partner, name, work.now)
            text = _own_zone_text(couple, partner) + _apart_note(couple, partner)
            if keeps_one_offset(name):
                text += "\n\n" + texts.one_offset_note(name)
    await reply(update, text)


def living_text(couple: Couple) -> str:
    """Whether the couple lives apart, and why Hearth thinks so."""
    if couple.living_apart is None and lives_apart(couple):
        return _("🌍 Your time zones differ, so I take it you live apart.")
    if lives_apart(couple):
        return _("🌍 You live apart.")
    return _("🏠 You live together.")


async def living(update: Update, context: Context) -> None:
    """/living [apart|together]."""
    args = [a.lower() for a in context.args or []]
    async with unit_of_work(update, context) as work:
        couple, partner, why = await who_may_change(work, update)
        if couple is None or partner is None:
            text = why
        elif args == ["apart"]:
            couples.set_living_apart(couple, True)
            text = _(
                "🌍 Noted: you live apart. I'll leave out questions and ideas that need you in "
                "one place, and gesture ideas will work at a distance."
            )
        elif args == ["together"]:
            couples.set_living_apart(couple, False)
            text = _("🏠 Noted: you live together. Every question and idea is back in.")
        else:
            text = living_text(couple) + "\n" + living_usage()
    await reply(update, text)
