"""Onboarding end to end: greeting, "We're in", deep links, removal, re-adding, migration."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.core.models import Answer, Partner, Prompt
from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Simulation
from tests.helpers import couple_in

JOIN_LABEL = "We're in"
NOT_SET_UP = "create a group with your partner"


async def partner_count(sim: Simulation, couple_id: int) -> int:
    async with sim.hearth.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Partner).where(Partner.couple_id == couple_id)
        )
    return int(count or 0)


def labels(sent: Sent) -> list[str]:
    return [str(b.get("text", "")) for row in sent.buttons for b in row]


def questions(sim: Simulation, chat: FakeChat) -> list[Sent]:
    return [s for s in sim.tg.inbox(chat) if "Tonight's question" in s.text]


async def add_bot_to_new_group(
    sim: Simulation, *names: str
) -> tuple[list[FakeUser], FakeChat, Sent]:
    users = [sim.tg.user(name) for name in names]
    group = sim.tg.group(" & ".join(names), users)
    await sim.feed(sim.tg.add_bot(group, by=users[0]))
    return users, group, sim.tg.last(group)


# --- greeting and /start in the group ------------------------------------------------------


async def test_adding_the_bot_greets_with_a_join_button(sim: Simulation) -> None:
    _users, group, greeting = await add_bot_to_new_group(sim, "Alex", "Sam")
    assert len(sim.tg.inbox(group)) == 1
    assert "Hearth" in greeting.text
    assert any(JOIN_LABEL in label for label in labels(greeting))
    assert sim.tg.button_data(greeting, "join") == "join"
    couple = await couple_in(sim, group)
    assert couple.active
    assert await partner_count(sim, couple.id) == 0


async def test_start_in_group_before_setup_shows_the_greeting(sim: Simulation) -> None:
    (alex, _sam), group, greeting = await add_bot_to_new_group(sim, "Alex", "Sam")
    await sim.feed(sim.tg.command(alex, group, "/start"))
    again = sim.tg.last(group)
    assert again.message_id != greeting.message_id
    assert again.text == greeting.text
    assert any(JOIN_LABEL in label for label in labels(again))


async def test_start_in_group_after_setup_shows_status(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.sam, couple.group, "/start"))
    status = sim.tg.last(couple.group)
    assert "Alex" in status.text and "Sam" in status.text
    assert "20:00" in status.text and "09:00" in status.text
    assert "UTC" in status.text
    assert not any(JOIN_LABEL in label for label in labels(status))


# --- "We're in" ----------------------------------------------------------------------------


async def test_first_join_edits_greeting_to_show_who_joined(sim: Simulation) -> None:
    (alex, _sam), group, greeting = await add_bot_to_new_group(sim, "Alex", "Sam")
    await sim.feed(sim.tg.press(alex, greeting, "join"))
    edited = sim.tg.inbox(group)[0]
    assert edited.message_id == greeting.message_id
    assert "Alex is in" in edited.text
    assert sim.tg.button_data(edited, "join") == "join"  # still waiting for Sam
    assert len(sim.tg.inbox(group)) == 1  # no confirmation yet
    assert sim.api.alerts[-1].get("show_alert") is not True
    assert await partner_count(sim, (await couple_in(sim, group)).id) == 1


async def test_second_join_confirms_schedule_with_private_link(sim: Simulation) -> None:
    (alex, sam), group, greeting = await add_bot_to_new_group(sim, "Alex", "Sam")
    await sim.feed(sim.tg.press(alex, greeting, "join"))
    await sim.feed(sim.tg.press(sam, greeting, "join"))
    edited = sim.tg.inbox(group)[0]
    assert "Alex and Sam are in" in edited.text
    assert edited.buttons == []  # the join button is gone
    confirmation = sim.tg.last(group)
    assert confirmation.message_id != greeting.message_id
    assert "20:00" in confirmation.text
    assert "09:00" in confirmation.text
    assert "UTC" in confirmation.text
    couple = await couple_in(sim, group)
    assert sim.tg.url_buttons(confirmation) == [
        f"https://t.me/hearth_bot?start={couple.link_token}"
    ]
    assert couple.question_time == "20:00" and couple.gesture_time == "09:00"
    assert couple.tz == "UTC"
    assert couple.next_question_at == sim.clock.now.replace(hour=20, minute=0)
    assert await partner_count(sim, couple.id) == 2


async def test_third_person_gets_an_alert_and_is_not_added(sim: Simulation) -> None:
    (alex, sam, kim), group, first = await add_bot_to_new_group(sim, "Alex", "Sam", "Kim")
    # A second greeting (from /start) still carries a join button after the couple is full.
    await sim.feed(sim.tg.command(kim, group, "/start"))
    second = sim.tg.last(group)
    await sim.feed(sim.tg.press(alex, first, "join"))
    await sim.feed(sim.tg.press(sam, first, "join"))
    before = len(sim.tg.inbox(group))
    await sim.feed(sim.tg.press(kim, second, "join"))
    alert = sim.api.alerts[-1]
    assert alert.get("show_alert") is True
    assert "two" in str(alert.get("text"))
    assert len(sim.tg.inbox(group)) == before
    couple = await couple_in(sim, group)
    assert await partner_count(sim, couple.id) == 2
    assert {p.first_name for p in couple.partners} == {"Alex", "Sam"}


async def test_someone_paired_in_another_group_is_told_so(sim: Simulation) -> None:
    first = await sim.onboard()
    carol = sim.tg.user("Carol")
    other = sim.tg.group("Alex & Carol", [first.alex, carol])
    await sim.feed(sim.tg.add_bot(other, by=carol))
    greeting = sim.tg.last(other)
    await sim.feed(sim.tg.press(first.alex, greeting, "join"))
    alert = sim.api.alerts[-1]
    assert alert.get("show_alert") is True
    assert "another chat" in str(alert.get("text"))
    assert "Alex & Sam" in str(alert.get("text"))
    assert await partner_count(sim, (await couple_in(sim, other)).id) == 0
    assert "Alex is in" not in sim.tg.inbox(other)[0].text


async def test_pressing_join_twice_says_already_in(sim: Simulation) -> None:
    (alex, _sam), group, greeting = await add_bot_to_new_group(sim, "Alex", "Sam")
    await sim.feed(sim.tg.press(alex, greeting, "join"))
    await sim.feed(sim.tg.press(alex, sim.tg.inbox(group)[0], "join"))
    alert = sim.api.alerts[-1]
    assert alert.get("show_alert") is True
    assert "already in" in str(alert.get("text"))
    assert await partner_count(sim, (await couple_in(sim, group)).id) == 1


# --- private chat --------------------------------------------------------------------------


async def test_start_with_token_links_the_private_chat(sim: Simulation) -> None:
    couple = await sim.onboard(private=False)
    token = (await couple_in(sim, couple.group)).link_token
    await sim.feed(sim.tg.start(couple.alex, token))
    assert "connected" in sim.tg.last(couple.alex).text
    assert "Sam" in sim.tg.last(couple.alex).text
    partners = {p.first_name: p for p in (await couple_in(sim, couple.group)).partners}
    assert partners["Alex"].private_open is True
    assert partners["Sam"].private_open is False


async def test_start_with_token_by_a_stranger_is_refused(sim: Simulation) -> None:
    couple = await sim.onboard(private=False)
    token = (await couple_in(sim, couple.group)).link_token
    stranger = sim.tg.user("Eve")
    await sim.feed(sim.tg.start(stranger, token))
    assert "not part of" in sim.tg.last(stranger).text
    row = await couple_in(sim, couple.group)
    assert await partner_count(sim, row.id) == 2
    assert not any(p.private_open for p in row.partners)


async def test_start_with_garbage_token_explains_setup(sim: Simulation) -> None:
    await sim.onboard(private=False)
    stranger = sim.tg.user("Eve")
    await sim.feed(sim.tg.start(stranger, "not-a-real-token"))
    text = sim.tg.last(stranger).text
    assert "expired" in text
    assert NOT_SET_UP in text


async def test_plain_start_by_a_stranger_explains_setup(sim: Simulation) -> None:
    stranger = sim.tg.user("Eve")
    await sim.feed(sim.tg.start(stranger))
    text = sim.tg.last(stranger).text
    assert NOT_SET_UP in text
    assert "We're in" in text


# --- group life events ---------------------------------------------------------------------


async def test_removed_bot_deactivates_and_readding_reactivates(sim: Simulation) -> None:
    couple = await sim.onboard()
    monday_question = sim.clock.now.replace(hour=20, minute=0)
    await sim.feed(sim.tg.remove_bot(couple.group, by=couple.alex))
    assert (await couple_in(sim, couple.group)).active is False
    seen = len(sim.api.sent)
    await sim.tick(monday_question)
    assert sim.new_messages(seen) == []  # nothing to the group, nothing privately

    sim.clock.now = monday_question + timedelta(hours=14)  # Tuesday 10:00
    await sim.feed(sim.tg.add_bot(couple.group, by=couple.sam))
    row = await couple_in(sim, couple.group)
    assert row.active is True
    assert row.next_question_at == monday_question + timedelta(days=1)
    assert "Alex" in sim.tg.last(couple.group).text  # a status, not a new greeting
    await sim.tick(monday_question + timedelta(days=1))
    assert len(questions(sim, couple.group)) == 1


async def test_a_group_added_back_after_its_evening_waits_for_the_next_one(
    sim: Simulation,
) -> None:
    """Removed on Monday morning, added back at 20:30 that evening: the couple's old next
    instant (Monday 20:00) belongs to no one's evening now, so nothing comes at once; the
    first question is Tuesday's, at 20:00."""
    couple = await sim.onboard()
    monday_question = sim.clock.now.replace(hour=20, minute=0)
    sim.clock.now = monday_question.replace(hour=10)
    await sim.feed(sim.tg.remove_bot(couple.group, by=couple.alex))
    sim.clock.now = monday_question + timedelta(minutes=30)
    await sim.feed(sim.tg.add_bot(couple.group, by=couple.sam))
    assert (await couple_in(sim, couple.group)).next_question_at == monday_question + timedelta(
        days=1
    )
    await sim.tick(monday_question + timedelta(minutes=31))
    assert questions(sim, couple.group) == []
    await sim.tick(monday_question + timedelta(days=1))
    assert len(questions(sim, couple.group)) == 1


async def test_a_group_added_back_stays_quiet_while_a_partner_is_paired_elsewhere(
    sim: Simulation,
) -> None:
    """One couple per person, also on re-adding: Alex paired with Kim after the old group
    removed the bot, so the old group coming back must not make Alex a partner of two couples
    (a private answer meant for Sam could then reach Kim)."""
    old = await sim.onboard()
    alex, sam = old.alex, old.sam
    await sim.feed(sim.tg.remove_bot(old.group, by=sam))
    (kim,), new_group, greeting = await add_bot_to_new_group(sim, "Kim")
    new_group.members.append(alex.id)
    await sim.feed(sim.tg.press(alex, greeting, "join"))
    await sim.feed(sim.tg.press(kim, greeting, "join"))
    await sim.feed(sim.tg.add_bot(old.group, by=sam))
    assert (await couple_in(sim, old.group)).active is False
    told = sim.tg.last(old.group)
    assert "Alex now has Hearth in another chat" in told.text and not told.buttons
    await sim.tick(sim.clock.now.replace(hour=20, minute=0))
    assert questions(sim, old.group) == []
    await sim.feed(sim.tg.start(alex, (await couple_in(sim, new_group)).link_token))
    await sim.feed(sim.tg.send(alex, alex, "For Kim"))
    async with sim.hearth.sessions() as session:
        answered = (await session.execute(select(Answer.text, Prompt.couple_id).join(Prompt))).all()
    assert answered == [("For Kim", (await couple_in(sim, new_group)).id)]
    # Once Alex has left the other couple, /start in the old group brings it back.
    await sim.feed(sim.tg.remove_bot(new_group, by=kim))
    await sim.feed(sim.tg.command(sam, old.group, "/start"))
    assert (await couple_in(sim, old.group)).active is True
    assert "Alex & Sam" in sim.tg.last(old.group).text


async def test_migrated_group_keeps_its_couple(sim: Simulation) -> None:
    couple = await sim.onboard()
    new, update = sim.tg.migrate(couple.group)
    await sim.feed(update)
    row = await couple_in(sim, new.id)
    assert row.active
    assert {p.first_name for p in row.partners} == {"Alex", "Sam"}
    await sim.tick(sim.clock.now.replace(hour=20, minute=0))
    assert len(questions(sim, new)) == 1
    assert questions(sim, couple.group) == []
    # Commands in the new supergroup reach the same couple.
    await sim.feed(sim.tg.command(couple.alex, new, "/start"))
    assert "Alex & Sam" in sim.tg.last(new).text


async def test_command_menus_registered_at_start_up(sim: Simulation) -> None:
    scopes = {
        str(params["scope"]["type"]): [c["command"] for c in params["commands"]]
        for method, params in sim.api.calls
        if method == "setMyCommands"
    }
    assert set(scopes) == {"all_group_chats", "all_private_chats"}
    assert {"jar", "settings", "timezone", "time", "pause", "resume", "help"} <= set(
        scopes["all_group_chats"]
    )
    assert {"jar", "help"} <= set(scopes["all_private_chats"])
