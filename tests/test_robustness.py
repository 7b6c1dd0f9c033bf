"""End-to-end: the edge cases a review found — timeouts, forgetting, removals, races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.models import Answer, Couple, JarQuestion
from bot.simulation.world import Simulation
from tests.conftest import BOTH

ENGINES = BOTH  # claims, races and cascades behave differently per engine

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)


def seen(sim: Simulation, chat: object, words: str) -> bool:
    return any(words in s.text for s in sim.tg.inbox(chat))  # type: ignore[arg-type]


async def test_a_new_partner_never_sees_the_forgotten_partners_history(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    question = next(s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX WORDS FOR SAM"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM WORDS"))
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/forget"))
    confirm = sim.tg.last(couple.sam)
    await sim.feed(sim.tg.press(couple.sam, confirm, sim.tg.button_data(confirm, "f:me")))
    sim.clock.now = EVENING + timedelta(hours=1)
    chris = sim.tg.user("Chris")
    sim.tg.join_group(couple.group, chris)
    await sim.feed(sim.tg.command(chris, couple.group, "/start"))
    greeting = sim.tg.last(couple.group)
    await sim.feed(sim.tg.press(chris, greeting, "join"))
    await sim.feed(sim.tg.start(chris))
    # Chris replies to the old question: it belongs to another pair's history.
    await sim.feed(sim.tg.send(chris, couple.group, "mine?", reply_to=question.message_id))
    async with sim.hearth.sessions() as session:
        texts = [a.text for a in await session.scalars(select(Answer))]
    assert "mine?" not in texts
    sim.clock.now = EVENING + timedelta(days=8)
    await sim.feed(sim.tg.command(chris, chris, "/memories"))
    await sim.feed(sim.tg.command(chris, chris, "/export"))
    assert not seen(sim, chris, "ALEX WORDS")
    (_chat, _name, data) = sim.api.documents[-1]
    assert b"ALEX WORDS" not in data


async def test_forget_drops_queued_messages_that_quote_the_partner(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX SECRET"))
    sim.api.fail("getChatMemberCount", "network", times=5)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "sam"))
    assert not seen(sim, couple.group, "ALEX SECRET")  # the group reveal is still queued
    await sim.feed(sim.tg.command(couple.alex, couple.alex, "/forget"))
    await sim.feed(
        sim.tg.press(
            couple.alex,
            sim.tg.last(couple.alex),
            sim.tg.button_data(sim.tg.last(couple.alex), "f:me"),
        )
    )
    for minutes in (1, 5, 20, 60):
        await sim.tick(EVENING + timedelta(minutes=minutes))
    assert not seen(sim, couple.group, "ALEX SECRET")


async def test_a_timed_out_reveal_is_retried_not_lost(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "a"))
    sim.api.fail("sendMessage", "timeout", chat_id=couple.alex.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM FOR ALEX"))
    assert not seen(sim, couple.alex, "SAM FOR ALEX")
    await sim.tick(EVENING + timedelta(minutes=1))
    assert seen(sim, couple.alex, "SAM FOR ALEX")


async def test_a_timed_out_member_check_defers_the_group_reveal(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX A"))
    sim.api.fail("getChatMemberCount", "timeout")
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM B"))
    assert not seen(sim, couple.group, "ALEX A")
    await sim.tick(EVENING + timedelta(minutes=1))
    assert seen(sim, couple.group, "ALEX A") and seen(sim, couple.group, "SAM B")


async def test_nothing_is_sent_to_a_removed_couple_until_it_is_back(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "a"))
    sim.api.fail("sendMessage", "network", chat_id=couple.alex.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM LATE"))
    await sim.feed(sim.tg.remove_bot(couple.group, by=couple.alex))
    await sim.tick(EVENING + timedelta(minutes=5))
    assert not seen(sim, couple.alex, "SAM LATE")
    await sim.feed(sim.tg.add_bot(couple.group, by=couple.alex))
    await sim.tick(EVENING + timedelta(minutes=10))
    assert seen(sim, couple.alex, "SAM LATE")


async def test_no_group_reveal_when_a_partner_left_and_someone_else_joined(
    sim: Simulation,
) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX PRIVATE"))
    sim.tg.leave_group(couple.group, couple.sam)
    sim.tg.join_group(couple.group, sim.tg.user("Friend"))  # still three members
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM PRIVATE"))
    assert not seen(sim, couple.group, "ALEX PRIVATE")
    assert seen(sim, couple.sam, "ALEX PRIVATE")


async def test_editing_a_command_does_not_run_it_again(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.alex, couple.alex, "/jar add Wht makes you laugh?"))
    message_id = max(mid for (chat, mid) in sim.api.messages if chat == couple.alex.id)
    before = len(sim.api.sent)
    # The bot's confirmation is the latest message; Alex's command is the one before it.
    await sim.feed(
        sim.tg.edit(couple.alex, couple.alex, message_id - 1, "/jar add What makes you laugh?")
    )
    async with sim.hearth.sessions() as session:
        assert len(list(await session.scalars(select(JarQuestion)))) == 1
    assert len(sim.api.sent) == before


async def test_a_second_private_message_is_not_filed_under_the_jar(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.command(couple.sam, couple.group, "/jar"))
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "first"))
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "second"))
    async with sim.hearth.sessions() as session:
        texts = [a.text for a in await session.scalars(select(Answer))]
    assert texts == ["first"]
    assert "already answered" in sim.tg.last(couple.alex).text


async def test_migration_announced_before_the_service_message(sim: Simulation) -> None:
    couple = await sim.onboard()
    new, migrate_update = sim.tg.migrate(couple.group)
    # Telegram may first report the bot as a member of the new supergroup.
    await sim.feed(sim.tg.add_bot(new, by=couple.alex))
    await sim.feed(migrate_update)
    async with sim.hearth.sessions() as session:
        rows = list(await session.scalars(select(Couple)))
    assert [r.chat_id for r in rows] == [new.id]
    await sim.tick(EVENING)
    assert any("Tonight's question" in s.text for s in sim.tg.inbox(new))


async def test_stale_your_turn_is_dropped_but_a_held_reveal_arrives(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    question = next(s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text)
    couple.sam.blocked = True
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "ALEX FIRST"))  # "your turn" held
    await sim.feed(  # a blocked user can still reply in the group; the reveal to Sam is held
        sim.tg.send(couple.sam, couple.group, "sam", reply_to=question.message_id)
    )
    couple.sam.blocked = False
    sim.clock.now = EVENING + timedelta(days=3)
    await sim.feed(sim.tg.start(couple.sam))
    await sim.tick(EVENING + timedelta(days=3, minutes=1))
    assert seen(sim, couple.sam, "ALEX FIRST")
    assert not seen(sim, couple.sam, "Your turn")


async def test_private_answer_after_a_jar_nudge_answers_the_jar_question(
    sim: Simulation,
) -> None:
    from bot.core.models import Prompt

    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "alex evening"))  # Sam's turn
    sim.clock.now = EVENING + timedelta(hours=2)
    await sim.feed(sim.tg.command(couple.alex, couple.group, "/jar"))
    drawn = sim.tg.last(couple.group)
    assert sim.tg.url_buttons(drawn), "a jar draw can be answered privately too"
    await sim.feed(sim.tg.send(couple.alex, couple.group, "alex jar", reply_to=drawn.message_id))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "SAM JAR"))
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Prompt.kind, Answer.text).join(Answer, Answer.prompt_id == Prompt.id)
        )
        kinds = [kind for kind, text in rows if text == "SAM JAR"]  # sealed: compared here
    assert kinds == ["jar"]


async def test_an_answered_questions_link_says_so(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    monday = next(s for s in sim.tg.inbox(couple.group) if "Tonight's question" in s.text)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "done"))
    link = sim.tg.url_buttons(monday)[0].split("start=", 1)[1]
    await sim.feed(sim.tg.start(couple.alex, link))
    assert "already answered" in sim.tg.last(couple.alex).text


async def test_replying_to_the_reveal_is_not_a_second_answer(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "a"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "b"))
    reveal = next(s for s in sim.tg.inbox(couple.group) if "Both answers are in" in s.text)
    before = len(sim.api.sent)
    await sim.feed(sim.tg.send(couple.sam, couple.group, "aww", reply_to=reveal.message_id))
    assert sim.api.sent[before:] == []


async def test_the_group_hears_when_a_partner_steps_out(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.feed(sim.tg.command(couple.sam, couple.sam, "/forget"))
    await sim.feed(
        sim.tg.press(
            couple.sam, sim.tg.last(couple.sam), sim.tg.button_data(sim.tg.last(couple.sam), "f:me")
        )
    )
    note = sim.tg.last(couple.group)
    assert "stepped out" in note.text and "Sam" not in note.text
    assert sim.tg.button_data(note, "join") == "join:again"
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "hello?"))
    assert "once you're both in" in sim.tg.last(couple.alex).text


async def test_a_blocked_partners_fallback_goes_out_at_once(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING)
    couple.sam.blocked = True
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "a"))
    # No tick needed: the group hears "Sam, your turn" in the same update.
    assert "Sam, your turn" in sim.tg.last(couple.group).text


async def test_not_yet_keeps_the_i_noticed_button(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(datetime(2025, 6, 2, 9, tzinfo=UTC))
    nudge = sim.tg.last(couple.alex)
    await sim.feed(sim.tg.press(couple.alex, nudge, sim.tg.button_data(nudge, "g:d:")))
    await sim.tick(datetime(2025, 6, 2, 19, 1, tzinfo=UTC))
    ask = sim.tg.last(couple.sam)
    await sim.feed(sim.tg.press(couple.sam, ask, sim.tg.button_data(ask, "g:x:")))
    await sim.feed(sim.tg.press(couple.sam, ask, sim.tg.button_data(ask, "g:y:")))
    assert "noticed your kindness" in sim.tg.last(couple.alex).text


async def test_a_question_stuck_past_midnight_is_not_sent_the_next_day(sim: Simulation) -> None:
    couple = await sim.onboard()
    sim.api.fail("sendMessage", "network", times=50, chat_id=couple.group.id)
    await sim.tick(EVENING)
    await sim.tick(EVENING + timedelta(hours=3))  # still failing
    sim.api.failures.clear()
    await sim.tick(EVENING + timedelta(hours=5))  # 01:00 the next day
    assert not any("Tonight's question" in s.text for s in sim.tg.inbox(couple.group))
    await sim.tick(EVENING + timedelta(days=1))
    assert sum("Tonight's question" in s.text for s in sim.tg.inbox(couple.group)) == 1


async def test_a_press_without_a_message_is_answered(sim: Simulation) -> None:
    # Found by the fuzzer: a callback query without its message (an inline message; Hearth sends
    # none, so only a forged one) went unanswered by "We're in", settings and forget buttons.
    couple = await sim.onboard()
    for data in ("join", "join:again", "s:1:q+30", "f:no", "f:me", "f:us:1"):
        update = sim.tg.raw_callback(couple.alex, data, None)
        await sim.feed(update)
        query_id = update["callback_query"]["id"]
        answers = [a for a in sim.api.alerts if a.get("callback_query_id") == query_id]
        assert len(answers) == 1 and "no longer valid" in str(answers[0].get("text")), data
