"""/jar: draw from the jar, add to it, or count what's in it."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.core import jar
from bot.core.jar import Added
from bot.core.questions import names
from bot.i18n import _, ngettext
from handlers import texts
from handlers.common import Context, is_private, reply, unit_of_work, who


def usage() -> str:
    """How /jar is used."""
    return _(
        "To add a question: <code>/jar add What would you love to learn together?</code>\n"
        "To draw one: /jar in your group."
    )


async def jar_command(update: Update, context: Context) -> None:
    """/jar, /jar add <question>, and anything else gets the usage."""
    args = context.args or []
    private = is_private(update)
    async with unit_of_work(update, context) as work:
        couple, partner = await who(work, update)
        if couple is None or not couple.active or not couple.complete:
            text = (
                texts.not_set_up()
                if private
                else _("Both of you tap <b>We're in</b> first; then the jar is yours.")
            )
        elif partner is None:
            text = _("The jar belongs to {names} 💛").format(names=names(couple))
        elif args and args[0].lower() == "add":
            question = " ".join(args[1:])
            outcome = await jar.add(work.session, couple, partner, question, private, work.now)
            text = {
                Added.ADDED: _("🫙 In the jar, and secret until it's drawn.")
                if private
                else _("🫙 In the jar!"),
                Added.EMPTY: _("The jar needs a question.") + "\n" + usage(),
                Added.TOO_LONG: _(
                    "That question is {length} characters; the jar takes up to {limit}. "
                    "Could you say it more briefly?"
                ).format(length=len(question), limit=jar.JAR_MAX),
                Added.DUPLICATE: _("That question is already in your jar."),
                Added.DRAWN: _(
                    "That question has come out of your jar before. Put it in new words to "
                    "add it again."
                ),
            }[outcome]
        elif args:
            text = _("I didn't understand “{args}”.").format(args=escape(" ".join(args)[:100]))
            text += "\n" + usage()
        elif private:
            counts = await jar.undrawn_counts(work.session, couple)
            lines = [
                ngettext(
                    "{name}: {count} question", "{name}: {count} questions", counts.get(p.id, 0)
                ).format(name=escape(p.first_name), count=counts.get(p.id, 0))
                for p in couple.partners
            ]
            text = _("🫙 In your jar right now:") + "\n" + "\n".join(lines) + "\n\n" + usage()
        else:
            for couple_id, messages in await jar.draw_many(
                work.session, [couple], work.service.content, work.now, work.service.bot_username
            ):
                work.send(couple_id, messages)
            text = ""
    if text:
        await reply(update, text)
