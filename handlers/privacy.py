"""/privacy, /export and /forget."""

from __future__ import annotations

import logging
from io import BytesIO

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError

from bot.core import callbacks, couples, privacy
from bot.core.couples import couple_by_chat, couples_of_user, partner_in
from bot.core.outbox import Outgoing, button
from bot.core.purposes import Purpose
from bot.i18n import _, speaking
from handlers import texts
from handlers.common import Context, already_shows, is_private, reply, unit_of_work, who
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


def privacy_text(retention_days: int) -> str:
    """What Hearth stores, who can read it, for how long, and how to take it back."""
    return _(
        "🔒 <b>What Hearth keeps</b>\n\n"
        "• Your first names, Telegram ids and your group's id, so I know who is who.\n"
        "• Your settings: time zone, times, pauses, your depth level, and (privately) what "
        "makes you feel appreciated and whether you said yes to intimacy questions.\n"
        "• The questions you were asked and your answers. Text is stored; voice, photos and "
        "videos stay in Telegram and I keep only a reference to copy them.\n"
        "• Your jar questions, important dates (a secret one only its author ever sees), "
        "gesture ideas and activities, with dates.\n\n"
        "<b>Who can read it</b>: your answers, jar questions and preferences are stored "
        "encrypted with the key of the person who runs this Hearth (the host). The database "
        "or a backup on its own reveals none of them. The running program has to read them to "
        "pass them between you, so the host could read them too if they wanted to; they are "
        "never written to the logs. A sealed answer is shown to no one until you've both "
        "answered, and never in a group with anyone besides you two.\n\n"
        "<b>How long</b>: as long as I'm in your group. If you remove me, everything is deleted "
        "after {days} days (add me back before then to keep it).\n\n"
        "/export sends you your data as a file, privately. /forget in our private chat deletes "
        "your own data; /forget in the group deletes the whole couple once you both confirm."
    ).format(days=retention_days)


async def privacy_command(update: Update, context: Context) -> None:
    """/privacy."""
    async with unit_of_work(update, context):
        days = context.hearth.settings.retention_days
    await reply(update, privacy_text(days))


async def export(update: Update, context: Context) -> None:
    """/export: the couple's data as JSON, privately to the one who asked."""
    user = update.effective_user
    if user is None:
        return
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        data, language = None, None
        if couple is not None and partner is not None:
            data = await privacy.export(work.session, couple, partner, work.service.content)
            language = couples.language_of(couple, partner)  # the file goes to their chat
    if data is None:
        nothing = _("Nothing of yours is stored with Hearth, so there is nothing to export.")
        await reply(update, nothing + "\n\n" + texts.not_set_up())
        return
    with speaking(language):
        caption = _("📦 Your Hearth data. Your partner's unrevealed answers are not included.")
    try:
        await context.bot.send_document(
            user.id, InputFile(BytesIO(data), filename="hearth-export.json"), caption=caption
        )
    except Forbidden:
        await reply(update, _("Open our private chat first (press Start there), then ask again."))
        return
    if not is_private(update):
        await reply(update, _("📦 Sent to you privately."))


def stepped_out(chat_id: int) -> Outgoing:
    """Told to the group when a partner deletes their data: Hearth waits for two again.

    It names nobody: the stored message must not keep the forgotten partner's name.
    """
    return Outgoing(
        chat_id,
        _(
            "🕯 One of you has stepped out of Hearth, and their data is deleted. Questions "
            "and ideas pause until there are two of you again: tap <b>We're in</b> to join."
        ),
        buttons=[[button(_("💞 We're in"), callbacks.Join(again=True))]],
        purpose=Purpose.STEPPED_OUT,
    )


def confirm_keyboard(confirm: callbacks.Forget) -> InlineKeyboardMarkup | None:
    """Confirm / cancel buttons."""
    return keyboard(
        [[button(_("🗑 Yes, delete"), confirm), button(_("Cancel"), callbacks.Forget("no"))]]
    )


async def forget(update: Update, context: Context) -> None:
    """/forget: in private, your own data; in the group, the whole couple (both confirm)."""
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is not None and partner is not None and not is_private(update):
            privacy.cancel_forget_couple(couple)  # each /forget asks both afresh
    message = update.effective_message
    if message is None:
        return
    if couple is None or partner is None:
        await reply(
            update,
            texts.not_set_up() if couple is None else _("Only the two partners can do that."),
        )
        return
    if is_private(update):
        await message.reply_html(
            _(
                "This deletes your answers, jar questions, gestures and preferences, and takes "
                "you out of your couple. Your partner keeps their own answers. Sure?"
            ),
            reply_markup=confirm_keyboard(
                callbacks.Forget("me", couple.id, privacy.asked_minute(work.now))
            ),
        )
        return
    await message.reply_html(
        _(
            "This deletes everything Hearth keeps about the two of you, for good. Both of you need "
            "to tap <b>Yes, delete</b>."
        ),
        reply_markup=confirm_keyboard(
            callbacks.Forget("us", couple.id, privacy.asked_minute(work.now))
        ),
    )


async def forget_button(update: Update, context: Context, pressed: callbacks.Forget) -> None:
    """Yes, delete (me, or us with both confirming) and Cancel."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    done_text, alert = "", ""
    async with unit_of_work(update, context) as work:
        if pressed.scope == "no":
            couple = await couple_by_chat(work.session, chat.id)
            if couple is not None and partner_in(couple, user.id) is None:
                # A third person in the group must not withdraw the partners' votes.
                alert = _("Only the two partners can do that.")
            else:
                if couple is not None:
                    privacy.cancel_forget_couple(couple)
                done_text = _("Nothing was deleted.")
        elif pressed.scope == "me":
            mine, partner = await who(work, update)
            if partner is None or mine is None:
                alert = _("There's nothing of yours to delete.")
            elif pressed.couple_id != mine.id or privacy.confirmation_expired(
                pressed.asked, work.now
            ):
                # Asked in another couple, or long ago: the partner decides afresh.
                alert = _("This confirmation has expired. Send /forget again to start over.")
            else:
                # Everywhere: an ended couple of theirs would otherwise keep their words, and
                # come back with them if the other partner added Hearth again.
                for couple, member in await couples_of_user(work.session, user.id):
                    await privacy.forget_partner(work.session, couple, member)
                with speaking(mine.language):
                    work.send(mine.id, [stepped_out(mine.chat_id)])
                done_text = _("🗑 Done. Everything of yours is deleted. Take care 💛")
        else:
            couple = await couple_by_chat(work.session, chat.id)
            partner = partner_in(couple, user.id) if couple else None
            if couple is None or partner is None or pressed.couple_id != couple.id:
                alert = _("Only the two partners of this couple can confirm.")
            elif privacy.confirmation_expired(pressed.asked, work.now):
                alert = _("This confirmation has expired. Send /forget again to start over.")
            elif privacy.vote_forget_couple(couple, partner):
                await privacy.forget_couple(work.session, couple)
                done_text = _(
                    "🗑 Done. Everything about you two is deleted. Take care of each other 💛"
                )
            else:
                alert = _("Noted. Waiting for your partner to confirm.")
    if alert:
        await query.answer(alert, show_alert=True)
        return
    await query.answer(done_text if pressed.scope == "no" else _("Deleted."))
    if already_shows(query.message, None, done_text):
        return  # a second tap on Cancel
    try:
        await query.edit_message_text(done_text)
    except TelegramError as error:
        log.info("could not edit the confirmation: %s", type(error).__name__)
