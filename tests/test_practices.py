"""End to end: /together, safe-space warm responses, the depth ladder, appreciation preferences."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.content import DEPTH_ROTATION, GESTURE_KINDS, Content
from bot.core.models import Answer, Couple, CoupleActivity, GestureAssignment, Prompt
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Couple as SimCouple
from bot.simulation.world import Simulation
from tests import rituals_helpers as rituals
from tests.conftest import START
from tests.helpers import couple_in, partner_row

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # the simulation starts Monday 06:00 UTC
EVENING = MONDAY.replace(hour=20)
SATURDAY = datetime(2025, 6, 7, 10, tzinfo=UTC)  # the default weekly idea: Saturday 10:00
WEEKLY = "This week's idea"
USAGE = "/together list"


# --- helpers -------------------------------------------------------------------------------


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> Sent:
    """Send a command and return the bot's one reply in that chat."""
    before = len(sim.tg.inbox(chat))
    await sim.feed(sim.tg.command(user, chat, text))
    replies = sim.tg.inbox(chat)[before:]
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0]


async def press(sim: Simulation, user: FakeUser, sent: Sent, data: str) -> dict[str, object]:
    """Tap a button and return what answerCallbackQuery said."""
    answered = len(sim.api.alerts)
    await sim.feed(sim.tg.press(user, sent, data))
    assert len(sim.api.alerts) == answered + 1, "the callback query was not answered"
    return sim.api.alerts[-1]


async def press_forged(sim: Simulation, user: FakeUser, sent: Sent, data: str) -> dict[str, object]:
    """Tap a button carrying `data` under `sent`, as a stale or forged client would."""
    forged = dataclasses.replace(sent, buttons=[[{"callback_data": data}]])
    return await press(sim, user, forged, data)


def datas(sent: Sent) -> list[str]:
    return [str(b.get("callback_data")) for row in sent.buttons for b in row]


def is_alert(answer: dict[str, object]) -> bool:
    return answer.get("show_alert") is True


def shown_activity(sent: Sent) -> str:
    """The activity id a suggestion message offers (from its Let's try it button)."""
    (data,) = [d for d in datas(sent) if d.startswith("t:") and d.endswith(":w")]
    return data.split(":")[2]


async def activities(sim: Simulation, couple_id: int) -> dict[str, CoupleActivity]:
    async with sim.hearth.sessions() as session:
        rows = await session.scalars(
            select(CoupleActivity).where(CoupleActivity.couple_id == couple_id)
        )
        return {row.activity_id: row for row in rows}


def weekly_ideas(sim: Simulation, chat: FakeChat, since: int = 0) -> list[Sent]:
    return [s for s in sim.new_messages(since) if s.chat_id == chat.id and WEEKLY in s.text]


async def set_depth(sim: Simulation, chat: FakeChat, level: int) -> None:
    async with sim.hearth.sessions() as session, session.begin():
        couple = await session.scalar(select(Couple).where(Couple.chat_id == chat.id))
        assert couple is not None
        couple.depth = level


async def prompts(sim: Simulation) -> list[Prompt]:
    async with sim.hearth.sessions() as session:
        return list(
            await session.scalars(
                select(Prompt).where(Prompt.kind == "question").order_by(Prompt.id)
            )
        )


# --- /together -----------------------------------------------------------------------------


@pytest.fixture
async def small_sim(database_url: str, content: Content) -> AsyncIterator[Simulation]:
    """A simulation whose activity bank holds only three ideas, so exhausting it is quick."""
    small = dataclasses.replace(content, activities=content.activities[:3], by_id={})
    async with Simulation(database_url, START, content=small) as simulation:
        yield simulation


async def test_together_suggests_an_activity_with_three_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    suggestion = await say(sim, c.alex, c.group, "/together")
    activity = sim.hearth.content.by_id[shown_activity(suggestion)]
    assert activity.text in suggestion.text
    assert sorted(datas(suggestion)) == sorted(
        f"t:{cid}:{activity.id}:{a}" for a in ("w", "b", "n")
    )
    rows = await activities(sim, cid)
    assert rows[activity.id].status == "suggested"


async def test_done_this_before_is_never_suggested_again(small_sim: Simulation) -> None:
    sim = small_sim
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    message = await say(sim, c.alex, c.group, "/together")
    done_before = shown_activity(message)

    toast = await press(sim, c.sam, message, f"t:{cid}:{done_before}:b")
    assert not is_alert(toast)
    assert (await activities(sim, cid))[done_before].status == "done_before"
    # The same message now offers something else.
    edited = sim.tg.last(c.group)
    assert edited.message_id == message.message_id
    seen = [shown_activity(edited)]
    assert seen[0] != done_before

    # With only three ideas the bank is soon exhausted and ideas come round again, but never
    # the one they've already done.
    for _round in range(6):
        sim.clock.now += timedelta(minutes=7)
        await press(sim, c.alex, message, f"t:{cid}:{shown_activity(message)}:n")
        seen.append(shown_activity(message))
        sim.clock.now += timedelta(minutes=7)
        seen.append(shown_activity(await say(sim, c.sam, c.group, "/together")))
    await sim.tick(SATURDAY)
    (weekly,) = weekly_ideas(sim, c.group)
    seen.append(shown_activity(weekly))
    assert done_before not in seen
    assert len(set(seen)) == 2, seen  # the other two keep coming back


async def test_another_edits_to_a_different_activity(sim: Simulation) -> None:
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    message = await say(sim, c.alex, c.group, "/together")
    first = shown_activity(message)
    sent_before = len(sim.api.sent)
    toast = await press(sim, c.alex, message, f"t:{cid}:{first}:n")
    assert not is_alert(toast)
    assert len(sim.api.sent) == sent_before, "Another edits, it doesn't post"
    edited = sim.tg.last(c.group)
    assert edited.message_id == message.message_id
    second = shown_activity(edited)
    assert second != first
    assert sim.hearth.content.by_id[second].text in edited.text
    assert sim.hearth.content.by_id[first].text not in edited.text
    rows = await activities(sim, cid)
    assert rows[first].status == "suggested" and rows[second].status == "suggested"


async def test_wish_list_and_we_did_it_records_the_date(sim: Simulation) -> None:
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    empty = await say(sim, c.alex, c.group, "/together list")
    assert "empty" in empty.text and empty.buttons == []

    wished = []
    for user in (c.alex, c.sam):
        message = await say(sim, user, c.group, "/together")
        activity_id = shown_activity(message)
        toast = await press(sim, user, message, f"t:{cid}:{activity_id}:w")
        assert not is_alert(toast)
        assert message.buttons == [], "the choice is made: its buttons go"
        wished.append(activity_id)
        sim.clock.now += timedelta(hours=1)
    assert wished[0] != wished[1]
    rows = await activities(sim, cid)
    assert [rows[a].status for a in wished] == ["wish", "wish"]

    listing = await say(sim, c.sam, c.group, "/together list")
    texts = [sim.hearth.content.by_id[a].text for a in wished]
    assert "wish list" in listing.text
    assert f"1. {texts[0]}" in listing.text and f"2. {texts[1]}" in listing.text
    assert datas(listing) == [f"t:{cid}:{a}:d" for a in wished]

    did_at = datetime(2025, 6, 4, 18, 15, tzinfo=UTC)  # Wednesday evening
    sim.clock.now = did_at
    toast = await press(sim, c.alex, listing, f"t:{cid}:{wished[0]}:d")
    assert not is_alert(toast)
    row = (await activities(sim, cid))[wished[0]]
    assert row.status == "done" and row.done_at == did_at
    assert (await activities(sim, cid))[wished[1]].status == "wish"

    after = await say(sim, c.alex, c.group, "/together list")
    wish_part, done_part = after.text.split("Done together")
    assert texts[1] in wish_part and texts[0] not in wish_part
    assert f"{texts[0]} (4 June 2025)" in done_part
    assert datas(after) == [f"t:{cid}:{wished[1]}:d"]
    # Neither a wish nor a done activity is suggested again.
    for _round in range(5):
        sim.clock.now += timedelta(minutes=3)
        assert shown_activity(await say(sim, c.sam, c.group, "/together")) not in wished


async def test_weekly_idea_on_saturday_off_on_and_another_day(sim: Simulation) -> None:
    c = await sim.onboard()
    couple = await couple_in(sim, c.group)
    assert (couple.together_day, couple.together_time, couple.together_enabled) == (
        5,
        "10:00",
        True,
    )
    assert couple.next_together_at == SATURDAY
    await sim.tick(SATURDAY - timedelta(minutes=1))
    assert weekly_ideas(sim, c.group) == []
    await sim.tick(SATURDAY)
    (idea,) = weekly_ideas(sim, c.group)
    cid = couple.id
    assert datas(idea) and all(d.startswith(f"t:{cid}:") for d in datas(idea))

    off = await say(sim, c.alex, c.group, "/together off")
    assert "off" in off.text
    assert (await couple_in(sim, c.group)).next_together_at is None
    seen = len(sim.api.sent)
    await sim.tick(SATURDAY + timedelta(days=7))
    assert weekly_ideas(sim, c.group, seen) == []

    on = await say(sim, c.sam, c.group, "/together on")
    assert "Saturday 10:00" in on.text
    assert (await couple_in(sim, c.group)).next_together_at == SATURDAY + timedelta(days=14)
    await sim.tick(SATURDAY + timedelta(days=14))
    assert len(weekly_ideas(sim, c.group, seen)) == 1

    sunday = await say(sim, c.alex, c.group, "/together sunday")
    assert "Sunday" in sunday.text
    couple = await couple_in(sim, c.group)
    assert couple.together_day == 6
    assert couple.next_together_at == SATURDAY + timedelta(days=15)
    seen = len(sim.api.sent)
    await sim.tick(SATURDAY + timedelta(days=21))  # a Saturday: nothing any more
    assert weekly_ideas(sim, c.group, seen) == []
    await sim.tick(SATURDAY + timedelta(days=22))  # the Sunday after
    assert len(weekly_ideas(sim, c.group, seen)) == 1


async def test_weekly_idea_follows_the_couples_time_zone(sim: Simulation) -> None:
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/timezone Europe/Berlin")
    berlin_ten = SATURDAY.replace(hour=8)  # 10:00 CEST
    assert (await couple_in(sim, c.group)).next_together_at == berlin_ten
    await sim.tick(berlin_ten - timedelta(minutes=1))
    assert weekly_ideas(sim, c.group) == []
    await sim.tick(berlin_ten)
    assert len(weekly_ideas(sim, c.group)) == 1


@pytest.mark.parametrize(
    "command",
    ["/together blah", "/together list extra", "/together on off", "/together sunday extra"],
)
async def test_together_with_wrong_arguments_shows_usage(sim: Simulation, command: str) -> None:
    c = await sim.onboard()
    before = await couple_in(sim, c.group)
    reply = await say(sim, c.alex, c.group, command)
    assert USAGE in reply.text and "/together off" in reply.text
    assert reply.buttons == []
    after = await couple_in(sim, c.group)
    assert (after.together_day, after.together_enabled, after.next_together_at) == (
        before.together_day,
        before.together_enabled,
        before.next_together_at,
    )
    assert await activities(sim, before.id) == {}


async def test_together_buttons_refuse_strangers_and_other_couples(sim: Simulation) -> None:
    ours = await sim.onboard()
    theirs = await sim.onboard("Robin", "Kai")
    kim = sim.tg.user("Kim")
    sim.tg.join_group(ours.group, kim)
    cid = (await couple_in(sim, ours.group)).id
    their_id = (await couple_in(sim, theirs.group)).id
    message = await say(sim, ours.alex, ours.group, "/together")
    activity_id = shown_activity(message)
    text_before, sent_before = message.text, len(sim.api.sent)

    for action in ("w", "b", "n"):
        answer = await press(sim, kim, message, f"t:{cid}:{activity_id}:{action}")
        assert is_alert(answer), action
    answer = await press_forged(sim, ours.alex, message, f"t:{their_id}:{activity_id}:w")
    assert is_alert(answer) and "another couple" in str(answer.get("text"))

    assert (await activities(sim, cid))[activity_id].status == "suggested"
    assert await activities(sim, their_id) == {}
    assert message.text == text_before and len(datas(message)) == 3
    assert len(sim.api.sent) == sent_before


# --- safe space ----------------------------------------------------------------------------

ALEX_SAYS = "I felt lonely when you were away"
SAM_SAYS = "I loved our walk by the river"


async def both_answer(sim: Simulation, c: SimCouple, at: datetime = EVENING) -> None:
    await sim.tick(at)
    await sim.feed(sim.tg.send(c.alex, c.alex, ALEX_SAYS))
    await sim.feed(sim.tg.send(c.sam, c.sam, SAM_SAYS))


def reveal_to(sim: Simulation, user: FakeUser, words: str) -> Sent:
    """The private mirror message `user` received that carries `words`."""
    (message,) = [s for s in sim.tg.inbox(user) if "💌" in s.text and words in s.text]
    return message


async def answer_of(sim: Simulation, user: FakeUser) -> Answer:
    partner = await partner_row(sim, user)
    async with sim.hearth.sessions() as session:
        answer = await session.scalar(select(Answer).where(Answer.partner_id == partner.id))
    assert answer is not None
    return answer


async def test_mirrored_answer_carries_warm_responses(sim: Simulation) -> None:
    c = await sim.onboard()
    await both_answer(sim, c)
    bank = sim.hearth.content.warm_responses
    for receiver, sharer, words in ((c.sam, c.alex, ALEX_SAYS), (c.alex, c.sam, SAM_SAYS)):
        reveal = reveal_to(sim, receiver, words)
        answer = await answer_of(sim, sharer)
        buttons = [b for row in reveal.buttons for b in row]
        assert len(buttons) == 3
        for b in buttons:
            head, answer_id, index = str(b["callback_data"]).split(":")
            assert (head, int(answer_id)) == ("w", answer.id)
            assert b["text"] == bank[int(index)].text
    # A light question gets no listening tip.
    tips = [t.text for t in sim.hearth.content.listening_tips]
    assert not any(t in reveal_to(sim, c.sam, ALEX_SAYS).text for t in tips)


async def test_warm_response_reaches_the_sharer_privately_once(sim: Simulation) -> None:
    c = await sim.onboard()
    await both_answer(sim, c)
    reveal = reveal_to(sim, c.sam, ALEX_SAYS)
    stale = dataclasses.replace(reveal)  # what a slow client still shows after the tap
    first, second = datas(reveal)[:2]
    words = sim.hearth.content.warm_responses[int(first.rsplit(":", 1)[1])]
    group_before = len(sim.tg.inbox(c.group))
    seen = len(sim.api.sent)

    toast = await press(sim, c.sam, reveal, first)
    assert not is_alert(toast)
    (passed,) = sim.new_messages(seen)
    assert passed.chat_id == c.alex.id
    assert "Sam" in passed.text and words.text in passed.text
    assert len(sim.tg.inbox(c.group)) == group_before
    assert reveal.buttons == []  # the choice is made: the buttons are gone
    assert (await answer_of(sim, c.alex)).warm_response == words.id

    seen = len(sim.api.sent)
    again = await press(sim, c.sam, stale, second)
    assert is_alert(again) and "already" in str(again.get("text"))
    assert sim.new_messages(seen) == []
    assert (await answer_of(sim, c.alex)).warm_response == words.id


async def test_the_sharer_cannot_use_the_receivers_buttons(sim: Simulation) -> None:
    c = await sim.onboard()
    await both_answer(sim, c)
    alex_answer = await answer_of(sim, c.alex)
    own = reveal_to(sim, c.alex, SAM_SAYS)  # a message in Alex's own chat
    seen = len(sim.api.sent)
    answer = await press_forged(sim, c.alex, own, f"w:{alex_answer.id}:0")
    assert is_alert(answer)
    assert sim.new_messages(seen) == []
    assert (await answer_of(sim, c.alex)).warm_response is None
    # Sam, the receiver, still can.
    reveal = reveal_to(sim, c.sam, ALEX_SAYS)
    assert not is_alert(await press(sim, c.sam, reveal, datas(reveal)[0]))
    assert (await answer_of(sim, c.alex)).warm_response is not None


async def test_warm_buttons_under_a_mirrored_voice_answer(sim: Simulation) -> None:
    c = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(c.alex, c.alex, media="voice"))
    await sim.feed(sim.tg.send(c.sam, c.sam, SAM_SAYS))
    alex_answer = await answer_of(sim, c.alex)
    (copy,) = [s for s in sim.tg.inbox(c.sam) if s.kind == "voice"]
    assert datas(copy) and all(d.startswith(f"w:{alex_answer.id}:") for d in datas(copy))
    seen = len(sim.api.sent)
    assert not is_alert(await press(sim, c.sam, copy, datas(copy)[0]))
    (passed,) = sim.new_messages(seen)
    assert passed.chat_id == c.alex.id and "Sam" in passed.text


async def test_deep_question_reveal_includes_a_listening_tip(sim: Simulation) -> None:
    c = await sim.onboard()
    await set_depth(sim, c.group, 3)
    await both_answer(sim, c)
    (prompt,) = await prompts(sim)
    assert prompt.depth == 3
    tips = [t.text for t in sim.hearth.content.listening_tips]
    for receiver, words in ((c.sam, ALEX_SAYS), (c.alex, SAM_SAYS)):
        reveal = reveal_to(sim, receiver, words)
        assert any(t in reveal.text for t in tips), reveal.text
        assert datas(reveal), "the warm responses are still offered"
    assert not any(t in s.text for s in sim.tg.inbox(c.group) for t in tips)


# --- depth ladder --------------------------------------------------------------------------


def depth_asks(messages: list[Sent]) -> list[Sent]:
    return [m for m in messages if any(d.startswith("d:") for d in datas(m))]


async def test_depth_ladder_rises_only_when_both_are_ready(sim: Simulation) -> None:
    c = await sim.onboard()
    await sim.feed(sim.tg.command(c.alex, c.group, "/jarnight both"))  # a question every day
    couple = await couple_in(sim, c.group)
    cid = couple.id
    assert couple.depth == 1
    asked_on: dict[int, list[Sent]] = {}
    for day in range(14):
        await sim.tick(EVENING + timedelta(days=day))
        seen = len(sim.api.sent)
        await sim.feed(sim.tg.send(c.alex, c.alex, f"Alex, day {day}"))
        await sim.feed(sim.tg.send(c.sam, c.sam, f"Sam, day {day}"))
        new = sim.new_messages(seen)
        assert any(f"Alex, day {day}" in m.text for m in new if m.chat_id == c.sam.id)
        if depth_asks(new):
            asked_on[day] = [dataclasses.replace(m) for m in depth_asks(new)]
    history = await prompts(sim)
    assert len(history) == 14 and all(p.revealed_at is not None for p in history)
    assert [p.depth for p in history] == [1] * 14
    assert (await couple_in(sim, c.group)).depth == 1

    # Asked once, on the 10th answered day, privately to each of them.
    assert list(asked_on) == [9]
    asks = asked_on[9]
    assert sorted(m.chat_id for m in asks) == sorted([c.alex.id, c.sam.id])
    ids = {user.id: (await partner_row(sim, user)).id for user in (c.alex, c.sam)}
    for ask in asks:  # each names the partner it asks
        whom = ids[ask.chat_id]
        assert sorted(datas(ask)) == sorted([f"d:{cid}:2:{whom}", f"d:{cid}:0:{whom}"])
    alex_ready, sam_ready = (f"d:{cid}:2:{ids[user.id]}" for user in (c.alex, c.sam))
    alex_ask = next(m for m in sim.tg.inbox(c.alex) if alex_ready in datas(m))
    sam_ask = next(m for m in sim.tg.inbox(c.sam) if sam_ready in datas(m))

    sim.clock.now = EVENING + timedelta(days=14, hours=-2)
    toast = await press(sim, c.alex, alex_ask, alex_ready)
    assert not is_alert(toast)
    assert (await couple_in(sim, c.group)).depth == 1
    assert (await partner_row(sim, c.alex)).ready_depth == 2
    await sim.tick(EVENING + timedelta(days=14))
    assert (await prompts(sim))[-1].depth == 1, "one tap is not enough"

    sim.clock.now = EVENING + timedelta(days=15, hours=-2)
    group_seen = len(sim.tg.inbox(c.group))
    toast = await press(sim, c.sam, sam_ask, sam_ready)
    assert not is_alert(toast)
    assert (await couple_in(sim, c.group)).depth == 2
    assert any("both ready" in s.text for s in sim.tg.inbox(c.group)[group_seen:])

    for day in (15, 16, 17):
        await sim.tick(EVENING + timedelta(days=day))
    rotation = DEPTH_ROTATION[2]
    expected = [rotation[n % len(rotation)] for n in (15, 16, 17)]
    assert [p.depth for p in (await prompts(sim))[15:]] == expected
    assert expected.count(2) >= 2  # mostly level-2 questions

    sim.clock.now = EVENING + timedelta(days=18, hours=-2)
    assert "level 2 of 3" in (await say(sim, c.alex, c.group, "/depth")).text
    down = await say(sim, c.sam, c.group, "/depth down")
    assert "level 1" in down.text
    assert (await couple_in(sim, c.group)).depth == 1
    assert "level 1 of 3" in (await say(sim, c.alex, c.group, "/depth")).text
    await sim.tick(EVENING + timedelta(days=18))
    assert (await prompts(sim))[-1].depth == 1


async def test_depth_command_shows_level_and_usage(sim: Simulation) -> None:
    c = await sim.onboard()
    shown = await say(sim, c.alex, c.group, "/depth")
    assert "level 1 of 3" in shown.text
    usage = await say(sim, c.sam, c.group, "/depth sideways")
    assert "/depth up" in usage.text and "/depth down" in usage.text
    lightest = await say(sim, c.sam, c.group, "/depth down")
    assert "already" in lightest.text
    assert (await couple_in(sim, c.group)).depth == 1


# --- appreciation preferences --------------------------------------------------------------


def labelled(sent: Sent) -> dict[str, str]:
    """Callback data to button text."""
    return {str(b["callback_data"]): str(b["text"]) for row in sent.buttons for b in row}


async def test_appreciation_toggles_privately(sim: Simulation) -> None:
    c = await sim.onboard()
    panel = await say(sim, c.sam, c.sam, "/appreciation")
    assert sorted(datas(panel)) == sorted(f"p:{k}" for k in GESTURE_KINDS)
    assert not any(t.startswith("✅") for t in labelled(panel).values())

    assert not is_alert(await press(sim, c.sam, panel, "p:touch"))
    assert (await partner_row(sim, c.sam)).appreciation == "touch"
    assert labelled(panel)["p:touch"].startswith("✅")
    assert not labelled(panel)["p:words"].startswith("✅")

    await press(sim, c.sam, panel, "p:words")
    assert (await partner_row(sim, c.sam)).appreciation == "words,touch"
    await press(sim, c.sam, panel, "p:touch")
    assert (await partner_row(sim, c.sam)).appreciation == "words"
    assert not labelled(panel)["p:touch"].startswith("✅")
    assert (await partner_row(sim, c.alex)).appreciation == ""

    again = await say(sim, c.sam, c.sam, "/appreciation")
    ticked = [d for d, t in labelled(again).items() if t.startswith("✅")]
    assert ticked == ["p:words"]


async def test_appreciation_in_the_group_is_refused(sim: Simulation) -> None:
    c = await sim.onboard()
    panel = await say(sim, c.sam, c.sam, "/appreciation")
    await press(sim, c.sam, panel, "p:touch")
    for user in (c.alex, c.sam):
        refusal = await say(sim, user, c.group, "/appreciation")
        assert "private" in refusal.text
        assert refusal.buttons == []
        assert "✅" not in refusal.text and "touch" not in refusal.text.lower()
    # A toggle pressed in the group (a forged button) changes nothing.
    answer = await press_forged(sim, c.alex, sim.tg.last(c.group), "p:time")
    assert is_alert(answer)
    assert (await partner_row(sim, c.alex)).appreciation == ""
    assert (await partner_row(sim, c.sam)).appreciation == "touch"


async def test_nudges_lean_towards_the_partners_preference(sim: Simulation) -> None:
    c = await sim.onboard()
    panel = await say(sim, c.sam, c.sam, "/appreciation")
    await press(sim, c.sam, panel, "p:touch")
    group_seen = len(sim.tg.inbox(c.group))
    for day in range(30):
        await sim.tick(MONDAY + timedelta(days=day, hours=9))
    alex = await partner_row(sim, c.alex)
    async with sim.hearth.sessions() as session:
        given = await session.scalars(
            select(GestureAssignment.gesture_id).where(GestureAssignment.partner_id == alex.id)
        )
        kinds = [sim.hearth.content.by_id[gesture_id].kind for gesture_id in given]
    assert len(kinds) == 30
    assert kinds.count("touch") > len(kinds) / 5, kinds
    for message in sim.tg.inbox(c.group)[group_seen:]:
        lowered = message.text.lower()
        assert not any(w in lowered for w in ("touch", "appreciat", "prefer", "🤗")), message.text


async def test_not_yet_tapped_twice_removes_the_buttons_once(sim: Simulation) -> None:
    # Found by the fuzzer: a second tap on a depth question whose buttons were already gone
    # removed them again, which Telegram refuses ("message is not modified").
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/depth up")
    (ask,) = depth_asks(sim.tg.inbox(c.sam))
    not_yet = next(d for d in datas(ask) if d.split(":")[2] == "0")
    message = sim.api.messages[(c.sam.id, ask.message_id)]
    await press(sim, c.sam, ask, not_yet)
    answered = len(sim.api.alerts)
    await sim.feed(sim.tg.raw_callback(c.sam, not_yet, message))
    assert len(sim.api.alerts) == answered + 1
    assert ask.buttons == [] and sim.api.refused == []


async def test_an_older_appreciation_panel_showing_the_new_choice_is_left_alone(
    sim: Simulation,
) -> None:
    # Found by the fuzzer: after a toggle on a newer panel, the same toggle on an older one can
    # give exactly the buttons the older one shows; that edit is refused by Telegram.
    c = await sim.onboard()
    older = await say(sim, c.sam, c.sam, "/appreciation")
    newer = await say(sim, c.sam, c.sam, "/appreciation")
    await press(sim, c.sam, newer, "p:time")
    assert not is_alert(await press(sim, c.sam, older, "p:time"))
    assert (await partner_row(sim, c.sam)).appreciation == ""
    assert not any(t.startswith("✅") for t in labelled(older).values())
    assert sim.api.refused == []


# --- The depth ladder belongs to the pair ---------------------------------------------------


async def test_a_new_partner_starts_on_the_light_questions(lite: Simulation) -> None:
    """Alex and Sam climbed the depth ladder to "deep" together. Sam steps out (/forget) and
    Chris joins the group as Alex's new partner: Chris never tapped "Ready for deeper", yet
    the very first question of Alex and Chris is a deep one, and nothing asks them again."""
    sim = lite
    c = await sim.onboard()
    for _level in (2, 3):
        await rituals.say(sim, c.alex, c.group, "/depth up")
        await rituals.say(sim, c.sam, c.group, "/depth up")
    assert "level 3 of 3" in (await rituals.reply_to(sim, c.alex, c.group, "/depth")).text
    await rituals.say(sim, c.sam, c.sam, "/forget")
    await sim.feed(
        sim.tg.press(c.sam, sim.tg.last(c.sam), sim.tg.button_data(sim.tg.last(c.sam), "f:me"))
    )

    chris = sim.tg.user("Chris")
    sim.tg.join_group(c.group, chris)
    c.group.members.remove(c.sam.id)
    await sim.feed(sim.tg.command(chris, c.group, "/start"))
    await sim.feed(sim.tg.press(chris, sim.tg.last(c.group), "join"))
    await sim.tick(MONDAY.replace(hour=20))
    async with sim.hearth.sessions() as session:
        first = await session.scalar(
            select(Prompt).where(Prompt.kind == "question").order_by(Prompt.id.desc())
        )
    assert first is not None
    assert first.depth == 1, "Chris's first question is from the deep end of the ladder"
    assert "level 1 of 3" in (await rituals.reply_to(sim, chris, c.group, "/depth")).text


async def test_depth_up_never_asks_the_asker_in_the_group(lite: Simulation) -> None:
    """Neither partner opened the private chat yet. Alex sends /depth up: the group gets
    "Alex: Alex would like to try questions that go a little deeper. Nothing changes unless
    you tap Ready too." (Alex asked to agree with Alex), besides Sam's question."""
    sim = lite
    c = await sim.onboard(private=False)
    sent = await rituals.say(sim, c.alex, c.group, "/depth up")
    asks = [s.text for s in sent if "would like to try" in s.text]
    assert asks and all(t.startswith("Sam: ") for t in asks), asks


# --- second taps, late taps and days chosen (found by a review) ----------------------------


async def test_choosing_the_weekly_idea_day_while_ideas_are_off_does_what_it_says(
    sim: Simulation,
) -> None:
    """/together <day> after /together off switches the ideas back on, as /guess and
    /checkin do when given a day: what the reply promises comes."""
    c = await sim.onboard()
    await say(sim, c.alex, c.group, "/together off")
    reply = await say(sim, c.sam, c.group, "/together sunday")
    promised = "Weekly ideas on" in reply.text and "off" not in reply.text
    couple = await couple_in(sim, c.group)
    for week in range(3):
        await sim.tick(SATURDAY + timedelta(days=1 + 7 * week))  # each Sunday 10:00
    came = len(weekly_ideas(sim, c.group))
    assert not promised or came > 0, (
        f"told {reply.text!r}, but together_enabled={couple.together_enabled}, "
        f"next_together_at={couple.next_together_at}, ideas in three weeks: {came}"
    )


async def test_done_together_dates_are_written_in_the_couples_language(sim: Simulation) -> None:
    """/together list dates what a Russian couple did in Russian, by their own calendar."""
    c = await sim.onboard(languages=("ru", "ru"))
    suggestion = await say(sim, c.alex, c.group, "/together")
    wish = sim.tg.button_data(suggestion, "t:")
    cid, activity, _action = wish.split(":")[1:]
    await press(sim, c.alex, suggestion, f"t:{cid}:{activity}:w")
    listing = await say(sim, c.sam, c.group, "/together list")
    await press(sim, c.sam, listing, f"t:{cid}:{activity}:d")
    done = await say(sim, c.alex, c.group, "/together list")
    assert "Jun" not in done.text, done.text


async def test_deeper_tapped_twice_asks_the_partner_once(sim: Simulation) -> None:
    """A double tap on 🪜 Deeper asks the partner once."""
    c = await sim.onboard()
    before = len(sim.tg.inbox(c.group))
    await sim.feed(sim.tg.command(c.alex, c.group, "/settings"))
    (panel,) = sim.tg.inbox(c.group)[before:]
    cid = (await couple_in(sim, c.group)).id
    seen = len(sim.tg.inbox(c.sam))
    await press(sim, c.alex, panel, f"s:{cid}:lv+1")
    await press(sim, c.alex, panel, f"s:{cid}:lv+1")
    asks = [s for s in sim.tg.inbox(c.sam)[seen:] if "deeper" in s.text]
    assert len(asks) == 1, [s.text for s in asks]


async def test_depth_up_sent_twice_asks_the_partner_once(sim: Simulation) -> None:
    c = await sim.onboard()
    seen = len(sim.tg.inbox(c.sam))
    await say(sim, c.alex, c.group, "/depth up")
    await say(sim, c.alex, c.group, "/depth up")
    asks = [s for s in sim.tg.inbox(c.sam)[seen:] if "deeper" in s.text]
    assert len(asks) == 1, [s.text for s in asks]


async def test_the_asker_tapping_the_partners_depth_question_leaves_it_for_the_partner(
    sim: Simulation,
) -> None:
    """Without private chats the partner is asked in the group ("Sam: Alex would like…"): a
    tap there by the asker changes nothing and leaves Sam's buttons for Sam."""
    c = await sim.onboard(private=False)
    await sim.feed(sim.tg.command(c.alex, c.group, "/depth up"))
    (ask,) = [s for s in sim.tg.inbox(c.group) if s.text.startswith("Sam: ")]
    cid = (await couple_in(sim, c.group)).id
    answer = await press(sim, c.alex, ask, sim.tg.button_data(ask, f"d:{cid}:0:"))
    buttons = sim.api.messages[(ask.chat_id, ask.message_id)].get("reply_markup", {})
    assert buttons.get("inline_keyboard"), (
        f"Alex's tap ({answer.get('text')!r}) took Sam's Ready button away"
    )
    await press(sim, c.sam, ask, sim.tg.button_data(ask, f"d:{cid}:2:"))
    assert (await couple_in(sim, c.group)).depth == 2


async def test_a_question_drawn_before_is_not_said_to_be_in_the_jar(sim: Simulation) -> None:
    """The jar is empty (its one question was drawn weeks ago): writing that question again is
    not called "already in your jar"; it says it came out before (the drawn one stays its
    author's, with its draws)."""
    c = await sim.onboard()
    await say(sim, c.alex, c.alex, "/jar add What made you laugh this week?")
    await sim.feed(sim.tg.command(c.sam, c.group, "/jar"))
    sim.clock.now = MONDAY + timedelta(days=30)
    counts = await say(sim, c.alex, c.alex, "/jar")
    assert "Alex: 0 questions" in counts.text
    again = await say(sim, c.sam, c.sam, "/jar add What made you LAUGH this week")
    assert "come out of your jar before" in again.text, again.text
