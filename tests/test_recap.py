"""End to end: the Sunday recap, /memories and the kind "stuck" message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.content import Content
from bot.core.models import Prompt
from bot.core.questions import question_text
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple, Simulation

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the day the `sim` fixture starts
SUNDAY = 6  # days after MONDAY
RECAP = "Your week together"
EVENING = re.compile("Tonight's question|It's jar night: tonight")
NUDGE = "A small idea for today"
NOTICE_ASK = "has something kind come your way"
GUILT = re.compile(r"\b(missed|streak|failed|only)\b", re.IGNORECASE)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` UTC, `days` after the simulation's first day (a Monday)."""
    return MONDAY + timedelta(days=days, hours=hour, minutes=minute)


def recaps(messages: list[Sent]) -> list[Sent]:
    return [s for s in messages if RECAP in s.text]


MOMENT_MARKS = ("💬", "💛", "🧭")


def moments(sent: Sent) -> list[str]:
    """The lines that show what made the week (after the heading and the opening line)."""
    return [line for line in sent.text.splitlines() if line.startswith(MOMENT_MARKS)]


def mood_lines(content: Content, mood: str) -> list[str]:
    return [line.text for line in content.recap_lines if line.mood == mood]


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> None:
    await sim.feed(sim.tg.send(user, chat, text))


async def command(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> None:
    await sim.feed(sim.tg.command(user, chat, text))


async def question_day(sim: Simulation, couple: Couple, day: int, *who: FakeUser) -> None:
    """Tick at 20:00 on `day`; each of `who` answers privately a few minutes later."""
    await sim.tick(at(day, 20))
    for n, user in enumerate(who, 1):
        sim.clock.now = at(day, 20, n)
        await say(sim, user, user, f"{user.first_name}'s answer on day {day}")


# --- the weekly recap --------------------------------------------------------------------------


async def test_quiet_week_gets_a_warm_line_and_no_counts(sim: Simulation, content: Content) -> None:
    couple = await sim.onboard()
    before = len(sim.api.sent)
    await sim.tick(at(SUNDAY, 19, 29))
    assert recaps(sim.new_messages(before)) == [], "not before 19:30"

    await sim.tick(at(SUNDAY, 19, 30))
    (recap,) = recaps(sim.new_messages(before))
    assert recap.chat_id == couple.group.id
    assert any(line in recap.text for line in mood_lines(content, "quiet")), recap.text
    assert moments(recap) == []
    assert not re.search(r"\d", recap.text), "no numbers in a quiet week"
    assert not GUILT.search(recap.text), recap.text

    await sim.tick(at(SUNDAY, 19, 45))
    await sim.tick(at(SUNDAY, 21))
    assert len(recaps(sim.new_messages(before))) == 1, "one recap a week"


async def test_busy_week_recap_shows_what_made_the_week(sim: Simulation, content: Content) -> None:
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    before = len(sim.api.sent)

    # Monday: Alex does his gesture, Sam notices; the evening question is answered by both.
    await sim.tick(at(0, 9))
    (nudge,) = [s for s in sim.new_messages(before) if s.chat_id == alex.id and NUDGE in s.text]
    sim.clock.now = at(0, 9, 5)
    await sim.feed(sim.tg.press(alex, nudge, sim.tg.button_data(nudge, "g:d:")))
    await sim.tick(at(0, 19))
    (ask,) = [s for s in sim.new_messages(before) if NOTICE_ASK in s.text]
    await sim.feed(sim.tg.press(sam, ask, sim.tg.button_data(ask, "g:y:")))
    await question_day(sim, couple, 0, alex, sam)

    # Tuesday: Sam does his gesture (not noticed); a jar question drawn and answered by both.
    mark = len(sim.api.sent)
    await sim.tick(at(1, 9))
    (nudge,) = [s for s in sim.new_messages(mark) if s.chat_id == sam.id and NUDGE in s.text]
    await sim.feed(sim.tg.press(sam, nudge, sim.tg.button_data(nudge, "g:d:")))
    sim.clock.now = at(1, 21)
    await command(sim, alex, alex, "/jar add What did you want to be at seven?")
    mark = len(sim.api.sent)
    await command(sim, sam, group, "/jar")
    (draw,) = [s for s in sim.new_messages(mark) if s.chat_id == group.id]
    assert "What did you want to be at seven?" in draw.text
    for user in (alex, sam):
        await sim.feed(sim.tg.send(user, group, "A pilot!", reply_to=draw.message_id))

    # Wednesday: the question, and something new done together.
    await question_day(sim, couple, 2, alex, sam)
    sim.clock.now = at(2, 21)
    await command(sim, sam, group, "/together")
    idea = sim.tg.last(group)
    assert sim.tg.button_data(idea, "t:").endswith(":w")
    await sim.feed(sim.tg.press(sam, idea, sim.tg.button_data(idea, "t:")))
    await command(sim, alex, group, "/together list")
    wishes = sim.tg.last(group)
    await sim.feed(sim.tg.press(alex, wishes, sim.tg.button_data(wishes, "t:")))

    # Thursday: only Alex answers; a sealed question is not "answered together".
    await question_day(sim, couple, 3, alex)

    mark = len(sim.api.sent)
    await sim.tick(at(SUNDAY, 19, 30))
    (recap,) = recaps(sim.new_messages(mark))
    assert recap.chat_id == group.id
    assert any(line in recap.text for line in mood_lines(content, "full")), recap.text
    texts = await _prompt_texts(sim, content)
    shown = moments(recap)
    assert len(shown) == 3, shown
    # The question they both answered (Wednesday's, the latest at the deepest level), quoted.
    assert shown[0].startswith("💬 You both answered") and texts[2] in shown[0], shown
    assert texts[3] not in recap.text, "Thursday's was answered by Alex alone"
    assert shown[1] == "💛 Sam noticed a kindness from Alex", "Sam's own gesture wasn't noticed"
    assert shown[2].startswith("🧭 Something new together: ")
    assert not re.search(r"\b\d+ (evening|questions?|gestures?|of them)\b", recap.text), "no scores"
    assert not GUILT.search(recap.text), recap.text

    # The next Sunday looks at its own week only: nothing was done, so it is quiet again.
    mark = len(sim.api.sent)
    await sim.tick(at(SUNDAY + 7, 19, 30))
    (quiet,) = recaps(sim.new_messages(mark))
    assert moments(quiet) == []
    assert any(line in quiet.text for line in mood_lines(content, "quiet")), quiet.text


async def test_a_few_things_get_a_some_line(sim: Simulation, content: Content) -> None:
    couple = await sim.onboard()
    await question_day(sim, couple, 4, couple.alex, couple.sam)
    mark = len(sim.api.sent)
    await sim.tick(at(SUNDAY, 19, 30))
    (recap,) = recaps(sim.new_messages(mark))
    assert any(line in recap.text for line in mood_lines(content, "some")), recap.text
    # Friday's jar night is that evening's question: answered privately like one.
    (shown,) = moments(recap)
    assert shown.startswith("💬 You both answered"), shown


async def test_recap_follows_the_couples_time_zone_and_question_time(sim: Simulation) -> None:
    couple = await sim.onboard()
    await command(sim, couple.alex, couple.group, "/timezone Europe/Berlin")
    await command(sim, couple.alex, couple.group, "/time question 21:00")
    before = len(sim.api.sent)
    # Berlin is UTC+2 in June: 20:30 local is 18:30 UTC.
    await sim.tick(at(SUNDAY, 18, 29))
    assert recaps(sim.new_messages(before)) == []
    await sim.tick(at(SUNDAY, 18, 30))
    (recap,) = recaps(sim.new_messages(before))
    assert recap.chat_id == couple.group.id


# --- /memories ---------------------------------------------------------------------------------


async def _prompt_texts(sim: Simulation, content: Content) -> dict[int, str]:
    """The evening questions' words by day of the simulation."""
    async with sim.hearth.sessions() as s:
        prompts = await s.scalars(select(Prompt).where(Prompt.kind == "question"))
        return {(p.local_date - MONDAY.date()).days: question_text(p, content) for p in prompts}


async def test_memories_resurface_a_week_old_question_with_both_answers(
    sim: Simulation, content: Content
) -> None:
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group

    # Monday: Alex answers in words, Sam with a voice message; revealed at 20:02.
    await sim.tick(at(0, 20))
    sim.clock.now = at(0, 20, 1)
    await say(sim, alex, alex, "The way you hum while cooking")
    sim.clock.now = at(0, 20, 2)
    voice = sim.tg.send(sam, sam, media="voice")
    assert voice is not None
    sam_voice = voice["message"]["message_id"]
    await sim.feed(voice)
    # Saturday: another question both answer, too recent to be a memory on Monday.
    await question_day(sim, couple, 5, alex, sam)
    texts = await _prompt_texts(sim, content)

    sim.clock.now = at(7, 20, 1)  # a minute short of a week since Monday's reveal
    before = len(sim.api.sent)
    await command(sim, alex, alex, "/memories")
    (none_yet,) = sim.new_messages(before)
    assert none_yet.chat_id == alex.id and "No memories yet" in none_yet.text

    copies_before = len([c for c in sim.api.calls if c[0] == "copyMessage"])
    sim.clock.now = at(7, 20, 2)
    before = len(sim.api.sent)
    await command(sim, alex, alex, "/memories")
    new = sim.new_messages(before)
    assert {s.chat_id for s in new} == {alex.id}, "only to the one who asked"
    assert "memory" in new[0].text and texts[0] in new[0].text
    assert texts[5] not in " ".join(s.text for s in new)
    assert any("Alex" in s.text and "The way you hum while cooking" in s.text for s in new)
    assert any("Sam" in s.text and "voice" in s.text for s in new)
    copies = [p for m, p in sim.api.calls if m == "copyMessage"][copies_before:]
    assert [(p["chat_id"], p["from_chat_id"], p["message_id"]) for p in copies] == [
        (alex.id, sam.id, sam_voice)
    ], "the voice answer is mirrored again"
    assert any(s.kind == "voice" for s in new)

    # Asked in the group: the memory goes to the asker privately; the group gets a pointer.
    for minute in range(3, 8):  # whatever is chosen, it is never the recent question
        sim.clock.now = at(7, 20, minute)
        before = len(sim.api.sent)
        await command(sim, sam, group, "/memories")
        new = sim.new_messages(before)
        in_group = [s for s in new if s.chat_id == group.id]
        assert len(in_group) == 1 and "privately" in in_group[0].text
        assert "The way you hum" not in in_group[0].text
        private = [s for s in new if s.chat_id == sam.id]
        assert private and texts[0] in private[0].text
        assert texts[5] not in " ".join(s.text for s in new)
        assert {s.chat_id for s in new} == {group.id, sam.id}


async def test_memories_ignore_questions_only_one_partner_answered(sim: Simulation) -> None:
    couple = await sim.onboard()
    await question_day(sim, couple, 0, couple.alex)  # sealed, never revealed
    sim.clock.now = at(14, 12)
    before = len(sim.api.sent)
    await command(sim, couple.sam, couple.sam, "/memories")
    (reply,) = sim.new_messages(before)
    assert "No memories yet" in reply.text
    assert "Alex's answer on day 0" not in reply.text


# --- stuck -------------------------------------------------------------------------------------


def stuck_received(sim: Simulation, content: Content, since: int = 0) -> list[Sent]:
    """Stuck notes: a kind line, then one line for anyone who doesn't feel safe."""
    lines = {line.text for line in content.stuck_messages}
    safety = {line.text for line in content.safety_lines}
    found = [s for s in sim.new_messages(since) if s.text.split("\n\n")[0] in lines]
    assert all(s.text.split("\n\n")[-1] in safety for s in found), [s.text for s in found]
    return found


async def test_seven_days_of_one_sided_answers_bring_one_kind_private_message(
    sim: Simulation, content: Content
) -> None:
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    for day in range(7):
        await question_day(sim, couple, day, alex)
    assert stuck_received(sim, content) == [], "not before the eighth day"

    before = len(sim.api.sent)
    await sim.tick(at(7, 19, 59))
    assert stuck_received(sim, content, before) == []
    await sim.tick(at(7, 20))
    got = stuck_received(sim, content, before)
    assert sorted(s.chat_id for s in got) == sorted([alex.id, sam.id]), [s.chat_id for s in got]
    assert not [
        s
        for s in sim.tg.inbox(group)
        if s.text.split("\n\n")[0] in {m.text for m in content.stuck_messages}
    ]
    assert not any("counsel" in s.text or "therapist" in s.text for s in sim.tg.inbox(group))
    assert any("Tonight's question" in s.text for s in sim.new_messages(before)), "still asked"

    # Seven more stuck days right after: nothing, the message comes at most once in 30 days.
    sim.clock.now = at(7, 20, 1)
    await say(sim, alex, alex, "Alex's answer on day 7")
    for day in range(8, 37):
        await question_day(sim, couple, day, alex)
    assert len(stuck_received(sim, content, before)) == 2, "nothing more within 30 days"

    # Thirty days after the first message: again, once to each.
    mark = len(sim.api.sent)
    await sim.tick(at(37, 20))
    again = stuck_received(sim, content, mark)
    assert sorted(s.chat_id for s in again) == sorted([alex.id, sam.id])


async def test_a_day_both_answered_breaks_the_run(sim: Simulation, content: Content) -> None:
    couple = await sim.onboard()
    alex, sam = couple.alex, couple.sam
    for day in range(7):
        await question_day(sim, couple, day, *((alex, sam) if day == 3 else (alex,)))
    for day in range(7, 11):
        await question_day(sim, couple, day, alex)
    assert stuck_received(sim, content) == [], "day 3 broke the run"

    # Days 4 to 10 are seven one-sided days in a row: the message comes on day 11.
    await sim.tick(at(11, 20))
    assert sorted(s.chat_id for s in stuck_received(sim, content)) == sorted([alex.id, sam.id])


async def test_stuck_message_never_goes_to_the_group(sim: Simulation, content: Content) -> None:
    couple = await sim.onboard(private=False)
    link = sim.tg.url_buttons(sim.tg.last(couple.group))[0]
    await sim.feed(sim.tg.start(couple.alex, link.split("start=", 1)[1]))
    for day in range(7):
        mark = len(sim.api.sent)
        await sim.tick(at(day, 20))
        # Friday's jar night is that evening's question.
        (question,) = [s for s in sim.new_messages(mark) if EVENING.search(s.text)]
        sim.clock.now = at(day, 20, 1)
        await sim.feed(
            sim.tg.send(couple.alex, couple.group, f"Day {day}", reply_to=question.message_id)
        )
    before = len(sim.api.sent)
    await sim.tick(at(7, 20))
    got = stuck_received(sim, content, before)
    assert [s.chat_id for s in got] == [couple.alex.id], "Sam has no private chat: nothing"
    assert not [s for s in sim.new_messages(before) if s.chat_id == couple.sam.id]
    group = [s.text for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert group and all(t not in {m.text for m in content.stuck_messages} for t in group)
    assert not any("counsel" in t or "therapist" in t for t in group)
