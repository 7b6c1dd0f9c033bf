"""Answers arriving as group replies, private messages or edits."""

from __future__ import annotations

import logging

from telegram import Message, ReactionTypeEmoji, Update
from telegram.error import BadRequest, TelegramError

from bot.core import answers, couples, private_chat, routing
from bot.core.answers import AnswerResult, IncomingAnswer, Status
from bot.core.apart import zone_of
from bot.core.models import Couple, Partner, Prompt
from bot.core.questions import names
from bot.i18n import _, clock
from handlers import texts
from handlers.common import Context, Work, reply, unit_of_work, who

log = logging.getLogger(__name__)
REACTION = "❤"


def incoming(message: Message, in_group: bool) -> IncomingAnswer | None:
    """The answer in a message, or None when its kind can't be an answer."""
    kinds = (
        ("text", message.text),
        ("voice", message.voice),
        ("video_note", message.video_note),
        ("photo", message.photo),
        ("video", message.video),
    )
    for kind, present in kinds:
        if present:
            text = message.text if kind == "text" else message.caption
            album = message.media_group_id if kind != "text" else None
            return IncomingAnswer(kind, text, message.chat.id, message.message_id, in_group, album)
    return None


async def acknowledge(message: Message, fallback: str) -> None:
    """A quiet reaction on the answer; a short reply only where reactions are not possible."""
    try:
        await message.set_reaction(ReactionTypeEmoji(REACTION))
    except BadRequest:
        try:
            await message.reply_text(fallback, do_quote=True)
        except TelegramError as error:
            log.info("acknowledgement failed: %s", error)
    except TelegramError as error:
        log.info("reaction failed: %s", error)  # the answer is saved; nothing else to do


async def record(
    work: Work, couple: Couple, partner: Partner, prompt: Prompt, answer: IncomingAnswer
) -> AnswerResult:
    """Record the answer in this update's unit of work and queue what it calls for."""
    result = await answers.record_answer(
        work.session,
        couple,
        partner,
        prompt,
        answer,
        work.now,
        work.service.content,
        work.service.bot_username,
    )
    work.send(couple.id, result.messages)
    return result


async def respond(
    update: Update, message: Message, result: AnswerResult | None, notice: str
) -> None:
    """After the commit: the notice, "already answered", or the quiet acknowledgement."""
    if result is None:
        await reply(update, notice)
    elif result.status == Status.ALBUM:
        return  # the album's first item was acknowledged for all of it
    elif result.status == Status.ALREADY:
        await reply(
            update,
            _(
                "You've already answered this one 💛 To change it, edit the message you sent. "
                "Meanwhile you can put a question in your jar with <code>/jar add …</code>, "
                "or see /help."
            ),
        )
    elif result.status == Status.SWAPPED and message.chat.type == "private":
        await reply(
            update,
            _(
                "That question was just swapped for another one in your group. Send your "
                "answer again and it goes to the new one 💛"
            ),
        )
    elif result.status == Status.SWAPPED:
        await reply(
            update,
            _("That question was swapped for another one: reply to the new one, just below 💛"),
        )
    elif result.status == Status.REVEALED:
        await acknowledge(message, _("Got it 💞 You've both answered."))
    elif message.chat.type == "private":
        await acknowledge(message, _("Got it 💛 Sealed until your partner answers."))
    else:
        await acknowledge(message, _("Got it 💛 Now it's your partner's turn."))


async def group_reply(update: Update, context: Context) -> None:
    """A reply in the group: an answer if it replies to a prompt of ours."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    replied = message.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    answer = incoming(message, in_group=True)
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is None or not couple.active:
            return
        prompt = await routing.prompt_for_reply(
            work.session,
            couple,
            replied.message_id,
            replied.text or replied.caption,
            work.service.content,
        )
        if prompt is None:
            return
        if partner is None:
            notice = _("This question is just for {names} 💛").format(names=names(couple))
            result = None
        elif answer is None:
            notice = _("I can keep text, voice, video notes, photos and videos as answers.")
            result = None
        else:
            notice = ""
            result = await record(work, couple, partner, prompt, answer)
    await respond(update, message, result, notice)


async def private_message(update: Update, context: Context) -> None:
    """A private message: today's answer if one is open, otherwise a pointer to what I do."""
    message = update.effective_message
    if message is None:
        return
    answer = incoming(message, in_group=False)
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        result = None
        if couple is None or partner is None or not couple.active:
            text = texts.not_set_up()
        else:
            work.released += await private_chat.open_private(work.session, partner, work.now)
            replied = message.reply_to_message
            prompt = None
            if answer is not None and answer.album is not None:  # the rest of an album
                prompt = await answers.album_prompt(work.session, couple, partner, answer.album)
            if prompt is None and replied is not None:  # an older day's question: that day
                prompt = await routing.prompt_for_private_reply(
                    work.session, couple, partner, replied.message_id
                )
            if prompt is None:
                prompt = await routing.open_prompt(work.session, couple, partner, work.now)
            if prompt is None and not couple.complete:
                text = _(
                    "Hearth starts again once you're both in: tap <b>We're in</b> in your "
                    "group (/start there shows the button)."
                )
            elif prompt is None and couples.is_paused(couple, work.now):
                text = _("Hearth is paused. Send /resume in your group when you're ready.")
            elif prompt is None:
                text = _(
                    "Nothing is waiting for an answer right now. Your next question comes at "
                    "{time} ({tz}). Meanwhile you can put a question in your jar with "
                    "<code>/jar add …</code>, or see /help."
                ).format(time=clock(couple.question_time), tz=zone_of(couple, partner))
            elif answer is None:
                text = _("I can keep text, voice, video notes, photos and videos as answers.")
            else:
                text = ""
                result = await record(work, couple, partner, prompt, answer)
    await respond(update, message, result, text)


async def edited(update: Update, context: Context) -> None:
    """An edited message: if it is an answer, update it (and tell the partner if revealed)."""
    message = update.edited_message
    if message is None:
        return
    text = message.text if message.text is not None else message.caption
    async with unit_of_work(update, context) as work:
        couple, _partner = await who(work, update)
        if couple is None:
            return
        messages = await answers.edit_answer(
            work.session,
            couple,
            message.chat.id,
            message.message_id,
            text,
            work.now,
            work.service.content,
        )
        if messages:
            work.send(couple.id, messages)
