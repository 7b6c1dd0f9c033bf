"""Settings commands: /timezone, /time, /jarnight, /settings (with buttons), /pause, /resume."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import i18n
from bot.core import callbacks, couples, schedule
from bot.core import settings as core_settings
from bot.core.apart import lives_apart
from bot.core.callbacks import number
from bot.core.couples import MAX_PAUSE_DAYS
from bot.core.models import Couple, Partner
from bot.core.outbox import Button, button
from bot.core.timezones import keeps_one_offset, resolve_timezone
from bot.i18n import _, ngettext
from handlers import texts
from handlers.apart import timezone_me
from handlers.common import (
    Context,
    Work,
    already_shows,
    is_private,
    reply,
    unit_of_work,
    who,
    who_may_change,
)
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


async def _couple_for_change(work: Work, update: Update) -> tuple[Couple | None, str]:
    """The couple a partner may change, or an explanation why not."""
    couple, _partner, why = await who_may_change(work, update)
    return couple, why


async def timezone(update: Update, context: Context) -> None:
    """/timezone <IANA name or city>; /timezone me <zone> sets the sender's own."""
    args = context.args or []
    if args and args[0].lower() == "me":
        await timezone_me(update, context, " ".join(args[1:]))
        return
    raw = " ".join(args)
    async with unit_of_work(update, context) as work:
        # Worded here, in the chat's language (set by the unit of work), not the sender's app's.
        example = _(
            "Send a city or a time zone name, for example <code>/timezone Europe/Berlin</code>, "
            "<code>/timezone new york</code> or <code>/timezone Asia/Kolkata</code>."
        )
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif not raw:
            text = _("Your time zone is {tz}.").format(tz=couple.tz) + "\n" + example
        else:
            name = resolve_timezone(raw)
            if name is None:
                text = texts.unknown_zone(raw) + "\n" + example
            else:
                couples.set_timezone(couple, name, work.now)
                text = (
                    _("🌍 Time zone set to {tz}.").format(tz=name)
                    + "\n"
                    + texts.schedule_lines(couple)
                )
                if keeps_one_offset(name):
                    text += "\n\n" + texts.one_offset_note(name)
    await reply(update, text)


def time_usage() -> str:
    """How /time is used."""
    return _(
        "Use <code>/time question 21:30</code>, <code>/time gesture 08:00</code> or "
        "<code>/time jar 19:00</code> (24-hour clock)."
    )


async def time_command(update: Update, context: Context) -> None:
    """/time question|gesture|jar HH:MM."""
    args = context.args or []
    async with unit_of_work(update, context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif len(args) != 2 or args[0].lower() not in couples.TIME_COLUMNS:
            text = time_usage()
        else:
            try:
                value = couples.set_time(couple, args[0].lower(), args[1], work.now)
            except ValueError:
                text = _("“{raw}” isn't a time I understand.").format(raw=escape(args[1][:20]))
                text += "\n" + time_usage()
            else:
                text = texts.time_set(args[0].lower(), value)
                if couples.is_paused(couple, work.now):
                    text += "\n" + texts.still_paused(couple)
    await reply(update, text)


def jarnight_usage() -> str:
    """How /jarnight is used."""
    return _(
        "Use <code>/jarnight friday 19:00</code> (a weekday, and optionally a time), "
        "<code>/jarnight instead</code> (the jar's question is that evening's question) or "
        "<code>/jarnight both</code> (the evening question comes too)."
    )


async def jarnight(update: Update, context: Context) -> None:
    """/jarnight <weekday> [HH:MM]."""
    args = context.args or []
    async with unit_of_work(update, context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif not 1 <= len(args) <= 2:
            text = jarnight_usage()
        elif args[0].lower() in ("both", "instead") and len(args) == 1:
            couples.set_jar_with_question(couple, args[0].lower() == "both")
            text = texts.jar_night_set(couple)
        else:
            try:
                schedule.parse_weekday(args[0])
                if len(args) == 2:
                    schedule.parse_hhmm(args[1])
            except ValueError as error:
                text = _("“{raw}” isn't a weekday or time I understand.").format(
                    raw=escape(str(error)[:20])
                )
                text += "\n" + jarnight_usage()
            else:
                couples.set_jar_day(couple, args[0], work.now)
                if len(args) == 2:
                    couples.set_time(couple, "jar", args[1], work.now)
                text = texts.jar_night_set(couple)
    await reply(update, text)


def pause_usage() -> str:
    """How /pause is used."""
    return _(
        "Use <code>/pause</code> to pause until /resume, or <code>/pause 7</code> for 1 to "
        "{max} days."
    ).format(max=MAX_PAUSE_DAYS)


async def pause(update: Update, context: Context) -> None:
    """/pause [days]."""
    args = context.args or []
    async with unit_of_work(update, context) as work:
        couple, why = await _couple_for_change(work, update)
        days = number(args[0], MAX_PAUSE_DAYS) if len(args) == 1 else None
        if couple is None:
            text = why
        elif len(args) > 1 or (args and not days):
            text = pause_usage()
        else:
            until = couples.pause(couple, days, work.now)
            text = (
                _("⏸ Paused until you send /resume. Take care of each other.")
                if until is None
                else ngettext(
                    "⏸ Paused for {days} day. I'll be back on {date}.",
                    "⏸ Paused for {days} days. I'll be back on {date}.",
                    days or 0,
                ).format(days=days, date=i18n.day(until.astimezone(ZoneInfo(couple.tz)).date()))
            )
    await reply(update, text)


async def resume(update: Update, context: Context) -> None:
    """/resume."""
    async with unit_of_work(update, context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif couples.resume(couple):
            text = _("▶️ Welcome back. Your next question comes {when}.").format(
                when=texts.when(couple.next_question_at, couple.tz, work.now)
            )
        else:
            text = _("Hearth isn't paused. Use /pause to take a break.")
    await reply(update, text)


def settings_keyboard(
    couple: Couple, now: datetime, me: Partner | None = None
) -> InlineKeyboardMarkup:
    """Buttons for every setting; data carries the couple id so a stray button is refused.

    In a partner's private chat (`me`) it also holds their own yes or no to intimacy questions.
    """

    def b(label: str, action: str) -> Button:
        return button(label, callbacks.Settings(couple.id, action))

    living = (
        b(_("🏠 We live together"), "home")
        if lives_apart(couple)
        else b(_("🌍 We live apart"), "apart")
    )
    ideas = (
        b(_("Turn weekly ideas off"), "ioff")
        if couple.together_enabled
        else b(_("Turn weekly ideas on"), "ion")
    )
    rows = [
        [b(_("Question −30 min"), "q-30"), b(_("Question +30 min"), "q+30")],
        [b(_("Gesture −30 min"), "g-30"), b(_("Gesture +30 min"), "g+30")],
        [b(_("Jar night ◀ day"), "d-1"), b(_("Jar night day ▶"), "d+1")],
        [b(_("Jar time −30 min"), "j-30"), b(_("Jar time +30 min"), "j+30")],
        [b(_("Ideas ◀ day"), "i-1"), b(_("Ideas day ▶"), "i+1")],
        [ideas, b(_("🌍 Time zone"), "tz")],
        [b(_("🪜 Lighter"), "lv-1"), b(_("🪜 Deeper"), "lv+1")],
        [
            b(_("▶️ Resume"), "resume")
            if couples.is_paused(couple, now)
            else b(_("⏸ Pause 7 days"), "pause7")
        ],
        [living],
        [
            b(_("👶 New-parent questions: turn off"), "poff")
            if couple.parents
            else b(_("👶 New-parent questions: turn on"), "pon")
        ],
    ]
    if me is not None:
        rows.append(
            [
                b(_("💞 Intimacy questions: count me out"), "xoff")
                if me.intimacy_ok
                else b(_("💞 Intimacy questions: count me in"), "xon")
            ]
        )
    return keyboard(rows) or InlineKeyboardMarkup([])


def zone_keyboard(couple: Couple) -> InlineKeyboardMarkup:
    """A button per common time zone, two per row, and a way back."""
    zones = [
        button(zone, callbacks.Settings(couple.id, zone=index))
        for index, zone in enumerate(core_settings.COMMON_ZONES)
    ]
    rows = [zones[i : i + 2] for i in range(0, len(zones), 2)]
    rows.append([button(_("◀ Back"), callbacks.Settings(couple.id, "back"))])
    return keyboard(rows) or InlineKeyboardMarkup([])


def settings_text(couple: Couple, now: datetime, me: Partner | None = None) -> str:
    """/settings body (in a private chat, with that partner's own intimacy answer)."""
    mine = ""
    if me is not None:
        mine = "\n" + (
            _("💞 You said yes to intimacy questions; they come only once you've both said yes.")
            if me.intimacy_ok
            else _(
                "💞 You haven't said yes to intimacy questions. They stay off until you both do."
            )
        )
    return (
        _("⚙️ <b>Settings</b>")
        + "\n"
        + texts.status(couple, now)
        + mine
        + "\n\n"
        + _("Time zone: <code>/timezone city</code>. Times: <code>/time question 21:30</code>.")
    )


async def settings(update: Update, context: Context) -> None:
    """/settings: everything, with buttons to change it."""
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is None or not couple.complete:
            text, markup = texts.not_set_up(), None
        else:
            me = partner if is_private(update) else None
            text = settings_text(couple, work.now, me)
            markup = settings_keyboard(couple, work.now, me)
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=markup, do_quote=False)


async def settings_button(update: Update, context: Context, pressed: callbacks.Settings) -> None:
    """A settings button: s:<couple id>:<action>."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    async with unit_of_work(update, context) as work:
        couple = await work.session.get(Couple, pressed.couple_id)
        partner = couples.partner_in(couple, user.id) if couple else None
        if couple is None or chat.id not in (user.id, couple.chat_id):
            change = core_settings.Change(alert=_("These settings belong to another couple."))
        elif partner is None:
            change = core_settings.Change(
                alert=_("Only the two partners of this couple can change these settings.")
            )
        elif pressed.action in core_settings.PRIVATE_ACTIONS and chat.id != user.id:
            change = core_settings.Change(
                alert=_("That's yours to say privately: send /settings in our private chat.")
            )
        else:
            change = core_settings.apply(couple, pressed.action, pressed.zone, user.id, work.now)
            work.send(couple.id, change.messages)
            me = partner if chat.id == user.id else None
            text = settings_text(couple, work.now, me)
            markup = (
                zone_keyboard(couple)
                if change.show_zones
                else settings_keyboard(couple, work.now, me)
            )
    if change.alert:
        await query.answer(change.alert, show_alert=True)
        return
    await query.answer(change.toast or _("Saved."))
    if already_shows(query.message, markup, text):
        return  # nothing to refresh (a second tap, or a button that only asked the partner)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as error:
        log.info("could not refresh settings: %s", type(error).__name__)


async def help_command(update: Update, context: Context) -> None:
    """/help."""
    async with unit_of_work(update, context):
        pass  # nothing to change; recorded so a redelivered /help isn't answered twice
    await reply(update, texts.help_text())
