"""Safe space: one-tap warm responses under a mirrored answer, and listening tips."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks
from bot.core.content import Content, Line
from bot.core.couples import language_of, other_partner
from bot.core.models import Answer, Couple, Partner, Prompt
from bot.core.outbox import Button, Outgoing, button
from bot.core.purposes import Purpose
from bot.core.questions import question_text
from bot.i18n import _, speaking

CHOICES = 3  # buttons under one answer; the bank rotates so they don't always read the same


def warm_buttons(content: Content, answer: Answer, prompt: Prompt) -> list[list[Button]]:
    """Three warm responses that fit the answer (light or deep), one per row."""
    bank = content.warm_responses
    tone = "deep" if prompt.kind == "question" and (prompt.depth or 1) >= 2 else "light"
    fitting = [i for i, line in enumerate(bank) if line.tone in (tone, "any")] or list(
        range(len(bank))
    )
    start = (answer.id * CHOICES) % len(fitting)
    picks = [fitting[(start + k) % len(fitting)] for k in range(min(CHOICES, len(fitting)))]
    return [[button(bank[i].text, callbacks.Warm(answer.id, i))] for i in picks]


def listening_tip(content: Content, prompt: Prompt) -> Line | None:
    """A one-line tip for the receiver of an answer to a deep (depth 3) question."""
    if prompt.depth != 3 or not content.listening_tips:
        return None
    return content.listening_tips[prompt.id % len(content.listening_tips)]


class Warm(enum.Enum):
    """What a warm-response tap did."""

    SENT = "sent"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    GONE = "gone"


@dataclass
class WarmResult:
    """The outcome and the message passed to the sharer."""

    outcome: Warm
    text: str = ""
    messages: list[Outgoing] = field(default_factory=list)
    couple_id: int | None = None


async def respond(
    session: AsyncSession, content: Content, answer_id: int, index: int, user_id: int
) -> WarmResult:
    """Pass the receiver's chosen warm response to the sharer, attributed, once per answer."""
    answer = await session.get(Answer, answer_id)
    if answer is None or not 0 <= index < len(content.warm_responses):
        return WarmResult(Warm.GONE)
    prompt = await session.get(Prompt, answer.prompt_id)
    sharer = await session.get(Partner, answer.partner_id)
    couple = None if prompt is None else await session.get(Couple, prompt.couple_id)
    if prompt is None or sharer is None or couple is None:
        return WarmResult(Warm.GONE)
    receiver = other_partner(couple, sharer)
    if receiver is None or receiver.user_id != user_id:
        return WarmResult(Warm.NOT_YOURS)
    if answer.warm_response is not None:
        return WarmResult(Warm.ALREADY)
    line = content.warm_responses[index]
    answer.warm_response = line.id
    with speaking(language_of(couple, sharer)):
        text = _("💛 {name} read your answer to “<i>{question}</i>” and says:\n\n<b>{words}</b>")
        text = text.format(
            name=escape(receiver.first_name),
            question=escape(question_text(prompt, content)),
            words=escape(content.warm_responses[index].text),
        )
    with speaking(couple.language):
        group = Outgoing(
            couple.chat_id,
            _("💛 {name} to {sharer}: <b>{words}</b>").format(
                name=escape(receiver.first_name),
                sharer=escape(sharer.first_name),
                words=escape(content.warm_responses[index].text),
            ),
            purpose=Purpose.WARM,
        )
    message = (
        Outgoing(sharer.user_id, text, purpose=Purpose.WARM, partner_id=sharer.id, fallback=group)
        if sharer.private_open
        else group
    )
    return WarmResult(Warm.SENT, line.text, [message], couple.id)
