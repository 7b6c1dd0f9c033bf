"""/guess (love maps) and /checkin (the weekly check-in), and the button that swaps tonight's
question."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import callbacks, rituals, rounds, skip
from bot.core.checkin import CHECKIN
from bot.core.couples import is_paused, other_partner
from bot.core.lovemaps import LOVE_MAPS
from bot.core.models import Couple
from bot.core.rounds import Resume, Ritual
from bot.core.skip import Swap
from bot.i18n import _, weekday
from handlers import texts
from handlers.common import (
    Context,
    invalid_button,
    is_private,
    not_yours,
    reply,
    unit_of_work,
    who_may_change,
)

log = logging.getLogger(__name__)


def usage(ritual: Ritual) -> str:
    """How /guess or /checkin is used."""
    if ritual is LOVE_MAPS:
        return _(
            "Use <code>/guess now</code> for a love map now, <code>/guess off</code> or "
            "<code>/guess on</code>, and <code>/guess wednesday 12:00</code> to choose its day "
            "(and time). Privately, <code>/guess</code> carries on with yours."
        )
    return _(
        "Use <code>/checkin on</code> or <code>/checkin off</code>, <code>/checkin sunday "
        "11:00</code> to choose its day (and time), and <code>/checkin now</code> for one now. "
        "Privately, <code>/checkin</code> carries on with yours."
    )


def status(couple: Couple, ritual: Ritual) -> str:
    """Whether the weekly round is on, and when."""
    enabled, day, at = rituals.when(couple, ritual)
    if ritual is LOVE_MAPS:
        return (
            _(
                "🗺 Love maps: {day} {time}. Each of you privately answers a light question "
                "about yourself and guesses the other's answer; then you see both."
            ).format(day=weekday(day), time=at)
            if enabled
            else _("🗺 Love maps are off.")
        )
    return (
        _(
            "🌿 Weekly check-in: {day} {time}. Three short questions answered privately (what "
            "went well, one appreciation, one need), revealed together."
        ).format(day=weekday(day), time=at)
        if enabled
        else _("🌿 The weekly check-in is off (it's for couples who want it).")
    )


async def ritual_command(update: Update, context: Context, ritual: Ritual) -> None:
    """/guess or /checkin: [now|on|off|<weekday> [HH:MM]], or privately carry on."""
    args = [a.lower() for a in context.args or []]
    private = is_private(update)
    async with unit_of_work(update, context) as work:
        couple, found, why = await who_may_change(work, update)
        content, username = work.service.content, work.service.bot_username
        if couple is None or found is None:
            text = why
        elif not couple.complete:
            text = _("Both of you tap <b>We're in</b> first.")
        elif not args and private:
            outcome, messages = await rounds.resume(work.session, couple, found, ritual, content)
            work.send(couple.id, messages)
            other = other_partner(couple, found)
            text = {
                Resume.ASKED: "",
                Resume.NONE: status(couple, ritual)
                + "\n"
                + _("No round yet: <code>/{command} now</code> starts one.").format(
                    command=ritual.name
                ),
                Resume.WAITING: _(
                    "🔒 You've answered everything. Sealed until {name} has too."
                ).format(name=escape(other.first_name if other else "")),
                Resume.REVEALED: status(couple, ritual) + "\n\n" + usage(ritual),
            }[outcome]
        elif not args:
            text = status(couple, ritual) + "\n\n" + usage(ritual)
        elif args == ["now"]:
            started = await rituals.start_now(
                work.session, couple, ritual, content, work.now, username
            )
            if started is None:
                text = _(
                    "The last one is still open: answer it privately (send /{command} to me "
                    "there to carry on)."
                ).format(command=ritual.name)
            else:
                work.send(couple.id, started)
                text = "" if private else _("On its way to each of you, privately.")
        elif args in (["on"], ["off"]):
            rituals.set_enabled(couple, ritual, args == ["on"], work.now)
            text = status(couple, ritual)
        else:
            try:
                if len(args) > 2:
                    raise ValueError(args)
                rituals.set_when(
                    couple, ritual, args[0], args[1] if len(args) == 2 else None, work.now
                )
                text = status(couple, ritual)
            except ValueError:
                text = _("I didn't understand that.") + "\n" + usage(ritual)
        if couple is not None and is_paused(couple, work.now) and args and args != ["now"]:
            text += "\n" + texts.still_paused(couple)
    if text:
        await reply(update, text)


async def guess(update: Update, context: Context) -> None:
    """/guess: love maps."""
    await ritual_command(update, context, LOVE_MAPS)


async def checkin(update: Update, context: Context) -> None:
    """/checkin: the weekly check-in."""
    await ritual_command(update, context, CHECKIN)


async def skip_button(update: Update, context: Context, pressed: callbacks.Skip) -> None:
    """🔀 Another question, under tonight's question."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with unit_of_work(update, context) as work:
        result = await skip.swap(
            work.session,
            pressed.prompt_id,
            user.id,
            work.now,
            work.service.content,
            work.service.bot_username,
        )
        work.send(result.couple_id, result.messages)
    alerts = {
        Swap.NOT_YOURS: not_yours(),
        Swap.GONE: invalid_button(),
        Swap.ALREADY: _("You've swapped tonight's question once already: this one stays 💛"),
        Swap.ANSWERED: _(
            "One of you has answered this one already, so it stays. Swapping works only "
            "before either of you answers."
        ),
    }
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=True)
        return
    await query.answer(_("Swapped 🔀"))
    try:
        await query.edit_message_text(
            _("🔀 <s>{question}</s>\n\nSwapped for another question, just below.").format(
                question=escape(result.old_text)
            ),
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )
    except TelegramError as error:
        log.info("could not mark the swapped question: %s", type(error).__name__)
