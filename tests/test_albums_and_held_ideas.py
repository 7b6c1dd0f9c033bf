"""End-to-end: an album's later items stay with the answer its first began (a love-map part,
an older question picked by button), and a held gesture idea the group never had still
comes when the private chat opens; an album's late item never reaches a new partner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.content import Content, gesture_text
from bot.core.models import Answer, GestureAssignment, Prompt
from bot.simulation.fake_api import FakeUser
from bot.simulation.world import Simulation
from tests.helpers import EVENING, ask, partner_instead, partner_row

WEDNESDAY_NOON = datetime(2025, 6, 4, 12, tzinfo=UTC)  # love maps' default time


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def send_album(sim: Simulation, user: FakeUser, captions: list[str], album: str) -> None:
    """`user` sends photos at once in their private chat: one message each, one media group."""
    for caption in captions:
        await sim.feed(sim.tg.send(user, user, media="photo", caption=caption, album=album))


async def answers_with_days(sim: Simulation) -> list[tuple[str, str, str, str, int]]:
    """(kind, caption or text, prompt kind, prompt day/ id) of every answer, in order."""
    async with sim.hearth.sessions() as session:
        rows = await session.execute(
            select(Answer, Prompt.kind, Prompt.local_date)
            .join(Prompt, Prompt.id == Answer.prompt_id)
            .order_by(Answer.id)
        )
        return [
            (a.kind, str(a.text), str(kind), day.isoformat(), len(a.sources()))
            for a, kind, day in rows
        ]


# --- an album in a love-map round ------------------------------------------------------------


async def test_an_album_answering_a_love_map_part_is_not_taken_for_the_guess(
    sim: Simulation,
) -> None:
    """Wednesday's love map asks Alex privately "a light question about you, then a guess".
    Alex answers with two photos sent together (one album): ONE answer to the first part (the
    second photo is not taken for the guess)."""
    c = await sim.onboard()
    await sim.tick(WEDNESDAY_NOON)
    sim.clock.now = WEDNESDAY_NOON + timedelta(minutes=5)
    await send_album(sim, c.alex, ["our lake", ""], album="lake")
    rows = [r for r in await answers_with_days(sim) if r[2] in ("map", "map_guess")]
    assert [r[2] for r in rows] == ["map"], (
        f"the album's second photo was filed as Alex's guess: {rows}"
    )
    assert rows[0][4] == 2, f"the answer is not the whole album: {rows}"


# --- an album answering a question picked by button -----------------------------------------


async def test_an_album_answering_a_picked_older_question_stays_with_it(sim: Simulation) -> None:
    """Tuesday 20:30 (after Tuesday's question) Sam taps "Answer privately" under Monday's
    question and sends two photos at once: both are Sam's answer to Monday's question."""
    couple, monday = await ask(sim)
    sim.clock.now = EVENING + timedelta(minutes=5)
    await sim.feed(sim.tg.send(couple.alex, couple.alex, "Alex on Monday"))
    await sim.tick(EVENING + timedelta(days=1))
    sim.clock.now = EVENING + timedelta(days=1, minutes=30)
    link = sim.tg.url_buttons(monday)[0]
    await sim.feed(sim.tg.start(couple.sam, link.split("start=", 1)[1]))
    assert "Write your answer" in sim.tg.last(couple.sam).text
    await send_album(sim, couple.sam, ["Monday's sunset", ""], album="sunset")
    rows = [r for r in await answers_with_days(sim) if r[0] == "photo"]
    assert [(r[3], r[4]) for r in rows] == [("2025-06-02", 2)], (
        f"Sam's album was split between Monday's and Tuesday's questions: {rows}"
    )


# --- held messages released when the private chat opens ---------------------------------------


async def test_a_gesture_idea_whose_group_fallback_was_deduplicated_is_not_lost(
    sim: Simulation, content: Content
) -> None:
    """Monday 09:00 both partners' private gesture ideas go out, but both had blocked Hearth
    (the updates saying so were never received): both are held, and each falls back to one
    shared challenge for the group. Only one shared challenge a day goes out (the second
    fallback is deduplicated), so the group got Alex's idea and never Sam's. When Sam opens
    his private chat again an hour later, his own idea comes (the group never had it)."""
    c = await sim.onboard()
    c.alex.blocked = True
    c.sam.blocked = True  # Telegram refuses; no my_chat_member update reached Hearth
    await sim.tick(utc(2025, 6, 2, 9))
    async with sim.hearth.sessions() as session:
        rows = list(
            await session.scalars(
                select(GestureAssignment).where(GestureAssignment.partner_id.is_not(None))
            )
        )
    sam = await partner_row(sim, c.sam)
    alex = await partner_row(sim, c.alex)
    apart = False
    ideas = {
        r.partner_id: gesture_text(content.by_id[r.gesture_id], apart)
        for r in rows
        if r.local_date.isoformat() == "2025-06-02"
    }
    assert set(ideas) == {sam.id, alex.id}
    assert ideas[sam.id] != ideas[alex.id]  # the seeds make them differ here
    sam_idea = ideas[sam.id].split(".")[0][:40]
    group_texts = [s.text for s in sim.tg.inbox(c.group)]
    assert not any(sam_idea in t for t in group_texts), "the group had Sam's idea"
    alex_idea = ideas[alex.id].split(".")[0][:40]
    assert any(alex_idea in t for t in group_texts), "the group's one challenge is Alex's idea"

    c.sam.blocked = False
    sim.clock.now = utc(2025, 6, 2, 10)
    await sim.feed(sim.tg.start(c.sam))
    everywhere = [s.text for s in sim.tg.inbox(c.sam)] + [s.text for s in sim.tg.inbox(c.group)]
    assert any(sam_idea in t for t in everywhere), (
        f"Sam's gesture idea ({sam_idea!r}) reached neither Sam nor the group"
    )


# --- an album's late item after a change of partner ----------------------------------------


def seen(sim: Simulation, chat: object, words: str) -> bool:
    return any(words in s.text for s in sim.tg.inbox(chat))  # type: ignore[arg-type]


async def forget_me(sim: Simulation, user: FakeUser) -> None:
    await sim.feed(sim.tg.command(user, user, "/forget"))
    confirm = sim.tg.last(user)
    await sim.feed(sim.tg.press(user, confirm, sim.tg.button_data(confirm, "f:me")))


async def test_an_albums_late_item_never_reaches_the_new_partner(sim: Simulation) -> None:
    """Alex answers Monday's question (revealed to Sam) with an album whose later photo
    arrives only after Sam stepped out and Chris joined: the photo, meant for Sam, reaches
    neither Chris nor the group of Alex and Chris."""
    couple = await sim.onboard()
    alex, sam, group = couple.alex, couple.sam, couple.group
    await sim.tick(EVENING)
    sim.clock.now = EVENING + timedelta(minutes=1)
    await sim.feed(sim.tg.send(sam, sam, "Sam's words"))
    await sim.feed(
        sim.tg.send(alex, alex, media="photo", caption="ALEX PHOTO ONE FOR SAM", album="sea")
    )
    assert seen(sim, sam, "ALEX PHOTO ONE FOR SAM"), "revealed to Sam"

    sim.clock.now = EVENING + timedelta(minutes=2)
    await forget_me(sim, sam)
    chris = await partner_instead(sim, group, instead_of=sam)
    before = len(sim.api.sent)
    sim.clock.now = EVENING + timedelta(minutes=3)
    await sim.feed(
        sim.tg.send(alex, alex, media="photo", caption="ALEX PHOTO TWO FOR SAM", album="sea")
    )
    await sim.tick(sim.clock.now + timedelta(minutes=1))
    leaked = [s.chat_id for s in sim.new_messages(before) if "ALEX PHOTO TWO" in s.text]
    assert not seen(sim, chris, "ALEX PHOTO TWO"), "Chris got Alex's photo meant for Sam"
    assert leaked == [], f"Alex's photo for Sam went to {leaked}"
