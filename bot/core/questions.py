"""The evening question: picking it for many couples at once, wording it, and reading a
prompt's text (bank questions are looked up by id, partners' own words are stored sealed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, prompt_kinds, schedule, themes
from bot.core.apart import lives_apart, served_privately
from bot.core.content import Content, pick_question
from bot.core.couples import language_of
from bot.core.models import Answer, Couple, Partner, Prompt, table
from bot.core.outbox import Button, Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.i18n import _, speaking

Plan = tuple[Couple, date]  # a couple and the local date it is being delivered for


class DayPrompt(NamedTuple):
    """A couple's question of the day: its prompt id, its words, and whether it is tender."""

    id: int
    text: str
    sensitive: bool
    content_id: str | None = None  # a bank question, whose words exist in every language

    def words(self, content: Content) -> str:
        """The question in the language being spoken (a partner's own: as they wrote it)."""
        item = content.by_id.get(self.content_id or "")
        return str(getattr(item, "text", "")) or self.text


def question_text(prompt: Prompt, content: Content) -> str:
    """The words of a prompt: a partner's own question, or the bank question it points to."""
    if prompt.text is not None:
        return prompt.text
    if prompt.content_id is None and prompt.kind == prompt_kinds.JAR:
        return _("(a jar question its author has since deleted)")  # see privacy.forget_partner
    item = content.by_id.get(prompt.content_id or "")
    return str(getattr(item, "text", "")) or _("(a question from an earlier edition of Hearth)")


def names(couple: Couple) -> str:
    """Both first names, escaped for HTML ("Alex &amp; Sam")."""
    return " &amp; ".join(escape(p.first_name) for p in couple.partners)


def answer_link(bot_username: str, prompt_id: int) -> str:
    """The deep link that opens the private chat to answer one prompt there."""
    return f"https://t.me/{bot_username}?start=a{prompt_id}"


def private_chat_buttons(bot_username: str, link_token: str) -> list[list[Button]]:
    """The button that opens the bot's private chat and links it to the couple."""
    url = f"https://t.me/{bot_username}?start={link_token}"
    return [[button(_("🔓 Open my private chat"), url=url)]]


def tender_line(can_skip: bool) -> str:
    """The line under a question that may touch something tender: skipping it is fine."""
    if can_skip:
        return _(
            "💛 This one may touch something tender. Skipping it is fine: tap 🔀 Another question."
        )
    return _("💛 This one may touch something tender. It's fine to leave it for another day.")


def question_message(
    couple: Couple, bot_username: str, day: DayPrompt, content: Content, can_skip: bool = True
) -> Outgoing:
    """The group message that asks tonight's question, with the button that swaps it (once a
    day); a sensitive question says that skipping it is fine."""
    with speaking(couple.language):
        return _question_message(couple, bot_username, day, day.words(content), can_skip)


def _question_message(
    couple: Couple, bot_username: str, day: DayPrompt, words: str, can_skip: bool
) -> Outgoing:
    body = _(
        "🕯 Tonight's question for {names}:\n\n<b>{question}</b>\n\n"
        "Reply to this message to answer, or answer privately with the button. "
        "Private answers stay sealed until you've both answered."
    ).format(names=names(couple), question=escape(words))
    if day.sensitive:
        body += "\n\n" + tender_line(can_skip)
    buttons = [[button(_("🔒 Answer privately"), url=answer_link(bot_username, day.id))]]
    if can_skip:
        buttons.append([button(_("🔀 Another question"), callbacks.Skip(day.id))])
    return Outgoing(
        couple.chat_id, body, buttons=buttons, purpose=Purpose.QUESTION, prompt_id=day.id
    )


async def histories(
    session: AsyncSession, couple_ids: Sequence[int], kind: str
) -> dict[int, list[str]]:
    """Each couple's asked content ids of this kind, oldest first (one query for all)."""
    found: dict[int, list[str]] = defaultdict(list)
    # Core columns, not the ORM's: a year in, this reads hundreds of rows per couple, and the
    # ORM's per-row bookkeeping cost several times the query itself.
    prompts = table(Prompt).c
    rows = await session.execute(
        select(prompts.couple_id, prompts.content_id)
        .where(
            prompts.couple_id.in_(couple_ids),
            prompts.kind == kind,
            prompts.content_id.is_not(None),
        )
        .order_by(prompts.id)
    )
    for couple_id, content_id in rows:
        found[couple_id].append(content_id)
    return found


REUSE_WITHIN = timedelta(days=2)  # a day's prompt is reused, never one from a zone change ago


async def day_prompts(
    session: AsyncSession,
    plans: Sequence[Plan],
    content: Content,
    now: datetime,
    in_group: bool = False,
) -> dict[tuple[int, date], DayPrompt]:
    """Each couple's question of the day: the one already asked for that date (to a partner on
    their own clock, or to the group), else one picked and stored now; `in_group`: the group is
    being asked it now. By (couple id, date): the prompt id and its words.

    The day of a prompt is the calendar date on which it is asked, the same date for the group
    and for each partner in their own zone: Monday's question comes on Monday evening in each
    zone, and whoever's Monday evening comes first has it picked. One prompt per couple and
    date keeps sealing and the reveal one thing, however many hours apart the two answer.
    """
    wanted = {(couple.id, day): couple for couple, day in plans}
    found: dict[tuple[int, date], DayPrompt] = {}
    first_in_group: list[int] = []
    for prompt in await session.scalars(
        select(Prompt).where(
            Prompt.couple_id.in_({couple_id for couple_id, _day in wanted}),
            Prompt.kind == "question",
            Prompt.local_date.in_({day for _couple_id, day in wanted}),
            Prompt.created_at >= now - REUSE_WITHIN,
            Prompt.skipped_at.is_(None),  # swapped for another: that one is the day's now
        )
    ):
        key = (prompt.couple_id, prompt.local_date)
        if key in wanted:
            item = content.by_id.get(prompt.content_id or "")
            sensitive = bool(getattr(item, "sensitive", False))
            found[key] = DayPrompt(
                prompt.id, question_text(prompt, content), sensitive, prompt.content_id
            )
            if prompt.asked_in_group_at is None:
                first_in_group.append(prompt.id)
    if in_group and first_in_group:
        await session.execute(
            update(table(Prompt))
            .where(table(Prompt).c.id.in_(first_in_group))
            .values(asked_in_group_at=now)
        )
    fresh = [(couple, key[1]) for key, couple in wanted.items() if key not in found]
    if not fresh:
        return found
    history = await histories(session, [couple.id for couple, _day in fresh], "question")
    picked = [
        pick_question(
            content,
            history[c.id],
            c.depth,
            f"{c.id}:{day.isoformat()}",
            living_apart=lives_apart(c),
            themes_allowed=themes.themes_for(c),
        )
        for c, day in fresh
    ]
    prompt_ids = await insert_keyed(
        session,
        Prompt,
        [
            {
                "couple_id": couple.id,
                "kind": "question",
                "local_date": day,
                "content_id": question.id,
                "theme": question.theme,
                "depth": question.depth,
                "text": None,
                "created_at": now,
                "asked_in_group_at": now if in_group else None,
            }
            for (couple, day), question in zip(fresh, picked, strict=True)
        ],
        "couple_id",
        "local_date",
    )
    for (couple, day), question in zip(fresh, picked, strict=True):
        found[(couple.id, day)] = DayPrompt(
            prompt_ids[(couple.id, day)], question.text, question.sensitive, question.id
        )
    return found


_GIVE = (
    update(table(Partner))
    .where(
        table(Partner).c.id == bindparam("partner"),
        or_(
            table(Partner).c.asked_prompt_id.is_(None),
            table(Partner).c.asked_prompt_id < bindparam("prompt"),
        ),
    )
    .values(
        asked_prompt_id=bindparam("prompt"),
        asked_at=bindparam("now"),
        pending_prompt_id=case(
            (table(Partner).c.picked_at >= bindparam("picked"), table(Partner).c.pending_prompt_id),
            else_=None,
        ),
    )
)
# A question picked by button this recently is being answered: the next evening's question
# doesn't take it away (the partner's next message is still that answer).
PICK_KEPT = timedelta(hours=1)


def picked_lately(partner: Partner, now: datetime) -> bool:
    """The partner picked their pending question by button within `PICK_KEPT`."""
    return partner.picked_at is not None and partner.picked_at >= now - PICK_KEPT


async def give(session: AsyncSession, given: Sequence[tuple[Partner, int]], now: datetime) -> None:
    """Put each question to its partner on their own clock (one statement): from now on their
    private messages answer it, and a question they had picked by button before is let go (a
    new evening) unless picked just now. A partner who already has this question, or a newer
    one, keeps theirs."""
    if given:
        await session.execute(
            _GIVE,
            [
                {"partner": p.id, "prompt": prompt_id, "now": now, "picked": now - PICK_KEPT}
                for p, prompt_id in given
            ],
        )


def open_to(
    couple: Couple, partner: Partner, since: datetime, now: datetime, hours: int
) -> ColumnElement[bool]:
    """Which daily questions a partner's private message may answer: only ones put to them,
    never one the group or the other partner got first, on an earlier clock.

    Put to a partner who follows the group's clock: asked in the group within `hours`. Put to
    one on their own clock: asked privately at their evening, the latest within `hours` of
    that (it may have been asked elsewhere long before), earlier ones within `hours` of being
    made. Until a question is put to them on their own clock, the group's count.
    """
    window = timedelta(hours=hours)
    pointer, asked_at = partner.asked_prompt_id, partner.asked_at
    if not served_privately(couple, partner) or pointer is None:
        # On the wall clock: a question stays open until the next one, on the night the
        # clocks go back too (a day of 25 hours).
        back = schedule.wall_clock_before(now, window, ZoneInfo(couple.tz))
        return Prompt.asked_in_group_at >= max(since, back)
    back = schedule.wall_clock_before(now, window, ZoneInfo(partner.tz or couple.tz))
    recent = Prompt.created_at >= max(since, back)
    if asked_at is not None and asked_at >= back:
        recent = or_(recent, and_(Prompt.id == pointer, Prompt.created_at >= since))
    return and_(Prompt.id <= pointer, recent)


def is_new_to(partner: Partner, prompt_id: int) -> bool:
    """This question was not put to the partner on their own clock yet."""
    return partner.asked_prompt_id is None or partner.asked_prompt_id < prompt_id


async def deliver(
    session: AsyncSession,
    plans: Sequence[Plan],
    content: Content,
    now: datetime,
    bot_username: str,
) -> list[tuple[int, list[Outgoing]]]:
    """Tonight's question for each couple's group: picked (or the day's, if a partner on their
    own clock had it first) and stored as a prompt, asked in the group."""
    prompts = await day_prompts(session, plans, content, now, in_group=True)
    # A new evening: each partner following the group's clock answers this question with
    # their next private message. (Set on the loaded partners: only those who had one change,
    # in the batch's flush. One on their own clock has their evening later, see `give`.)
    for couple, _day in plans:
        for partner in couple.partners:
            if partner.pending_prompt_id is None or served_privately(couple, partner):
                continue
            if not picked_lately(partner, now):  # one just picked by button is being written
                partner.pending_prompt_id = None
    return [
        (couple.id, [question_message(couple, bot_username, prompts[(couple.id, day)], content)])
        for couple, day in plans
    ]


def own_question_message(
    couple: Couple, partner: Partner, day: DayPrompt, content: Content
) -> Outgoing:
    """The question at a partner's own evening, in their private chat: answered right there."""
    with speaking(language_of(couple, partner)):
        return _own_question_message(partner, day, day.words(content))


def _own_question_message(partner: Partner, day: DayPrompt, words: str) -> Outgoing:
    body = _(
        "🕯 Your evening question, {name}:\n\n<b>{question}</b>\n\n"
        "Answer right here: text, voice, a video note, a photo or a video. "
        "It stays sealed until you've both answered."
    ).format(name=escape(partner.first_name), question=escape(words))
    if day.sensitive:
        body += "\n\n" + tender_line(can_skip=False)
    return Outgoing(
        partner.user_id,
        body,
        purpose=Purpose.OWN_QUESTION,
        partner_id=partner.id,
        prompt_id=day.id,
    )


async def deliver_own(
    session: AsyncSession,
    plans: Sequence[tuple[Couple, Partner, date]],
    content: Content,
    now: datetime,
    bot_username: str,
) -> list[tuple[int, list[Outgoing]]]:
    """The day's question for each partner on their own clock, privately at their evening.

    A partner without a private chat sees it in the group instead; one who already has it (or
    answered it in the group) is not asked again.
    """
    reachable = [(c, p, day) for c, p, day in plans if p.private_open]
    prompts = await day_prompts(session, [(c, day) for c, _p, day in reachable], content, now)
    new = [
        (c, p, prompts[(c.id, day)])
        for c, p, day in reachable
        if is_new_to(p, prompts[(c.id, day)].id)
    ]
    if not new:
        return []
    answered = set(
        (
            await session.execute(
                select(Answer.prompt_id, Answer.partner_id).where(
                    Answer.prompt_id.in_({prompt.id for _c, _p, prompt in new}),
                    Answer.partner_id.in_([p.id for _c, p, _prompt in new]),
                )
            )
        ).all()
    )
    await give(session, [(p, prompt.id) for _c, p, prompt in new], now)
    return [
        (c.id, [own_question_message(c, p, prompt, content)])
        for c, p, prompt in new
        if (prompt.id, p.id) not in answered
    ]
