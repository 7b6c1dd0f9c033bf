"""Answers: recording, sealing, the mirror (reveal) and edits.

The reveal shows each partner only what they have not seen yet: an answer given in the group
is already in front of both, so it is neither mirrored privately nor posted again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import depth, prompt_kinds, safe_space
from bot.core.content import Content
from bot.core.couples import other_partner
from bot.core.models import Answer, Couple, Partner, Prompt, table
from bot.core.outbox import MAX_TEXT, Outgoing, button
from bot.core.purposes import Purpose
from bot.core.questions import question_text
from bot.i18n import _


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
    SWAPPED = "swapped"  # the question was swapped for another one: it takes no answers


@dataclass
class AnswerResult:
    """The outcome of an answer and the messages it calls for."""

    status: Status
    prompt: Prompt
    messages: list[Outgoing] = field(default_factory=list)


def quoted(text: str) -> str:
    """A question inside a sentence: escaped, in quotation marks, in italics."""
    return _("“<i>{question}</i>”").format(question=escape(text))


_INSERT_ANSWER = insert(table(Answer)).returning(table(Answer).c.id)


async def answers_to(session: AsyncSession, prompt: Prompt) -> dict[int, Answer]:
    """The answers given to a prompt so far, by partner id."""
    rows = await session.scalars(select(Answer).where(Answer.prompt_id == prompt.id))
    return {answer.partner_id: answer for answer in rows}


async def answer_of(session: AsyncSession, prompt: Prompt, partner: Partner) -> Answer | None:
    """The partner's answer to the prompt, if any."""
    return (await answers_to(session, prompt)).get(partner.id)


def _mirror_to(
    receiver: Partner,
    sharer: Partner,
    prompt: Prompt,
    answer: Answer,
    content: Content,
    waiting: Outgoing,
) -> list[Outgoing]:
    """The sharer's private answer, privately to the receiver (media copied), with warm
    responses; if the private chat is closed, held for it and the group gets a pointer."""
    header = _("💌 <b>{name}</b> answered {question}").format(
        name=escape(sharer.first_name), question=quoted(question_text(prompt, content))
    )
    tip = safe_space.listening_tip(content, prompt)
    if tip is not None:
        header = _("💡 {tip}").format(tip=escape(tip.text)) + "\n\n" + header
    warm = safe_space.warm_buttons(content, answer, prompt)

    def to_receiver(
        text: str = "",
        copy_from: tuple[int, int] | None = None,
        buttons: bool = False,
        quotes: list[tuple[int, str]] | None = None,
    ) -> Outgoing:
        return Outgoing(
            receiver.user_id,
            text,
            buttons=warm if buttons else [],
            copy_from=copy_from,
            purpose=Purpose.REVEAL,
            partner_id=receiver.id,
            prompt_id=prompt.id,
            quotes=quotes or [],
        )

    if answer.kind == "text":
        messages = [to_receiver(header, buttons=True, quotes=[(answer.id, "")])]
    else:
        messages = [
            to_receiver(header),
            to_receiver(copy_from=(answer.chat_id, answer.message_id), buttons=True),
        ]
    messages[0].fallback = waiting
    return messages


def _warm_only(
    receiver: Partner, sharer: Partner, prompt: Prompt, answer: Answer, content: Content
) -> Outgoing:
    """The sharer answered in the group, already seen: only the warm responses, privately."""
    return Outgoing(
        receiver.user_id,
        _("💌 You've read {name}'s answer in the group. Want to send something back?").format(
            name=escape(sharer.first_name)
        ),
        buttons=safe_space.warm_buttons(content, answer, prompt),
        purpose=Purpose.REVEAL,
        partner_id=receiver.id,
        prompt_id=prompt.id,
    )


def waiting_note(couple: Couple, receiver: Partner, sharer: Partner, bot_username: str) -> Outgoing:
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
        purpose=Purpose.REVEAL_WAITING,
    )


def _group_reveal(
    couple: Couple, prompt: Prompt, sealed: list[Answer], content: Content
) -> list[Outgoing]:
    """The answers that were sealed, now in the group: one message when they fit, media
    copied after it. Posted only if the group holds just the two partners (checked when
    sending)."""
    names = {p.id: escape(p.first_name) for p in couple.partners}
    question = quoted(question_text(prompt, content))
    heading = (
        _("💞 Both answers are in for {question}")
        if len(sealed) == 2
        else _("💞 The sealed answer to {question}")
    ).format(question=question)

    def message(
        text: str = "",
        quotes: list[tuple[int, str]] | None = None,
        copy_from: tuple[int, int] | None = None,
    ) -> Outgoing:
        return Outgoing(
            couple.chat_id,
            text,
            copy_from=copy_from,
            purpose=Purpose.REVEAL_GROUP,
            only_if_private_group=True,
            prompt_id=prompt.id,
            quotes=quotes or [],
        )

    labels = [(a.id, _("<b>{name}</b>:").format(name=names[a.partner_id])) for a in sealed]
    length = len(heading) + sum(
        len(label) + len(a.text or "") + 40 for (_i, label), a in zip(labels, sealed, strict=True)
    )
    if length <= MAX_TEXT:
        messages = [message(heading, quotes=labels)]
    else:  # two long answers: each in a message of its own
        messages = [message(heading)] + [message(quotes=[label]) for label in labels]
    return messages + [
        message(copy_from=(a.chat_id, a.message_id)) for a in sealed if a.kind != "text"
    ]


def reveal_messages(
    couple: Couple,
    prompt: Prompt,
    answers: dict[int, Answer],
    content: Content,
    bot_username: str,
    invite: bool = True,
) -> list[Outgoing]:
    """What each partner has not seen yet, then (`invite`) the invitation to talk."""
    first, second = couple.partners
    messages: list[Outgoing] = []
    for receiver, sharer in ((first, second), (second, first)):
        answer = answers[sharer.id]
        if answer.in_group:
            if receiver.private_open:
                messages.append(_warm_only(receiver, sharer, prompt, answer, content))
        else:
            waiting = waiting_note(couple, receiver, sharer, bot_username)
            messages += _mirror_to(receiver, sharer, prompt, answer, content, waiting)
    sealed = [answers[p.id] for p in (first, second) if not answers[p.id].in_group]
    if sealed:
        messages += _group_reveal(couple, prompt, sealed, content)
    if invite:
        messages.append(
            Outgoing(
                couple.chat_id,
                _(
                    "🕯 Now put the phones away and give each other twenty minutes, just the "
                    "two of you: ask about what surprised you, and listen more than you talk."
                ),
                purpose=Purpose.INVITE,
                prompt_id=prompt.id,
            )
        )
    return messages


INVITE_GAP = timedelta(hours=8)  # one invitation to talk an evening, however many reveals


async def invited_lately(
    session: AsyncSession, couple: Couple, prompt: Prompt, now: datetime
) -> bool:
    """Whether another question or jar draw was revealed this evening (its reveal already
    invited them to talk)."""
    found = await session.scalar(
        select(Prompt.id)
        .where(
            Prompt.couple_id == couple.id,
            Prompt.id != prompt.id,
            Prompt.kind.in_(prompt_kinds.ASKED_IN_GROUP),
            Prompt.revealed_at >= now - INVITE_GAP,
        )
        .limit(1)
    )
    return found is not None


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
    if session.get_bind().dialect.name == "postgresql":
        # Both partners answering at the same moment: one waits, so one of them reveals.
        await session.execute(select(Couple.id).where(Couple.id == couple.id).with_for_update())
        if prompt.kind == prompt_kinds.QUESTION:
            # The question may have been swapped while this answer waited for the lock.
            await session.refresh(prompt, ["skipped_at"])
    if prompt.skipped_at is not None:
        return AnswerResult(Status.SWAPPED, prompt)
    answers = await answers_to(session, prompt)
    if partner.id in answers:
        return AnswerResult(Status.ALREADY, prompt)
    values = {
        "prompt_id": prompt.id,
        "partner_id": partner.id,
        "kind": incoming.kind,
        "text": incoming.text,
        "chat_id": incoming.chat_id,
        "message_id": incoming.message_id,
        "in_group": incoming.in_group,
        "created_at": now,
        "updated_at": now,
    }
    # Core, not session.add: the ORM's unit of work costs more than the insert itself, and
    # the answer's id is needed at once (the reveal quotes it).
    answer_id = await session.scalar(_INSERT_ANSWER, values)
    answer = Answer(id=answer_id, **values)
    if partner.pending_prompt_id == prompt.id:
        partner.pending_prompt_id = None
    if prompt.kind in prompt_kinds.IN_PARTS:
        from bot.core import rituals  # rituals build on this module: imported when needed

        status, messages = await rituals.after_part(
            session, couple, partner, prompt, now, content, bot_username
        )
        return AnswerResult(Status.REVEALED if status else Status.RECORDED, prompt, messages)
    other = other_partner(couple, partner)
    if other is None:
        return AnswerResult(Status.RECORDED, prompt)
    if other.id not in answers:
        return AnswerResult(
            Status.RECORDED, prompt, [_your_turn(couple, partner, other, prompt, content)]
        )
    answers[partner.id] = answer
    prompt.revealed_at = now
    invite = not await invited_lately(session, couple, prompt, now)
    messages = reveal_messages(couple, prompt, answers, content, bot_username, invite)
    if prompt.kind == prompt_kinds.QUESTION:
        messages += await depth.after_reveal(session, couple, now)
    return AnswerResult(Status.REVEALED, prompt, messages)


def _your_turn(
    couple: Couple, partner: Partner, other: Partner, prompt: Prompt, content: Content
) -> Outgoing:
    question = quoted(question_text(prompt, content))
    group = Outgoing(
        couple.chat_id,
        _("✨ {name} has answered {question}. {other}, your turn!").format(
            name=escape(partner.first_name), question=question, other=escape(other.first_name)
        ),
        purpose=Purpose.YOUR_TURN,
        prompt_id=prompt.id,
    )
    if not other.private_open:
        return group
    # Their next private message answers the prompt they were last nudged about.
    other.pending_prompt_id = prompt.id
    return Outgoing(
        other.user_id,
        _("✨ {name} has answered {question}. Your turn!").format(
            name=escape(partner.first_name), question=question
        ),
        purpose=Purpose.YOUR_TURN,
        partner_id=other.id,
        prompt_id=prompt.id,
        fallback=group,
    )


async def edit_answer(
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    text: str | None,
    now: datetime,
    content: Content,
) -> list[Outgoing] | None:
    """Update an edited answer; if it was revealed privately, tell the partner. None if the
    message is not an answer. (An answer in the group is edited in front of both already.)"""
    answer = await session.scalar(
        select(Answer).where(Answer.chat_id == chat_id, Answer.message_id == message_id)
    )
    if answer is None:
        return None
    answer.text = text
    answer.updated_at = now
    prompt = await session.get(Prompt, answer.prompt_id)
    partner = await session.get(Partner, answer.partner_id)
    if prompt is None or partner is None or prompt.revealed_at is None or answer.in_group:
        return []
    couple = await session.get(Couple, prompt.couple_id)
    other = None if couple is None else other_partner(couple, partner)
    if other is None or couple is None:
        return []
    header = _("✏️ <b>{name}</b> edited their answer to {question}").format(
        name=escape(partner.first_name), question=quoted(question_text(prompt, content))
    )
    quotes = [(answer.id, "")] if answer.kind == "text" else []
    return [
        Outgoing(
            other.user_id,
            header,
            purpose=Purpose.EDIT,
            partner_id=other.id,
            prompt_id=prompt.id,
            quotes=quotes,
        ),
        Outgoing(
            couple.chat_id,
            header,
            purpose=Purpose.EDIT_GROUP,
            only_if_private_group=True,
            quotes=quotes,
        ),
    ]
