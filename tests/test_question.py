"""End-to-end: the daily question, sealed answers, the mirror, media and edits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.models import Answer, Prompt
from bot.simulation.world import Simulation
from tests.helpers import EVENING, answered_on, ask


def texts(sim: Simulation, chat: object) -> list[str]:
    return [s.text for s in sim.tg.inbox(chat)]  # type: ignore[arg-type]


async def stored_answers(sim: Simulation) -> list[Answer]:
    async with sim.hearth.sessions() as session:
        return list(await session.scalars(select(Answer).order_by(Answer.id)))


async def test_question_posted_with_reply_hint_and_private_button(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.tick(EVENING - timedelta(minutes=1))
    assert not [t for t in texts(sim, couple.group) if "Tonight's question" in t]
    await sim.tick(EVENING)
    question = sim.tg.last(couple.group)
    assert "Reply to this message" in question.text
    (url,) = sim.tg.url_buttons(question)
    assert url.startswith("https://t.me/hearth_bot?start=a")


async def test_group_reply_is_recorded_and_acknowledged_with_a_reaction(sim: Simulation) -> None:
    couple, question = await ask(sim)
    update = sim.tg.send(
        couple.alex, couple.group, "We laughed a lot", reply_to=question.message_id
    )
    await sim.feed(update)
    (answer,) = await stored_answers(sim)
    assert answer.text == "We laughed a lot" and answer.in_group
    assert sim.api.reactions[-1][0] == couple.group.id
    # Sam is told Alex answered; nothing else in the group.
    assert "Alex has answered" in sim.tg.last(couple.sam).text


async def test_private_answer_is_sealed_until_both_answer(sim: Simulation) -> None:
    couple, question = await ask(sim)
    secret = "I was scared of the new job"
    await sim.feed(sim.tg.send(couple.alex, couple.alex, secret))
    assert sim.api.reactions[-1][:1] == (couple.alex.id,)
    everything_sam_sees = texts(sim, couple.sam) + texts(sim, couple.group)
    assert not any(secret in t for t in everything_sam_sees)
    assert "Alex has answered" in sim.tg.last(couple.sam).text
    assert question.message_id  # the question itself stays

    await sim.feed(sim.tg.send(couple.sam, couple.sam, "I loved our walk"))
    assert any(secret in t and "Alex" in t for t in texts(sim, couple.sam))
    assert any("I loved our walk" in t for t in texts(sim, couple.alex))
    group = texts(sim, couple.group)
    both = [t for t in group if "Both answers are in" in t]
    assert both and secret in both[0] and "I loved our walk" in both[0]
    assert "phones away" in group[-1]


async def test_one_in_group_one_private(sim: Simulation) -> None:
    couple, question = await ask(sim)
    await sim.feed(
        sim.tg.send(couple.alex, couple.group, "Group answer", reply_to=question.message_id)
    )
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Private answer"))
    # Each partner is shown only what they haven't seen: Sam read Alex's answer in the group.
    assert any("Private answer" in t for t in texts(sim, couple.alex))
    assert not any("Group answer" in t for t in texts(sim, couple.sam))
    assert texts(sim, couple.sam)[-1].startswith("💌 You've read Alex's answer in the group")
    group = texts(sim, couple.group)
    assert "The sealed answer to" in group[-2] and "Private answer" in group[-2]
    assert "Group answer" not in group[-2] and "phones away" in group[-1]
    async with sim.hearth.sessions() as session:
        prompt = await session.scalar(select(Prompt))
    assert prompt is not None and prompt.revealed_at == EVENING


async def test_no_group_reveal_when_someone_else_is_in_the_group(sim: Simulation) -> None:
    couple, _question = await ask(sim)
    robin = sim.tg.user("Robin")
    sim.tg.join_group(couple.group, robin)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex secret"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam secret"))
    group = texts(sim, couple.group)
    assert not any("secret" in t for t in group)
    assert any("Sam secret" in t for t in texts(sim, couple.alex))
    assert any("Alex secret" in t for t in texts(sim, couple.sam))
    assert "phones away" in group[-1]


async def test_third_person_cannot_answer(sim: Simulation) -> None:
    couple, question = await ask(sim)
    robin = sim.tg.user("Robin")
    sim.tg.join_group(couple.group, robin)
    await sim.feed(sim.tg.send(robin, couple.group, "Me too!", reply_to=question.message_id))
    assert await stored_answers(sim) == []
    assert "just for Alex & Sam" in sim.tg.last(couple.group).text


async def test_answering_twice_keeps_the_first(sim: Simulation) -> None:
    couple, question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "First"))
    await sim.feed(sim.tg.send(couple.alex, couple.group, "Second", reply_to=question.message_id))
    (answer,) = await stored_answers(sim)
    assert answer.text == "First"
    assert "already answered" in sim.tg.last(couple.group).text


async def test_media_answers_are_mirrored_with_copy_message(sim: Simulation) -> None:
    couple, question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="voice"))
    await sim.feed(
        sim.tg.send(
            couple.sam, couple.group, reply_to=question.message_id, media="photo", caption="us"
        )
    )
    kinds = [a.kind for a in await stored_answers(sim)]
    assert kinds == ["voice", "photo"]
    copies = [params for method, params in sim.api.calls if method == "copyMessage"]
    targets = {(p["chat_id"], p["from_chat_id"]) for p in copies}
    assert (couple.sam.id, couple.alex.id) in targets  # Alex's voice to Sam
    assert (couple.group.id, couple.alex.id) in targets  # the sealed voice shown in the group
    assert (couple.alex.id, couple.group.id) not in targets, "Alex saw Sam's photo in the group"
    assert any(s.kind == "voice" for s in sim.tg.inbox(couple.sam))


async def test_video_note_and_video_answers(sim: Simulation) -> None:
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="video_note"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, media="video"))
    assert [a.kind for a in await stored_answers(sim)] == ["video_note", "video"]
    assert any(s.kind == "video" for s in sim.tg.inbox(couple.alex))
    assert any(s.kind == "video_note" for s in sim.tg.inbox(couple.sam))


async def test_unsupported_media_is_explained_not_recorded(sim: Simulation) -> None:
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="sticker"))
    assert await stored_answers(sim) == []
    assert "text, voice" in sim.tg.last(couple.alex).text


async def test_edit_before_reveal_updates_quietly(sim: Simulation) -> None:
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Draft"))
    reactions = [params for method, params in sim.api.calls if method == "setMessageReaction"]
    message_id = reactions[-1]["message_id"]  # the reaction names Alex's message
    sam_before = len(sim.tg.inbox(couple.sam))
    await sim.feed(sim.tg.edit(couple.alex, couple.alex, message_id, "Final words"))
    (answer,) = await stored_answers(sim)
    assert answer.text == "Final words"
    assert len(sim.tg.inbox(couple.sam)) == sam_before
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine"))
    assert any("Final words" in t for t in texts(sim, couple.sam))
    assert not any("Draft" in t for t in texts(sim, couple.sam))


async def test_edit_after_reveal_tells_the_partner(sim: Simulation) -> None:
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Old"))
    alex_message = max(mid for (chat, mid) in sim.api.messages if chat == couple.alex.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine"))
    await sim.feed(sim.tg.edit(couple.alex, couple.alex, alex_message, "New and better"))
    last = sim.tg.last(couple.sam).text
    assert "edited" in last and "New and better" in last
    assert "New and better" in sim.tg.last(couple.group).text, "the group saw it sealed, too"


async def test_an_edited_caption_after_reveal_is_shown_to_the_partner(sim: Simulation) -> None:
    """A photo answer's new caption reaches Sam (and the private group) as the photo again,
    under the "edited" line: not only the news that something changed."""
    couple, _question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, media="photo", caption="Old caption"))
    photo = max(mid for (chat, mid) in sim.api.messages if chat == couple.alex.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine"))
    before = len(sim.api.sent)
    await sim.feed(sim.tg.edit(couple.alex, couple.alex, photo, "New caption"))
    new = [(s.chat_id, s.kind, s.text) for s in sim.new_messages(before)]
    for chat in (couple.sam.id, couple.group.id):
        (edited, copy) = [(kind, words) for to, kind, words in new if to == chat]
        assert "edited" in edited[1] and copy[0] == "photo" and "New caption" in copy[1], new


async def test_an_edit_in_the_group_is_not_repeated(sim: Simulation) -> None:
    couple, question = await ask(sim)
    await sim.feed(sim.tg.send(couple.alex, couple.group, "Old", reply_to=question.message_id))
    alex_message = max(mid for (chat, mid) in sim.api.messages if chat == couple.group.id)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Mine"))
    before = len(sim.api.sent)
    await sim.feed(sim.tg.edit(couple.alex, couple.group, alex_message, "New and better"))
    assert sim.new_messages(before) == [], "Sam sees the edit in the group itself"
    (answer,) = [a for a in await stored_answers(sim) if a.in_group]
    assert answer.text == "New and better"


async def test_reply_to_yesterdays_question_counts_for_yesterday(sim: Simulation) -> None:
    couple, monday = await ask(sim)
    await sim.tick(EVENING + timedelta(days=1))
    tuesday = sim.tg.last(couple.group)
    assert tuesday.message_id != monday.message_id
    await sim.feed(sim.tg.send(couple.alex, couple.group, "Late one", reply_to=monday.message_id))
    async with sim.hearth.sessions() as session:
        row = (
            await session.execute(
                select(Prompt.local_date, Answer.text).join(Answer, Answer.prompt_id == Prompt.id)
            )
        ).one()
    assert row.local_date.isoformat() == "2025-06-02" and row.text == "Late one"


async def test_answer_privately_button_routes_to_that_question(sim: Simulation) -> None:
    couple, monday = await ask(sim)
    await sim.tick(EVENING + timedelta(days=1))
    link = sim.tg.url_buttons(monday)[0]
    await sim.feed(sim.tg.start(couple.sam, link.split("start=", 1)[1]))
    assert "Write your answer" in sim.tg.last(couple.sam).text
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "For Monday"))
    async with sim.hearth.sessions() as session:
        row = (
            await session.execute(
                select(Prompt.local_date).join(Answer, Answer.prompt_id == Prompt.id)
            )
        ).one()
    assert row.local_date.isoformat() == "2025-06-02"


async def test_private_text_with_nothing_open_explains(sim: Simulation) -> None:
    couple = await sim.onboard()
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "hello?"))
    assert await stored_answers(sim) == []
    assert "/jar add" in sim.tg.last(couple.alex).text


async def test_reaction_not_possible_falls_back_to_a_short_reply(sim: Simulation) -> None:
    couple, question = await ask(sim)
    couple.group.reactions_allowed = False
    await sim.feed(sim.tg.send(couple.alex, couple.group, "Hi", reply_to=question.message_id))
    assert "Got it" in sim.tg.last(couple.group).text
    assert len(await stored_answers(sim)) == 1


async def test_a_question_picked_by_button_stays_picked_when_the_partner_answers_another(
    sim: Simulation,
) -> None:
    """Sam taps "Answer privately" under Monday's question and is told to write the answer;
    Alex answering Tuesday's meanwhile does not re-point Sam's next message to Tuesday."""
    couple, monday = await ask(sim)
    await sim.tick(EVENING + timedelta(days=1))
    link = sim.tg.url_buttons(monday)[0]
    sim.clock.now = EVENING + timedelta(days=1, minutes=5)
    await sim.feed(sim.tg.start(couple.sam, link.split("start=", 1)[1]))
    assert "Write your answer" in sim.tg.last(couple.sam).text
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Tuesday"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday"))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Tuesday"))
    assert await answered_on(sim) == {
        "Alex on Tuesday": "2025-06-03",
        "Sam on Monday": "2025-06-02",
        "Sam on Tuesday": "2025-06-03",
    }


async def test_a_private_reply_to_yesterdays_nudge_answers_yesterdays_question(
    sim: Simulation,
) -> None:
    """Spec: an answer to an older question (a reply to that day's message) counts for that
    day, in the private chat too; a message that replies to nothing answers today's."""
    couple, monday = await ask(sim)
    await sim.feed(
        sim.tg.send(couple.alex, couple.group, "Alex on Monday", reply_to=monday.message_id)
    )
    nudge = sim.tg.last(couple.sam)
    assert "Alex has answered" in nudge.text
    await sim.tick(EVENING + timedelta(days=1))
    sim.clock.now = EVENING + timedelta(days=1, minutes=5)
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Monday", reply_to=nudge.message_id))
    # Monday is revealed: Alex sees Sam's answer to it.
    assert any("Sam on Monday" in s.text for s in sim.tg.inbox(couple.alex))
    await sim.feed(sim.tg.send(couple.sam, couple.sam, "Sam on Tuesday"))
    assert await answered_on(sim) == {
        "Alex on Monday": "2025-06-02",
        "Sam on Monday": "2025-06-02",
        "Sam on Tuesday": "2025-06-03",
    }
