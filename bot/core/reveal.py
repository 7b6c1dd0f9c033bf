"""The reveal: once both partners answered, each sees what they haven't seen yet (privately,
or in the group if only the two are in it), and the couple is invited to talk, once an
evening.

Each partner is shown only what they have not seen yet: an answer given in the group is
already in front of both, so it is neither mirrored privately nor posted again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import prompt_kinds, safe_space, schedule
from bot.core.content import Content
from bot.core.couples import language_of
from bot.core.models import Answer, Couple, Partner, Prompt
from bot.core.outbox import Outgoing, spread
from bot.core.purposes import Purpose
from bot.core.questions import private_chat_buttons, question_text
from bot.i18n import _, speaking


def quoted(text: str) -> str:
    """A question inside a sentence: escaped, in quotation marks, in italics."""
    return _("“<i>{question}</i>”").format(question=escape(text))


def _mirror_to(
    couple: Couple,
    receiver: Partner,
    sharer: Partner,
    prompt: Prompt,
    answer: Answer,
    content: Content,
    waiting: Outgoing,
) -> list[Outgoing]:
    """The sharer's private answer, privately to the receiver (media copied), with warm
    responses; if the private chat is closed, held for it and the group gets a pointer."""
    with speaking(language_of(couple, receiver)):
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
            mirror = to_receiver(header, buttons=True, quotes=[(answer.id, "")])
            messages = spread(mirror, {answer.id: answer})
        else:
            copies = [to_receiver(copy_from=source) for source in answer.sources()]
            copies[-1].buttons = warm
            messages = [to_receiver(header), *copies]
        messages[0].fallback = waiting
        return messages


def _warm_only(
    couple: Couple,
    receiver: Partner,
    sharer: Partner,
    prompt: Prompt,
    answer: Answer,
    content: Content,
) -> Outgoing:
    """The sharer answered in the group, already seen: only the warm responses, privately."""
    with speaking(language_of(couple, receiver)):
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
    with speaking(couple.language):
        return Outgoing(
            couple.chat_id,
            _(
                "🔒 {receiver}, {sharer}'s answer is waiting for you in our private chat. "
                "Open it with the button and press Start."
            ).format(receiver=escape(receiver.first_name), sharer=escape(sharer.first_name)),
            buttons=private_chat_buttons(bot_username, couple.link_token),
            purpose=Purpose.REVEAL_WAITING,
        )


def _group_reveal(
    couple: Couple, prompt: Prompt, sealed: list[Answer], content: Content
) -> list[Outgoing]:
    """The answers that were sealed, now in the group: one message when they fit, media
    copied after it. Posted only if the group holds just the two partners (checked when
    sending)."""
    with speaking(couple.language):
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
        messages = spread(message(heading, quotes=labels), {a.id: a for a in sealed})
        return messages + [
            message(copy_from=source) for a in sealed if a.kind != "text" for source in a.sources()
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
                messages.append(_warm_only(couple, receiver, sharer, prompt, answer, content))
        else:
            waiting = waiting_note(couple, receiver, sharer, bot_username)
            messages += _mirror_to(couple, receiver, sharer, prompt, answer, content, waiting)
    sealed = [answers[p.id] for p in (first, second) if not answers[p.id].in_group]
    if sealed:
        messages += _group_reveal(couple, prompt, sealed, content)
    if invite:
        with speaking(couple.language):
            text = _(
                "🕯 Now put the phones away and give each other twenty minutes, just the "
                "two of you: ask about what surprised you, and listen more than you talk."
            )
        messages.append(Outgoing(couple.chat_id, text, purpose=Purpose.INVITE, prompt_id=prompt.id))
    return messages


INVITE_GAP = timedelta(hours=8)  # one invitation to talk an evening, however many reveals
HOUR = timedelta(hours=1)
# Built once: every reveal asks it, and building a statement costs about what running it does.
_INVITED = (
    select(Prompt.id)
    .where(
        Prompt.couple_id == bindparam("couple_id"),
        Prompt.id != bindparam("prompt_id"),
        Prompt.kind.in_(prompt_kinds.ASKED_IN_GROUP),
        Prompt.revealed_at >= bindparam("since"),
    )
    .limit(1)
)


async def invited_lately(
    session: AsyncSession, couple: Couple, prompt: Prompt, now: datetime
) -> bool:
    """Whether another question or jar draw was revealed this evening (its reveal already
    invited them to talk). The evening begins an hour before its first ritual: the question,
    or jar night when that falls on the same day (a late answer to yesterday's question at
    lunch leaves tonight's invitation in place)."""
    zone = ZoneInfo(couple.tz)
    question = schedule.daily(schedule.parse_hhmm(couple.question_time), zone)
    night = schedule.weekly(couple.jar_day, schedule.parse_hhmm(couple.jar_time), zone)
    came = [schedule.latest_at_or_before(o, now + HOUR, zone) for o in (question, night)]
    tonight = schedule.local_date(max(came), zone)
    began = min(at for at in came if schedule.local_date(at, zone) == tonight)
    since = max(now - INVITE_GAP, began - HOUR)
    found = await session.scalar(
        _INVITED, {"couple_id": couple.id, "prompt_id": prompt.id, "since": since}
    )
    return found is not None
