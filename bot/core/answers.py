"""Answers: recording, sealing until both answered (then the reveal, see bot.core.reveal),
and edits."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.core import depth, prompt_kinds, routing
from bot.core.content import Content
from bot.core.couples import language_of, of_this_pair, other_partner
from bot.core.models import Answer, Couple, Partner, Prompt, table, update_by_id
from bot.core.outbox import Outgoing, spread
from bot.core.purposes import Purpose
from bot.core.questions import question_text
from bot.core.reveal import invited_lately, quoted, reveal_messages
from bot.i18n import _, speaking


@dataclass(frozen=True)
class IncomingAnswer:
    """An answer as it arrived: its kind, text or caption, and where it lives in Telegram."""

    kind: str
    text: str | None
    chat_id: int
    message_id: int
    in_group: bool
    album: str | None = None  # the media group of an album's item


class Status(enum.Enum):
    """What recording an answer did."""

    RECORDED = "recorded"  # sealed until the other partner answers
    REVEALED = "revealed"  # both have answered: mirrored
    ALREADY = "already"  # this partner had answered this prompt before
    ALBUM = "album"  # a later item of the album that is this partner's answer: part of it
    SWAPPED = "swapped"  # the question was swapped for another one: it takes no answers


@dataclass
class AnswerResult:
    """The outcome of an answer and the messages it calls for."""

    status: Status
    prompt: Prompt
    messages: list[Outgoing] = field(default_factory=list)


_INSERT_ANSWER = insert(table(Answer)).returning(table(Answer).c.id)
_SET_ALBUM = update_by_id(Answer, "album")
_ANSWERS_TO = select(Answer).where(Answer.prompt_id == bindparam("prompt_id"))


# Core UPDATEs of one loaded row, built once; `_set` shows the change on the loaded object
# without marking it changed: the ORM's flush of a changed object costs several times the
# UPDATE, and every answer would pay it. This holds because an answer's unit of work has no
# savepoint (rolling one back would not undo the shown change; the whole transaction's
# rollback expires every object) and its rows are locked and loaded in it (one row matches).
_SETS = {
    # Whatever moves the pointer (an answer to the pick, a nudge) ends the pick's protection.
    "pending_prompt_id": update_by_id(Partner, "pending_prompt_id").values(picked_at=None),
    "revealed_at": update_by_id(Prompt, "revealed_at"),
}


async def _set(session: AsyncSession, row: Partner | Prompt, key: str, value: object) -> None:
    await session.execute(_SETS[key], {"row": row.id, "value": value})
    set_committed_value(row, key, value)
    if isinstance(row, Partner) and key == "pending_prompt_id":
        set_committed_value(row, "picked_at", None)


async def answers_to(session: AsyncSession, prompt: Prompt) -> dict[int, Answer]:
    """The answers given to a prompt so far, by partner id."""
    rows = await session.scalars(_ANSWERS_TO, {"prompt_id": prompt.id})
    return {answer.partner_id: answer for answer in rows}


async def answer_of(session: AsyncSession, prompt: Prompt, partner: Partner) -> Answer | None:
    """The partner's answer to the prompt, if any."""
    return (await answers_to(session, prompt)).get(partner.id)


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
    """Store a partner's answer; when both have answered, reveal to both.

    The caller holds the couple's lock (`couples.lock_couples`; a handler's unit of work takes
    it before loading anything) and loaded `prompt` after taking it: of two partners answering
    at the same moment one waits, so exactly one of them reveals, and a question swapped
    meanwhile is seen as swapped."""
    if prompt.skipped_at is not None:
        return AnswerResult(Status.SWAPPED, prompt)
    answers = await answers_to(session, prompt)
    if partner.id in answers:
        given = answers[partner.id]
        if incoming.album is None or (given.album or "").split()[:1] != [incoming.album]:
            return AnswerResult(Status.ALREADY, prompt)
        return AnswerResult(
            Status.ALBUM, prompt, await _album_item(session, couple, prompt, given, incoming)
        )
    values = {
        "prompt_id": prompt.id,
        "partner_id": partner.id,
        "kind": incoming.kind,
        "text": incoming.text,
        "chat_id": incoming.chat_id,
        "message_id": incoming.message_id,
        "in_group": incoming.in_group,
        "created_at": now,
        "album": incoming.album,
    }
    # Core, not session.add: the ORM's unit of work costs more than the insert itself, and
    # the answer's id is needed at once (the reveal quotes it).
    answer_id = await session.scalar(_INSERT_ANSWER, values)
    answer = Answer(id=answer_id, **values)
    if partner.pending_prompt_id == prompt.id:
        await _set(session, partner, "pending_prompt_id", None)
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
        if other.private_open and await routing.nudge_may_point(session, other, partner):
            # Their next private message answers the prompt they were last nudged about.
            await _set(session, other, "pending_prompt_id", prompt.id)
        return AnswerResult(
            Status.RECORDED, prompt, [_your_turn(couple, partner, other, prompt, content)]
        )
    answers[partner.id] = answer
    await _set(session, prompt, "revealed_at", now)
    invite = not await invited_lately(session, couple, prompt, now)
    messages = reveal_messages(couple, prompt, answers, content, bot_username, invite)
    if prompt.kind == prompt_kinds.QUESTION:
        messages += await depth.after_reveal(session, couple, now)
    return AnswerResult(Status.REVEALED, prompt, messages)


ALBUM_MAX = 10  # items Telegram allows in one album
ALBUM_AMONG = 20  # an album's items come at once: its answer is to one of the latest prompts


async def album_prompt(
    session: AsyncSession, couple: Couple, partner: Partner, album: str
) -> Prompt | None:
    """The prompt this partner's album, whose first item came already, answers: its later
    items belong there, whatever was asked since (a round's next part, tonight's question
    after a picked older one). Read only for an album's items."""
    latest = (
        select(Prompt.id)
        .where(Prompt.couple_id == couple.id)
        .order_by(Prompt.id.desc())
        .limit(ALBUM_AMONG)
        .scalar_subquery()
    )
    return await session.scalar(
        select(Prompt)
        .join(Answer, Answer.prompt_id == Prompt.id)
        .where(
            Prompt.id.in_(latest),
            Answer.partner_id == partner.id,
            or_(Answer.album == album, Answer.album.startswith(f"{album} ")),
        )
    )


async def _album_item(
    session: AsyncSession, couple: Couple, prompt: Prompt, given: Answer, item: IncomingAnswer
) -> list[Outgoing]:
    """A later item of an album: added to the answer; if the answer was already shown (the
    reveal came with the first item), it follows to where the first went."""
    sources = given.sources()
    if (item.chat_id, item.message_id) in sources or len(sources) >= ALBUM_MAX:
        return []
    album = f"{given.album} {item.message_id}"
    await session.execute(_SET_ALBUM, {"row": given.id, "value": album})
    set_committed_value(given, "album", album)  # as `_set`: no second UPDATE at the flush
    if prompt.revealed_at is None or given.in_group or not of_this_pair(couple, prompt):
        # Still sealed (the reveal copies every item), seen in the group, or written for a
        # previous partner: it reaches nobody new.
        return []
    copy = (item.chat_id, item.message_id)
    receiver = other_partner(couple, next(p for p in couple.partners if p.id == given.partner_id))
    to_group = Outgoing(
        couple.chat_id,
        copy_from=copy,
        purpose=Purpose.REVEAL_GROUP,
        only_if_private_group=True,
        prompt_id=prompt.id,
    )
    if receiver is None:
        return [to_group]
    private = Outgoing(
        receiver.user_id,
        copy_from=copy,
        purpose=Purpose.REVEAL,
        partner_id=receiver.id,
        prompt_id=prompt.id,
    )
    return [private, to_group]


def _your_turn(
    couple: Couple, partner: Partner, other: Partner, prompt: Prompt, content: Content
) -> Outgoing:
    with speaking(couple.language):
        group = Outgoing(
            couple.chat_id,
            _("✨ {name} has answered {question}. {other}, your turn!").format(
                name=escape(partner.first_name),
                question=quoted(question_text(prompt, content)),
                other=escape(other.first_name),
            ),
            purpose=Purpose.YOUR_TURN,
            prompt_id=prompt.id,
        )
    if not other.private_open:
        return group
    with speaking(language_of(couple, other)):
        text = _("✨ {name} has answered {question}. Your turn!").format(
            name=escape(partner.first_name), question=quoted(question_text(prompt, content))
        )
    return Outgoing(
        other.user_id,
        text,
        purpose=Purpose.YOUR_TURN,
        partner_id=other.id,
        prompt_id=prompt.id,
        fallback=group,
    )


async def edit_answer(
    session: AsyncSession,
    couple: Couple,
    chat_id: int,
    message_id: int,
    text: str | None,
    now: datetime,
    content: Content,
) -> list[Outgoing] | None:
    """Update an edited answer of this couple; if it was revealed privately, tell the partner.
    None if the message is not an answer. (An answer in the group is edited in front of both
    already.)"""
    # Through the couple's prompts: answers keep no index of their own messages, which grew
    # with every answer. An edited message costs a look at the answers of each of the
    # couple's prompts instead (index probes; about a thousand a year in).
    answer = await session.scalar(
        select(Answer)
        .join(Prompt, Prompt.id == Answer.prompt_id)
        .where(
            Prompt.couple_id == couple.id,
            Answer.chat_id == chat_id,
            Answer.message_id == message_id,
        )
    )
    if answer is None:
        return None
    answer.text = text
    answer.edited_at = now
    prompt = await session.get(Prompt, answer.prompt_id)
    partner = next((p for p in couple.partners if p.id == answer.partner_id), None)
    if prompt is None or partner is None or prompt.revealed_at is None or answer.in_group:
        return []
    if not of_this_pair(couple, prompt):
        return []  # words written for a previous partner never reach the current one
    other = other_partner(couple, partner)
    if other is None:
        return []

    def header(language: str) -> str:
        with speaking(language):
            return _("✏️ <b>{name}</b> edited their answer to {question}").format(
                name=escape(partner.first_name), question=quoted(question_text(prompt, content))
            )

    quotes = [(answer.id, "")] if answer.kind == "text" else []
    # Media: copied again under the header, as it stands now (a copy carries the new caption).
    copies = [None] if answer.kind == "text" else [None, (answer.chat_id, answer.message_id)]
    messages = []
    for copy_from in copies:
        messages += [
            Outgoing(
                other.user_id,
                "" if copy_from else header(language_of(couple, other)),
                copy_from=copy_from,
                purpose=Purpose.EDIT,
                partner_id=other.id,
                prompt_id=prompt.id,
                quotes=quotes,
            ),
            Outgoing(
                couple.chat_id,
                "" if copy_from else header(couple.language),
                copy_from=copy_from,
                purpose=Purpose.EDIT_GROUP,
                only_if_private_group=True,
                quotes=quotes,
            ),
        ]
    return [part for message in messages for part in spread(message, {answer.id: answer})]
