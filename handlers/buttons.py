"""Every button press: its callback data parsed once, then handed to the handler for its kind.

Whatever the data (forged, malformed, from an older version), the press is answered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.core import callbacks
from handlers import dates, gestures, language, onboarding, practices, privacy, rituals, settings
from handlers.common import Context, invalid_button

Route = Callable[[Update, Context, Any], Awaitable[None]]
ROUTES: dict[type[callbacks.Callback], Route] = {
    callbacks.Join: onboarding.join,
    callbacks.Settings: settings.settings_button,
    callbacks.Gesture: gestures.gesture_button,
    callbacks.Warm: practices.warm_button,
    callbacks.Depth: practices.depth_button,
    callbacks.Appreciation: practices.appreciation_button,
    callbacks.Together: practices.together_button,
    callbacks.Forget: privacy.forget_button,
    callbacks.Skip: rituals.skip_button,
    callbacks.DateFor: dates.whose_button,
    callbacks.DateRemove: dates.remove_button,
    callbacks.Language: language.language_button,
}


async def on_button(update: Update, context: Context) -> None:
    """Parse the callback data and route it; anything unknown gets the one short alert."""
    query = update.callback_query
    if query is None:
        return
    pressed = callbacks.decode(query.data)
    route = None if pressed is None else ROUTES.get(type(pressed))
    # Hearth sends no inline messages: a press without a chat is under none of its messages
    # (the routes need the chat, and would return without answering).
    if route is None or update.effective_chat is None:
        await query.answer(invalid_button(), show_alert=True)
        return
    await route(update, context, pressed)
