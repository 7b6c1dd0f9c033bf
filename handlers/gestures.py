"""Gesture buttons: Done, Another idea, and the receiver's "I noticed"."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import gestures
from bot.core.gestures import Tap
from bot.i18n import _
from handlers.common import Context, unit_of_work
from handlers.sender import keyboard

log = logging.getLogger(__name__)


async def gesture_button(update: Update, context: Context) -> None:
    """Callback data g:<d|n|y|x>:<assignment id>."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or query.data is None:
        return
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        await query.answer(_("That button is no longer valid."))
        return
    action, assignment_id = parts[1], int(parts[2])
    new_text = ""
    keep_buttons = False
    async with unit_of_work(context) as work:
        if action == "d":
            result = await gestures.mark_done(work.session, assignment_id, user.id, work.now)
            toast = _("Lovely. 💛")
        elif action == "n":
            result = await gestures.another_idea(
                work.session, assignment_id, user.id, work.service.content
            )
            new_text, keep_buttons, toast = result.text, True, _("Here's another one.")
        elif action in ("y", "x"):
            result = await gestures.answer_notice(
                work.session, assignment_id, user.id, action == "y", work.now
            )
            toast = _("I'll pass it on 💛") if action == "y" else _("The day isn't over yet 🙂")
        else:
            await query.answer(_("That button is no longer valid."))
            return
        if result.messages and result.assignment is not None:
            work.send(result.assignment.couple_id, result.messages)
        buttons = (
            gestures.gesture_buttons(result.assignment)
            if keep_buttons and result.assignment
            else None
        )
    alerts = {
        Tap.NOT_YOURS: _("This button is for someone else 🙂"),
        Tap.GONE: _("That button is no longer valid."),
        Tap.ALREADY: _("Already done 💛"),
    }
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=result.outcome == Tap.NOT_YOURS)
        return
    await query.answer(toast)
    try:
        if new_text:
            await query.edit_message_text(
                new_text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
            )
        elif action != "x":  # "Not yet" keeps "I noticed" for later in the day
            await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        log.info("could not update gesture message: %s", error)
