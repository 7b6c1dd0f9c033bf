"""End to end: love maps (/guess), a light question answered and guessed privately, revealed
side by side once both partners did both, never with a score."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.models import Answer, Prompt
from bot.simulation.world import Couple, Simulation
from tests.helpers import couple_in, settings_state
from tests.rituals_helpers import reply_to, say, texts

WEDNESDAY_NOON = datetime(2025, 6, 4, 12, tzinfo=UTC)  # the default: Wednesday 12:00
ASKED = "a light question about you, then a guess"
GUESS = "Now your guess"


async def round_started(sim: Simulation) -> Couple:
    couple = await sim.onboard()
    await sim.tick(WEDNESDAY_NOON)
    return couple


async def play(sim: Simulation, couple: Couple, words: dict[str, tuple[str, str]]) -> int:
    """Each partner named in `words` answers and guesses privately; returns where it began."""
    before = len(sim.api.sent)
    for user in (couple.alex, couple.sam):
        if user.first_name in words:
            answer, guess = words[user.first_name]
            await say(sim, user, user, answer)
            await say(sim, user, user, guess)
    return before


async def love_map_answers(sim: Simulation) -> list[Answer]:
    async with sim.hearth.sessions() as session:
        return list(
            await session.scalars(
                select(Answer)
                .join(Prompt, Prompt.id == Answer.prompt_id)
                .where(Prompt.kind.in_(("map", "map_guess")))
                .order_by(Answer.id)
            )
        )


async def test_wednesday_noon_asks_each_partner_privately(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await sim.tick(WEDNESDAY_NOON - timedelta(minutes=1))
    before = len(sim.api.sent)
    await sim.tick(WEDNESDAY_NOON)
    for user, other in ((c.alex, "Sam"), (c.sam, "Alex")):
        (asked,) = [t for t in texts(sim, user, before) if ASKED in t]
        assert f"then a guess about {other}" in asked and "Your answer?" in asked
    assert not [t for t in texts(sim, c.group, before) if ASKED in t], "it's played privately"


async def test_answer_then_guess_sealed_until_both_then_revealed_side_by_side(
    sim: Simulation,
) -> None:
    c = await round_started(sim)
    before = await play(sim, c, {"Alex": ("A flat white", "Green tea")})
    alex_saw = texts(sim, c.alex, before)
    assert any(GUESS in t and "what would Sam answer?" in t for t in alex_saw)
    assert "Sealed until Sam has answered too" in alex_saw[-1]
    # Sealed: Alex's words reach neither Sam nor the group; Sam is only told it's their turn.
    everything_else = texts(sim, c.sam, before) + texts(sim, c.group, before)
    assert not any("flat white" in t or "Green tea" in t for t in everything_else)
    (turn,) = texts(sim, c.sam, before)
    assert "Alex has answered this week's love map. Your turn!" in turn and "Your answer?" in turn

    before = await play(sim, c, {"Sam": ("Chai latte", "Espresso")})
    (alex_reveal,) = [
        t for t in texts(sim, c.alex, before) if "Love maps: you've both answered" in t
    ]
    # The other's answer next to your guess of it, then yours next to their guess.
    assert re.search(r"Sam said: Chai latte\s+You guessed: Green tea", alex_reveal)
    assert re.search(r"You said: A flat white\s+Sam guessed: Espresso", alex_reveal)
    (sam_reveal,) = [t for t in texts(sim, c.sam, before) if "Love maps: you've both answered" in t]
    assert re.search(r"Alex said: A flat white\s+You guessed: Espresso", sam_reveal)
    (group,) = [t for t in texts(sim, c.group, before) if "Love maps: you've both answered" in t]
    for words in ("A flat white", "Green tea", "Chai latte", "Espresso"):
        assert words in group
    # Warm, never a score: no counts, points or verdicts on the guesses.
    for reveal in (alex_reveal, sam_reveal, group):
        assert not re.search(r"\d|score|point|correct|wrong|right", reveal, re.IGNORECASE)
        assert "guess" in reveal.split("\n\n")[2].lower() or "map" in reveal.split("\n\n")[2]


async def test_no_group_reveal_with_someone_else_in_the_group(lite: Simulation) -> None:
    sim = lite
    c = await round_started(sim)
    sim.tg.join_group(c.group, sim.tg.user("Robin"))
    before = await play(sim, c, {"Alex": ("Alex words", "Alex guess"), "Sam": ("Sam words", "g")})
    assert not any("words" in t for t in texts(sim, c.group, before))
    assert any("Sam words" in t for t in texts(sim, c.alex, before))


async def test_guess_off_on_and_a_new_day_and_time(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    off = await reply_to(sim, c.sam, c.group, "/guess off")
    assert "Love maps are off" in off.text
    before = len(sim.api.sent)
    await sim.tick(WEDNESDAY_NOON)
    assert not [s for s in sim.new_messages(before) if ASKED in s.text]

    moved = await reply_to(sim, c.alex, c.group, "/guess friday 18:30")
    assert "Love maps: Friday 18:30" in moved.text, "a day switches them on again"
    await sim.tick(datetime(2025, 6, 6, 18, 29, tzinfo=UTC))
    assert not [s for s in sim.new_messages(before) if ASKED in s.text]
    await sim.tick(datetime(2025, 6, 6, 18, 30, tzinfo=UTC))
    assert len([s for s in sim.new_messages(before) if ASKED in s.text]) == 2
    assert (
        "Love maps (privately): Friday 18:30"
        in (await reply_to(sim, c.sam, c.group, "/settings")).text
    )
    on = await reply_to(sim, c.sam, c.group, "/guess on")
    assert "Love maps: Friday 18:30" in on.text


async def test_wrong_arguments_get_the_usage_and_change_nothing(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    before = (
        settings_state(await couple_in(sim, c.group)),
        (await couple_in(sim, c.group)).guess_day,
    )
    for wrong in ("/guess someday", "/guess friday 25:00", "/guess friday 18:00 extra", "/guess 3"):
        answer = await reply_to(sim, c.alex, c.group, wrong)
        assert "I didn't understand that" in answer.text and "/guess now" in answer.text
    couple = await couple_in(sim, c.group)
    assert (settings_state(couple), couple.guess_day, couple.guess_time) == (*before, "12:00")


async def test_a_third_person_cannot_change_or_start_love_maps(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    for command in ("/guess off", "/guess now"):
        answer = await reply_to(sim, kim, c.group, command)
        assert "Only the two partners" in answer.text
    assert (await couple_in(sim, c.group)).guess_enabled
    assert not [s for s in sim.api.sent if ASKED in s.text]


async def test_guess_now_starts_one_and_the_scheduled_one_waits_a_week(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    before = len(sim.api.sent)
    answer = await reply_to(sim, c.alex, c.group, "/guess now")
    assert "privately" in answer.text
    assert len([s for s in sim.new_messages(before) if ASKED in s.text]) == 2
    again = await reply_to(sim, c.sam, c.group, "/guess now")
    assert "still open" in again.text
    # Monday's round by hand counts as this week's: Wednesday brings none.
    before = len(sim.api.sent)
    await sim.tick(WEDNESDAY_NOON)
    assert not [s for s in sim.new_messages(before) if ASKED in s.text]
    await sim.tick(WEDNESDAY_NOON + timedelta(days=7))
    assert len([s for s in sim.new_messages(before) if ASKED in s.text]) == 2


async def test_the_evening_question_comes_first_then_guess_carries_on(lite: Simulation) -> None:
    sim = lite
    c = await round_started(sim)
    await sim.tick(WEDNESDAY_NOON.replace(hour=20))
    # Asked last, the evening question takes Alex's next private message...
    await say(sim, c.alex, c.alex, "About tonight's question")
    async with sim.hearth.sessions() as session:
        kinds = list(
            await session.scalars(
                select(Prompt.kind).join(Answer, Answer.prompt_id == Prompt.id).order_by(Answer.id)
            )
        )
    assert kinds == ["question"]
    # ... and then the love map, still open, takes the next one.
    before = len(sim.api.sent)
    await say(sim, c.alex, c.alex, "My love-map answer")
    assert any(GUESS in t for t in texts(sim, c.alex, before))
    # /guess privately asks again where Alex left off.
    resumed = await say(sim, c.alex, c.alex, "/guess")
    assert GUESS in resumed[-1].text
    await say(sim, c.alex, c.alex, "My guess")
    assert [a.text for a in await love_map_answers(sim)] == ["My love-map answer", "My guess"]
    waiting = await reply_to(sim, c.alex, c.alex, "/guess")
    assert "Sealed until Sam has too" in waiting.text


async def test_both_due_in_one_tick_a_private_message_answers_the_question(
    lite: Simulation,
) -> None:
    sim = lite
    c = await sim.onboard()
    await sim.tick(WEDNESDAY_NOON.replace(hour=20))  # the noon round caught up at 20:00
    await say(sim, c.alex, c.alex, "For the question")
    assert await love_map_answers(sim) == []


async def _answers_by_kind(sim: Simulation) -> list[tuple[str, str | None]]:
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Prompt.kind, Answer.text)
            .join(Prompt, Prompt.id == Answer.prompt_id)
            .order_by(Answer.id)
        )
        return [(kind, text) for kind, text in rows]


async def test_finishing_a_love_map_does_not_steal_the_partners_button_pick(
    lite: Simulation,
) -> None:
    """Sam taps "Answer privately" under tonight's question; meanwhile Alex finishes the love
    map. Sam's next private message is their answer to the question they picked, and must be
    filed under it (as routing.nudge_may_point guarantees for every other nudge)."""
    sim = lite
    c = await sim.onboard()
    await sim.tick(datetime(2025, 6, 4, 12, tzinfo=UTC))  # the love map is asked to both
    await sim.tick(datetime(2025, 6, 4, 20, tzinfo=UTC))  # tonight's question in the group
    question = sim.tg.last(c.group)
    assert "Tonight's question" in question.text
    (link,) = [u for u in sim.tg.url_buttons(question) if "start=a" in u]
    await sim.feed(sim.tg.start(c.sam, link.split("start=", 1)[1]))  # Sam picks the question
    # Alex carries on with the love map and finishes it.
    await say(sim, c.alex, c.alex, "/guess")
    await say(sim, c.alex, c.alex, "Alex about Alex")
    await say(sim, c.alex, c.alex, "Alex guesses Sam")
    # Sam now writes the answer to tonight's question they picked by button.
    await say(sim, c.sam, c.sam, "Sam answers tonight's question")
    assert ("question", "Sam answers tonight's question") in await _answers_by_kind(sim)


async def test_a_love_map_started_by_the_partner_does_not_steal_a_button_pick(
    lite: Simulation,
) -> None:
    """Sam taps "Answer privately" under tonight's question and starts typing; Alex sends
    /guess now in the group. Sam's answer to tonight's question is filed as Sam's love-map
    answer, and tonight's question stays unanswered by Sam."""
    sim = lite
    c = await sim.onboard()
    await sim.tick(datetime(2025, 6, 2, 20, tzinfo=UTC))
    question = sim.tg.last(c.group)
    (link,) = [u for u in sim.tg.url_buttons(question) if "start=a" in u]
    await sim.feed(sim.tg.start(c.sam, link.split("start=", 1)[1]))
    await say(sim, c.alex, c.group, "/guess now")
    await say(sim, c.sam, c.sam, "Sam answers tonight's question")
    assert ("question", "Sam answers tonight's question") in await _answers_by_kind(sim)


async def test_a_reply_in_the_group_to_a_love_map_note_is_never_an_answer(lite: Simulation) -> None:
    """Sam blocked Hearth: his love map and "your turn" go to the group as a note that
    something waits privately. Replying to that note in the group is no love-map answer
    (those are sealed and private: words there would be public)."""
    sim = lite
    c = await sim.onboard()
    c.sam.blocked = True
    await sim.tick(WEDNESDAY_NOON)
    await play(sim, c, {"Alex": ("A flat white", "Green tea")})
    notes = [s for s in sim.tg.inbox(c.group) if "waiting for you in our private chat" in s.text]
    assert len(notes) == 2, "the group was told, twice, that something waits for Sam"
    for note in notes:
        await sim.feed(sim.tg.send(c.sam, c.group, "Chai latte", reply_to=note.message_id))
    assert [a.text for a in await love_map_answers(sim)] == ["A flat white", "Green tea"]
