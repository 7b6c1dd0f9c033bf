"""/language: the group's language (in the group) or a partner's own (in private), with a
button for each language Hearth speaks, or named: `/language ru`."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core import callbacks, couples
from bot.core.outbox import button
from bot.i18n import LANGUAGES, _, current, language_name, shipped, speaking
from handlers.common import (
    TAG,
    Context,
    already_shows,
    is_private,
    reply,
    unit_of_work,
    who_may_change,
)
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


def language_keyboard() -> InlineKeyboardMarkup | None:
    """One button per language, each named in itself, the one spoken now ticked."""
    return keyboard(
        [
            [
                button(
                    ("✓ " if language == current() else "") + language_name(language),
                    callbacks.Language(language),
                )
            ]
            for language in LANGUAGES
        ]
    )


def language_text(private: bool) -> str:
    """What is spoken where, and how to change it."""
    if private:
        line = _("🌐 Here, just between us, I write in {language}.")
    else:
        line = _("🌐 In this group I write in {language}, for both of you.")
    return (
        line.format(language=language_name(current()))
        + "\n\n"
        + _("Choose another language below, or send <code>/language es</code> (say).")
    )


def language_usage(raw: str) -> str:
    """The answer to a language Hearth doesn't speak."""
    names = ", ".join(
        f"<code>{language}</code> ({language_name(language)})" for language in LANGUAGES
    )
    return _("I don't speak “{raw}” yet. I can write in: {names}.").format(
        raw=escape(raw[:20]), names=names
    )


def changed_text(private: bool) -> str:
    """The confirmation, in the language just chosen."""
    if private:
        return _("🌐 From now on I write to you in {language} here.").format(
            language=language_name(current())
        )
    return _("🌐 From now on I write in {language} in this group.").format(
        language=language_name(current())
    )


async def language_command(update: Update, context: Context) -> None:
    """/language, or /language <code>."""
    args = context.args or []
    private = is_private(update)
    markup = None
    async with unit_of_work(update, context) as work:
        couple, partner, why = await who_may_change(work, update)
        if couple is None or partner is None:
            text = why
        elif not args:
            text, markup = language_text(private), language_keyboard()
        elif len(args) > 1 or shipped(args[0]) is None:
            text = language_usage(" ".join(args))
        else:
            language = shipped(args[0]) or "en"
            couples.set_language(couple, partner if private else None, language)
            with speaking(language):
                text = changed_text(private)
    if markup is None:
        await reply(update, text)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(text, reply_markup=markup, do_quote=False)


async def language_button(update: Update, context: Context, pressed: callbacks.Language) -> None:
    """A language button under /language: the group's in the group, one's own in private."""
    query = update.callback_query
    if query is None:
        return
    private = is_private(update)
    async with unit_of_work(update, context) as work:
        couple, partner, why = await who_may_change(work, update)
        if couple is not None and partner is not None:
            couples.set_language(couple, partner if private else None, pressed.language)
    if couple is None or partner is None:
        await query.answer(TAG.sub("", why).split("\n")[0][:190], show_alert=True)
        return
    with speaking(pressed.language):
        text, markup = changed_text(private), language_keyboard()
        await query.answer(language_name(pressed.language))
    if already_shows(query.message, markup, text):
        return
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as error:
        log.info("could not refresh the language choice: %s", type(error).__name__)
