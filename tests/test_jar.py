"""End to end: the question jar (/jar add, /jar, counts, answers) and the weekly jar night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.core.jar import JAR_MAX
from bot.core.models import Answer, JarQuestion, Prompt
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the day the `sim` fixture starts
DRAW = "Reply to this message to answer"


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` UTC, `days` after the simulation's first day (a Monday)."""
    return MONDAY + timedelta(days=days, hours=hour, minutes=minute)


async def jar(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> list[Sent]:
    """`user` sends a /jar command; returns what the bot sent in response."""
    before = len(sim.api.sent)
    await sim.feed(sim.tg.command(user, chat, text))
    return sim.new_messages(before)


async def stored(sim: Simulation) -> list[JarQuestion]:
    async with sim.hearth.sessions() as s:
        return list(await s.scalars(select(JarQuestion).order_by(JarQuestion.id)))


def draws(messages: list[Sent], chat: FakeChat) -> list[Sent]:
    return [s for s in messages if s.chat_id == chat.id and DRAW in s.text]


def drawn_question(sent: Sent) -> str:
    """The question of a draw: the paragraph between the intro and the instructions."""
    return sent.text.split("\n\n")[1]


async def test_jar_add_in_private_is_secret_and_confirmed(sim: Simulation) -> None:
    couple = await sim.onboard()
    new = await jar(sim, couple.alex, couple.alex, "/jar add What is your earliest memory?")

    assert [s.chat_id for s in new] == [couple.alex.id]
    assert "In the jar" in new[0].text and "secret" in new[0].text
    assert not any("earliest memory" in s.text for s in sim.tg.inbox(couple.group))
    assert not any("earliest memory" in s.text for s in sim.tg.inbox(couple.sam))
    (question,) = await stored(sim)
    assert question.text == "What is your earliest memory?"
    assert question.secret is True and question.author_name == "Alex"
    assert question.drawn_at is None


async def test_jar_add_in_the_group_is_confirmed_there(sim: Simulation) -> None:
    couple = await sim.onboard()
    new = await jar(
        sim, couple.sam, couple.group, "/jar add Which song would you take to an island?"
    )

    assert [s.chat_id for s in new] == [couple.group.id]
    assert "In the jar" in new[0].text
    (question,) = await stored(sim)
    assert question.secret is False and question.author_name == "Sam"


async def test_empty_too_long_and_duplicate_questions_are_refused(sim: Simulation) -> None:
    couple = await sim.onboard()
    (empty,) = await jar(sim, couple.alex, couple.alex, "/jar add")
    assert "needs a question" in empty.text and "/jar add" in empty.text
    (blank,) = await jar(sim, couple.alex, couple.alex, "/jar add   ?! ")
    assert "needs a question" in blank.text
    assert await stored(sim) == []

    long = "Why " + "x" * (JAR_MAX - 3) + "?"
    assert len(long) == JAR_MAX + 2
    (too_long,) = await jar(sim, couple.alex, couple.alex, f"/jar add {long}")
    assert str(JAR_MAX) in too_long.text and str(len(long)) in too_long.text
    assert await stored(sim) == []
    exactly = "W" + "y" * (JAR_MAX - 2) + "?"
    (fits,) = await jar(sim, couple.alex, couple.alex, f"/jar add {exactly}")
    assert "In the jar" in fits.text

    (added,) = await jar(sim, couple.alex, couple.alex, "/jar add What's your favourite smell?")
    assert "In the jar" in added.text
    (dup,) = await jar(sim, couple.sam, couple.group, "/jar add WHAT'S your  favourite smell!!")
    assert "already in your jar" in dup.text
    (dup_private,) = await jar(sim, couple.sam, couple.sam, "/jar add what's your favourite smell")
    assert "already in your jar" in dup_private.text
    assert [q.text for q in await stored(sim)] == [exactly, "What's your favourite smell?"]


async def test_unknown_subcommand_gets_usage(sim: Simulation) -> None:
    couple = await sim.onboard()
    for chat in (couple.group, couple.alex):
        (usage,) = await jar(sim, couple.alex, chat, "/jar foo")
        assert "didn't understand" in usage.text and "foo" in usage.text
        assert "/jar add" in usage.text
    assert await stored(sim) == []
    assert not any(DRAW in s.text for s in sim.tg.inbox(couple.group))


async def test_jar_in_private_shows_counts_per_partner(sim: Simulation) -> None:
    couple = await sim.onboard()
    (empty,) = await jar(sim, couple.alex, couple.alex, "/jar")
    assert "Alex: 0 questions" in empty.text and "Sam: 0 questions" in empty.text

    await jar(sim, couple.alex, couple.alex, "/jar add What made you laugh this week?")
    await jar(sim, couple.alex, couple.alex, "/jar add Where would you live for a year?")
    await jar(sim, couple.sam, couple.group, "/jar add What do you miss about being ten?")
    (counts,) = await jar(sim, couple.sam, couple.sam, "/jar")
    assert counts.chat_id == couple.sam.id
    assert "Alex: 2 questions" in counts.text and "Sam: 1 question" in counts.text
    assert "Where would you live" not in counts.text, "counts never reveal the questions"

    await jar(sim, couple.alex, couple.group, "/jar")  # one is drawn, the count drops
    (after,) = await jar(sim, couple.alex, couple.alex, "/jar")
    total = sum(int(line.split(": ")[1].split()[0]) for line in after.text.splitlines()[1:3])
    assert total == 2


async def test_group_draws_own_questions_first_then_the_bank_without_repeats(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    alex_q = "What is a place you want to show me?"
    sam_q = "Which teacher changed your mind about something?"
    await jar(sim, couple.alex, couple.alex, f"/jar add {alex_q}")
    await jar(sim, couple.sam, couple.sam, f"/jar add {sam_q}")

    own: dict[str, str] = {}
    for minute in range(2):
        sim.clock.now = at(0, 12, minute)
        new = await jar(sim, couple.alex, couple.group, "/jar")
        (draw,) = draws(new, couple.group)
        question = drawn_question(draw)
        own[question] = draw.text.split("\n")[0]
    assert set(own) == {alex_q, sam_q}
    assert "written by Alex" in own[alex_q] and "written by Sam" in own[sam_q]
    assert all(q.drawn_at is not None for q in await stored(sim))

    bank: list[str] = []
    for minute in range(2, 12):
        sim.clock.now = at(0, 12, minute)
        new = await jar(sim, couple.sam, couple.group, "/jar")
        (draw,) = draws(new, couple.group)
        assert "jar is empty" in draw.text and "Hearth" in draw.text
        assert "written by" not in draw.text
        bank.append(drawn_question(draw))
    assert len(set(bank)) == len(bank), bank
    assert not set(bank) & {alex_q, sam_q}
    async with sim.hearth.sessions() as s:
        prompts = list(await s.scalars(select(Prompt).where(Prompt.kind == "jar")))
    assert len(prompts) == 12
    assert sum(p.content_id is not None for p in prompts) == 10


async def test_replies_to_a_drawn_question_in_the_group_are_not_repeated(sim: Simulation) -> None:
    couple = await sim.onboard()
    question = "What would you cook for our tenth anniversary?"
    await jar(sim, couple.alex, couple.alex, f"/jar add {question}")
    sim.clock.now = at(0, 12)
    (draw,) = draws(await jar(sim, couple.sam, couple.group, "/jar"), couple.group)

    before = len(sim.api.sent)
    await sim.feed(
        sim.tg.send(couple.alex, couple.group, "Risotto, badly.", reply_to=draw.message_id)
    )
    assert not any("Risotto" in s.text for s in sim.new_messages(before) if s.chat_id > 0)

    await sim.feed(
        sim.tg.send(couple.sam, couple.group, "Pancakes at midnight.", reply_to=draw.message_id)
    )
    # Both answered in the group, in front of each other: nothing is repeated privately,
    # only the warm responses are offered, and the group is invited to talk.
    to_alex = [s for s in sim.tg.inbox(couple.alex) if "answer" in s.text]
    to_sam = [s for s in sim.tg.inbox(couple.sam) if "answer" in s.text]
    assert [s.text for s in to_alex[-1:]] == [
        "💌 You've read Sam's answer in the group. Want to send something back?"
    ]
    assert to_alex[-1].buttons and to_sam[-1].buttons
    assert not any("Pancakes" in s.text or "Risotto" in s.text for s in to_alex + to_sam)
    assert "twenty minutes" in sim.tg.last(couple.group).text
    async with sim.hearth.sessions() as s:
        prompt = await s.scalar(select(Prompt).where(Prompt.kind == "jar"))
        assert prompt is not None and prompt.revealed_at is not None


async def test_a_third_person_cannot_add(sim: Simulation) -> None:
    couple = await sim.onboard()
    jo = sim.tg.user("Jo")
    sim.tg.join_group(couple.group, jo)

    (refused,) = await jar(sim, jo, couple.group, "/jar add Who is your favourite partner?")
    assert "belongs to Alex & Sam" in refused.text
    await sim.feed(sim.tg.start(jo))
    (private,) = await jar(sim, jo, jo, "/jar add What about me?")
    assert "In the jar" not in private.text and "group" in private.text
    assert await stored(sim) == []


async def test_jar_night_draws_in_the_group_on_friday_evening(sim: Simulation) -> None:
    couple = await sim.onboard()
    await jar(sim, couple.alex, couple.alex, "/jar add What are you proud of this month?")
    before = len(sim.api.sent)
    await sim.tick(at(4, 18, 59))
    assert draws(sim.new_messages(before), couple.group) == []

    await sim.tick(at(4, 19))
    (night,) = draws(sim.new_messages(before), couple.group)
    assert "jar night" in night.text.lower()
    assert "What are you proud of this month?" in night.text and "written by Alex" in night.text

    again = len(sim.api.sent)
    await sim.tick(at(4, 19, 30))
    assert draws(sim.new_messages(again), couple.group) == [], "once a week"


async def test_a_one_day_pause_on_the_eve_brings_jar_night_back(sim: Simulation) -> None:
    """/pause 1 on Thursday at 19:30 is back on Friday: Friday's jar night (19:00), which stands
    in for that evening's question, comes; Friday is not left without either."""
    couple = await sim.onboard()
    sim.clock.now = at(3, 19, 30)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/pause 1"))
    before = len(sim.api.sent)
    for hour in (9, 19, 20, 23):
        await sim.tick(at(4, hour))
    (night,) = draws(sim.new_messages(before), couple.group)
    assert "jar night" in night.text.lower()


async def test_jar_night_reminder_on_wednesday_privately(sim: Simulation) -> None:
    couple = await sim.onboard()
    before = len(sim.api.sent)
    await sim.tick(at(2, 18, 59))
    assert not any("Jar night is on" in s.text for s in sim.new_messages(before))

    await sim.tick(at(2, 19))
    reminders = [s for s in sim.new_messages(before) if "Jar night is on" in s.text]
    assert sorted(s.chat_id for s in reminders) == sorted([couple.alex.id, couple.sam.id])
    assert all("Friday" in s.text and "19:00" in s.text and "/jar add" in s.text for s in reminders)
    assert not any(s.chat_id == couple.group.id for s in reminders)


async def test_jarnight_command_moves_jar_night(sim: Simulation) -> None:
    couple = await sim.onboard()
    before = len(sim.api.sent)
    await sim.feed(sim.tg.command(couple.sam, couple.group, "/jarnight sunday 18:00"))
    (confirm,) = sim.new_messages(before)
    assert "Sunday" in confirm.text and "18:00" in confirm.text

    mark = len(sim.api.sent)
    await sim.tick(at(2, 19))  # Wednesday 19:00: no longer two days before jar night
    assert not any("Jar night is on" in s.text for s in sim.new_messages(mark))

    mark = len(sim.api.sent)
    await sim.tick(at(4, 18))  # Friday 18:00: two days before Sunday 18:00
    reminders = [s for s in sim.new_messages(mark) if "Jar night is on" in s.text]
    assert sorted(s.chat_id for s in reminders) == sorted([couple.alex.id, couple.sam.id])
    assert all("Sunday at 18:00" in s.text for s in reminders)

    mark = len(sim.api.sent)
    await sim.tick(at(4, 19))  # the old jar night passes quietly
    assert draws(sim.new_messages(mark), couple.group) == []

    mark = len(sim.api.sent)
    await sim.tick(at(6, 18))
    (night,) = draws(sim.new_messages(mark), couple.group)
    assert "jar night" in night.text.lower()
    async with sim.hearth.sessions() as s:
        assert (
            await s.scalar(select(func.count()).select_from(Prompt).where(Prompt.kind == "jar"))
            == 1
        )


# --- Jar night never leaves an evening empty, and takes private answers like a question ------


async def evening_in_group(sim: Simulation, couple: SimCouple, days: int) -> list[Sent]:
    """What the group gets from 20:00 to midnight on day `days` (0: Monday)."""
    before = len(sim.api.sent)
    for hour, minute in ((20, 0), (21, 0), (23, 59)):
        await sim.tick(at(days, hour, minute))
    return [s for s in sim.new_messages(before) if s.chat_id == couple.group.id]


async def test_resuming_after_a_missed_jar_night_still_brings_the_question(
    lite: Simulation,
) -> None:
    """Paused over Friday 19:00 (jar night), resumed at 19:30: /resume promises "today at
    20:00", and the question comes (it gave way to a jar night skipped while paused)."""
    sim = lite
    couple = await sim.onboard()
    sim.clock.now = at(4, 18)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/pause"))
    await sim.tick(at(4, 19))  # jar night while paused: skipped
    sim.clock.now = at(4, 19, 30)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/resume"))
    assert "today at 20:00" in sim.tg.last(couple.group).text
    before = len(sim.api.sent)
    for hour, minute in ((20, 0), (20, 30), (22, 0), (23, 59)):
        await sim.tick(at(4, hour, minute))
    evening = [s for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert any(DRAW in s.text or "Reply to" in s.text for s in evening), (
        "after /resume on Friday evening the couple gets neither jar night nor the question"
    )


async def _answers(sim: Simulation) -> list[tuple[str, int]]:
    async with sim.hearth.sessions() as s:
        rows = await s.execute(
            select(Prompt.kind, Answer.partner_id).join(Answer, Answer.prompt_id == Prompt.id)
        )
        return [(kind, partner) for kind, partner in rows.all()]


async def test_a_private_answer_to_jar_night_after_midnight_is_kept(lite: Simulation) -> None:
    """Jar night is the evening question: a private answer after local midnight counts for it,
    as one does for an ordinary evening question (see the control below)."""
    sim = lite
    couple = await sim.onboard()
    await sim.tick(at(4, 19))  # Friday 19:00: jar night, tonight's evening question
    sim.clock.now = at(5, 0, 10)  # Saturday 00:10, five hours later
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "The smell of rain"))
    assert [kind for kind, _p in await _answers(sim)] == ["jar"], (
        "Alex's private answer to jar night was not recorded"
    )


async def test_daily_question_private_answer_after_midnight_is_kept(lite: Simulation) -> None:
    """Control: the same timing on an ordinary evening works."""
    sim = lite
    couple = await sim.onboard()
    await sim.tick(at(3, 20))  # Thursday's question
    sim.clock.now = at(4, 1, 10)  # Friday 01:10, five hours later
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "The smell of rain"))
    assert [kind for kind, _p in await _answers(sim)] == ["question"]


async def test_moving_jar_night_to_today_after_its_hour_keeps_tonights_question(
    lite: Simulation,
) -> None:
    """Saturday 19:30, the couple moves jar night to Saturday 19:00 (already past today): the
    jar waits for next Saturday, and tonight's question still comes."""
    sim = lite
    couple = await sim.onboard()
    await sim.tick(at(4, 19))  # Friday's jar night, as usual
    sim.clock.now = at(5, 19, 30)
    await sim.feed(sim.tg.command(couple.sam, couple.group, "/jarnight saturday 19:00"))
    evening = await evening_in_group(sim, couple, 5)
    assert any(DRAW in s.text or "Reply to" in s.text for s in evening), (
        "Saturday evening: no question and no jar night"
    )


async def test_a_bot_readded_after_jar_night_still_asks_the_question(
    lite: Simulation,
) -> None:
    """The bot is removed before jar night and added back at 19:30 on Friday: jar night is
    gone for the week, and the 20:00 question comes."""
    sim = lite
    couple = await sim.onboard()
    sim.clock.now = at(4, 12)
    await sim.feed(sim.tg.remove_bot(couple.group, by=couple.alex))
    await sim.tick(at(4, 19))
    sim.clock.now = at(4, 19, 30)
    await sim.feed(sim.tg.add_bot(couple.group, by=couple.alex))
    evening = await evening_in_group(sim, couple, 4)
    assert any(DRAW in s.text for s in evening), "Friday evening: nothing after the re-add"


async def test_a_partner_on_their_own_clock_answers_jar_night_in_their_evening(
    lite: Simulation,
) -> None:
    """Couple in Berlin, Sam on his own clock in New York: on jar night the jar takes the place
    of his own evening question, so his private message at his Friday 20:30 (Berlin's
    Saturday) answers the night's draw."""
    sim = lite
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/timezone Europe/Berlin"))
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/timezone me America/New_York"))
    moment = at(4, 6)
    while moment <= at(5, 0):  # up to Friday 20:00 in New York
        await sim.tick(moment)
        moment += timedelta(minutes=30)
    sim.clock.now = at(5, 0, 30)  # Friday 20:30 in New York, Saturday 02:30 in Berlin
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sailing, and nothing stops me"))
    assert [kind for kind, _p in await _answers(sim)] == ["jar"], sim.tg.last(couple.sam).text


async def test_a_couple_set_up_after_jar_time_gets_their_first_question(lite: Simulation) -> None:
    """A couple completing setup on a Friday between jar time (19:00) and question time
    (20:00) is told "Evening question: 20:00", and it comes (jar night starts next Friday)."""
    sim = lite
    sim.clock.now = at(4, 19, 30)
    couple = await sim.onboard()
    evening = await evening_in_group(sim, couple, 4)
    assert any(DRAW in s.text or "Reply to" in s.text for s in evening), (
        "first evening after setup: nothing"
    )
