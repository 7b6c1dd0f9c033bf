"""End to end, around the rituals: menus and /help, a partner whose private chat is closed,
media answers in a round, and buttons that no longer fit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.models import ImportantDate
from bot.simulation.world import Simulation
from tests.rituals_helpers import is_alert, press, reply_to, say, texts

WEDNESDAY_NOON = datetime(2025, 6, 4, 12, tzinfo=UTC)


async def test_menus_and_help_name_the_new_commands(lite: Simulation) -> None:
    sim = lite
    scopes = {
        str(params["scope"]["type"]): {c["command"] for c in params["commands"]}
        for method, params in sim.api.calls
        if method == "setMyCommands"
    }
    for scope in ("all_group_chats", "all_private_chats"):
        assert {"guess", "dates", "checkin"} <= scopes[scope]
    c = await sim.onboard()
    for chat in (c.group, c.alex):
        text = (await reply_to(sim, c.alex, chat, "/help")).text
        for words in ("/guess", "/checkin", "/dates add 14.02", "🔀"):
            assert words in text, words


async def test_a_closed_private_chat_gets_a_pointer_in_the_group(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard(private=False)
    before = len(sim.api.sent)
    await sim.tick(WEDNESDAY_NOON)
    notes = [t for t in texts(sim, c.group, before) if "love map is waiting for you" in t]
    assert len(notes) == 2 and all("send /guess" in t for t in notes)
    # The words of the question stay out of the group.
    assert not any("Your answer?" in t for t in texts(sim, c.group, before))
    note = next(s for s in sim.new_messages(before) if "love map is waiting" in s.text)
    token = sim.tg.url_buttons(note)[0].split("start=", 1)[1]
    await sim.feed(sim.tg.start(c.alex, token))
    asked = await say(sim, c.alex, c.alex, "/guess")
    assert "Your answer?" in asked[-1].text and asked[-1].chat_id == c.alex.id


async def test_media_answers_in_a_round_are_copied_at_the_reveal(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await sim.tick(WEDNESDAY_NOON)
    await sim.feed(sim.tg.send(c.alex, c.alex, media="voice"))
    await say(sim, c.alex, c.alex, "Something with noodles")
    await say(sim, c.sam, c.sam, "Pancakes")
    await say(sim, c.sam, c.sam, "Soup")
    copies = {(p["chat_id"], p["from_chat_id"]) for m, p in sim.api.calls if m == "copyMessage"}
    assert (c.sam.id, c.alex.id) in copies and (c.group.id, c.alex.id) in copies
    assert (c.alex.id, c.alex.id) not in copies, "nobody is sent their own answer"
    (reveal,) = [t for t in texts(sim, c.sam) if "Love maps: you've both answered" in t]
    assert "Alex said: a voice message" in reveal


async def test_a_whose_day_button_for_a_secret_date_is_refused(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    await say(sim, c.alex, c.alex, "/dates add 01.03 a secret")
    async with sim.hearth.sessions() as session:
        item = await session.scalar(select(ImportantDate))
    assert item is not None
    for user in (c.alex, c.sam):
        refused = await press(sim, user, sim.tg.last(user), f"df:{item.id}:0", forged=True)
        assert is_alert(refused) and "no longer valid" in str(refused.get("text"))


async def test_rituals_wait_for_both_partners(lite: Simulation) -> None:
    sim = lite
    alex = sim.tg.user("Alex")
    group = sim.tg.group("Alex alone", [alex])
    await sim.feed(sim.tg.add_bot(group, by=alex))
    await sim.feed(sim.tg.press(alex, sim.tg.last(group), "join"))
    for command in ("/guess now", "/checkin now", "/dates add 01.01 our day"):
        answer = await reply_to(sim, alex, group, command)
        assert "Both of you tap" in answer.text
