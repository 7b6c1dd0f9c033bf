"""End to end, in every language Hearth speaks: the group in the couple's language, each
partner's private chat in their own, /language, menus per language, and what people type in
their language (cities, weekdays). Messages are recognised by the catalogue's own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from html import unescape

import pytest
from sqlalchemy import select

from bot.core.content import Content, load_content
from bot.core.models import Couple, Prompt
from bot.i18n import LANGUAGES, _, speaking
from bot.simulation.fake_api import FakeChat, Sent
from bot.simulation.world import Couple as People
from bot.simulation.world import Simulation
from bot.tools import catalogues
from tests.helpers import couple_in, partner_row
from tests.rituals_helpers import datas, is_alert, press, reply_to

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the sim fixture's first day; the couple's zone is UTC
TELEGRAM_CODES = {"en": "en", "ru": "ru", "es": "es-419", "pt_BR": "pt-br"}


@cache
def msgids() -> tuple[str, ...]:
    """Every text the sources ask to translate."""
    return tuple(m.id for m in catalogues.template() if isinstance(m.id, str) and m.id)


def shape(language: str, start: str) -> re.Pattern[str]:
    """The one catalogue text beginning with `start`, in `language`, as it reads in a chat
    (tags gone), each placeholder standing for anything."""
    (msgid,) = [m for m in msgids() if m.startswith(start)]
    with speaking(language):
        text = unescape(re.sub(r"<[^>]*>", "", _(msgid)))
    parts = re.split(r"\{[a-z_]*\}", text)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)


def said(sent: Sent | str, language: str, start: str) -> bool:
    """The message carries the catalogue's text beginning with `start`, in `language`."""
    return shape(language, start).search(sent if isinstance(sent, str) else sent.text) is not None


def content_text(language: str, content_id: str | None) -> str:
    """A bank text in `language`."""
    return str(load_content(language).by_id[content_id or ""].text)


async def evening_prompt(sim: Simulation) -> Prompt:
    """The newest daily question."""
    async with sim.hearth.sessions() as session:
        prompt = await session.scalar(
            select(Prompt).where(Prompt.kind == "question").order_by(Prompt.id.desc()).limit(1)
        )
    assert prompt is not None
    return prompt


async def a_day(sim: Simulation, people: People) -> dict[str, list[Sent]]:
    """Morning idea, evening question answered privately by both, then a jar draw: each
    chat's messages of the day."""
    since = len(sim.api.sent)
    await sim.tick(MONDAY.replace(hour=9))
    await sim.tick(MONDAY.replace(hour=20))
    for minute, user in enumerate((people.alex, people.sam), 1):
        sim.clock.now = MONDAY.replace(hour=20, minute=minute)
        await sim.feed(sim.tg.send(user, user, f"{user.first_name}'s answer"))
    sim.clock.now = MONDAY.replace(hour=21)
    await sim.feed(sim.tg.command(people.alex, people.group, "/jar"))
    chats: dict[str, list[Sent]] = {"group": [], "alex": [], "sam": []}
    names = {people.group.id: "group", people.alex.id: "alex", people.sam.id: "sam"}
    for sent in sim.new_messages(since):
        chats[names[sent.chat_id]].append(sent)
    return chats


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_day_in_each_language(sim: Simulation, language: str) -> None:
    code = TELEGRAM_CODES[language]
    since = len(sim.api.sent)
    people = await sim.onboard(languages=(code, code))
    greeting = sim.api.sent[since]
    assert greeting.chat_id == people.group.id
    assert said(greeting, language, "Hi, I'm Hearth 🕯 I help the two of you"), greeting.text
    assert (await couple_in(sim, people.group)).language == language

    chats = await a_day(sim, people)
    prompt = await evening_prompt(sim)
    question = content_text(language, prompt.content_id)
    group = chats["group"]
    asked = [s for s in group if said(s, language, "🕯 Tonight's question for {names}:")]
    assert len(asked) == 1 and question in asked[0].text
    reveal = [s for s in group if said(s, language, "💞 Both answers are in for {question}")]
    assert len(reveal) == 1 and question in reveal[0].text
    assert [s for s in group if "🫙" in s.text], "the jar draw"
    for name, sharer in (("alex", "Sam"), ("sam", "Alex")):
        private = chats[name]
        assert [s for s in private if said(s, language, "🌱 A small idea for today")], name
        mirrors = [s for s in private if "💌" in s.text and f"{sharer}'s answer" in s.text]
        assert len(mirrors) == 1 and question in mirrors[0].text, name
    if language != "en":
        english = load_content("en").by_id[prompt.content_id or ""].text
        assert english != question and all(english not in s.text for s in group), "no English"


async def test_a_couple_of_two_languages_each_hears_their_own(sim: Simulation) -> None:
    # Alex's Telegram is Russian and he adds the bot: the group speaks Russian. Sam's is
    # Spanish: her private chat speaks Spanish.
    people = await sim.onboard(languages=("ru", "es"))
    assert (await partner_row(sim, people.alex)).language == "ru"
    assert (await partner_row(sim, people.sam)).language == "es"
    chats = await a_day(sim, people)
    prompt = await evening_prompt(sim)
    ru_question, es_question = (
        content_text("ru", prompt.content_id),
        content_text("es", prompt.content_id),
    )
    group_texts = " ".join(s.text for s in chats["group"])
    assert ru_question in group_texts and es_question not in group_texts
    alex_mirror = [s for s in chats["alex"] if "Sam's answer" in s.text]
    sam_mirror = [s for s in chats["sam"] if "Alex's answer" in s.text]
    assert len(alex_mirror) == len(sam_mirror) == 1
    assert ru_question in alex_mirror[0].text and said(
        alex_mirror[0], "ru", "💌 <b>{name}</b> answered {question}"
    )
    assert es_question in sam_mirror[0].text and said(
        sam_mirror[0], "es", "💌 <b>{name}</b> answered {question}"
    )
    assert [s for s in chats["sam"] if said(s, "es", "🌱 A small idea for today")]
    assert [s for s in chats["alex"] if said(s, "ru", "🌱 A small idea for today")]
    # Help asked privately: each in their own language.
    for user, language in ((people.alex, "ru"), (people.sam, "es")):
        await sim.feed(sim.tg.command(user, user, "/help"))
        assert said(sim.tg.last(user), language, "🕯 <b>Hearth</b> helps you two stay close")


async def test_an_unknown_language_is_english(sim: Simulation) -> None:
    people = await sim.onboard(languages=("de", "fr"))
    assert (await couple_in(sim, people.group)).language == "en"
    assert (await partner_row(sim, people.sam)).language is None
    await sim.tick(MONDAY.replace(hour=20))
    assert "Tonight's question" in sim.tg.last(people.group).text


async def test_language_buttons_in_the_group_and_in_private(sim: Simulation) -> None:
    people = await sim.onboard()
    await sim.feed(sim.tg.command(people.alex, people.group, "/language"))
    menu = sim.tg.last(people.group)
    assert said(menu, "en", "🌐 In this group I write in {language}, for both of you.")
    assert datas(menu) == [f"lang:{language}" for language in LANGUAGES]
    assert "✓ English" in str(menu.buttons)
    answer = await press(sim, people.sam, menu, "lang:pt_BR")
    assert not is_alert(answer)
    assert (await couple_in(sim, people.group)).language == "pt_BR"
    edited = sim.api.messages[(menu.chat_id, menu.message_id)]
    assert said(str(edited["text"]), "pt_BR", "🌐 From now on I write in {language} in this group.")
    await sim.tick(MONDAY.replace(hour=20))
    assert said(sim.tg.last(people.group), "pt_BR", "🕯 Tonight's question for {names}:")

    # Privately, Sam picks Russian for her own chat; the group stays Portuguese.
    await sim.feed(sim.tg.command(people.sam, people.sam, "/language"))
    private_menu = sim.tg.last(people.sam)
    assert said(private_menu, "pt_BR", "🌐 Here, just between us, I write in {language}.")
    await press(sim, people.sam, private_menu, "lang:ru")
    assert (await partner_row(sim, people.sam)).language == "ru"
    assert (await couple_in(sim, people.group)).language == "pt_BR"
    await sim.feed(sim.tg.command(people.sam, people.sam, "/help"))
    assert said(sim.tg.last(people.sam), "ru", "🕯 <b>Hearth</b> helps you two stay close")
    await sim.feed(sim.tg.command(people.alex, people.alex, "/help"))
    assert said(sim.tg.last(people.alex), "pt_BR", "🕯 <b>Hearth</b> helps you two stay close")


async def test_language_by_name_and_wrong_arguments(sim: Simulation) -> None:
    people = await sim.onboard()
    await sim.feed(sim.tg.command(people.alex, people.group, "/language es"))
    assert said(
        sim.tg.last(people.group), "es", "🌐 From now on I write in {language} in this group."
    )
    assert (await couple_in(sim, people.group)).language == "es"
    for wrong in ("/language klingon", "/language ru es", "/language 42", "/language <b>"):
        await sim.feed(sim.tg.command(people.alex, people.group, wrong))
        reply = sim.tg.last(people.group)
        assert said(reply, "es", "I don't speak “{raw}” yet. I can write in: {names}."), wrong
        assert "ru" in reply.text and "pt_BR" in reply.text
        assert (await couple_in(sim, people.group)).language == "es", wrong
    await sim.feed(sim.tg.command(people.sam, people.sam, "/language pt"))
    assert (await partner_row(sim, people.sam)).language == "pt_BR"


async def test_only_the_partners_choose_the_language(sim: Simulation) -> None:
    people = await sim.onboard()
    guest = sim.tg.user("Kim", "ru")
    group: FakeChat = people.group
    group.members.append(guest.id)
    await sim.feed(sim.tg.command(guest, group, "/language ru"))
    assert "Only the two partners" in sim.tg.last(group).text
    await sim.feed(sim.tg.command(people.alex, group, "/language"))
    menu = sim.tg.last(group)
    answer = await press(sim, guest, menu, "lang:ru")
    assert is_alert(answer)
    assert (await couple_in(sim, group)).language == "en"


async def test_menus_and_descriptions_are_registered_per_language(sim: Simulation) -> None:
    menus: dict[object, dict[str, list[str]]] = {}
    for method, params in sim.api.calls:
        if method == "setMyCommands":
            scope = str(params["scope"]["type"])
            menus.setdefault(params.get("language_code"), {})[scope] = [
                c["description"] for c in params["commands"]
            ]
    assert set(menus) == {None, "ru", "es", "pt"}
    for language, code in (("ru", "ru"), ("es", "es"), ("pt_BR", "pt")):
        with speaking(language):
            assert _("Draw a question from your jar") in menus[code]["all_group_chats"]
        assert menus[code]["all_group_chats"] != menus[None]["all_group_chats"]
    described = {
        params.get("language_code") for method, params in sim.api.calls
        if method == "setMyDescription"
    }  # fmt: skip
    assert described == {None, "ru", "es", "pt"}


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Москва", "Europe/Moscow"),
        ("Ciudad de México", "America/Mexico_City"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Europe/Berlin", "Europe/Berlin"),
    ],
)
async def test_cities_in_every_language(sim: Simulation, typed: str, zone: str) -> None:
    people = await sim.onboard()
    await sim.feed(sim.tg.command(people.alex, people.group, f"/timezone {typed}"))
    assert (await couple_in(sim, people.group)).tz == zone


async def test_weekdays_in_every_language(sim: Simulation) -> None:
    people = await sim.onboard(languages=("ru", "ru"))
    for typed, day in (("пятница", 4), ("miércoles", 2), ("sábado", 5), ("monday", 0)):
        await sim.feed(sim.tg.command(people.alex, people.group, f"/jarnight {typed} 19:00"))
        couple: Couple = await couple_in(sim, people.group)
        assert couple.jar_day == day, typed
    # Shown back as Russian writes it, with the time as Russian writes it.
    assert "понедельник" in sim.tg.last(people.group).text
    await sim.feed(sim.tg.command(people.alex, people.group, "/jarnight пятниц 19:00"))
    assert (await couple_in(sim, people.group)).jar_day == 4, "a prefix that means one day"


async def test_the_memory_date_is_written_in_the_partners_language(
    sim: Simulation, content: Content
) -> None:
    people = await sim.onboard(languages=("es", "es"))
    await a_day(sim, people)
    sim.clock.now = MONDAY + timedelta(days=9)
    await sim.feed(sim.tg.command(people.sam, people.sam, "/memories"))
    memory = next(s for s in reversed(sim.tg.inbox(people.sam)) if "🕰" in s.text)
    assert "2 de junio de 2025" in memory.text, memory.text


async def test_a_file_sent_privately_speaks_its_readers_language(sim: Simulation) -> None:
    people = await sim.onboard(languages=("ru", "es"))
    await sim.feed(sim.tg.command(people.sam, people.group, "/export"))
    (caption,) = [
        str(params.get("caption")) for method, params in sim.api.calls
        if method == "sendDocument" and int(params["chat_id"]) == people.sam.id
    ]  # fmt: skip
    assert said(caption, "es", "📦 Your Hearth data."), caption
    assert said(sim.tg.last(people.group), "ru", "📦 Sent to you privately.")


async def test_a_pause_names_its_day_in_the_couples_language(sim: Simulation) -> None:
    people = await sim.onboard(languages=("es", "es"))
    await sim.feed(sim.tg.command(people.alex, people.group, "/pause 1"))
    assert "⏸ Pausa de 1 día. Vuelvo el 3 de junio de 2025." in sim.tg.last(people.group).text
    await sim.feed(sim.tg.command(people.alex, people.group, "/resume"))
    await sim.feed(sim.tg.command(people.alex, people.group, "/language en"))
    await sim.feed(sim.tg.command(people.alex, people.group, "/pause 3"))
    assert "Paused for 3 days. I'll be back on 5 June 2025." in sim.tg.last(people.group).text


CYRILLIC = re.compile("[а-яА-ЯёЁ]")


async def test_timezone_usage_example_speaks_the_chats_language(lite: Simulation) -> None:
    # Alex's app is English, Sam's Spanish; the group and both private chats chose Russian.
    sim = lite
    c = await sim.onboard(languages=("en", "es"))
    await reply_to(sim, c.alex, c.group, "/language ru")
    for user in (c.alex, c.sam):
        await reply_to(sim, user, user, "/language ru")
    for user, chat in ((c.alex, c.group), (c.sam, c.group), (c.alex, c.alex), (c.sam, c.sam)):
        for command in ("/timezone", "/timezone zz"):
            answer = await reply_to(sim, user, chat, command)
            lines = [line for line in answer.text.split("\n") if line.strip()]
            assert all(CYRILLIC.search(line) for line in lines), (command, answer.text)


async def test_appreciation_in_the_group_speaks_the_groups_language(lite: Simulation) -> None:
    # Alex (Russian app) adds Hearth: the group speaks Russian. Sam's app is Spanish.
    sim = lite
    c = await sim.onboard(languages=("ru", "es"))
    answer = await reply_to(sim, c.sam, c.group, "/appreciation")
    assert CYRILLIC.search(answer.text), answer.text
