"""End-to-end: a Russian, Spanish or Portuguese couple meets nothing in English or misformatted
(a media answer named in a reveal, an alert to whoever pressed, a pause's date, a city typed
in their own language)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
