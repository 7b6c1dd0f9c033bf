"""The rest of the practices: warm responses, depth, appreciation, /together, /memories."""

from __future__ import annotations

import logging
from html import escape

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import depth, recap, safe_space, schedule, together
from bot.core.content import GESTURE_KINDS
from bot.core.couples import set_together, set_together_day
from bot.core.depth import Ready
from bot.core.models import Couple
from bot.core.safe_space import Warm
from bot.i18n import _
from handlers import texts
from handlers.common import Context, callback_numbers, is_private, reply, unit_of_work, who
from handlers.sender import keyboard

log = logging.getLogger(__name__)
INVALID = "That button is no longer valid."


async def _two_numbers(query: CallbackQuery | None) -> list[int] | None:
    """The two numbers in callback data like "w:12:3"; a malformed button gets an alert."""
    if query is None:
        return None
    numbers = callback_numbers(query.data)
    if numbers is None or len(numbers) != 2:
        await query.answer(_(INVALID), show_alert=True)
        return None
    return numbers


async def warm_button(update: Update, context: Context) -> None:
    """w:<answer id>:<response index>: pass a warm response to the sharer."""
    query, user = update.callback_query, update.effective_user
    numbers = await _two_numbers(query)
    if query is None or user is None or numbers is None:
        return
    async with unit_of_work(context) as work:
        result = await safe_space.respond(
            work.session, work.service.content, numbers[0], numbers[1], user.id
        )
        work.send(result.couple_id, result.messages)
    alerts = {
        Warm.ALREADY: _("You've already sent a response to this answer 💛"),
        Warm.NOT_YOURS: _("This is for the partner who received the answer."),
        Warm.GONE: _(INVALID),
    }
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=True)
        return
    await query.answer(_("Sent 💛"))
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        log.info("could not remove warm buttons: %s", type(error).__name__)


async def depth_button(update: Update, context: Context) -> None:
    """d:<couple id>:<level>: ready for a deeper level (0 = not yet)."""
    query, user = update.callback_query, update.effective_user
    numbers = await _two_numbers(query)
    if query is None or user is None or numbers is None:
        return
    async with unit_of_work(context) as work:
        result = await depth.tap_ready(work.session, numbers[0], numbers[1], user.id)
        couple = await work.session.get(Couple, numbers[0])
        work.send(couple.id if couple else None, result.messages)
    toasts = {
        Ready.WAITING: _("Noted. I'll go deeper once you're both ready."),
        Ready.RAISED: _("You're both ready 🌊"),
        Ready.NOT_YET: _("No rush. The questions you have now are good too."),
        Ready.STALE: _(INVALID),
        Ready.NOT_YOURS: _("This is for the two partners of this couple."),
    }
    show = result.outcome in (Ready.NOT_YOURS, Ready.STALE)
    await query.answer(toasts[result.outcome], show_alert=show)
    if not show:
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as error:
            log.info("could not remove depth buttons: %s", type(error).__name__)


DEPTH_USAGE = (
    "Use <code>/depth</code> to see your level, <code>/depth up</code> or <code>/depth down</code>."
)


async def depth_command(update: Update, context: Context) -> None:
    """/depth [up|down]."""
    args = [a.lower() for a in context.args or []]
    async with unit_of_work(context) as work:
        couple, partner = await who(work, update)
        if couple is None or partner is None or not couple.complete:
            text = texts.not_set_up() if couple is None else _("Only the two partners can do that.")
        elif not args:
            text = (
                _("🪜 Your questions are at level {level} of 3 ({name}).").format(
                    level=couple.depth, name=depth.level_name(couple.depth)
                )
                + "\n"
                + _(DEPTH_USAGE)
            )
        elif args == ["down"]:
            if depth.step_down(couple):
                text = _(
                    "🪜 One step lighter: level {level} ({name}). That's always fine. "
                    "Whenever you want to go deeper again: /depth up"
                ).format(level=couple.depth, name=depth.level_name(couple.depth))
                work.send(couple.id, [])
            else:
                text = _("You're already at the lightest level.")
        elif args == ["up"]:
            result = depth.ask_now(couple, partner.user_id)
            work.send(couple.id, result.messages)
            text = {
                Ready.RAISED: _("🌊 You're both ready: level {level} from the next question."),
                Ready.WAITING: _(
                    "Noted. I've asked your partner; it goes deeper once you're both ready."
                ),
            }.get(result.outcome, _("You're already at the deepest level.")).format(
                level=couple.depth
            )
        else:
            text = _(DEPTH_USAGE)
    await reply(update, text)


KIND_LABELS = {
    "words": "💬 Kind words",
    "time": "⏳ Time together",
    "help": "🤝 Help with things",
    "touch": "🤗 Touch",
    "surprise": "🎁 Small surprises",
}


def appreciation_keyboard(chosen: set[str]) -> InlineKeyboardMarkup:
    """A toggle per kind of appreciation."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✅ " if k in chosen else "") + _(KIND_LABELS[k]), callback_data=f"p:{k}"
                )
            ]
            for k in GESTURE_KINDS
        ]
    )


APPRECIATION_TEXT = (
    "💛 What makes you feel appreciated? Tap all that fit; your partner's gesture ideas will "
    "lean that way. Only I know your choice."
)


async def appreciation(update: Update, context: Context) -> None:
    """/appreciation: choose, privately, what makes you feel appreciated."""
    if not is_private(update):
        await reply(update, _("Tell me privately: send /appreciation in our private chat 💛"))
        return
    async with unit_of_work(context) as work:
        _couple, partner = await who(work, update)
        chosen = set(partner.appreciation.split(",")) if partner else set()
    if partner is None:
        await reply(update, texts.not_set_up())
        return
    message = update.effective_message
    if message is not None:
        await message.reply_html(_(APPRECIATION_TEXT), reply_markup=appreciation_keyboard(chosen))


async def appreciation_button(update: Update, context: Context) -> None:
    """p:<kind>: toggle one kind of appreciation for the presser."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    kind = query.data.split(":", 1)[1]
    if kind not in GESTURE_KINDS or not is_private(update):
        await query.answer(_(INVALID), show_alert=True)
        return
    async with unit_of_work(context) as work:
        _couple, partner = await who(work, update)
        if partner is not None:
            chosen = {k for k in partner.appreciation.split(",") if k}
            chosen ^= {kind}
            partner.appreciation = ",".join(k for k in GESTURE_KINDS if k in chosen)
    if partner is None:
        await query.answer(_(INVALID), show_alert=True)
        return
    await query.answer(_("Saved."))
    try:
        await query.edit_message_reply_markup(reply_markup=appreciation_keyboard(chosen))
    except TelegramError as error:
        log.info("could not refresh appreciation buttons: %s", type(error).__name__)


TOGETHER_USAGE = (
    "Use <code>/together</code> for an idea, <code>/together list</code> for your wish list, "
    "<code>/together off</code> or <code>/together on</code> for the weekly idea, and "
    "<code>/together saturday</code> to choose its day."
)


async def together_command(update: Update, context: Context) -> None:
    """/together [list|done|on|off|<weekday>]."""
    args = [a.lower() for a in context.args or []]
    markup: InlineKeyboardMarkup | None = None
    async with unit_of_work(context) as work:
        couple, partner = await who(work, update)
        content = work.service.content
        if couple is None or partner is None or not couple.complete:
            text = texts.not_set_up() if couple is None else _("Only the two partners can do that.")
        elif not args:
            activity = await together.suggest(work.session, couple, content, work.now)
            if activity is None:
                text = _("You've seen every idea I have. Look at /together list 💛")
            else:
                text = together.suggestion_text(activity)
                markup = keyboard(together.suggestion_buttons(couple, activity))
        elif args == ["list"]:
            wishes = await together.wish_list(work.session, couple, content)
            done = await together.done_list(work.session, couple, content)
            if not wishes and not done:
                text = _("Your wish list is empty. /together suggests something new.")
            else:
                lines = [_("✨ <b>Your wish list</b>")] if wishes else []
                lines += [f"{n}. {escape(w.activity.text)}" for n, w in enumerate(wishes[:10], 1)]
                if len(wishes) > 10:
                    lines.append(_("…and {n} more.").format(n=len(wishes) - 10))
                if done:
                    lines.append("\n" + _("🎉 <b>Done together</b>"))
                    for item in done[:10]:
                        when = item.row.done_at or item.row.updated_at
                        lines.append(f"• {escape(item.activity.text)} ({when:%d %b %Y})")
                text = "\n".join(lines)
                markup = (
                    InlineKeyboardMarkup(
                        [
                            [
                                InlineKeyboardButton(
                                    _("🎉 We did #{n}").format(n=n),
                                    callback_data=f"t:{couple.id}:{w.activity.id}:d",
                                )
                            ]
                            for n, w in enumerate(wishes[:10], 1)
                        ]
                    )
                    if wishes
                    else None
                )
        elif args in (["on"], ["off"]):
            set_together(couple, args[0] == "on", work.now)
            text = (
                _("🗓 Weekly ideas are on: {day} {time}.").format(
                    day=_(schedule.WEEKDAYS[couple.together_day].capitalize()),
                    time=couple.together_time,
                )
                if couple.together_enabled
                else _("🗓 Weekly ideas are off. /together still works whenever you like.")
            )
        elif len(args) > 1:
            text = _("I didn't understand that.") + "\n" + _(TOGETHER_USAGE)
        else:
            try:
                set_together_day(couple, args[0], work.now)
                text = _("🗓 Weekly ideas on {day} at {time}.").format(
                    day=_(schedule.WEEKDAYS[couple.together_day].capitalize()),
                    time=couple.together_time,
                )
            except ValueError:
                text = _("I didn't understand that.") + "\n" + _(TOGETHER_USAGE)
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=markup, do_quote=False)


async def together_button(update: Update, context: Context) -> None:
    """t:<couple id>:<activity id>:<w|b|n|d>."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.data is None:
        return
    parts = query.data.split(":")
    if len(parts) != 4 or not parts[1].isdigit() or parts[3] not in ("w", "b", "n", "d"):
        await query.answer(_(INVALID), show_alert=True)
        return
    couple_id, activity_id, action = int(parts[1]), parts[2], parts[3]
    new_text, markup = "", None
    async with unit_of_work(context) as work:
        couple = await work.session.get(Couple, couple_id)
        content = work.service.content
        allowed = couple is not None and any(p.user_id == user.id for p in couple.partners)
        if couple is None or not allowed or activity_id not in content.by_id:
            alert = _("These ideas belong to another couple.")
        else:
            alert = ""
            if action == "w":
                await together.mark(work.session, couple, activity_id, "wish", work.now)
                toast = _("On your wish list ✨")
            elif action == "b":
                await together.mark(work.session, couple, activity_id, "done_before", work.now)
                toast = _("Noted: I won't suggest it again.")
            elif action == "d":
                await together.mark(work.session, couple, activity_id, "done", work.now)
                toast = _("Wonderful 🎉 Saved with today's date.")
            else:
                toast = _("Here's another one.")
            if action in ("b", "n"):
                activity = await together.suggest(
                    work.session, couple, content, work.now, activity_id
                )
                if activity is not None:
                    new_text = together.suggestion_text(activity)
                    markup = keyboard(together.suggestion_buttons(couple, activity))
    if alert:
        await query.answer(alert, show_alert=True)
        return
    await query.answer(toast)
    try:
        if new_text:
            await query.edit_message_text(new_text, parse_mode=ParseMode.HTML, reply_markup=markup)
        elif action == "w":
            await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        log.info("could not update the activity message: %s", type(error).__name__)


async def memories(update: Update, context: Context) -> None:
    """/memories: a past question with both answers, sent privately."""
    async with unit_of_work(context) as work:
        couple, partner = await who(work, update)
        if couple is None or partner is None:
            text = texts.not_set_up()
        else:
            messages = await recap.memory_messages(work.session, couple, partner, work.now)
            if messages is None:
                text = _(
                    "No memories yet: come back once you've shared answers for a week or more."
                )
            elif not partner.private_open:
                text = _(
                    "Open our private chat first (the button from when you joined), then ask again."
                )
            else:
                work.send(couple.id, messages)
                text = "" if is_private(update) else _("🕰 I've sent you a memory privately.")
    if text:
        await reply(update, text)
