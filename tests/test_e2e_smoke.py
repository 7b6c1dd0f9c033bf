"""Smoke: onboarding through a first revealed question."""

from __future__ import annotations

from datetime import timedelta

from bot.simulation import Simulation


async def test_whole_first_day(sim: Simulation) -> None:
    fake = sim.fake
    couple = await sim.onboard()
    await sim.tick(sim.clock.now.replace(hour=20, minute=0))
    question = fake.last(couple.group)
    assert "Tonight's question" in question.text
    await sim.feed(
        fake.send(couple.alex, couple.group, "In the group!", reply_to=question.message_id)
    )
    await sim.feed(fake.send(couple.sam, couple.sam, "Privately!"))
    texts = [s.text for s in fake.inbox(couple.alex)]
    assert any("Privately!" in t for t in texts), texts
    assert any("phones away" in s.text for s in fake.inbox(couple.group))
    _ = timedelta
