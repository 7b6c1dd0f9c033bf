"""The host's view: /stats for HEARTH_ADMIN_IDS (counts only), and unknown commands."""

from __future__ import annotations

from telegram import Update

from bot import __version__, db
from bot.core import stats
from bot.i18n import _
from handlers.common import Context, reply, unit_of_work


def unknown_command() -> str:
    """The reply to a command Hearth doesn't know."""
    return _("I don't know that command. /help lists what I can do.")


async def stats_command(update: Update, context: Context) -> None:
    """/stats: the instance in numbers, privately, for its admins; anyone else: unknown."""
    user, hearth = update.effective_user, context.hearth
    async with unit_of_work(update, context):
        pass  # recorded, so a redelivered /stats isn't answered twice
    chat = update.effective_chat
    if (
        user is None
        or chat is None
        or chat.type != "private"
        or user.id not in (hearth.settings.admin_ids)
    ):
        await reply(update, unknown_command())
        return
    now = hearth.clock()
    async with db.reading(hearth.sessions) as session:
        numbers = await stats.gather(session, now)
    await reply(update, stats.render(numbers, __version__, now - hearth.started_at))


async def unknown(update: Update, context: Context) -> None:
    """A command in private that no handler took."""
    async with unit_of_work(update, context):
        pass
    await reply(update, unknown_command())
