"""End-to-end: a Russian, Spanish or Portuguese couple meets nothing in English or misformatted
(a media answer named in a reveal, an alert to whoever pressed, a pause's date, a city typed
in their own language)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import prompt_kinds
from bot.core.content import Content
from bot.core.content.library import library
from bot.core.lovemaps import LOVE_MAPS
from bot.core.models import Answer, Prompt
from bot.core.outbox import MAX_TEXT, describe
from bot.i18n import _, speaking
from bot.simulation.world import Simulation
from tests.helpers import couple_in
from tests.rituals_helpers import reply_to

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the sim fixture's first day (the couple's zone: UTC)
WEDNESDAY_NOON = datetime(2025, 6, 4, 12, tzinfo=UTC)  # love maps' default time
TELEGRAM_CODES = {"ru": "ru", "es": "es-419", "pt_BR": "pt-br"}
ENGLISH_MEDIA = ("a voice message", "a video message", "a photo", "a video")


def spoken(language: str, text: str) -> str:
    """A catalogue text as `language` writes it."""
    with speaking(language):
        return _(text)


@pytest.mark.parametrize("language", ["ru", "es", "pt_BR"])
async def test_group_reveal_names_a_sealed_voice_or_photo_answer_in_the_couples_language(
    sim: Simulation, language: str
) -> None:
    """Both answer privately, Alex with a voice message, Sam with an album of two photos: the
    group's reveal names them ("a voice message ⬇️") in the couple's language, though quotes
    are rendered by the sender at send time, outside any handler."""
    code = TELEGRAM_CODES[language]
    people = await sim.onboard(languages=(code, code))
    await sim.tick(MONDAY.replace(hour=20))
    sim.clock.now = MONDAY.replace(hour=20, minute=1)
    await sim.feed(sim.tg.send(people.alex, people.alex, media="voice"))
    sim.clock.now = MONDAY.replace(hour=20, minute=2)
    for caption in ("one", "two"):
        await sim.feed(
            sim.tg.send(people.sam, people.sam, media="photo", caption=caption, album="a1")
        )
    heading = spoken(language, "💞 Both answers are in for {question}").split("{")[0]
    (reveal,) = [s for s in sim.tg.inbox(people.group) if s.text.startswith(heading)]
    english = [words for words in ENGLISH_MEDIA if words in reveal.text]
    assert not english, f"the {language} group reads English {english}: {reveal.text!r}"
    assert spoken(language, "a voice message") in reveal.text
    assert spoken(language, "a photo") in reveal.text


async def test_love_map_reveal_quoting_a_voice_answer_speaks_the_readers_language(
    sim: Simulation,
) -> None:
    """Sam chose Spanish for her private chat; Alex answers Wednesday's love map with a voice
    message: Sam's private reveal names it in Spanish."""
    people = await sim.onboard(languages=("ru", "es-419"))
    await sim.tick(WEDNESDAY_NOON)
    sim.clock.now = WEDNESDAY_NOON + timedelta(minutes=5)
    await sim.feed(sim.tg.send(people.alex, people.alex, media="voice"))
    await sim.feed(sim.tg.send(people.alex, people.alex, "guess of Alex"))
    await sim.feed(sim.tg.send(people.sam, people.sam, "answer of Sam"))
    await sim.feed(sim.tg.send(people.sam, people.sam, "guess of Sam"))
    heading = spoken(
        "es",
        "🗺 <b>Love maps</b>: you've both answered and guessed.\n\n"
        "<b>{question}</b>\n\n<i>{line}</i>",
    )
    opening = heading.replace("<b>", "").replace("</b>", "").split("\n")[0]
    reveals = [s for s in sim.tg.inbox(people.sam) if s.text.startswith(opening)]
    assert reveals, [s.text[:80] for s in sim.tg.inbox(people.sam)]
    text = "\n".join(s.text for s in reveals)
    assert "a voice message" not in text, f"Sam's Spanish reveal reads English: {text!r}"
    assert spoken("es", "a voice message") in text


async def test_paired_elsewhere_alert_speaks_the_pressers_language(sim: Simulation) -> None:
    """Alex (Russian app, Russian couple) taps We're in in a new group that Carol (English app)
    made: the alert only Alex sees ("already part of a couple") is in Russian."""
    first = await sim.onboard(languages=("ru", "ru"))
    carol = sim.tg.user("Carol", "en")
    other = sim.tg.group("Alex & Carol", [first.alex, carol])
    await sim.feed(sim.tg.add_bot(other, by=carol))
    assert (await couple_in(sim, other)).language == "en"
    await sim.feed(sim.tg.press(first.alex, sim.tg.last(other), "join"))
    alert = str(sim.api.alerts[-1].get("text"))
    expected = spoken(
        "ru",
        "You're already part of a couple with Hearth in another chat ({title}). "
        "Remove me from that chat first.",
    ).format(title="Alex & Sam")
    assert alert == expected, f"Alex (Russian) is told in English: {alert!r}"


async def test_a_russian_pause_date_does_not_end_in_two_dots(sim: Simulation) -> None:
    """`/pause 3` in a Russian group: CLDR's long Russian date ends in "г." already, and the
    message adds no second full stop."""
    people = await sim.onboard(languages=("ru", "ru"))
    answer = await reply_to(sim, people.alex, people.group, "/pause 3")
    assert "5 июня 2025" in answer.text, answer.text
    assert ".." not in answer.text, f"a doubled full stop: {answer.text!r}"


@pytest.mark.parametrize(
    ("language", "typed", "zone"),
    [
        ("ru", "Санкт-Петербург", "Europe/Moscow"),
        ("ru", "Рио-де-Жанейро", "America/Sao_Paulo"),
        ("ru", "Мюнхен", "Europe/Berlin"),
        ("es", "Múnich", "Europe/Berlin"),
        ("es", "San Petersburgo", "Europe/Moscow"),
        ("pt_BR", "Munique", "Europe/Berlin"),
        ("pt_BR", "São Petersburgo", "Europe/Moscow"),
    ],
)
async def test_a_city_written_in_the_couples_language_is_understood_like_its_english_name(
    sim: Simulation, language: str, typed: str, zone: str
) -> None:
    """Cities whose zone is named after another city ("st petersburg", "munich") are
    understood as a Russian, Spanish or Brazilian couple writes them too."""
    code = TELEGRAM_CODES[language]
    people = await sim.onboard(languages=(code, code))
    answer = await reply_to(sim, people.alex, people.group, f"/timezone {typed}")
    assert (await couple_in(sim, people.group)).tz == zone, answer.text


async def test_third_person_whose_app_language_hearth_does_not_speak_is_told_in_the_groups(
    sim: Simulation,
) -> None:
    """A Russian couple's group; Kim (a German app: no language Hearth ships) taps "We're in"
    under a second greeting once the couple is full: the alert is in the group's Russian."""
    alex, sam, kim = (
        sim.tg.user(n, code) for n, code in (("Alex", "ru"), ("Sam", "ru"), ("Kim", "de"))
    )
    group = sim.tg.group("Alex & Sam & Kim", [alex, sam, kim])
    await sim.feed(sim.tg.add_bot(group, by=alex))
    first = sim.tg.last(group)
    await sim.feed(sim.tg.command(kim, group, "/start"))
    second = sim.tg.last(group)
    await sim.feed(sim.tg.press(alex, first, "join"))
    await sim.feed(sim.tg.press(sam, first, "join"))
    assert (await couple_in(sim, group)).language == "ru"
    await sim.feed(sim.tg.press(kim, second, "join"))
    alert = str(sim.api.alerts[-1].get("text"))
    expected = spoken("ru", "This couple already has its two partners. Hearth is made for two 💛")
    assert alert == expected, f"Kim, in a Russian group, is told in English: {alert!r}"


async def test_love_map_reveal_in_another_language_never_cuts_a_partners_words(
    sim: Simulation, content: Content
) -> None:
    """Alex (English) answers the love map last, with a long guess; Sam (Russian) had answered
    about herself with a voice message. The reveal to Sam is measured in Sam's words ("a voice
    message" is longer in Russian) as it is rendered: Alex's guess is never cut."""
    people = await sim.onboard(languages=("en", "ru"))
    await sim.tick(WEDNESDAY_NOON)
    sim.clock.now = WEDNESDAY_NOON + timedelta(minutes=5)
    await sim.feed(sim.tg.send(people.sam, people.sam, media="voice"))
    await sim.feed(sim.tg.send(people.sam, people.sam, "guess of Sam"))
    short = "I like mornings"

    # Work out, as `spread` will (in English), a guess that just fills one message.
    couple = await couple_in(sim, people.group)
    async with sim.hearth.sessions() as session:
        prompts = list(
            await session.scalars(
                select(Prompt)
                .where(Prompt.couple_id == couple.id, Prompt.kind.in_(prompt_kinds.LOVE_MAP))
                .order_by(Prompt.id)
            )
        )
        given = {
            (a.prompt_id, a.partner_id): a
            for a in await session.scalars(
                select(Answer).where(Answer.prompt_id.in_([p.id for p in prompts]))
            )
        }
    alex_p = next(p for p in couple.partners if p.user_id == people.alex.id)
    sam_p = next(p for p in couple.partners if p.user_id == people.sam.id)
    fake = dict(given)
    fake[(prompts[0].id, alex_p.id)] = Answer(id=10**6, kind="text", text=short)
    fake[(prompts[1].id, alex_p.id)] = Answer(id=10**6 + 1, kind="text", text="")
    from bot.core.rounds import Round

    with speaking("ru"):
        heading, quotes = LOVE_MAPS.layout(couple, sam_p, Round(prompts, fake), library(content))
    by_id = {a.id: a for a in fake.values()}
    used = len(heading)
    guess_label = ""
    for answer_id, label in quotes:
        answer = by_id[answer_id]
        if answer_id == 10**6 + 1:
            guess_label = label
            continue
        with speaking("en"):
            words = answer.text or "" if answer.kind == "text" else describe(answer.kind) + " ⬇️"
        used += 2 + len(label) + 1 + len(words)
    guess = "x" * (MAX_TEXT - used - 3 - len(guess_label) - 5) + " tail"
    assert len(guess) < MAX_TEXT

    await sim.feed(sim.tg.send(people.alex, people.alex, short))
    await sim.feed(sim.tg.send(people.alex, people.alex, guess))
    seen = "\n".join(s.text for s in sim.tg.inbox(people.sam))
    assert spoken("ru", "a voice message") in seen, "the reveal reached Sam"
    assert guess in seen, "Sam's reveal cuts Alex's guess short (it ends in “…”)"
