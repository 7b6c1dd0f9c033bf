"""Rounds answered privately in parts (love maps, the weekly check-in).

A round is one prompt per part, the later parts pointing at the first (`part_of`). Each partner
is asked part by part in the private chat (`pending_prompt_id` routes their next message), the
answers are ordinary sealed answers, and once both partners answered every part the round is
revealed with the machinery of answers: quoted (read when sent, never copied into the outbox),
to each partner privately, and to the group only if it holds just the two of them.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import routing
from bot.core.content import Content, RitualItem
from bot.core.couples import language_of, other_partner, pair_since
from bot.core.models import Answer, Couple, Partner, Prompt, table
from bot.core.outbox import Outgoing, insert_keyed, spread
from bot.core.purposes import Purpose
from bot.core.questions import private_chat_buttons, question_text
from bot.core.reveal import waiting_note
from bot.i18n import _, speaking

Plan = tuple[Couple, date]
Quote = tuple[int, str]  # (answer id, label), as Outgoing.quotes
# A round started by hand this recently counts as this week's: the scheduled one is skipped.
RECENT = timedelta(days=3)


@dataclass
class Round:
    """A round's prompts in part order, and every answer given to them."""

    prompts: list[Prompt]
    answers: dict[tuple[int, int], Answer]  # (prompt id, partner id)

    @property
    def first(self) -> Prompt:
        """The first part: it stands for the round (messages point at it)."""
        return self.prompts[0]

    def answer(self, part: int, partner: Partner) -> Answer | None:
        """The partner's answer to one part, if given."""
        return self.answers.get((self.prompts[part].id, partner.id))

    def next_part(self, partner: Partner) -> int | None:
        """The first part this partner hasn't answered yet (None: all answered)."""
        return next(
            (n for n, p in enumerate(self.prompts) if (p.id, partner.id) not in self.answers),
            None,
        )


@dataclass(frozen=True)
class Ritual:
    """One kind of round: its parts, its settings columns and how it speaks."""

    name: str  # "guess" or "checkin": its command and its delivery kind
    kinds: tuple[str, ...]  # prompt kinds, one per part, in order
    purpose: Purpose
    enabled_column: str
    day_column: str
    time_column: str
    pick: Callable[[Content, Sequence[str], str], Sequence[RitualItem]]  # an item per part
    # The private message asking part n (0-based) of `question`, to `partner` about `other`.
    ask: Callable[[int, str, Partner, Partner], str]
    title: Callable[[], str]  # "this week's love map", inside a sentence
    # The reveal for `receiver` (None: the group): a heading and the quoted answers.
    layout: Callable[[Couple, Partner | None, Round, Content], tuple[str, list[Quote]]]
    closing: Callable[[], str] | None = None  # an invitation to talk, in the group

    def part_message(
        self, couple: Couple, partner: Partner, rnd: Round, part: int, content: Content
    ) -> str:
        """The words asking `partner` one part of the round."""
        other = other_partner(couple, partner) or partner
        return self.ask(part, question_text(rnd.prompts[part], content), partner, other)


async def load_round(session: AsyncSession, ritual: Ritual, prompt: Prompt) -> Round:
    """The round a part belongs to, with its answers (two queries)."""
    first = prompt.part_of or prompt.id
    prompts = list(
        await session.scalars(
            select(Prompt).where(or_(Prompt.id == first, Prompt.part_of == first))
        )
    )
    prompts.sort(key=lambda p: ritual.kinds.index(p.kind))
    answers = await session.scalars(
        select(Answer).where(Answer.prompt_id.in_([p.id for p in prompts]))
    )
    return Round(prompts, {(a.prompt_id, a.partner_id): a for a in answers})


async def latest_round(session: AsyncSession, ritual: Ritual, couple: Couple) -> Round | None:
    """The couple's latest round of this ritual (of the current pair), if any."""
    since = pair_since(couple) or couple.created_at
    first = await session.scalar(
        select(Prompt)
        .where(
            Prompt.couple_id == couple.id,
            Prompt.kind == ritual.kinds[0],
            Prompt.created_at >= since,
        )
        .order_by(Prompt.id.desc())
        .limit(1)
    )
    return None if first is None else await load_round(session, ritual, first)


def _open_chat_note(couple: Couple, partner: Partner, ritual: Ritual, username: str) -> Outgoing:
    """In the group, for a partner whose private chat is closed: their part waits there."""
    with speaking(couple.language):
        return Outgoing(
            couple.chat_id,
            _(
                "🔒 {name}, {what} is waiting for you in our private chat. Open it with the "
                "button and press Start, then send /{command}."
            ).format(name=escape(partner.first_name), what=ritual.title(), command=ritual.name),
            buttons=private_chat_buttons(username, couple.link_token),
            purpose=ritual.purpose,
        )


def ask_message(
    couple: Couple,
    partner: Partner,
    ritual: Ritual,
    rnd: Round,
    part: int,
    content: Content,
    username: str,
    intro: str = "",
) -> Outgoing:
    """Ask `partner` one part privately (the group hears only that something waits)."""
    note = _open_chat_note(couple, partner, ritual, username)
    if not partner.private_open:
        return note
    with speaking(language_of(couple, partner)):
        text = ritual.part_message(couple, partner, rnd, part, content)
    return Outgoing(
        partner.user_id,
        f"{intro}\n\n{text}" if intro else text,
        purpose=ritual.purpose,
        partner_id=partner.id,
        prompt_id=rnd.prompts[part].id,
        fallback=note,
    )


async def _histories(
    session: AsyncSession, ritual: Ritual, couple_ids: Sequence[int], now: datetime
) -> tuple[dict[int, list[str]], set[int]]:
    """Each couple's content ids asked in this ritual, oldest first, and the couples who
    started a round lately (one query for the batch)."""
    found: dict[int, list[str]] = defaultdict(list)
    recent: set[int] = set()
    rows = await session.execute(
        select(Prompt.couple_id, Prompt.content_id, Prompt.created_at)
        .where(Prompt.couple_id.in_(couple_ids), Prompt.kind.in_(ritual.kinds))
        .order_by(Prompt.id)
    )
    for couple_id, content_id, created_at in rows:
        if content_id is not None:
            found[couple_id].append(content_id)
        if created_at > now - RECENT:
            recent.add(couple_id)
    return found, recent


async def start_many(
    session: AsyncSession,
    ritual: Ritual,
    plans: Sequence[Plan],
    content: Content,
    now: datetime,
    username: str,
    scheduled: bool = True,
) -> list[tuple[int, list[Outgoing]]]:
    """Start a round for each couple: its prompts in two statements, the first part asked.

    A scheduled round is skipped for a couple who started one by hand in the last few days.
    """
    history, recent = await _histories(session, ritual, [c.id for c, _d in plans], now)
    if scheduled:
        plans = [(c, day) for c, day in plans if c.id not in recent]
    if not plans:
        return []
    picks = {
        c.id: ritual.pick(content, history[c.id], f"{ritual.name}:{c.id}:{day.isoformat()}")
        for c, day in plans
    }

    def row(couple: Couple, day: date, part: int, first: int | None) -> dict[str, object]:
        return {
            "couple_id": couple.id,
            "kind": ritual.kinds[part],
            "local_date": day,
            "content_id": picks[couple.id][part].id,
            "theme": None,
            "depth": None,
            "text": None,
            "created_at": now,
            "part_of": first,
        }

    firsts = await insert_keyed(
        session, Prompt, [row(c, day, 0, None) for c, day in plans], "couple_id"
    )
    later = [
        row(c, day, part, firsts[(c.id,)])
        for c, day in plans
        for part in range(1, len(ritual.kinds))
    ]
    if later:
        await session.execute(insert(table(Prompt)), later)
    messages = []
    busy = await routing.picks_to_keep(session, [p for c, _d in plans for p in c.partners], now)
    for couple, day in plans:
        # Wording needs only the first part's id and the content ids: nothing is read back.
        first = firsts[(couple.id,)]
        parts = [row(couple, day, part, None) for part in range(len(ritual.kinds))]
        rnd = Round([Prompt(id=first if n == 0 else None, **r) for n, r in enumerate(parts)], {})
        for partner in couple.partners:
            if partner.id not in busy:  # a question picked by button is answered first
                partner.pending_prompt_id = first  # their next private message answers it
        asks = [ask_message(couple, p, ritual, rnd, 0, content, username) for p in couple.partners]
        messages.append((couple.id, asks))
    return messages


class Resume(enum.Enum):
    """What asking to carry on with a round found."""

    ASKED = "asked"  # the next part was asked again
    NONE = "none"  # no round yet
    WAITING = "waiting"  # this partner is done; the other isn't
    REVEALED = "revealed"  # the latest round is complete


async def resume(
    session: AsyncSession, couple: Couple, partner: Partner, ritual: Ritual, content: Content
) -> tuple[Resume, list[Outgoing]]:
    """/guess or /checkin in private: ask this partner's next part of the latest round."""
    rnd = await latest_round(session, ritual, couple)
    if rnd is None:
        return Resume.NONE, []
    part = rnd.next_part(partner)
    if part is None:
        return (Resume.REVEALED if rnd.first.revealed_at else Resume.WAITING), []
    partner.pending_prompt_id = rnd.prompts[part].id
    with speaking(language_of(couple, partner)):
        text = ritual.part_message(couple, partner, rnd, part, content)
    return Resume.ASKED, [
        Outgoing(
            partner.user_id,
            text,
            purpose=ritual.purpose,
            partner_id=partner.id,
            prompt_id=rnd.prompts[part].id,
        )
    ]


async def open_round(session: AsyncSession, ritual: Ritual, couple: Couple) -> bool:
    """The latest round is still waiting for answers (a new one waits until it is done)."""
    rnd = await latest_round(session, ritual, couple)
    return rnd is not None and rnd.first.revealed_at is None


async def after_part(
    session: AsyncSession,
    ritual: Ritual,
    couple: Couple,
    partner: Partner,
    prompt: Prompt,
    now: datetime,
    content: Content,
    username: str,
) -> tuple[bool, list[Outgoing]]:
    """A part was answered: ask the next one, or wait for the other, or reveal the round.

    Returns whether the round was revealed, and the messages that follow.
    """
    rnd = await load_round(session, ritual, prompt)
    part = rnd.next_part(partner)
    if part is not None:
        partner.pending_prompt_id = rnd.prompts[part].id
        return False, [ask_message(couple, partner, ritual, rnd, part, content, username)]
    other = other_partner(couple, partner)
    if other is None:
        return False, []
    their_part = rnd.next_part(other)
    if their_part is not None:
        # Their next private message carries on with the round (unless they picked another
        # prompt by button meanwhile: that one comes first).
        if await routing.nudge_may_point(session, other, partner):
            other.pending_prompt_id = rnd.prompts[their_part].id
        with speaking(language_of(couple, partner)):
            sealed = _("🔒 All done. Sealed until {name} has answered too.").format(
                name=escape(other.first_name)
            )
        done = Outgoing(
            partner.user_id,
            sealed,
            purpose=ritual.purpose,
            partner_id=partner.id,
            prompt_id=rnd.first.id,
        )
        with speaking(language_of(couple, other)):
            intro = _("✨ {name} has answered {what}. Your turn!").format(
                name=escape(partner.first_name), what=ritual.title()
            )
        nudge = ask_message(couple, other, ritual, rnd, their_part, content, username, intro)
        nudge.purpose = Purpose.YOUR_TURN
        return False, [done, nudge]
    for each in rnd.prompts:
        each.revealed_at = now
    return True, reveal(couple, ritual, rnd, content, username)


def _media(rnd: Round, partners: Sequence[Partner]) -> list[tuple[int, int]]:
    """Where the partners' voice, photo and video answers are, in part order, to be copied."""
    return [
        source
        for p in partners
        for part in range(len(rnd.prompts))
        if (a := rnd.answer(part, p)) is not None and a.kind != "text"
        for source in a.sources()
    ]


def reveal(
    couple: Couple, ritual: Ritual, rnd: Round, content: Content, username: str
) -> list[Outgoing]:
    """Every part of both partners: to each privately, to the group if only the two are in it.

    Media answers are copied after the text that quotes them.
    """
    first, second = couple.partners
    messages: list[Outgoing] = []
    for receiver, sharer in ((first, second), (second, first)):
        with speaking(language_of(couple, receiver)):
            heading, quotes = ritual.layout(couple, receiver, rnd, content)
        messages.append(
            Outgoing(
                receiver.user_id,
                heading,
                purpose=Purpose.REVEAL,
                partner_id=receiver.id,
                prompt_id=rnd.first.id,
                quotes=quotes,
                fallback=waiting_note(couple, receiver, sharer, username),
                language=language_of(couple, receiver),
            )
        )
        messages += [
            Outgoing(
                receiver.user_id,
                copy_from=source,
                purpose=Purpose.REVEAL,
                partner_id=receiver.id,
                prompt_id=rnd.first.id,
            )
            for source in _media(rnd, [sharer])
        ]
    with speaking(couple.language):
        heading, quotes = ritual.layout(couple, None, rnd, content)
        closing = ritual.closing() if ritual.closing is not None else None

    def to_group(text: str = "", copy_from: tuple[int, int] | None = None) -> Outgoing:
        return Outgoing(
            couple.chat_id,
            text,
            copy_from=copy_from,
            purpose=Purpose.REVEAL_GROUP,
            only_if_private_group=True,
            prompt_id=rnd.first.id,
            quotes=quotes if text else [],
            language=couple.language,
        )

    messages.append(to_group(heading))
    messages += [to_group(copy_from=source) for source in _media(rnd, [first, second])]
    if closing is not None:
        messages.append(
            Outgoing(couple.chat_id, closing, purpose=Purpose.INVITE, prompt_id=rnd.first.id)
        )
    answers = {answer.id: answer for answer in rnd.answers.values()}
    return [part for message in messages for part in spread(message, answers)]
