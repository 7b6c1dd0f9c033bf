"""Paid broadcast: every send asks for it, and the sender keeps a second's worth in flight."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_application
from bot.config import PAID_RATE, Settings, load_settings
from bot.core.content import Content
from bot.simulation.fake_api import FAKE_TOKEN
from bot.simulation.world import FAKE_KEY, Simulation
from handlers.sender import IN_FLIGHT, in_flight_for
from tests.conftest import START

EVENING = datetime(2025, 6, 2, 20, 0, tzinfo=UTC)


def test_a_second_of_messages_in_flight_at_the_configured_rate() -> None:
    assert in_flight_for(30) == 90  # three seconds' worth: a partner's turn waits no longer
    assert in_flight_for(100) == IN_FLIGHT
    assert in_flight_for(0) == IN_FLIGHT  # no limit (benchmarks, the simulation)
    assert in_flight_for(PAID_RATE) == 1000
    settings = load_settings({"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "HEARTH_PAID_BROADCAST": "true",
                              "HEARTH_ENCRYPTION_KEY": FAKE_KEY}, env_file=None)  # fmt: skip
    assert (settings.paid_broadcast, settings.send_rate) == (True, PAID_RATE)
    app = build_application(settings)
    sender = app.bot_data["hearth"].sender
    assert (sender.batch, sender.paid_broadcast) == (1000, True)


async def test_every_send_asks_for_paid_broadcast_when_it_is_on(
    sqlite_url: str, sqlite_template: Path, content: Content
) -> None:
    shutil.copyfile(sqlite_template, sqlite_url.split("///", 1)[1])
    settings = Settings(token=FAKE_TOKEN, database_url=sqlite_url, rate_limit=False,
                        encryption_key=FAKE_KEY, paid_broadcast=True)  # fmt: skip
    async with Simulation(sqlite_url, START, content=content, settings=settings) as sim:
        couple = await sim.onboard()
        await sim.tick(EVENING)
        sends = [p for method, p in sim.api.calls if method == "sendMessage"]
        asked = [
            p for p in sends if int(p["chat_id"]) == couple.group.id and "Tonight" in p["text"]
        ]
        assert asked, "tonight's question went out"
        assert all(str(p.get("allow_paid_broadcast")).lower() == "true" for p in asked)
