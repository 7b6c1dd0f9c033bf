from __future__ import annotations
from datetime import UTC, datetime, timedelta
from bot.simulation.world import Simulation
from tests.helpers import couple_in, partner_row

async def test_probe_rename(sim: Simulation) -> None:
    first = await sim.onboard()
    # rename group
    upd = sim.tg.raw_message(first.group, first.alex.json(), {"new_chat_title": "Us two"})
    first.group.title = "Us two"
    await sim.feed(upd)
    carol = sim.tg.user("Carol")
    other = sim.tg.group("Alex & Carol", [first.alex, carol])
    await sim.feed(sim.tg.add_bot(other, by=carol))
    greeting = sim.tg.last(other)
    await sim.feed(sim.tg.press(first.alex, greeting, "join"))
    print(sim.api.alerts[-1])
