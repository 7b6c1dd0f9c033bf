"""Joining a group, "We're in", deep links into private chats, and group life events."""

from __future__ import annotations

import logging
from html import escape

from telegram import (
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core import answers, callbacks, couples, private_chat
from bot.core.couples import Join, language_of
from bot.core.private_chat import Link
from bot.core.questions import private_chat_buttons, question_text
from bot.i18n import _, current, shipped, speaking, use
from handlers import texts
from handlers.common import Context, is_private, remove_buttons, reply, unit_of_work, who
from handlers.keyboards import keyboard

log = logging.getLogger(__name__)


def join_keyboard() -> InlineKeyboardMarkup:
    """The single "We're in" button."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("💞 We're in"), callback_data=callbacks.Join().encode())]]
    )


def link_keyboard(username: str, token: str) -> InlineKeyboardMarkup:
    """A button opening the bot's private chat with the couple's link token."""
    return keyboard(private_chat_buttons(username, token)) or InlineKeyboardMarkup([])


def _was_member(update: ChatMemberUpdated) -> tuple[bool, bool]:
    """Whether the bot was, and now is, in the chat."""
    present = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}

    def inside(member: ChatMember) -> bool:
        if member.status == ChatMember.RESTRICTED:
            return bool(getattr(member, "is_member", False))
        return member.status in present

    return inside(update.old_chat_member), inside(update.new_chat_member)


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot was added to or removed from a group."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    was, now_in = _was_member(change)
    if was == now_in:
        return
    async with unit_of_work(update, context) as work:
        if now_in:
            couple = await couples.bot_added(
                work.session, change.chat.id, change.chat.title or "", work.now, current()
            )
            use(couple.language)
            complete = couple.complete or not couple.active  # inactive: nobody can join
            text = texts.status(couple, work.now) if complete else texts.greeting()
            if not couple.active:
                text = texts.paired_elsewhere(await couples.paired_elsewhere(work.session, couple))
        else:
            await couples.bot_removed(work.session, change.chat.id, work.now)
            log.info("removed from chat %s; couple deactivated", change.chat.id)
            return
    markup = None if complete else join_keyboard()
    try:
        await context.bot.send_message(
            change.chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except TelegramError as error:
        # Nothing is lost: /start in the group shows the greeting again.
        log.warning("greeting in %s failed: %s", change.chat.id, type(error).__name__)


async def start(update: Update, context: Context) -> None:
    """/start: greeting or status in a group; deep links and guidance in private."""
    user = update.effective_user
    if user is None:
        return
    if not is_private(update):
        async with unit_of_work(update, context) as work:
            couple, _partner = await who(work, update)
            if couple is None or not couple.active:
                # The bot is here, so the couple lives again (unless a partner moved on).
                chat = update.effective_chat
                assert chat is not None
                couple = await couples.bot_added(
                    work.session, chat.id, chat.title or "", work.now, current()
                )
                use(couple.language)
            complete, token = couple.complete, couple.link_token
            # Set up: the status carries the private-chat link again, in case it was missed.
            markup: InlineKeyboardMarkup | None = (
                link_keyboard(hearth_username(context), token) if complete else join_keyboard()
            )
            text = texts.status(couple, work.now) if complete else texts.greeting()
            if not couple.active:
                text = texts.paired_elsewhere(await couples.paired_elsewhere(work.session, couple))
                markup = None
        message = update.effective_message
        if message is not None:
            await message.reply_html(text, reply_markup=markup, do_quote=False)
        return
    payload = context.args[0] if context.args else ""
    content = context.hearth.content
    async with unit_of_work(update, context) as work:
        if payload:
            result = await private_chat.link_private(work.session, payload, user.id, work.now)
            work.released += result.released
            if result.outcome == Link.LINKED and result.partner and result.couple:
                other = couples.other_partner(result.couple, result.partner)
                if result.prompt is not None and await answers.answer_of(
                    work.session, result.prompt, result.partner
                ):
                    result.partner.pending_prompt_id = None
                    text = _(
                        "You've already answered <i>{question}</i> 💛 To change your answer, "
                        "edit the message you sent."
                    ).format(question=escape(question_text(result.prompt, content)))
                elif result.prompt is not None:
                    text = _(
                        "🔒 Write your answer to:\n\n<b>{question}</b>\n\n"
                        "Send it here as text, voice, a video note, a photo or a video. "
                        "It stays sealed until you've both answered."
                    ).format(question=escape(question_text(result.prompt, content)))
                else:
                    text = _(
                        "🔓 We're connected, {name}. Sealed answers, gesture ideas and "
                        "{other}'s answers will reach you here."
                    ).format(
                        name=escape(result.partner.first_name),
                        other=escape(other.first_name) if other else _("your partner"),
                    )
            elif result.outcome == Link.STALE:
                text = _(
                    "That link belongs to a group or a pairing that has ended, so it opens "
                    "nothing now."
                )
            elif result.outcome == Link.NOT_PARTNER:
                text = _(
                    "This link belongs to a couple you're not part of. Hearth is for the two "
                    "partners who tapped “We're in” in their group."
                )
            else:
                text = _("That link has expired or isn't right.") + "\n\n" + texts.not_set_up()
        else:
            couple, partner = await who(work, update)
            if partner is not None and couple is not None and couple.active:
                work.released += await private_chat.open_private(work.session, partner, work.now)
                text = _(
                    "🔓 Hi {name}, I can write to you here now. Send /help to see what I can do."
                ).format(name=escape(partner.first_name))
            else:
                text = texts.not_set_up()
    await reply(update, text)


async def join(update: Update, context: Context, pressed: callbacks.Join) -> None:
    """The "We're in" button (under the greeting, or under the note that a partner left)."""
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    if query is None or user is None or chat is None:
        return
    async with unit_of_work(update, context) as work:
        couple = await couples.couple_by_chat(work.session, chat.id)
        if couple is None:
            couple = await couples.bot_added(
                work.session, chat.id, chat.title or "", work.now, current()
            )
        language = shipped(user.language_code)
        result = await couples.join(
            work.session, couple, user.id, user.first_name, work.now, language
        )
        old = result.elsewhere
        if result.outcome == Join.PAIRED_ELSEWHERE and old and await _gone(context, old.chat_id):
            # Deleting a group sends us nothing: Telegram says it is gone only when asked.
            await couples.bot_removed(work.session, old.chat_id, work.now)
            result = await couples.join(
                work.session, couple, user.id, user.first_name, work.now, language
            )
        complete = couple.complete
        # The group reads these in the couple's language; the alerts go to whoever pressed.
        with speaking(couple.language):
            line = texts.joined_line(couple)
            greeting = texts.greeting(complete)
            all_set = texts.all_set(couple) if result.outcome == Join.COMPLETED else ""
            open_button = link_keyboard(hearth_username(context), couple.link_token)
            join_button = None if complete else join_keyboard()
        elsewhere = result.elsewhere.chat_title if result.elsewhere else ""
        # The alerts and the toast go to whoever pressed, in their language: as a partner
        # (here or in their other couple), else their Telegram app's, else the group's.
        presser = language or couple.language  # an app language Hearth doesn't speak
        if result.partner is not None:
            presser = language_of(result.elsewhere or couple, result.partner)
    with speaking(presser):
        alerts = {
            Join.ALREADY: _("You're already in 💛"),
            Join.FULL: _("This couple already has its two partners. Hearth is made for two 💛"),
            Join.PAIRED_ELSEWHERE: _(
                "You're already part of a couple with Hearth in another chat ({title}). "
                "Remove me from that chat first."
            ).format(title=(elsewhere or "?")[:60]),
            Join.INACTIVE: _("I'm not active in this chat any more. Add me again to start."),
        }
        welcome = _("Welcome in 💞")
    if result.outcome in alerts:
        await query.answer(alerts[result.outcome], show_alert=True)
        return
    await query.answer(welcome)
    try:
        if pressed.again:
            # The note that one partner stepped out stays as it was; who is in now follows.
            await remove_buttons(query)
            await context.bot.send_message(
                chat.id,
                line,
                parse_mode=ParseMode.HTML,
                reply_markup=join_button,
            )
        else:
            await query.edit_message_text(
                greeting + "\n\n" + line,
                parse_mode=ParseMode.HTML,
                reply_markup=join_button,
            )
    except TelegramError as error:
        log.info("could not update the greeting: %s", type(error).__name__)
    if all_set:
        await context.bot.send_message(
            chat.id,
            all_set,
            parse_mode=ParseMode.HTML,
            reply_markup=open_button,
        )


async def _gone(context: Context, chat_id: int) -> bool:
    """Whether Telegram says a group is gone, or Hearth is out of it (unsure: not gone)."""
    try:
        member = await context.bot.get_chat_member(chat_id, context.bot.id)
    except Forbidden:
        return True
    except BadRequest as error:
        return "chat not found" in error.message.lower()
    except TelegramError as error:
        log.warning("could not check an earlier group: %s", type(error).__name__)
        return False
    return member.status in (ChatMember.LEFT, ChatMember.BANNED)


def hearth_username(context: Context) -> str:
    """The bot's @username, as Telegram told us at start-up."""
    return context.bot.username


async def renamed(update: Update, context: Context) -> None:
    """The group was renamed: its couple is called by the new title (in "paired elsewhere")."""
    message = update.effective_message
    if message is None or not message.new_chat_title:
        return
    async with unit_of_work(update, context) as work:
        couple = await couples.couple_by_chat(work.session, message.chat.id)
        if couple is not None:
            couple.chat_title = message.new_chat_title[:255]


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: follow the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    new_chat, status = message.migrate_to_chat_id, ""
    async with unit_of_work(update, context) as work:
        moved = await couples.migrate_chat(work.session, message.chat.id, new_chat)
        couple = await couples.couple_by_chat(work.session, new_chat)
        if moved == couples.Moved.OVER_A_GREETING and couple is not None:
            # Greeted there as strangers first ("We're in"): they are all set, and told so.
            with speaking(couple.language):
                status = texts.status(couple, work.now)
    if moved != couples.Moved.NOT:
        log.info("couple followed chat %s to %s", message.chat.id, new_chat)
    if status:
        try:
            await context.bot.send_message(new_chat, status, parse_mode=ParseMode.HTML)
        except TelegramError as error:
            log.warning("could not tell the supergroup it is set up: %s", type(error).__name__)
