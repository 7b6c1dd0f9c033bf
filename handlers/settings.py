"""Settings commands: /timezone, /time, /jarnight, /settings (with buttons), /pause, /resume."""

from __future__ import annotations

import logging
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import couples, depth, schedule
from bot.core.couples import MAX_PAUSE_DAYS
from bot.core.models import Couple
from bot.core.timezones import resolve_timezone
from bot.i18n import _
from handlers import texts
from handlers.common import Context, Work, reply, unit_of_work, who

log = logging.getLogger(__name__)


async def _couple_for_change(work: Work, update: Update) -> tuple[Couple | None, str]:
    """The couple a partner may change, or an explanation why not."""
    couple, partner = await who(work, update)
    if couple is None or not couple.active:
        return None, texts.not_set_up()
    if partner is None:
        return None, _("Only the two partners can change Hearth's settings.")
    return couple, ""


async def timezone(update: Update, context: Context) -> None:
    """/timezone <IANA name or city>."""
    raw = " ".join(context.args or [])
    example = _(
        "Send a city or a time zone name, for example <code>/timezone Europe/Berlin</code>, "
        "<code>/timezone new york</code> or <code>/timezone Asia/Kolkata</code>."
    )
    async with unit_of_work(context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif not raw:
            text = _("Your time zone is {tz}.").format(tz=couple.tz) + "\n" + example
        else:
            name = resolve_timezone(raw)
            if name is None:
                text = _("I don't know the time zone “{raw}”.").format(raw=escape(raw[:64]))
                text += "\n" + example
            else:
                couples.set_timezone(couple, name, work.now)
                text = (
                    _("🌍 Time zone set to {tz}.").format(tz=name)
                    + "\n"
                    + texts.schedule_lines(couple)
                )
    await reply(update, text)


TIME_USAGE = _(
    "Use <code>/time question 21:30</code>, <code>/time gesture 08:00</code> or "
    "<code>/time jar 19:00</code> (24-hour clock)."
)


async def time_command(update: Update, context: Context) -> None:
    """/time question|gesture|jar HH:MM."""
    args = context.args or []
    async with unit_of_work(context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif len(args) != 2 or args[0].lower() not in couples.TIME_COLUMNS:
            text = TIME_USAGE
        else:
            try:
                value = couples.set_time(couple, args[0].lower(), args[1], work.now)
            except ValueError:
                text = _("“{raw}” isn't a time I understand.").format(raw=escape(args[1][:20]))
                text += "\n" + TIME_USAGE
            else:
                text = _("⏰ {which} time set to {value}.").format(
                    which=_(args[0].lower().capitalize()), value=value
                )
    await reply(update, text)


JARNIGHT_USAGE = _("Use <code>/jarnight friday 19:00</code> (a weekday, and optionally a time).")


async def jarnight(update: Update, context: Context) -> None:
    """/jarnight <weekday> [HH:MM]."""
    args = context.args or []
    async with unit_of_work(context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif not 1 <= len(args) <= 2:
            text = JARNIGHT_USAGE
        else:
            try:
                schedule.parse_weekday(args[0])
                if len(args) == 2:
                    schedule.parse_hhmm(args[1])
            except ValueError as error:
                text = _("“{raw}” isn't a weekday or time I understand.").format(
                    raw=escape(str(error)[:20])
                )
                text += "\n" + JARNIGHT_USAGE
            else:
                couples.set_jar_day(couple, args[0], work.now)
                if len(args) == 2:
                    couples.set_time(couple, "jar", args[1], work.now)
                text = _("🫙 Jar night: {day} {time}.").format(
                    day=_(schedule.WEEKDAYS[couple.jar_day].capitalize()), time=couple.jar_time
                )
    await reply(update, text)


PAUSE_USAGE = _(
    "Use <code>/pause</code> to pause until /resume, or <code>/pause 7</code> for 1 to {max} days."
).format(max=MAX_PAUSE_DAYS)


async def pause(update: Update, context: Context) -> None:
    """/pause [days]."""
    args = context.args or []
    async with unit_of_work(context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        elif len(args) > 1 or (args and not args[0].isdigit()):
            text = PAUSE_USAGE
        else:
            try:
                until = couples.pause(couple, int(args[0]) if args else None, work.now)
            except ValueError:
                text = PAUSE_USAGE
            else:
                text = (
                    _("⏸ Paused until you send /resume. Take care of each other.")
                    if until is None
                    else _("⏸ Paused for {days} days. I'll be back on {date}.").format(
                        days=args[0], date=until.astimezone(ZoneInfo(couple.tz)).date().isoformat()
                    )
                )
    await reply(update, text)


async def resume(update: Update, context: Context) -> None:
    """/resume."""
    async with unit_of_work(context) as work:
        couple, why = await _couple_for_change(work, update)
        if couple is None:
            text = why
        else:
            was = couples.resume(couple)
            text = (
                _("▶️ Welcome back. Your next question comes at {time}.").format(
                    time=couple.question_time
                )
                if was
                else _("Hearth isn't paused. Use /pause to take a break.")
            )
    await reply(update, text)


def settings_keyboard(couple: Couple) -> InlineKeyboardMarkup:
    """Buttons for every setting; data carries the couple id so a stray button is refused."""
    c = couple.id

    def b(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"s:{c}:{action}")

    return InlineKeyboardMarkup(
        [
            [b(_("Question −30 min"), "q-30"), b(_("Question +30 min"), "q+30")],
            [b(_("Gesture −30 min"), "g-30"), b(_("Gesture +30 min"), "g+30")],
            [b(_("Jar night ◀ day"), "d-1"), b(_("Jar night day ▶"), "d+1")],
            [b(_("Jar time −30 min"), "j-30"), b(_("Jar time +30 min"), "j+30")],
            [b(_("Ideas ◀ day"), "i-1"), b(_("Ideas day ▶"), "i+1")],
            [
                b(_("Turn weekly ideas off"), "ioff")
                if couple.together_enabled
                else b(_("Turn weekly ideas on"), "ion"),
                b(_("🌍 Time zone"), "tz"),
            ],
            [b(_("🪜 Lighter"), "lv-1"), b(_("🪜 Deeper"), "lv+1")],
            [b(_("▶️ Resume"), "resume") if couple.paused else b(_("⏸ Pause 7 days"), "pause7")],
        ]
    )


# Offered as buttons; any other zone is one /timezone away.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


def zone_keyboard(couple: Couple) -> InlineKeyboardMarkup:
    """A button per common time zone, two per row, and a way back."""
    buttons = [
        InlineKeyboardButton(zone, callback_data=f"s:{couple.id}:z{index}")
        for index, zone in enumerate(COMMON_ZONES)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(_("◀ Back"), callback_data=f"s:{couple.id}:back")])
    return InlineKeyboardMarkup(rows)


def settings_text(couple: Couple) -> str:
    """/settings body."""
    return (
        _("⚙️ <b>Settings</b>")
        + "\n"
        + texts.status(couple)
        + "\n\n"
        + _("Time zone: <code>/timezone city</code>. Times: <code>/time question 21:30</code>.")
    )


async def settings(update: Update, context: Context) -> None:
    """/settings: everything, with buttons to change it."""
    async with unit_of_work(context) as work:
        couple, _partner = await who(work, update)
        if couple is None or not couple.complete:
            text, markup = texts.not_set_up(), None
        else:
            text, markup = settings_text(couple), settings_keyboard(couple)
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=markup, do_quote=False)


def _shift(raw: str, minutes: int) -> str:
    at = schedule.parse_hhmm(raw)
    total = (at.hour * 60 + at.minute + minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


async def settings_button(update: Update, context: Context) -> None:
    """Callback data s:<couple id>:<action>."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or query.data is None:
        return
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        await query.answer(_("That button is no longer valid."), show_alert=True)
        return
    couple_id, action = int(parts[1]), parts[2]
    toast = _("Saved.")
    async with unit_of_work(context) as work:
        couple = await work.session.get(Couple, couple_id)
        partner = couples.partner_in(couple, user.id) if couple else None
        chat = update.effective_chat
        here = chat is not None and (chat.id == user.id or (couple and chat.id == couple.chat_id))
        if couple is None or not here:
            alert = _("These settings belong to another couple.")
        elif partner is None:
            alert = _("Only the two partners of this couple can change these settings.")
        else:
            alert = ""
            columns = {"q": "question", "g": "gesture", "j": "jar"}
            if action[:1] in columns and action[1:] in ("-30", "+30"):
                which = columns[action[0]]
                current = getattr(couple, couples.TIME_COLUMNS[which])
                couples.set_time(couple, which, _shift(current, int(action[1:])), work.now)
            elif action in ("d-1", "d+1"):
                day = (couple.jar_day + int(action[1:])) % 7
                couples.set_jar_day(couple, schedule.WEEKDAYS[day], work.now)
            elif action in ("i-1", "i+1"):
                day = (couple.together_day + int(action[1:])) % 7
                couples.set_together_day(couple, schedule.WEEKDAYS[day], work.now)
            elif action in ("ion", "ioff"):
                couples.set_together(couple, action == "ion", work.now)
            elif action == "lv-1":
                if not depth.step_down(couple):
                    alert = _("You're already at the lightest level.")
            elif action == "lv+1":
                raised = depth.ask_now(couple, user.id)
                if raised.outcome == depth.Ready.STALE:
                    alert = _("You're already at the deepest level.")
                elif raised.outcome == depth.Ready.WAITING:
                    toast = _("Noted. I've asked your partner.")
                work.send(couple.id, raised.messages)
            elif (
                action.startswith("z")
                and action[1:].isdigit()
                and int(action[1:]) < len(COMMON_ZONES)
            ):
                couples.set_timezone(couple, COMMON_ZONES[int(action[1:])], work.now)
            elif action == "pause7":
                couples.pause(couple, 7, work.now)
            elif action == "resume":
                couples.resume(couple)
            elif action not in ("tz", "back"):
                alert = _("That button is no longer valid.")
            text = settings_text(couple)
            markup = zone_keyboard(couple) if action == "tz" else settings_keyboard(couple)
    if alert:
        await query.answer(alert, show_alert=True)
        return
    await query.answer(toast)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as error:
        log.info("could not refresh settings: %s", error)


async def help_command(update: Update, context: Context) -> None:
    """/help."""
    await reply(update, texts.help_text())
