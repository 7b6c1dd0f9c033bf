"""End to end: the opt-in themes. New-parent questions come once either partner turns them on;
affection & intimacy questions only while both said yes, each privately."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.content import Content
from bot.core.models import Partner, Prompt
from bot.simulation.fake_api import FakeUser, Sent
from bot.simulation.world import Couple, Simulation
from tests.conftest import START
from tests.helpers import couple_in
from tests.rituals_helpers import datas, is_alert, press, reply_to, say

EVENING = datetime(2025, 6, 2, 20, tzinfo=UTC)
BOTH_SAID_YES = "You've both said yes"


@pytest.fixture
async def small(sqlite_url: str, content: Content) -> AsyncIterator[Simulation]:
    """One ordinary question, and the new-parent and intimacy questions at the first depth:
    whatever a theme allows shows at once in the next evening's question."""
    questions = [q for q in content.questions if q.theme == "mind" and q.depth == 1][:1]
    questions += [
        q for q in content.questions if q.theme in ("parents", "intimacy") and q.depth == 1
    ]
    only = dataclasses.replace(content, questions=questions, by_id={}, pools={})
    async with Simulation(sqlite_url, START, content=only) as simulation:
        yield simulation


async def theme_of_evening(sim: Simulation, day: int) -> str:
    await sim.tick(EVENING + timedelta(days=day))
    async with sim.hearth.sessions() as session:
        theme = await session.scalar(
            select(Prompt.theme)
            .where(Prompt.kind == "question")
            .order_by(Prompt.id.desc())
            .limit(1)
        )
    assert theme is not None
    return theme


async def consent(
    sim: Simulation, user: FakeUser, cid: int, yes: bool
) -> tuple[dict[str, object], list[Sent]]:
    sent = await reply_to(sim, user, user, "/settings")
    before = len(sim.api.sent)
    answer = await press(sim, user, sent, f"s:{cid}:{'xon' if yes else 'xoff'}")
    return answer, sim.new_messages(before)


async def test_new_parent_questions_once_either_partner_turns_them_on(small: Simulation) -> None:
    sim = small
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    assert [await theme_of_evening(sim, day) for day in range(2)] == ["mind", "mind"]
    settings = await reply_to(sim, c.sam, c.group, "/settings")
    assert f"s:{cid}:pon" in datas(settings) and f"s:{cid}:xon" not in datas(settings)
    assert not is_alert(await press(sim, c.sam, settings, f"s:{cid}:pon"))
    assert "New-parent questions: on" in settings.text
    assert await theme_of_evening(sim, 2) == "parents"
    await press(sim, c.alex, settings, f"s:{cid}:poff")
    assert [await theme_of_evening(sim, day) for day in range(3, 6)] == ["mind"] * 3


async def test_intimacy_questions_only_while_both_said_yes(small: Simulation) -> None:
    sim = small
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    answer, sent = await consent(sim, c.alex, cid, yes=True)
    assert "only come once you've both said yes" in str(answer.get("text"))
    assert sent == [], "one partner's yes is never passed on"
    assert (
        "Affection & intimacy questions: off"
        in (await reply_to(sim, c.sam, c.group, "/settings")).text
    )
    assert await theme_of_evening(sim, 0) == "mind"

    answer, sent = await consent(sim, c.sam, cid, yes=True)
    assert "You both said yes" in str(answer.get("text"))
    assert sorted(s.chat_id for s in sent if BOTH_SAID_YES in s.text) == sorted(
        (c.alex.id, c.sam.id)
    )
    assert not [s for s in sent if s.chat_id == c.group.id]
    assert await theme_of_evening(sim, 1) == "intimacy"

    answer, sent = await consent(sim, c.alex, cid, yes=False)
    assert not is_alert(answer) and sent == []
    assert [await theme_of_evening(sim, day) for day in range(2, 5)] == ["mind"] * 3


async def test_consent_is_given_in_the_private_chat_only(lite: Simulation) -> None:
    sim = lite
    c = await sim.onboard()
    cid = (await couple_in(sim, c.group)).id
    group_panel = await reply_to(sim, c.alex, c.group, "/settings")
    refused = await press(sim, c.alex, group_panel, f"s:{cid}:xon", forged=True)
    assert is_alert(refused) and "privately" in str(refused.get("text"))
    private_panel = await reply_to(sim, c.alex, c.alex, "/settings")
    assert f"s:{cid}:xon" in datas(private_panel)
    assert "You haven't said yes to intimacy questions" in private_panel.text
    async with sim.hearth.sessions() as session:
        consents = list(await session.scalars(select(Partner.intimacy_ok)))
    assert consents == [False, False]
    await press(sim, c.alex, private_panel, f"s:{cid}:xon")
    assert f"s:{cid}:xoff" in datas(private_panel)
    await say(sim, c.alex, c.alex, "/export")
    await say(sim, c.sam, c.sam, "/export")
    (_a, _n, alex_file), (_s, _m, sam_file) = sim.api.documents
    assert json.loads(alex_file)["my_intimacy_questions_consent"] is True
    assert json.loads(sam_file)["my_intimacy_questions_consent"] is False


async def test_a_third_person_cannot_turn_themes_on(lite: Simulation) -> None:
    sim = lite
    c: Couple = await sim.onboard()
    kim = sim.tg.user("Kim")
    sim.tg.join_group(c.group, kim)
    cid = (await couple_in(sim, c.group)).id
    settings = await reply_to(sim, c.alex, c.group, "/settings")
    refused = await press(sim, kim, settings, f"s:{cid}:pon")
    assert is_alert(refused) and "Only the two partners" in str(refused.get("text"))
    assert not (await couple_in(sim, c.group)).parents
