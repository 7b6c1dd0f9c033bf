"""The rest of the practices: warm responses, depth, appreciation, /together, /memories."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import callbacks, depth, recap, safe_space, together
from bot.core.content import GESTURE_KINDS
from bot.core.couples import set_together, set_together_day
from bot.core.depth import Ready
from bot.core.models import Couple
from bot.core.outbox import button
from bot.core.safe_space import Warm
from bot.i18n import _, clock, weekday
from handlers import texts
from handlers.common import (
    Context,
    already_shows,
    invalid_button,
    is_private,
    remove_buttons,
    reply,
    unit_of_work,
    who,
)
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


async def warm_button(update: Update, context: Context, pressed: callbacks.Warm) -> None:
    """Pass a warm response to the sharer."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with unit_of_work(update, context) as work:
        result = await safe_space.respond(
            work.session, work.service.content, pressed.answer_id, pressed.index, user.id
        )
        work.send(result.couple_id, result.messages)
    alerts = {
        Warm.ALREADY: _("You've already sent a response to this answer 💛"),
        Warm.NOT_YOURS: _("This is for the partner who received the answer."),
        Warm.GONE: invalid_button(),
    }
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=True)
        return
    await query.answer(_("Sent 💛"))
    try:
        await remove_buttons(query)
    except TelegramError as error:
        log.info("could not remove warm buttons: %s", type(error).__name__)


async def depth_button(update: Update, context: Context, pressed: callbacks.Depth) -> None:
    """Ready for a deeper level (or Not yet, level 0)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with unit_of_work(update, context) as work:
        result = await depth.tap_ready(
            work.session, pressed.couple_id, pressed.level, user.id, pressed.partner_id
        )
        work.send(pressed.couple_id if result.messages else None, result.messages)
    toasts = {
        Ready.WAITING: _("Noted. I'll go deeper once you're both ready."),
        Ready.RAISED: _("You're both ready 🌊"),
        Ready.NOT_YET: _("No rush. The questions you have now are good too."),
        Ready.STALE: invalid_button(),
        Ready.NOT_YOURS: _("This is for the two partners of this couple."),
        Ready.FOR_THE_OTHER: _("This one is for your partner to answer."),
    }
    show = result.outcome in (Ready.NOT_YOURS, Ready.FOR_THE_OTHER, Ready.STALE)
    await query.answer(toasts[result.outcome], show_alert=show)
    if not show:
        try:
            await remove_buttons(query)
        except TelegramError as error:
            log.info("could not remove depth buttons: %s", type(error).__name__)


def depth_usage() -> str:
    """How /depth is used."""
    return _(
        "Use <code>/depth</code> to see your level, <code>/depth up</code> or "
        "<code>/depth down</code>."
    )


async def depth_command(update: Update, context: Context) -> None:
    """/depth [up|down]."""
    args = [a.lower() for a in context.args or []]
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is None or partner is None or not couple.complete:
            text = texts.not_set_up() if couple is None else _("Only the two partners can do that.")
        elif not args:
            text = (
                _("🪜 Your questions are at level {level} of 3 ({name}).").format(
                    level=couple.depth, name=depth.level_name(couple.depth)
                )
                + "\n"
                + depth_usage()
            )
        elif args == ["down"]:
            text = (
                _(
                    "🪜 One step lighter: level {level} ({name}). That's always fine. "
                    "Whenever you want to go deeper again: /depth up"
                ).format(level=couple.depth, name=depth.level_name(couple.depth))
                if depth.step_down(couple)  # evaluated first: the level is already the new one
                else _("You're already at the lightest level.")
            )
        elif args == ["up"]:
            result = depth.ask_now(couple, partner.user_id)
            work.send(couple.id, result.messages)
            if result.outcome == Ready.RAISED:
                text = _("🌊 You're both ready: level {level} from the next question.").format(
                    level=couple.depth
                )
            elif result.outcome == Ready.WAITING:
                text = _("Noted. I've asked your partner; it goes deeper once you're both ready.")
            else:
                text = _("You're already at the deepest level.")
        else:
            text = depth_usage()
    await reply(update, text)


def kind_label(kind: str) -> str:
    """The button label of one kind of appreciation."""
    return {
        "words": _("💬 Kind words"),
        "time": _("⏳ Time together"),
        "help": _("🤝 Help with things"),
        "touch": _("🤗 Touch"),
        "surprise": _("🎁 Small surprises"),
    }.get(kind, kind)


def appreciation_keyboard(chosen: set[str]) -> list[list[dict[str, str]]]:
    """A toggle per kind of appreciation."""
    return [
        [button(("✅ " if k in chosen else "") + kind_label(k), callbacks.Appreciation(k))]
        for k in GESTURE_KINDS
    ]


async def appreciation(update: Update, context: Context) -> None:
    """/appreciation: choose, privately, what makes you feel appreciated."""
    if not is_private(update):
        async with unit_of_work(update, context):
            pass  # from here on, the group's language
        await reply(update, _("Tell me privately: send /appreciation in our private chat 💛"))
        return
    async with unit_of_work(update, context) as work:
        _couple, partner = await who(work, update)
        chosen = set(partner.appreciation.split(",")) if partner else set()
    message = update.effective_message
    if partner is None or message is None:
        await reply(update, texts.not_set_up())
        return
    await message.reply_html(
        _(
            "💛 What makes you feel appreciated? Tap all that fit; your partner's gesture "
            "ideas will lean that way. Only I know your choice."
        ),
        reply_markup=keyboard(appreciation_keyboard(chosen)),
    )


async def appreciation_button(
    update: Update, context: Context, pressed: callbacks.Appreciation
) -> None:
    """Toggle one kind of appreciation for the presser."""
    query = update.callback_query
    if query is None:
        return
    if pressed.kind not in GESTURE_KINDS or not is_private(update):
        await query.answer(invalid_button(), show_alert=True)
        return
    async with unit_of_work(update, context) as work:
        _couple, partner = await who(work, update)
        if partner is not None:
            chosen = {k for k in partner.appreciation.split(",") if k} ^ {pressed.kind}
            partner.appreciation = ",".join(k for k in GESTURE_KINDS if k in chosen)
    if partner is None:
        await query.answer(invalid_button(), show_alert=True)
        return
    await query.answer(_("Saved."))
    markup = keyboard(appreciation_keyboard(chosen))
    if already_shows(query.message, markup):
        return  # an older copy of these buttons, already showing the new choice
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except TelegramError as error:
        log.info("could not refresh appreciation buttons: %s", type(error).__name__)


def together_usage() -> str:
    """How /together is used."""
    return _(
        "Use <code>/together</code> for an idea, <code>/together list</code> for your wish "
        "list, <code>/together off</code> or <code>/together on</code> for the weekly idea, and "
        "<code>/together saturday</code> to choose its day."
    )


async def together_command(update: Update, context: Context) -> None:
    """/together [list|on|off|<weekday>]."""
    args = [a.lower() for a in context.args or []]
    buttons: list[list[dict[str, str]]] = []
    async with unit_of_work(update, context) as work:
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
                buttons = together.suggestion_buttons(couple, activity)
        elif args == ["list"]:
            text, buttons = together.wish_list_view(
                couple,
                await together.wish_list(work.session, couple, content),
                await together.done_list(work.session, couple, content),
            )
        elif args in (["on"], ["off"]):
            set_together(couple, args[0] == "on", work.now)
            text = (
                _("🗓 Weekly ideas are on: {day} {time}.").format(
                    day=weekday(couple.together_day), time=clock(couple.together_time)
                )
                if couple.together_enabled
                else _("🗓 Weekly ideas are off. /together still works whenever you like.")
            )
        else:
            try:
                if len(args) > 1:
                    raise ValueError(args)
                set_together_day(couple, args[0], work.now)
                set_together(couple, True, work.now)  # choosing a day asks for them, as /guess
                text = _("🗓 Weekly ideas on {day} at {time}.").format(
                    day=weekday(couple.together_day), time=clock(couple.together_time)
                )
            except ValueError:
                text = _("I didn't understand that.") + "\n" + together_usage()
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=keyboard(buttons), do_quote=False)


async def together_button(update: Update, context: Context, pressed: callbacks.Together) -> None:
    """Let's try it (w), We've done this (b), Another (n), We did it (d)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    new_text, buttons, alert, toast = "", [], "", ""
    async with unit_of_work(update, context) as work:
        couple = await work.session.get(Couple, pressed.couple_id)
        content = work.service.content
        allowed = couple is not None and any(p.user_id == user.id for p in couple.partners)
        if couple is None or not allowed or pressed.activity_id not in content.by_id:
            alert = _("These ideas belong to another couple.")
        else:
            status, toast = {
                "w": ("wish", _("On your wish list ✨")),
                "b": ("done_before", _("Noted: I won't suggest it again.")),
                "d": ("done", _("Wonderful 🎉 Saved with today's date.")),
                "n": ("", _("Here's another one.")),
            }[pressed.action]
            if status:
                await together.mark(work.session, couple, pressed.activity_id, status, work.now)
            if pressed.action in ("b", "n"):
                activity = await together.suggest(
                    work.session, couple, content, work.now, pressed.activity_id
                )
                if activity is not None:
                    new_text = together.suggestion_text(activity)
                    buttons = together.suggestion_buttons(couple, activity)
    if alert:
        await query.answer(alert, show_alert=True)
        return
    await query.answer(toast)
    try:
        if new_text:
            await query.edit_message_text(
                new_text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
            )
        elif pressed.action == "w":
            await remove_buttons(query)
    except TelegramError as error:
        log.info("could not update the activity message: %s", type(error).__name__)


async def memories(update: Update, context: Context) -> None:
    """/memories: a past question with both answers, sent privately."""
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is None or partner is None:
            text = texts.not_set_up()
        else:
            messages = await recap.memory_messages(
                work.session, couple, partner, work.now, work.service.content
            )
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
