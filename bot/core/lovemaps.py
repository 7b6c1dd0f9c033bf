"""Love maps: once a week each partner answers a light question about themselves and guesses
the other's answer, privately; the reveal shows both answers and both guesses side by side,
with a warm line and never a score (a guess is attention paid, not a test passed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.core import prompt_kinds
from bot.core.content import Content, RitualItem, pick_love_map
from bot.core.couples import other_partner
from bot.core.models import Couple, Partner
from bot.core.purposes import Purpose
from bot.core.questions import question_text
from bot.core.rounds import Quote, Ritual, Round
from bot.i18n import _

SELF, GUESS = 0, 1  # the parts: your own answer, then your guess of the other's


def _pick(content: Content, history: Sequence[str], seed: str) -> tuple[RitualItem, ...]:
    """The same question for both parts: answered about yourself, then guessed about them."""
    item = pick_love_map(content, history, seed)
    return item, item


def _ask(part: int, question: str, partner: Partner, other: Partner) -> str:
    if part == SELF:
        return _(
            "🗺 <b>Love maps</b>: a light question about you, then a guess about {other}.\n\n"
            "<b>{question}</b>\n\nYour answer? Just write it here; it stays sealed until "
            "you've both answered and guessed."
        ).format(other=escape(other.first_name), question=escape(question))
    return _("🔮 Now your guess: what would <b>{other}</b> answer?\n\n<b>{question}</b>").format(
        other=escape(other.first_name), question=escape(question)
    )


def _title() -> str:
    return _("this week's love map")


def warm_line(round_id: int) -> str:
    """A warm line under the reveal: about attention and curiosity, never about a score."""
    lines = (
        _("Close or far, every guess is a way of paying attention. Now you know a little more."),
        _("The guesses that missed are the best part: there's something new to ask about."),
        _("Maps change as people do. Ask each other about the answer that surprised you."),
    )
    return lines[round_id % len(lines)]


def _layout(
    couple: Couple, receiver: Partner | None, rnd: Round, content: Content
) -> tuple[str, list[Quote]]:
    """Each partner's answer next to the other's guess of it ("you" for the receiver)."""

    def name(p: Partner) -> str:
        return _("You") if receiver is not None and p.id == receiver.id else escape(p.first_name)

    heading = _(
        "🗺 <b>Love maps</b>: you've both answered and guessed.\n\n"
        "<b>{question}</b>\n\n<i>{line}</i>"
    ).format(
        question=escape(question_text(rnd.first, content)), line=escape(warm_line(rnd.first.id))
    )
    # The receiver reads the other's answer first: that is the news for them.
    subjects = list(couple.partners)
    if receiver is not None:
        subjects.sort(key=lambda p: p.id == receiver.id)
    quotes: list[Quote] = []
    for subject in subjects:
        guesser = other_partner(couple, subject)
        said, guessed = rnd.answer(SELF, subject), None
        if guesser is not None:
            guessed = rnd.answer(GUESS, guesser)
        if said is not None:
            quotes.append((said.id, _("<b>{name}</b> said:").format(name=name(subject))))
        if guessed is not None and guesser is not None:
            quotes.append((guessed.id, _("<b>{name}</b> guessed:").format(name=name(guesser))))
    return heading, quotes


LOVE_MAPS = Ritual(
    name="guess",
    kinds=prompt_kinds.LOVE_MAP,
    purpose=Purpose.LOVE_MAP,
    enabled_column="guess_enabled",
    day_column="guess_day",
    time_column="guess_time",
    pick=_pick,
    ask=_ask,
    title=_title,
    layout=_layout,
)
