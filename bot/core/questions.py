"""The evening question: picking it for many couples at once, wording it, and reading a
prompt's text (bank questions are looked up by id, partners' own words are stored sealed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import callbacks, themes
from bot.core.content import Content, pick_question
from bot.core.models import Couple, Prompt
from bot.core.outbox import Outgoing, button, insert_keyed
from bot.core.purposes import Purpose
from bot.i18n import _

Plan = tuple[Couple, date]  # a couple and the local date it is being delivered for


def question_text(prompt: Prompt, content: Content) -> str:
    """The words of a prompt: a partner's own question, or the bank question it points to."""
    if prompt.text is not None:
        return prompt.text
    item = content.by_id.get(prompt.content_id or "")
    return str(getattr(item, "text", "")) or _("(a question from an earlier edition of Hearth)")


def names(couple: Couple) -> str:
    """Both first names, escaped for HTML ("Alex &amp; Sam")."""
    return " &amp; ".join(escape(p.first_name) for p in couple.partners)


def answer_link(bot_username: str, prompt_id: int) -> str:
    """The deep link that opens the private chat to answer one prompt there."""
    return f"https://t.me/{bot_username}?start=a{prompt_id}"


def question_message(
    couple: Couple,
    prompt_id: int,
    text: str,
    bot_username: str,
    sensitive: bool = False,
    can_skip: bool = True,
) -> Outgoing:
    """The group message that asks tonight's question, with the button that swaps it (once a
    day); a sensitive question says that skipping it is fine."""
    body = _(
        "🕯 Tonight's question for {names}:\n\n<b>{question}</b>\n\n"
        "Reply to this message to answer, or answer privately with the button. "
        "Private answers stay sealed until you've both answered."
    ).format(names=names(couple), question=escape(text))
    if sensitive:
        body += "\n\n" + (
            _(
                "💛 This one may touch something tender. Skipping it is fine: "
                "tap 🔀 Another question."
            )
            if can_skip
            else _("💛 This one may touch something tender. It's fine to leave it for another day.")
        )
    buttons = [[button(_("🔒 Answer privately"), url=answer_link(bot_username, prompt_id))]]
    if can_skip:
        buttons.append([button(_("🔀 Another question"), callbacks.Skip(prompt_id))])
    return Outgoing(
        couple.chat_id, body, buttons=buttons, purpose=Purpose.QUESTION, prompt_id=prompt_id
    )


async def histories(
    session: AsyncSession, couple_ids: Sequence[int], kind: str
) -> dict[int, list[str]]:
    """Each couple's asked content ids of this kind, oldest first (one query for all)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(Prompt.couple_id, Prompt.content_id)
        .where(
            Prompt.couple_id.in_(couple_ids),
            Prompt.kind == kind,
            Prompt.content_id.is_not(None),
        )
        .order_by(Prompt.id)
    )
    for couple_id, content_id in rows:
        if content_id is not None:
            found[couple_id].append(content_id)
    return found


async def deliver(
    session: AsyncSession,
    plans: Sequence[Plan],
    content: Content,
    now: datetime,
    bot_username: str,
) -> list[tuple[int, list[Outgoing]]]:
    """Tonight's question for each couple: picked, stored as prompts, worded for the group."""
    ids = [couple.id for couple, _day in plans]
    history = await histories(session, ids, "question")
    picked = [
        pick_question(
            content,
            history[c.id],
            c.depth,
            f"{c.id}:{day.isoformat()}",
            themes_allowed=themes.themes_for(c),
        )
        for c, day in plans
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
            }
            for (couple, day), question in zip(plans, picked, strict=True)
        ],
        "couple_id",
    )
    # A new evening: each partner's next private message answers this question. (Set on the
    # loaded partners: only those who had one change, in the batch's flush.)
    for couple, _day in plans:
        for partner in couple.partners:
            if partner.pending_prompt_id is not None:
                partner.pending_prompt_id = None
    return [
        (
            couple.id,
            [
                question_message(
                    couple,
                    prompt_ids[(couple.id,)],
                    question.text,
                    bot_username,
                    question.sensitive,
                )
            ],
        )
        for (couple, _day), question in zip(plans, picked, strict=True)
    ]
