"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.core.models import Couple
from bot.simulation.fake_api import FakeChat
from bot.simulation.world import Simulation


async def couple_in(sim: Simulation, chat: FakeChat | int) -> Couple:
    """The couple row of a group chat (by chat or chat id), partners loaded, freshly read."""
    chat_id = chat if isinstance(chat, int) else chat.id
    async with sim.hearth.sessions() as session:
        couple = await session.scalar(select(Couple).where(Couple.chat_id == chat_id))
    assert couple is not None, f"no couple for chat {chat_id}"
    return couple


def settings_state(couple: Couple) -> tuple[object, ...]:
    """Everything a settings command or button may change."""
    return (
        couple.tz,
        couple.question_time,
        couple.gesture_time,
        couple.jar_day,
        couple.jar_time,
        couple.together_day,
        couple.together_enabled,
        couple.depth,
        couple.paused,
        couple.paused_until,
        couple.next_question_at,
        couple.next_gesture_at,
        couple.next_jar_at,
        couple.next_together_at,
    )


async def at_once(sim: Simulation, *updates: dict[str, Any] | None) -> None:
    """Process updates side by side, as the service's update processor does."""
    app = sim.app
    parsed = [Update.de_json(u, app.bot) for u in updates if u is not None]
    await asyncio.gather(
        *(app.update_processor.process_update(u, app.process_update(u)) for u in parsed)
    )
    assert not sim.errors, sim.errors
    await sim.send()
