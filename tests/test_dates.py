"""End to end: important dates (/dates), shared or secret, the idea to prepare a few days
before, the question on the day, listing, removing, /export and /forget."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from bot.core import dates
from bot.core.models import Answer, ImportantDate, Prompt
from bot.simulation.world import Couple, Simulation
from tests.helpers import couple_in
from tests.rituals_helpers import datas, is_alert, press, reply_to, say, texts

MORNING = 9  # dates are looked at with the gesture, 09:00 by default
REMINDER = "An idea to prepare"
SECRET = "Sam's birthday"


def on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, MORNING, tzinfo=UTC)


async def stored(sim: Simulation) -> list[ImportantDate]:
    async with sim.hearth.sessions() as session:
        return list(await session.scalars(select(ImportantDate).order_by(ImportantDate.id)))


def mentions(sim: Simulation, c: Couple, words: str, since: int = 0) -> dict[str, int]:
    """How many messages to Alex, Sam and the group mention `words`."""
    return {
        name: sum(words in t for t in texts(sim, chat, since))
        for name, chat in (("alex", c.alex), ("sam", c.sam), ("group", c.group))
    }


async def test_a_shared_date_is_listed_and_says_whose_day_it_is(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    saved = await reply_to(sim, c.alex, c.group, "/dates add 10.06 Sam's birthday")
    assert "Saved: 10.06 · Sam's birthday" in saved.text and "Whose day is it?" in saved.text
    (item,) = await stored(sim)
    assert (item.month, item.day, item.secret, item.for_partner_id) == (6, 10, False, None)
    alex_id, sam_id = (p.id for p in (await couple_in(sim, c.group)).partners)
    assert datas(saved) == [f"df:{item.id}:{p}" for p in (alex_id, sam_id, 0)]
    answer = await press(sim, c.sam, saved, f"df:{item.id}:{sam_id}")
    assert not is_alert(answer)
    assert "(Sam's day)" in saved.text and saved.buttons == []
    for chat, user in ((c.group, c.alex), (c.alex, c.alex), (c.sam, c.sam)):
        listing = await reply_to(sim, user, chat, "/dates")
        assert "1. 10.06 · Sam's birthday (Sam's day)" in listing.text
        assert datas(listing) == [f"dr:{item.id}"]

    # Three days before, only the one who prepares gets an idea, privately.
    before = len(sim.api.sent)
    await sim.tick(on(date(2025, 6, 7)))
    assert mentions(sim, c, REMINDER, before) == {"alex": 1, "sam": 0, "group": 0}
    (reminder,) = [t for t in texts(sim, c.alex, before) if REMINDER in t]
    assert "In 3 days: Sam's birthday (10.06). It's Sam's day." in reminder


async def test_an_anniversary_brings_both_an_idea_and_a_question_on_the_day(
    sim: Simulation,
) -> None:
    c = await sim.onboard()
    await say(sim, c.sam, c.group, "/dates add 5/6 our anniversary")
    before = len(sim.api.sent)
    await sim.tick(on(date(2025, 6, 2)))  # 2 June: three days before 5 June
    assert mentions(sim, c, REMINDER, before) == {"alex": 1, "sam": 1, "group": 0}
    alex_idea, sam_idea = (
        next(t for t in texts(sim, u, before) if REMINDER in t) for u in (c.alex, c.sam)
    )
    assert alex_idea != sam_idea, "each gets an idea of their own"

    before = len(sim.api.sent)
    await sim.tick(on(date(2025, 6, 5)))
    (question,) = [s for s in sim.new_messages(before) if "Today: our anniversary" in s.text]
    assert question.chat_id == c.group.id and "A question for you both" in question.text
    assert sim.tg.url_buttons(question)[0].startswith("https://t.me/hearth_bot?start=a")
    # Answered like the evening question: replies in the group, revealed once both answered.
    for user, words in ((c.alex, "The day we met"), (c.sam, "The rain that evening")):
        await sim.feed(sim.tg.send(user, c.group, words, reply_to=question.message_id))
    async with sim.hearth.sessions() as session:
        kinds = list(
            await session.scalars(select(Prompt.kind).join(Answer, Answer.prompt_id == Prompt.id))
        )
        revealed = await session.scalar(select(Prompt.revealed_at).where(Prompt.kind == "date"))
    assert kinds == ["date", "date"] and revealed is not None
    assert "phones away" in sim.tg.last(c.group).text


async def test_a_secret_date_never_reaches_the_partner_it_is_kept_from(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    saved = await reply_to(sim, c.alex, c.alex, f"/dates add 12/06 {SECRET}")
    assert "Saved, secretly: 12.06" in saved.text and "ask Sam" in saved.text
    assert saved.buttons == [], "no whose-day buttons: it's Sam's, and secret from Sam"
    (item,) = await stored(sim)
    assert item.secret

    assert SECRET in (await reply_to(sim, c.alex, c.alex, "/dates")).text
    assert "secret from Sam" in (await reply_to(sim, c.alex, c.alex, "/dates")).text
    for user, chat in ((c.sam, c.sam), (c.sam, c.group), (c.alex, c.group)):
        listing = await reply_to(sim, user, chat, "/dates")
        assert SECRET not in listing.text and "No dates saved yet" in listing.text
    refused = await reply_to(sim, c.sam, c.sam, "/dates remove 1")
    assert "no date number" in refused.text
    forged = await press(sim, c.sam, sim.tg.last(c.sam), f"dr:{item.id}", forged=True)
    assert is_alert(forged) and "no longer valid" in str(forged.get("text"))
    assert len(await stored(sim)) == 1

    await sim.tick(on(date(2025, 6, 9)))
    await sim.tick(on(date(2025, 6, 12)))
    assert mentions(sim, c, SECRET) == {"alex": 5, "sam": 0, "group": 0}
    alex_saw = texts(sim, c.alex)
    assert any("In 3 days: Sam's birthday (12.06), your secret." in t for t in alex_saw)
    assert any("Today: Sam's birthday. A question you could ask Sam tonight" in t for t in alex_saw)

    # /export: Alex's file has it, Sam's doesn't.
    for user in (c.alex, c.sam):
        await say(sim, user, user, "/export")
    (_chat, _name, alex_file), (_chat2, _name2, sam_file) = sim.api.documents
    assert [d["label"] for d in json.loads(alex_file)["important_dates"]] == [SECRET]
    assert json.loads(sam_file)["important_dates"] == []
    assert SECRET.encode() not in sam_file


async def test_labels_are_sealed_in_the_database(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/dates add 01.01 the night we danced in the snow")
    async with sim.hearth.sessions() as session:
        (raw,) = (await session.execute(text("SELECT label FROM important_dates"))).one()
    assert b"danced" not in bytes(raw)
    (item,) = await stored(sim)
    assert item.label == "the night we danced in the snow"


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("/dates add 31.04 x", "isn't a day of the year"),
        ("/dates add 2/14 valentine", "the day comes first, then the month"),
        ("/dates add 14-02 our day", "Write the date as day and month"),
        ("/dates add 14.02.2020 our day", "Write the date as day and month"),
        ("/dates add 14.02", "What is the day?"),
        ("/dates add 14.02 " + "x" * (dates.MAX_LABEL + 1), f"up to {dates.MAX_LABEL}"),
        ("/dates add", "I didn't understand that"),
        ("/dates remove 1", "no date number"),
        ("/dates remove x", "no date number"),
        ("/dates remove 0", "no date number"),
        ("/dates remove", "I didn't understand that"),
        ("/dates soon", "I didn't understand that"),
    ],
)
async def test_wrong_arguments_are_explained_and_change_nothing(
    lite: Simulation, command: str, said: str
) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.sam, c.group, "/dates add 01.01 our day")
    (before,) = await stored(sim)
    answer = await reply_to(sim, c.alex, c.group, command.replace("remove 1", "remove 2"))
    assert said in answer.text
    (after,) = await stored(sim)
    assert (after.id, after.month, after.day, after.label) == (before.id, 1, 1, "our day")


async def test_the_29th_of_february_is_kept_on_the_28th_in_other_years(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/dates add 29.02 our leap day")
    assert dates.on_year(2, 29, 2028) == date(2028, 2, 29)
    before = len(sim.api.sent)
    await sim.tick(on(date(2026, 2, 25)))
    assert mentions(sim, c, "In 3 days: our leap day (29.02)", before) == {
        "alex": 1,
        "sam": 1,
        "group": 0,
    }
    await sim.tick(on(date(2026, 2, 28)))
    assert mentions(sim, c, "Today: our leap day", before)["group"] == 1


async def test_removing_by_number_and_by_button_and_refusing_others(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    await say(sim, c.alex, c.group, "/dates add 14.02 our anniversary")
    saved = sim.tg.last(c.group)
    await say(sim, c.sam, c.group, "/dates add 03.09 Alex's birthday")
    listing = await reply_to(sim, c.sam, c.group, "/dates")
    first, second = await stored(sim)
    assert datas(listing) == [f"dr:{first.id}", f"dr:{second.id}"]

    # Someone besides the two: the standard alert, nothing removed or changed.
    for data, sent in ((f"dr:{first.id}", listing), (f"df:{first.id}:0", saved)):
        refused = await press(sim, kim, sent, data)
        assert is_alert(refused) and "for someone else" in str(refused.get("text"))
    assert len(await stored(sim)) == 2

    removed = await reply_to(sim, c.alex, c.group, "/dates remove 2")
    assert "Removed: 03.09 · Alex's birthday" in removed.text
    answer = await press(sim, c.sam, listing, f"dr:{first.id}")
    assert not is_alert(answer) and "No dates saved yet" in listing.text
    assert await stored(sim) == []
    couple = await couple_in(sim, c.group)
    assert not couple.has_dates and couple.next_dates_at is None


async def test_at_most_so_many_dates(lite: Simulation, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = lite
    monkeypatch.setattr(dates, "MAX_DATES", 2)
    c = await sim.onboard()
    for day in ("01.01", "02.01"):
        await say(sim, c.alex, c.group, f"/dates add {day} a day")
    refused = await reply_to(sim, c.alex, c.alex, "/dates add 03.01 one more")
    assert "the most I keep" in refused.text
    assert len(await stored(sim)) == 2


async def test_forgetting_a_partner_takes_the_pairs_dates(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/dates add 14.02 our anniversary")
    await say(sim, c.sam, c.sam, "/dates add 03.09 Alex's birthday")
    await say(sim, c.sam, c.sam, "/forget")
    await sim.feed(
        sim.tg.press(c.sam, sim.tg.last(c.sam), sim.tg.button_data(sim.tg.last(c.sam), "f:me"))
    )
    async with sim.hearth.sessions() as session:
        left = await session.scalar(select(func.count()).select_from(ImportantDate))
    assert left == 0
    assert not (await couple_in(sim, c.group)).has_dates


async def test_forgetting_the_couple_takes_every_date(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/dates add 14.02 our anniversary")
    await say(sim, c.sam, c.sam, "/dates add 03.09 Alex's birthday")
    await say(sim, c.alex, c.group, "/forget")
    confirm = sim.tg.last(c.group)
    for user in (c.alex, c.sam):
        await sim.feed(sim.tg.press(user, confirm, sim.tg.button_data(confirm, "f:us:")))
    assert await stored(sim) == []


async def test_a_couple_living_apart_gets_date_ideas_that_work_at_a_distance(
    lite: Simulation,
) -> None:
    """A long-distance couple saves their dates; three days before each, each partner gets an
    idea to prepare. Like the daily gesture (README: "gesture ideas work at a distance"), it
    must not need both in one place: hiding notes in the home, making them coffee that
    morning, decorating a corner, taking over a chore."""
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/living apart")
    for day in range(10, 20):
        await say(sim, c.alex, c.group, f"/dates add {day}.07 day {day}")
    before = len(sim.api.sent)
    for day in range(7, 17):
        await sim.tick(datetime(2025, 7, day, 9, tzinfo=UTC))
    ideas = [
        t for chat in (c.alex, c.sam) for t in texts(sim, chat, before) if "An idea to prepare" in t
    ]
    assert len(ideas) == 20
    in_person = (
        "Hide three little notes where they'll find them",
        "get up early that day to make them coffee or tea",
        "Decorate one small corner for the day",
        "Take over a chore they dread this week",
        "hide it where they'll find it on the day",
        "Plan a short surprise outing",
    )
    together = [t.split("\n\n")[-1] for t in ideas if any(p in t for p in in_person)]
    assert together == [], together


async def test_a_full_list_of_dates_still_reaches_the_partner(lite: Simulation) -> None:
    # Thirty secret dates (the most Hearth keeps) with 80-character labels (the longest
    # allowed), in Russian, the partner called "Anna-Katharina Müller": /dates must answer.
    sim = lite
    c = await sim.onboard("Alex", "Anna-Katharina Müller", languages=("ru", "ru"))
    for n in range(1, 31):
        label = f"{n:02d} " + "birthday surprise planning " * 3
        await reply_to(sim, c.alex, c.alex, f"/dates add {n:02d}.07 {label[:80]}")
    async with sim.hearth.sessions() as session:
        assert await session.scalar(select(func.count(ImportantDate.id))) == 30
    before = len(sim.api.sent)
    await sim.feed(sim.tg.command(c.alex, c.alex, "/dates"))
    refused = [r.description for r in sim.api.refused]
    assert len(sim.api.sent) == before + 1 and not refused, refused
