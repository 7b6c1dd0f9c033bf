"""Helpers shared by the end-to-end tests of the rituals (love maps, check-in, dates, skip)."""

from __future__ import annotations

import dataclasses

from bot.simulation.fake_api import FakeChat, FakeUser, Sent
from bot.simulation.world import Simulation


def texts(sim: Simulation, chat: FakeChat | FakeUser, since: int = 0) -> list[str]:
    """What the bot sent to one chat after the first `since` messages of the whole world."""
    return [s.text for s in sim.new_messages(since) if s.chat_id == chat.id]


async def say(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> list[Sent]:
    """A command (or, privately, a message); returns what the bot sent anywhere after it."""
    before = len(sim.api.sent)
    update = (
        sim.tg.command(user, chat, text) if text.startswith("/") else sim.tg.send(user, chat, text)
    )
    await sim.feed(update)
    return sim.new_messages(before)


async def reply_to(sim: Simulation, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> Sent:
    """A command whose one answer is in the same chat."""
    (answer,) = [s for s in await say(sim, user, chat, text) if s.chat_id == chat.id]
    return answer


async def press(
    sim: Simulation, user: FakeUser, sent: Sent, data: str, forged: bool = False
) -> dict[str, object]:
    """Tap a button (a forged one carries `data` whatever is shown) and return the callback
    answer."""
    if forged:
        sent = dataclasses.replace(sent, buttons=[[{"callback_data": data}]])
    answered = len(sim.api.alerts)
    await sim.feed(sim.tg.press(user, sent, data))
    assert len(sim.api.alerts) == answered + 1, "the callback query was not answered"
    return sim.api.alerts[-1]


def is_alert(answer: dict[str, object]) -> bool:
    """The callback answer is an alert (something was refused)."""
    return answer.get("show_alert") is True


def datas(sent: Sent) -> list[str]:
    """The callback data of every button under a message."""
    return [
        str(b.get("callback_data")) for row in sent.buttons for b in row if "callback_data" in b
    ]
