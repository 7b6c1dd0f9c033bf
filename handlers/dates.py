"""/dates: important dates, listed, added (shared in the group, secret in private) and removed,
and the buttons that say whose day it is and remove one."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import callbacks, dates
from bot.core.couples import other_partner, partner_in
from bot.core.dates import Added, Whose
from bot.core.models import Couple, ImportantDate, Partner
from bot.core.outbox import Button
from bot.i18n import _
from handlers.common import (
    Context,
    invalid_button,
    is_private,
    not_yours,
    unit_of_work,
    who_may_change,
)
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


def usage() -> str:
    """How /dates is used, with the rule for writing a date."""
    return _(
        "<code>/dates</code> lists your dates. <code>/dates add 14.02 our anniversary</code> "
        "saves one: the day first, then the month (14.02 or 14/02 is 14 February). Saved in "
        "the group it's for both of you; saved here in private it stays your secret, say for "
        "your partner's birthday. <code>/dates remove 2</code> removes the second on the list."
    )


def added_text(outcome: Added, raw: str) -> str:
    """What `/dates add` says when nothing was saved."""
    return {
        Added.BAD_FORMAT: _("Write the date as day and month.") + "\n" + usage(),
        Added.NO_SUCH_DAY: _(
            "“{raw}” isn't a day of the year: the day comes first, then the month "
            "(14.02 is 14 February; 29.02 is fine)."
        ).format(raw=escape(raw[:20])),
        Added.NO_LABEL: _(
            "What is the day? Add a few words: <code>/dates add 14.02 our anniversary</code>"
        ),
        Added.TOO_LONG: _("Please name the day in up to {limit} characters.").format(
            limit=dates.MAX_LABEL
        ),
        Added.TOO_MANY: _(
            "You have {limit} dates saved, the most I keep. Remove one with /dates first."
        ).format(limit=dates.MAX_DATES),
    }.get(outcome, "")


def saved_text(couple: Couple, partner: Partner, item: ImportantDate) -> str:
    """The confirmation of a saved date."""
    if item.secret:
        other = other_partner(couple, partner)
        return _(
            "🤫 Saved, secretly: {day} · {label}. Only you see it. {days} days before, I'll send "
            "you an idea to prepare, and on the day a question you could ask {name}."
        ).format(
            day=dates.shown(item),
            label=escape(item.label),
            days=dates.LEAD_DAYS,
            name=escape(other.first_name if other else ""),
        )
    return _(
        "📅 Saved: {day} · {label}. Whose day is it? Then I know who gets an idea to prepare, "
        "{days} days before. (Until you tap, it's both of yours.)"
    ).format(day=dates.shown(item), label=escape(item.label), days=dates.LEAD_DAYS)


async def dates_command(update: Update, context: Context) -> None:
    """/dates, /dates add <DD.MM> <words>, /dates remove <N>."""
    args = context.args or []
    private = is_private(update)
    buttons: list[list[Button]] = []
    async with unit_of_work(update, context) as work:
        couple, found, why = await who_may_change(work, update)
        if couple is None or found is None:
            text = why
        elif not couple.complete:
            text = _("Both of you tap <b>We're in</b> first.")
        elif not args:
            shown = await dates.visible(work.session, couple, found, private)
            text, buttons = dates.list_view(couple, shown)
            text += "\n\n" + (
                _(
                    "Add one with <code>/dates add 14.02 our anniversary</code> (day first); "
                    "remove one with its 🗑 button or <code>/dates remove 2</code>."
                )
                if shown
                else usage()
            )
        elif args[0].lower() == "add" and len(args) >= 2:
            outcome, item = await dates.add(
                work.session, couple, found, args[1], " ".join(args[2:]), private, work.now
            )
            if item is None:
                text = added_text(outcome, args[1])
            else:
                text = saved_text(couple, found, item)
                buttons = [] if item.secret else dates.whose_buttons(couple, item)
        elif args[0].lower() == "remove" and len(args) == 2:
            shown = await dates.visible(work.session, couple, found, private)
            n = callbacks.number(args[1], len(shown))
            if not n:
                text = _("There's no date number “{raw}” on your list.").format(
                    raw=escape(args[1][:10])
                )
                text += "\n" + dates.list_view(couple, shown)[0]
            else:
                item = shown[n - 1]
                await dates.remove(work.session, couple, item, work.now)
                text = _("🗑 Removed: {day} · {label}.").format(
                    day=dates.shown(item), label=escape(item.label)
                )
        else:
            text = _("I didn't understand that.") + "\n" + usage()
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=keyboard(buttons), do_quote=False)


async def remove_button(update: Update, context: Context, pressed: callbacks.DateRemove) -> None:
    """🗑 N under the list: remove that date and show the list again."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    alert, text = "", ""
    buttons: list[list[Button]] = []
    private = chat.id == user.id
    async with unit_of_work(update, context) as work:
        item = await work.session.get(ImportantDate, pressed.date_id)
        couple = None if item is None else await work.session.get(Couple, item.couple_id)
        partner = None if couple is None else partner_in(couple, user.id)
        if item is None or couple is None:
            alert = invalid_button()
        elif partner is None:
            alert = not_yours()
        elif item.secret and (not private or item.author_id != partner.id):
            alert = invalid_button()  # never a hint that a secret exists
        else:
            await dates.remove(work.session, couple, item, work.now)
            text, buttons = dates.list_view(
                couple, await dates.visible(work.session, couple, partner, private)
            )
    if alert:
        await query.answer(alert, show_alert=True)
        return
    await query.answer(_("Removed."))
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
        )
    except TelegramError as error:
        log.info("could not refresh the list of dates: %s", type(error).__name__)


async def whose_button(update: Update, context: Context, pressed: callbacks.DateFor) -> None:
    """Whose day is it: a partner's, or both of theirs."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with unit_of_work(update, context) as work:
        outcome, item, couple = await dates.set_whose(
            work.session, pressed.date_id, user.id, pressed.partner_id
        )
        text = (
            ""
            if item is None or couple is None
            else (
                _("📅 Saved: {day} · {label} ({whose}).").format(
                    day=dates.shown(item),
                    label=escape(item.label),
                    whose=dates.whose_line(couple, item),
                )
            )
        )
    if outcome != Whose.SET:
        await query.answer(
            not_yours() if outcome == Whose.NOT_YOURS else invalid_button(), show_alert=True
        )
        return
    await query.answer(_("Saved."))
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except TelegramError as error:
        log.info("could not update the saved date: %s", type(error).__name__)
