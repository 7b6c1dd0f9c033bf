"""Texts the handlers compose from domain state (all through the translation function)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot import i18n
from bot.core import couples, themes
from bot.core.apart import lives_apart, own_clock
from bot.core.models import Couple, Partner
from bot.core.questions import names
from bot.i18n import _, clock, weekday


def when(instant: datetime | None, tz: str, now: datetime) -> str:
    """A coming instant as the couple reads it: "today at 20:00", "tomorrow at 04:20"."""
    if instant is None:
        return _("once you're both in")
    zone = ZoneInfo(tz)
    local, today = instant.astimezone(zone), now.astimezone(zone).date()
    at = clock(local.time())
    if local.date() == today:
        return _("today at {time}").format(time=at)
    if local.date() == today + timedelta(days=1):
        return _("tomorrow at {time}").format(time=at)
    return _("on {day} at {time}").format(day=weekday(local.weekday()), time=at)


def unknown_zone(raw: str) -> str:
    """A time zone (or city) Hearth doesn't know."""
    return _("I don't know the time zone “{raw}”.").format(raw=escape(raw[:64]))


def time_set(which: str, value: str) -> str:
    """The confirmation of /time."""
    return {
        "question": _("⏰ Question time set to {value}."),
        "gesture": _("⏰ Gesture time set to {value}."),
        "jar": _("⏰ Jar night time set to {value}."),
        "together": _("⏰ Weekly idea time set to {value}."),
    }[which].format(value=value)


def still_paused(couple: Couple) -> str:
    """Said after a change while the couple is paused: until /resume, or the day it ends."""
    if couple.paused_until is None:
        return _("Hearth is paused for now: nothing comes until you send /resume.")
    return back_on(couple, couple.paused_until)


def back_on(couple: Couple, until: datetime) -> str:
    """A timed pause: the (local) day Hearth is back, or sooner by hand."""
    day = i18n.day(until.astimezone(ZoneInfo(couple.tz)).date())
    return _("⏸ Paused: back on {date}, or sooner with /resume.").format(date=day)


def greeting(complete: bool = False) -> str:
    """What the bot says when it joins a group (without the call to join once both are in)."""
    intro = _(
        "Hi, I'm Hearth 🕯 I help the two of you stay close with small daily rituals: "
        "an evening question you both answer (kept sealed until you've both replied), "
        "a small private idea each morning for showing appreciation, and a question jar "
        "you fill together."
    )
    return intro if complete else intro + " " + _("Both of you, tap <b>We're in</b> to start.")


def one_offset_note(name: str) -> str:
    """Added where a zone keeping one time all year was set ("EST", "GMT")."""
    return _(
        "⚠️ {tz} keeps the same time all year. If your clocks change in summer, send your "
        "city instead, for example <code>/timezone New York</code> or "
        "<code>/timezone London</code>."
    ).format(tz=name)


def paired_elsewhere(partners: Sequence[Partner]) -> str:
    """Said in a group whose couple cannot start again: a partner has Hearth in another chat."""
    return _(
        "Welcome back 👋 {names} now has Hearth in another chat, and each person can be in "
        "one Hearth couple only, so I'll stay quiet here. To start here again, remove me "
        "from that chat first, then send /start here."
    ).format(names=", ".join(escape(p.first_name) for p in partners) or "?")


def joined_line(couple: Couple) -> str:
    """Who has joined so far, for the edited greeting."""
    people = [escape(p.first_name) for p in couple.partners]
    if len(people) == 2:
        return _("💞 {first} and {second} are in.").format(first=people[0], second=people[1])
    if len(people) == 1:
        return _("✅ {name} is in. Waiting for their partner…").format(name=people[0])
    return ""


def schedule_lines(couple: Couple) -> str:
    """The couple's rhythm, one line per ritual."""
    day = weekday(couple.jar_day)
    ideas = (
        _("{day} {time}").format(day=weekday(couple.together_day), time=clock(couple.together_time))
        if couple.together_enabled
        else _("off")
    )
    return (
        _(
            "• Evening question: {question}\n"
            "• Gesture idea (privately): {gesture}\n"
            "• Jar night: {day} {jar}, {how}\n"
            "• Weekly idea to do together: {ideas}\n"
            "• Question depth: level {depth} of 3\n"
            "• Time zone: {tz}"
        ).format(
            question=clock(couple.question_time),
            gesture=clock(couple.gesture_time),
            day=day,
            jar=clock(couple.jar_time),
            how=jar_night_how(couple),
            ideas=ideas,
            depth=couple.depth,
            tz=couple.tz,
        )
        + "\n"
        + ritual_lines(couple)
        + "".join("\n" + line for line in _apart_lines(couple))
    )


def jar_night_how(couple: Couple) -> str:
    """How jar night and that evening's question go together."""
    if couple.jar_with_question:
        return _("with the evening question too (/jarnight instead)")
    return _("instead of the evening question (/jarnight both)")


def jar_night_set(couple: Couple) -> str:
    """The reply to /jarnight: when it is and how it goes with the evening question."""
    return _("🫙 Jar night: {day} {time}, {how}.").format(
        day=weekday(couple.jar_day), time=clock(couple.jar_time), how=jar_night_how(couple)
    )


def ritual_lines(couple: Couple) -> str:
    """Love maps, the check-in and the opt-in questions, one line each."""

    def weekly(enabled: bool, day: int, at: str) -> str:
        return _("{day} {time}").format(day=weekday(day), time=at) if enabled else _("off")

    def switch(enabled: bool) -> str:
        return _("on") if enabled else _("off")

    return _(
        "• Love maps (privately): {guess}\n"
        "• Weekly check-in (privately): {checkin}\n"
        "• New-parent questions: {parents}\n"
        "• Affection & intimacy questions: {intimacy}"
    ).format(
        guess=weekly(couple.guess_enabled, couple.guess_day, couple.guess_time),
        checkin=weekly(couple.checkin_enabled, couple.checkin_day, couple.checkin_time),
        parents=switch(couple.parents),
        intimacy=switch(themes.intimacy_on(couple)),
    )


def _apart_lines(couple: Couple) -> list[str]:
    """Partners on their own clock, and living apart (nothing for a couple in one zone)."""
    lines = [
        _("• {name}'s own time zone: {tz} (question and gesture at their own times)").format(
            name=escape(p.first_name), tz=p.tz
        )
        for p in couple.partners
        if own_clock(couple, p)
    ]
    if lives_apart(couple):
        lines.append(_("• Living apart: what needs you in one place is left out (/living)"))
    return lines


def all_set(couple: Couple) -> str:
    """Sent when the second partner joins."""
    return (
        _("You're all set! Here's your rhythm:")
        + "\n"
        + schedule_lines(couple)
        + "\n\n"
        + _(
            "Change the time zone with <code>/timezone Europe/Berlin</code> and times with "
            "<code>/time question 21:30</code>.\n\nEach of you, tap the button below and "
            "press <b>Start</b>, so I can write to you privately: sealed answers and "
            "gesture ideas go there."
        )
    )


def status(couple: Couple, now: datetime) -> str:
    """/start in a group that is already set up (and the top of /settings)."""
    paused = ""
    if couples.is_paused(couple, now):
        paused = "\n" + (
            _("⏸ Paused. /resume when you're ready.")
            if couple.paused_until is None
            else back_on(couple, couple.paused_until)
        )
    return _("🕯 Hearth for {names}\n{lines}{paused}").format(
        names=names(couple), lines=schedule_lines(couple), paused=paused
    )


def help_text() -> str:
    """/help: every command."""
    return (
        _(
            "🕯 <b>Hearth</b> helps you two stay close, a few minutes a day.\n\n"
            "<b>Answering</b>: reply to the evening question in the group, or send your answer "
            "to me privately (text, voice, video note, photo or video). Before either of you "
            "answers, 🔀 under it swaps it for another question, once a day.\n\n"
            "/jar: draw a question from your jar\n"
            "/jar add &lt;question&gt;: put a question in the jar (privately, it stays secret)\n"
            "/timezone &lt;city or zone&gt;: e.g. <code>/timezone Europe/Berlin</code>\n"
            "/timezone me &lt;city or zone&gt;: your own time zone, if you live in another one "
            "than your partner\n"
            "/living apart|together: while apart, I leave out what needs you in one place\n"
            "/time question|gesture|jar HH:MM: e.g. <code>/time question 21:30</code>\n"
            "/jarnight &lt;day&gt; [HH:MM]: e.g. <code>/jarnight friday 19:00</code>; "
            "<code>/jarnight both</code>: the evening question that night too, "
            "<code>/jarnight instead</code>: the jar's question is the evening's\n"
            "/together: something new to do together; /together list: your wish list\n"
            "/memories: a past question with both your answers\n"
            "/depth [up|down]: how deep the questions go\n"
            "/guess: love maps, a light question about yourselves and a guess about each other "
            "(weekly; /guess now, on, off or a weekday)\n"
            "/checkin on|off|&lt;day&gt;: a weekly check-in, answered privately\n"
            "/dates: your important dates; /dates add 14.02 our anniversary (privately, it "
            "stays a secret)\n"
            "/appreciation: (privately) what makes you feel appreciated\n"
            "/settings: everything, with buttons\n"
            "/pause [days]: take a break (vacations, hard weeks)\n"
            "/resume: start again\n"
            "/privacy, /export, /forget: your data\n"
            "/help: this list"
        )
        + "\n"
        + _(
            "/language: the language I write in (in the group, yours together; privately, "
            "just yours)"
        )
    )


def not_set_up() -> str:
    """Private /start from someone in no couple."""
    return _(
        "Hi, I'm Hearth 🕯 I live in a couple's group chat. To start: create a group with "
        "your partner, add me to it, and both tap <b>We're in</b>. Then come back here "
        "through the button I post, so I can write to you privately."
    )
