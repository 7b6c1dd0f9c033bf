"""End to end: one evening, one ritual. On jar night the jar's question is that evening's
question (or, with `/jarnight both`, both come), and the invitation to talk comes once. Each
chat's messages are read in order, as the couple receives them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.simulation.fake_api import Sent
from bot.simulation.world import Couple, Simulation

FRIDAY = datetime(2025, 6, 6, tzinfo=UTC)  # jar night by default; the couple's zone is UTC
INVITE = "twenty minutes"


def at(hour: int, minute: int = 0) -> datetime:
    """Friday at this UTC time."""
    return FRIDAY.replace(hour=hour, minute=minute)


def read(sim: Simulation, couple: Couple, since: int) -> dict[str, list[str]]:
    """Each chat's messages since `since`, in order, as short markers."""
    markers = {
        "jar night: tonight the jar's question is your evening question": "jar night (instead)",
        "It's jar night!": "jar night",
        "Tonight's question": "question",
        "Your turn": "your turn",
        "You've read": "read in the group",
        "Both answers are in": "both answers",
        "answered “": "mirror",
        INVITE: "invite",
    }
    chats: dict[str, list[str]] = {"group": [], "alex": [], "sam": []}
    names = {couple.group.id: "group", couple.alex.id: "alex", couple.sam.id: "sam"}
    sent: list[Sent] = sim.new_messages(since)
    for message in sent:
        found = next((m for key, m in markers.items() if key in message.text), message.text)
        chats[names[message.chat_id]].append(found)
    return chats


async def friday_evening(
    sim: Simulation, couple: Couple, both_questions: bool, jar_hour: int = 19
) -> int:
    """Friday from an hour before jar night (19:00 unless `jar_hour`), answered in the group,
    then 20:00; with the question too, it is answered privately. Returns where Friday
    evening's messages start."""
    await sim.tick(at(jar_hour - 1))
    since = len(sim.api.sent)
    await sim.tick(at(jar_hour))
    jar = sim.tg.last(couple.group)
    sim.clock.now = at(jar_hour, 10)
    await sim.feed(sim.tg.send(couple.alex, couple.group, "The lake.", reply_to=jar.message_id))
    await sim.feed(sim.tg.send(couple.sam, couple.group, "Climbing.", reply_to=jar.message_id))
    await sim.tick(at(20))
    if both_questions:
        sim.clock.now = at(20, 15)
        await sim.feed(sim.tg.send(couple.alex, couple.alex, "I go quiet."))
        await sim.feed(sim.tg.send(couple.sam, couple.sam, "I say so."))
    await sim.tick(at(23))
    return since


async def test_jar_night_is_that_evenings_question_with_one_invitation(sim: Simulation) -> None:
    couple = await sim.onboard()
    since = await friday_evening(sim, couple, both_questions=False)
    assert read(sim, couple, since) == {
        "group": ["jar night (instead)", "invite"],
        "alex": ["read in the group"],
        "sam": ["your turn", "read in the group"],
    }
    # Saturday is an ordinary evening again.
    await sim.tick(FRIDAY.replace(day=7, hour=19))
    since = len(sim.api.sent)
    await sim.tick(FRIDAY.replace(day=7, hour=20))
    assert read(sim, couple, since)["group"] == ["question"]


async def test_jarnight_both_brings_the_question_too_and_still_one_invitation(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jarnight both"))
    assert "with the evening question too" in sim.tg.last(couple.group).text
    since = await friday_evening(sim, couple, both_questions=True)
    assert read(sim, couple, since) == {
        "group": ["jar night", "invite", "question", "both answers"],
        "alex": ["read in the group", "mirror"],
        "sam": ["your turn", "read in the group", "your turn", "mirror"],
    }
    await sim.feed(sim.tg.command(couple.sam, couple.group, "/jarnight instead"))
    assert "instead of the evening question" in sim.tg.last(couple.group).text


async def test_jarnight_both_hours_apart_still_brings_one_invitation(sim: Simulation) -> None:
    """Jar night at 17:00 and the question at 20:00, both on Friday: the jar's reveal at 17:10
    invited them; the question's at 20:15 is the same evening, so no second invitation."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jarnight both"))
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/time jar 17:00"))
    since = await friday_evening(sim, couple, both_questions=True, jar_hour=17)
    group = read(sim, couple, since)["group"]
    assert group.count("invite") == 1 and "both answers" in group, group


async def test_jarnight_with_wrong_arguments_explains_and_changes_nothing(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    for wrong in ("/jarnight sometimes", "/jarnight both friday", "/jarnight", "/jarnight a b c"):
        await sim.feed(sim.tg.command(couple.alex, couple.group, wrong))
        assert "/jarnight both" in sim.tg.last(couple.group).text, wrong
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/settings"))
    assert "Friday 19:00, instead of the evening question" in sim.tg.last(couple.group).text


async def both_answer_privately(
    sim: Simulation, couple: Couple
) -> tuple[int, dict[str, list[str]]]:
    """Alex, then Sam, answer privately just after 19:00; where the bot's messages went."""
    since = len(sim.api.sent)
    sim.clock.now = at(19, 5)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "The lake."))
    sim.clock.now = at(19, 6)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Climbing."))
    return since, read(sim, couple, since)


async def test_on_jar_night_a_private_answer_goes_to_the_nights_question(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.clock.now = at(12)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jar"))  # an earlier draw
    await sim.tick(at(19))
    since, chats = await both_answer_privately(sim, couple)
    assert chats == {
        "group": ["both answers", "invite"],
        "alex": ["mirror"],
        "sam": ["your turn", "mirror"],
    }
    reveal = next(s.text for s in sim.new_messages(since) if "Both answers are in" in s.text)
    night = [s for s in sim.tg.inbox(couple.group) if "jar night: tonight" in s.text][-1].text
    assert night.split("\n\n")[2] in reveal, "the night's question, not noon's"


async def test_a_private_answer_after_jar_night_goes_to_the_night_not_a_later_jar_draw(
    lite: Simulation,
) -> None:
    sim = lite
    couple = await sim.onboard()
    await sim.tick(at(19))  # jar night: the jar's question is the evening question
    night = [s for s in sim.tg.inbox(couple.group) if "jar night: tonight" in s.text][-1].text
    sim.clock.now = at(19, 2)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jar"))  # one more, by hand
    since, chats = await both_answer_privately(sim, couple)
    assert chats["group"][:1] == ["both answers"], chats
    reveal = next(s.text for s in sim.new_messages(since) if "Both answers are in" in s.text)
    assert night.split("\n\n")[2] in reveal, "the night's question, not the draw by hand"
