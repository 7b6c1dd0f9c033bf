"""End-to-end: the evening's edges (long answers, a late reveal, the nights the clocks go back,
which question an answer goes to, a swap past midnight, a second /depth up, a jar question
written again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.content import Content
from bot.core.models import Answer, Prompt
from bot.simulation.fake_api import FakeChat, FakeUser
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation
from tests.helpers import EVENING, answered_on, ask
from tests.rituals_helpers import is_alert, press

INVITE = "twenty minutes"


def words(length: int, end: str) -> str:
    """A long, ordinary answer of exactly `length` characters ending in `end`."""
    sentence = "I think about the way you laugh when we cook together. "
    body = (sentence * (length // len(sentence) + 1))[: length - len(end)]
    return body + end


# --- long answers --------------------------------------------------------------------------


async def test_a_long_private_answer_reaches_the_partner_whole(sim: Simulation) -> None:
    """Alex writes a long sealed answer (Telegram allows 4096 characters in one message);
    Sam must be able to read all of it once both answered, not an answer cut off with "…"."""
    couple, _question = await ask(sim)
    long_answer = words(4000, "and that is why I stay. THE END")
    await sim.feed(sim.tg.send(couple.alex, couple.alex, long_answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine is short"))
    sam_sees = "\n".join(s.text for s in sim.tg.inbox(couple.sam))
    assert "THE END" in sam_sees, "Sam only ever sees the start of Alex's answer, cut with …"


async def test_the_group_reveal_does_not_cut_an_answer_that_fits(sim: Simulation) -> None:
    """Alex's sealed answer is 3,000 characters, Sam's a line: together they fit one message,
    and the group's "Both answers are in" shows both whole."""
    couple, _question = await ask(sim)
    long_answer = words(3000, "ALEX ENDS HERE")
    await sim.feed(sim.tg.send(couple.alex, couple.alex, long_answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "I loved our walk"))
    (reveal,) = [s for s in sim.tg.inbox(couple.group) if "Both answers are in" in s.text]
    assert len(reveal.text) < 4096
    assert "ALEX ENDS HERE" in reveal.text, (
        f"the group reveal cut Alex's answer to {len(reveal.text)} characters with room to spare"
    )


# --- the invitation to talk ---------------------------------------------------------------


async def reveals_at_lunch_then_in_the_evening(sim: Simulation, couple: SimCouple) -> list[str]:
    """Monday's question revealed on Tuesday at 13:00 (with its invitation), then Tuesday's
    revealed that evening: what the group got on Tuesday evening."""
    sim.clock.now = EVENING + timedelta(minutes=10)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Monday"))
    sim.clock.now = EVENING + timedelta(hours=17)  # Tuesday 13:00
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday, at lunch"))
    assert INVITE in sim.tg.last(couple.group).text  # Monday's reveal, at lunchtime
    await sim.tick(EVENING + timedelta(days=1))  # Tuesday 20:00
    before = len(sim.api.sent)
    sim.clock.now = EVENING + timedelta(days=1, minutes=15)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Tuesday"))
    sim.clock.now = EVENING + timedelta(days=1, minutes=30)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Tuesday"))
    tuesday = [s.text for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert any("Both answers are in" in t for t in tuesday)
    return tuesday


async def test_tonights_reveal_invites_them_even_after_a_late_reveal_at_lunch(
    sim: Simulation,
) -> None:
    """Sam answers Monday's question on Tuesday at lunch (Monday's reveal comes then); on
    Tuesday evening both answer Tuesday's question: that evening gets its "twenty minutes"
    invitation too. One invitation an *evening*, not one per eight hours."""
    couple, _monday = await ask(sim)
    tuesday_evening = await reveals_at_lunch_then_in_the_evening(sim, couple)
    assert any(INVITE in t for t in tuesday_evening), (
        "Tuesday evening's reveal has no invitation to talk: the lunchtime one used it up"
    )


async def test_apostrophes_do_not_cut_an_answer_that_fits(sim: Simulation) -> None:
    """An ordinary English answer of 3,600 characters (with the apostrophes English has) and
    its header fit one Telegram message; Sam reads it whole. Its length is measured as HTML
    source, where every ' counts six (&#x27;), so it is cut short."""
    couple, _question = await ask(sim)
    sentence = "I love that you're patient with me when I'm tired. "
    answer = (sentence * 80)[:3560] + "That's all. THE END"
    await sim.feed(sim.tg.send(couple.alex, couple.alex, answer))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine is short"))
    (mirror,) = [s for s in sim.tg.inbox(couple.sam) if "Alex</b> answered" in s.html]
    assert "THE END" in mirror.text, (
        f"cut to {len(mirror.text)} visible characters though the whole would be "
        f"{len(mirror.text.split(chr(10))[0]) + 2 + len(answer)}"
    )


# --- clock edges ---------------------------------------------------------------------------


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def stored(sim: Simulation) -> list[str]:
    async with sim.hearth.sessions() as session:
        return [str(a.text) for a in await session.scalars(select(Answer).order_by(Answer.id))]


async def test_saturdays_question_stays_open_until_sundays_on_the_autumn_night(
    sqlite_url: str, content: Content
) -> None:
    """Berlin, 20:00. Clocks go back in the night to Sunday 26 October 2025, so that Sunday has
    25 hours. At 19:30 on Sunday, Saturday's question is still the last one asked: Alex's
    private answer to it is kept, as on any other Sunday at 19:30."""
    async with Simulation(sqlite_url, utc(10, 24, 6), content=content) as sim:
        couple = await sim.onboard()
        await sim.feed(sim.tg.command(couple.alex, couple.group, "/timezone Europe/Berlin"))
        await sim.tick(utc(10, 25, 17, 59))
        before = len(sim.api.sent)
        await sim.tick(utc(10, 25, 18))  # Saturday 20:00 CEST
        assert any("Tonight's question" in s.text for s in sim.new_messages(before))
        sim.clock.now = utc(10, 26, 18, 30)  # Sunday 19:30 CET, half an hour before Sunday's
        await sim.feed(sim.tg.send(couple.alex, couple.alex, "Saturday's, on Sunday"))
        told = sim.tg.last(couple.alex).text
        assert await stored(sim) == ["Saturday's, on Sunday"], f"Alex is told: {told!r}"


# --- which question an answer goes to ------------------------------------------------------


async def test_a_reply_to_your_turn_in_the_group_is_an_answer(sim: Simulation) -> None:
    """Sam has no private chat, so "Alex has answered … Sam, your turn!" is posted in the
    group. Sam replies to that message with the answer: it is Sam's answer (as a reply to the
    same "your turn" privately is), not silently ignored."""
    couple = await sim.onboard(private=False)
    await sim.tick(EVENING)
    (question,) = [s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text]
    await sim.feed(sim.tg.send(couple.alex, couple.group, "The lake", reply_to=question.message_id))
    nudge = sim.tg.last(couple.group)
    assert "Sam, your turn" in nudge.text
    before = len(sim.api.sent), len(sim.api.reactions)
    await sim.feed(sim.tg.send(couple.sam, couple.group, "Climbing", reply_to=nudge.message_id))
    reaction_or_reply = (len(sim.api.sent), len(sim.api.reactions)) != before
    assert (await stored(sim), reaction_or_reply) == (["The lake", "Climbing"], True), (
        "Sam's reply to the group's 'your turn' was dropped without a word"
    )


# --- the skip button -----------------------------------------------------------------------


# --- found by a second review ----------------------------------------------------------


async def test_a_question_swapped_after_midnight_is_posted(sim: Simulation) -> None:
    """The question comes at 23:30; at 00:10, nobody having answered, Sam taps 🔀: it swaps
    (not "no longer valid"), and the new question, of yesterday's date but made today,
    reaches the group (a day-bound question is not sent after the day it was made)."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/time question 23:30"))
    await sim.tick(EVENING.replace(hour=23, minute=30))
    question = sim.tg.last(couple.group)
    assert "Tonight's question" in question.text
    (skip,) = [b["callback_data"] for row in question.buttons for b in row if "callback_data" in b]
    sim.clock.now = EVENING.replace(hour=23, minute=30) + timedelta(minutes=40)  # 00:10
    before = len(sim.api.sent)
    answer = await press(sim, couple.sam, question, skip)
    assert not is_alert(answer), answer
    await sim.send()
    async with sim.hearth.sessions() as session:
        prompts = list(await session.scalars(select(Prompt).order_by(Prompt.id)))
    new = prompts[-1]
    assert new.skipped_at is None and prompts[-2].skipped_at is not None
    group = [s.text for s in sim.new_messages(before) if s.chat_id == couple.group.id]
    assert new.message_id is not None and any("question" in t.lower() for t in group), (
        f"the swapped question was never posted to the group (sent there: {group!r}); "
        f"the old one is marked skipped, so the couple have no question tonight"
    )


def _depth_asks(sim: Simulation, user: object, since: int) -> list[object]:
    return [
        m
        for m in sim.tg.inbox(user)[since:]  # type: ignore[arg-type]
        if any(str(b.get("callback_data", "")).startswith("d:") for row in m.buttons for b in row)
    ]


async def test_depth_up_a_week_after_not_yet_asks_the_partner_again(sim: Simulation) -> None:
    """Alex sends /depth up; Sam taps "Not yet". A week later Alex asks again and Sam is
    asked again: "Not yet" starts readiness over, so this is no second tap."""
    c = await sim.onboard()
    seen = len(sim.tg.inbox(c.sam))
    await sim.feed(sim.tg.command(c.alex, c.group, "/depth up"))
    (ask,) = _depth_asks(sim, c.sam, seen)
    not_yet = next(
        str(b["callback_data"])
        for row in ask.buttons  # type: ignore[attr-defined]
        for b in row
        if str(b.get("callback_data", "")).split(":")[2] == "0"
    )
    await press(sim, c.sam, ask, not_yet)  # type: ignore[arg-type]
    sim.clock.now = sim.clock.now + timedelta(days=7)
    seen = len(sim.tg.inbox(c.sam))
    await sim.feed(sim.tg.command(c.alex, c.group, "/depth up"))
    told = sim.tg.last(c.group).text
    again = _depth_asks(sim, c.sam, seen)
    assert "asked your partner" not in told or again, (
        f"Alex is told {told!r} a week later, but nothing reached Sam"
    )


async def test_the_readder_forgetting_themselves_erases_the_authors_drawn_question(
    sim: Simulation,
) -> None:
    """Alex's jar question was drawn; a month later Sam writes the same question and then
    uses "forget me": the drawn question stays Alex's, its words in Alex's history (a drawn
    question is never made over to the partner who writes it again)."""
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.alex, "/jar add What made you laugh this week?"))
    await sim.feed(sim.tg.command(c.sam, c.group, "/jar"))
    assert any("What made you laugh" in s.text for s in sim.tg.inbox(c.group))
    sim.clock.now = sim.clock.now + timedelta(days=30)
    await sim.feed(sim.tg.command(c.sam, c.sam, "/jar add what made you laugh this week"))
    await sim.feed(sim.tg.command(c.sam, c.sam, "/forget"))
    confirm = sim.tg.last(c.sam)
    await sim.feed(sim.tg.press(c.sam, confirm, sim.tg.button_data(confirm, "f:me")))
    assert "Everything of yours is deleted" in sim.tg.last(c.sam).text
    async with sim.hearth.sessions() as session:
        drawn = await session.scalar(select(Prompt).where(Prompt.kind == "jar"))
    assert drawn is not None
    assert drawn.text == "What made you laugh this week?", (
        f"the question Alex wrote and drew is gone from Alex's history after Sam's forget: "
        f"text={drawn.text!r}"
    )


async def test_a_lunchtime_reveal_leaves_the_evening_invitation_with_a_morning_jar_time(
    sim: Simulation,
) -> None:
    """As the lunchtime case above, with the weekly jar drawn at 11:00: the jar's time counts
    only on jar day, so Tuesday's evening still begins an hour before its question."""
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/time jar 11:00"))
    await sim.tick(EVENING)
    assert "Tonight's question" in sim.tg.last(couple.group).text
    tuesday = await reveals_at_lunch_then_in_the_evening(sim, couple)
    assert any(INVITE in t for t in tuesday), (
        "Tuesday evening's reveal has no invitation to talk: with the jar at 11:00 the "
        "lunchtime reveal of Monday's question still counts as 'this evening'"
    )


async def test_jar_nights_question_stays_open_until_sundays_on_the_autumn_night(
    sqlite_url: str, content: Content
) -> None:
    """Berlin, jar night on Saturday at 19:00 in place of the evening question. The clocks go
    back in the night to Sunday 26 October 2025 (a day of 25 hours). At 18:30 on Sunday the
    jar's question is still the last evening question asked, 23½ hours ago on the wall
    clock: Alex's private answer is kept, as for an ordinary question."""
    async with Simulation(sqlite_url, utc(10, 24, 6), content=content) as sim:
        couple = await sim.onboard()
        await sim.feed(sim.tg.command(couple.alex, couple.group, "/timezone Europe/Berlin"))
        await sim.feed(sim.tg.command(couple.alex, couple.group, "/jarnight saturday 19:00"))
        await sim.tick(utc(10, 25, 16, 59))
        before = len(sim.api.sent)
        await sim.tick(utc(10, 25, 17))  # Saturday 19:00 CEST: jar night
        assert any("jar night" in s.text for s in sim.new_messages(before))
        await sim.tick(utc(10, 25, 18, 1))  # 20:00 CEST: no evening question on jar night
        sim.clock.now = utc(10, 26, 17, 30)  # Sunday 18:30 CET
        await sim.feed(sim.tg.send(couple.alex, couple.alex, "Jar night's, on Sunday"))
        told = sim.tg.last(couple.alex).text
        async with sim.hearth.sessions() as session:
            filed = [
                (a.text, p.kind)
                for a, p in await session.execute(
                    select(Answer, Prompt).join(Prompt, Prompt.id == Answer.prompt_id)
                )
            ]
        assert filed == [("Jar night's, on Sunday", "jar")], (
            f"Sunday 18:30, the jar night's question is closed an hour early; Alex is told "
            f"{told!r}; filed: {filed}"
        )


# --- an album is one answer -----------------------------------------------------------------


async def send_album(sim: Simulation, user: FakeUser, captions: list[str]) -> None:
    """`user` sends photos at once in their private chat: one message each, one media group."""
    for caption in captions:
        await sim.feed(sim.tg.send(user, user, media="photo", caption=caption, album="trip"))


def photos(sim: Simulation, chat: FakeUser | FakeChat) -> list[str]:
    return [s.text for s in sim.tg.inbox(chat) if s.kind == "photo"]


async def test_an_album_is_one_answer_shown_whole_at_the_reveal(sim: Simulation) -> None:
    """Alex answers with three photos sent together (three messages of one media group): one
    answer, acknowledged once, never "already answered"; at the reveal Sam and the group see
    all three, in order."""
    couple, _question = await ask(sim)
    reactions, seen = len(sim.api.reactions), len(sim.tg.inbox(couple.alex))
    await send_album(sim, couple.alex, ["lake", "", ""])
    assert len(sim.api.reactions) == reactions + 1
    assert not [s.text for s in sim.tg.inbox(couple.alex)[seen:] if "already" in s.text]
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "The picnic"))
    assert photos(sim, couple.sam) == ["[photo] lake", "[photo]", "[photo]"]
    assert photos(sim, couple.group) == ["[photo] lake", "[photo]", "[photo]"]
    (stored,) = [a for a in await stored_rows(sim) if a.kind == "photo"]
    assert len(stored.sources()) == 3


async def test_an_albums_later_items_follow_a_reveal_its_first_item_made(sim: Simulation) -> None:
    """Sam answered first; Alex's album's first item reveals the evening: its other items
    follow it to Sam and to the group, after it."""
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "The picnic"))
    await send_album(sim, couple.alex, ["lake", "", ""])
    assert photos(sim, couple.sam) == ["[photo] lake", "[photo]", "[photo]"]
    assert photos(sim, couple.group) == ["[photo] lake", "[photo]", "[photo]"]


async def stored_rows(sim: Simulation) -> list[Answer]:
    async with sim.hearth.sessions() as session:
        return list(await session.scalars(select(Answer).order_by(Answer.id)))


# --- a pick by button just before the next question -----------------------------------------


async def test_a_question_picked_just_before_the_next_one_keeps_the_answer_being_written(
    sim: Simulation,
) -> None:
    """Tuesday 19:55 Sam taps "Answer privately" under Monday's question and is told to write
    that answer; Tuesday's question comes at 20:00 while Sam writes: the answer sent at 20:02
    is Monday's, not filed under a question Sam hasn't read."""
    couple, monday = await ask(sim)
    sim.clock.now = EVENING + timedelta(minutes=5)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Monday"))
    sim.clock.now = EVENING + timedelta(days=1, minutes=-5)
    link = sim.tg.url_buttons(monday)[0]
    await sim.feed(sim.tg.start(couple.sam, link.split("start=", 1)[1]))
    assert "Write your answer" in sim.tg.last(couple.sam).text
    await sim.tick(EVENING + timedelta(days=1))
    sim.clock.now = EVENING + timedelta(days=1, minutes=2)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday"))
    assert await answered_on(sim) == {"Alex on Monday": "2025-06-02", "Sam on Monday": "2025-06-02"}


async def test_a_pick_left_unanswered_for_a_day_gives_way_to_the_next_question(
    sim: Simulation,
) -> None:
    """Sam picked Monday's question on Monday and never wrote: on Tuesday evening, after
    Tuesday's question, Sam's private message answers Tuesday's."""
    couple, monday = await ask(sim)
    sim.clock.now = EVENING + timedelta(minutes=5)
    link = sim.tg.url_buttons(monday)[0]
    await sim.feed(sim.tg.start(couple.sam, link.split("start=", 1)[1]))
    await sim.tick(EVENING + timedelta(days=1))
    sim.clock.now = EVENING + timedelta(days=1, minutes=30)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Tuesday"))
    assert await answered_on(sim) == {"Sam on Tuesday": "2025-06-03"}


async def test_a_pick_already_answered_protects_no_later_pointer_past_the_next_evening(
    sim: Simulation,
) -> None:
    """Sam picked (and answered) an old question by button at 19:20; at 19:40 Alex answers
    yesterday's question, which points Sam's next private message at it ("your turn"). The
    20:00 question is a new evening: Sam's private answer at 20:30 is to tonight's question
    (the answered pick no longer protects whatever points his next message)."""
    couple, monday = await ask(sim)  # Monday's question
    (link,) = sim.tg.url_buttons(monday)
    monday_pick = link.split("start=", 1)[1]
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Monday"))
    await sim.tick(EVENING + timedelta(days=1))  # Tuesday's question
    wednesday = EVENING + timedelta(days=2)
    sim.clock.now = wednesday - timedelta(minutes=40)
    await sim.feed(sim.tg.start(couple.sam, monday_pick))  # picks Monday's by button
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday"))
    sim.clock.now = wednesday - timedelta(minutes=20)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Tuesday"))
    await sim.tick(wednesday)  # Wednesday's question: a new evening
    sim.clock.now = wednesday + timedelta(minutes=30)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam tonight"))
    on = await answered_on(sim)
    assert on["Sam on Monday"] == "2025-06-02"
    assert on["Sam tonight"] == "2025-06-04", on
