"""Answers: recording, sealing, the mirror (reveal) and edits."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import depth, safe_space
from bot.core.content import Content
from bot.core.couples import other_partner, pair_since
from bot.core.models import Answer, Couple, OutboxMessage, Partner, Prompt
from bot.core.outbox import Outgoing, button
from bot.i18n import _

MAX_TEXT = 4096
PROMPT_PURPOSES = ("question", "jar", "jar_night")
OPEN_HOURS = 24
MEDIA_LABELS = {
    "voice": "a voice message",
    "video_note": "a video message",
    "photo": "a photo",
    "video": "a video",
}


@dataclass(frozen=True)
class IncomingAnswer:
    """An answer as it arrived: its kind, text or caption, and where it lives in Telegram."""

    kind: str
    text: str | None
    chat_id: int
    message_id: int
    in_group: bool


class Status(enum.Enum):
    """What recording an answer did."""

    RECORDED = "recorded"  # sealed until the other partner answers
    REVEALED = "revealed"  # both have answered: mirrored
    ALREADY = "already"  # this partner had answered this prompt before


@dataclass
class AnswerResult:
    """The outcome of an answer and the messages it calls for."""

    status: Status
    prompt: Prompt
    messages: list[Outgoing] = field(default_factory=list)


def fit(header: str, body: str) -> str:
    """Header plus user text (escaped), cut so the message stays within Telegram's limit."""
    room = MAX_TEXT - len(header) - 2
    text = escape(body)
    if len(text) > room:
        text = escape(body[: max(room - 40, 0)]) + "…"
    return f"{header}\n\n{text}" if text else header


async def prompt_for_reply(
    session: AsyncSession, couple: Couple, reply_to_id: int, reply_text: str | None
) -> Prompt | None:
    """The prompt whose message was replied to: by message id, else by its text.

    The text fallback covers a prompt whose send timed out (delivered, id unknown).
    """
    known = (
        await session.execute(
            select(OutboxMessage.purpose, OutboxMessage.prompt_id).where(
                OutboxMessage.chat_id == couple.chat_id,
                OutboxMessage.sent_message_id == reply_to_id,
            )
        )
    ).first()
    since = pair_since(couple) or couple.created_at
    if known is not None:
        # Only the question itself counts, not the reveal or the invitation after it.
        if known.purpose not in PROMPT_PURPOSES or known.prompt_id is None:
            return None
        prompt = await session.get(Prompt, known.prompt_id)
        # Prompts from before the current pair formed belong to another pair's history.
        return prompt if prompt is not None and prompt.created_at >= since else None
    if not reply_text:
        return None
    recent = await session.scalars(
        select(Prompt)
        .where(Prompt.couple_id == couple.id, Prompt.created_at >= since)
        .order_by(Prompt.id.desc())
        .limit(14)
    )
    return next((p for p in recent if p.text in reply_text), None)


async def answer_of(session: AsyncSession, prompt: Prompt, partner: Partner) -> Answer | None:
    """The partner's answer to the prompt, if any."""
    return await session.scalar(
        select(Answer).where(Answer.prompt_id == prompt.id, Answer.partner_id == partner.id)
    )


async def open_prompt(
    session: AsyncSession, couple: Couple, partner: Partner, now: datetime
) -> Prompt | None:
    """The prompt a private message answers: the one picked by button, else today's question.

    A jar question is answered privately only through its button, so a second message is
    never silently filed under another question. An already answered question is still
    returned, so the caller can say so.
    """
    pair = pair_since(couple) or couple.created_at
    if partner.pending_prompt_id is not None:
        prompt = await session.get(Prompt, partner.pending_prompt_id)
        if (
            prompt is not None
            and prompt.created_at >= pair
            and await answer_of(session, prompt, partner) is None
        ):
            return prompt
        partner.pending_prompt_id = None
    questions = list(
        await session.scalars(
            select(Prompt)
            .where(
                Prompt.couple_id == couple.id,
                Prompt.kind == "question",
                Prompt.created_at >= max(pair, now - timedelta(hours=OPEN_HOURS)),
            )
            .order_by(Prompt.id.desc())
        )
    )
    for prompt in questions:
        if await answer_of(session, prompt, partner) is None:
            return prompt
    return questions[0] if questions else None


def _describe(answer: Answer) -> str:
    return _(MEDIA_LABELS[answer.kind]) if answer.kind in MEDIA_LABELS else ""


def _mirror_to(
    receiver: Partner,
    sharer: Partner,
    prompt: Prompt,
    answer: Answer,
    content: Content,
    waiting: Outgoing,
) -> list[Outgoing]:
    """The sharer's answer, privately to the receiver (media copied), with warm responses."""
    header = _("💌 <b>{name}</b> answered <i>{question}</i>").format(
        name=escape(sharer.first_name), question=escape(prompt.text)
    )
    tip = safe_space.listening_tip(content, prompt)
    if tip is not None:
        header = _("💡 {tip}").format(tip=escape(tip.text)) + "\n\n" + header
    warm = safe_space.warm_buttons(content, answer, prompt)

    def to_receiver(
        text: str = "", copy_from: tuple[int, int] | None = None, buttons: bool = False
    ) -> Outgoing:
        return Outgoing(
            receiver.user_id,
            text,
            buttons=warm if buttons else [],
            copy_from=copy_from,
            purpose="reveal",
            partner_id=receiver.id,
            prompt_id=prompt.id,
        )

    if answer.kind == "text":
        messages = [to_receiver(fit(header, answer.text or ""), buttons=True)]
    else:
        messages = [
            to_receiver(header),
            to_receiver(copy_from=(answer.chat_id, answer.message_id), buttons=True),
        ]
    # If the private chat is closed, the answer is held for it and the group gets a pointer.
    messages[0].fallback = waiting
    return messages


def _waiting_note(
    couple: Couple, receiver: Partner, sharer: Partner, bot_username: str
) -> Outgoing:
    """Group note for a partner whose private chat is closed: an answer waits for them there."""
    return Outgoing(
        couple.chat_id,
        _(
            "🔒 {receiver}, {sharer}'s answer is waiting for you in our private chat. "
            "Open it with the button and press Start."
        ).format(receiver=escape(receiver.first_name), sharer=escape(sharer.first_name)),
        buttons=[
            [
                button(
                    _("🔓 Open my private chat"),
                    url=f"https://t.me/{bot_username}?start={couple.link_token}",
                )
            ]
        ],
        purpose="reveal_waiting",
    )


def _group_reveal(couple: Couple, prompt: Prompt, pair: list[Answer]) -> list[Outgoing]:
    """Both answers in the group: one message when they fit, media copied after it."""
    names = {p.id: escape(p.first_name) for p in couple.partners}
    parts = [_("💞 Both answers are in for <i>{question}</i>").format(question=escape(prompt.text))]
    copies: list[Answer] = []
    for answer in pair:
        header = _("<b>{name}</b>:").format(name=names[answer.partner_id])
        if answer.kind == "text":
            parts.append(f"{header} {escape(answer.text or '')}")
        else:
            parts.append(f"{header} {_describe(answer)} ⬇️")
            copies.append(answer)
    combined = "\n\n".join(parts)
    texts = (
        [combined]
        if len(combined) <= MAX_TEXT
        else [
            parts[0],
            *(
                fit(_("<b>{name}</b>:").format(name=names[a.partner_id]), a.text or "")
                for a in pair
            ),
        ]
    )

    def message(text: str = "", copy_from: tuple[int, int] | None = None) -> Outgoing:
        return Outgoing(
            couple.chat_id,
            text,
            copy_from=copy_from,
            purpose="reveal_group",
            only_if_private_group=True,
            prompt_id=prompt.id,
        )

    return [message(text) for text in texts] + [
        message(copy_from=(a.chat_id, a.message_id)) for a in copies
    ]


def reveal_messages(
    couple: Couple,
    prompt: Prompt,
    answers: dict[int, Answer],
    content: Content,
    bot_username: str,
) -> list[Outgoing]:
    """Both answers to each partner privately, to the group only if it is just the two."""
    first, second = couple.partners
    messages = _mirror_to(
        first,
        second,
        prompt,
        answers[second.id],
        content,
        _waiting_note(couple, first, second, bot_username),
    )
    messages += _mirror_to(
        second,
        first,
        prompt,
        answers[first.id],
        content,
        _waiting_note(couple, second, first, bot_username),
    )
    messages += _group_reveal(couple, prompt, [answers[first.id], answers[second.id]])
    messages.append(
        Outgoing(
            couple.chat_id,
            _(
                "🕯 Now put the phones away and give each other twenty minutes, just the "
                "two of you: ask about what surprised you, and listen more than you talk."
            ),
            purpose="invite",
            prompt_id=prompt.id,
        )
    )
    return messages


async def record_answer(
    session: AsyncSession,
    couple: Couple,
    partner: Partner,
    prompt: Prompt,
    incoming: IncomingAnswer,
    now: datetime,
    content: Content,
    bot_username: str,
) -> AnswerResult:
    """Store a partner's answer; when both have answered, reveal to both."""
    if await answer_of(session, prompt, partner) is not None:
        return AnswerResult(Status.ALREADY, prompt)
    session.add(
        Answer(
            prompt_id=prompt.id,
            partner_id=partner.id,
            kind=incoming.kind,
            text=incoming.text,
            chat_id=incoming.chat_id,
            message_id=incoming.message_id,
            in_group=incoming.in_group,
            created_at=now,
            updated_at=now,
        )
    )
    if partner.pending_prompt_id == prompt.id:
        partner.pending_prompt_id = None
    await session.flush()
    other = other_partner(couple, partner)
    if other is None:
        return AnswerResult(Status.RECORDED, prompt)
    rows = await session.scalars(select(Answer).where(Answer.prompt_id == prompt.id))
    answers = {a.partner_id: a for a in rows}
    if other.id not in answers:
        nudge = _("✨ {name} has answered. Your turn!\n\n<i>{question}</i>").format(
            name=escape(partner.first_name), question=escape(prompt.text)
        )
        group_nudge = _("✨ {name} has answered. {other}, your turn!").format(
            name=escape(partner.first_name), other=escape(other.first_name)
        )
        fallback = Outgoing(couple.chat_id, group_nudge, purpose="your_turn", prompt_id=prompt.id)
        message = Outgoing(
            other.user_id,
            nudge,
            purpose="your_turn",
            partner_id=other.id,
            prompt_id=prompt.id,
            fallback=fallback,
        )
        # Their next private message answers the prompt they were last nudged about.
        other.pending_prompt_id = prompt.id
        return AnswerResult(Status.RECORDED, prompt, [message if other.private_open else fallback])
    prompt.revealed_at = now
    messages = reveal_messages(couple, prompt, answers, content, bot_username)
    if prompt.kind == "question":
        messages += await depth.after_reveal(session, couple, now)
    return AnswerResult(Status.REVEALED, prompt, messages)


async def edit_answer(
    session: AsyncSession, chat_id: int, message_id: int, text: str | None, now: datetime
) -> list[Outgoing] | None:
    """Update an edited answer; if already revealed, tell the partner. None if not an answer."""
    answer = await session.scalar(
        select(Answer).where(Answer.chat_id == chat_id, Answer.message_id == message_id)
    )
    if answer is None:
        return None
    answer.text = text
    answer.updated_at = now
    prompt = await session.get(Prompt, answer.prompt_id)
    partner = await session.get(Partner, answer.partner_id)
    if prompt is None or partner is None or prompt.revealed_at is None:
        return []
    couple = await session.get(Couple, prompt.couple_id)
    other = None if couple is None else other_partner(couple, partner)
    if other is None or couple is None:
        return []
    header = _("✏️ <b>{name}</b> edited their answer to <i>{question}</i>").format(
        name=escape(partner.first_name), question=escape(prompt.text)
    )
    body = fit(header, text or "") if answer.kind == "text" else header
    return [
        Outgoing(other.user_id, body, purpose="edit", partner_id=other.id, prompt_id=prompt.id),
        Outgoing(couple.chat_id, body, purpose="edit_group", only_if_private_group=True),
    ]
