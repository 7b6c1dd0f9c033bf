"""Gesture buttons: Done, Another idea, and the receiver's "I noticed"."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import callbacks, gestures, noticing
from bot.core.gestures import Tap
from bot.i18n import _
from handlers.common import Context, invalid_button, remove_buttons, unit_of_work
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


async def gesture_button(update: Update, context: Context, pressed: callbacks.Gesture) -> None:
    """Done (d), Another idea (n), I noticed (y) and Not yet (x)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with unit_of_work(update, context) as work:
        if pressed.action == "d":
            result = await noticing.mark_done(
                work.session, pressed.assignment_id, user.id, work.now
            )
            toast = _("Lovely. 💛")
        elif pressed.action == "n":
            result = await gestures.another_idea(
                work.session, pressed.assignment_id, user.id, work.service.content
            )
            toast = _("Here's another one.")
        else:
            noticed = pressed.action == "y"
            result = await noticing.answer_notice(
                work.session, pressed.assignment_id, user.id, noticed, work.now
            )
            toast = _("I'll pass it on 💛") if noticed else _("The day isn't over yet 🙂")
        if result.messages and result.assignment is not None:
            work.send(result.assignment.couple_id, result.messages)
    alerts = {
        Tap.NOT_YOURS: _("This button is for someone else 🙂"),
        Tap.GONE: invalid_button(),
        Tap.ALREADY: _("Already done 💛"),
    }
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=result.outcome != Tap.ALREADY)
        return
    await query.answer(toast)
    try:
        if result.text and result.assignment is not None:
            buttons = gestures.gesture_buttons(result.assignment.id, result.assignment.shared)
            await query.edit_message_text(
                result.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
            )
        elif pressed.action != "x":  # "Not yet" keeps "I noticed" for later in the day
            await remove_buttons(query)
    except TelegramError as error:
        log.info("could not update gesture message: %s", type(error).__name__)
