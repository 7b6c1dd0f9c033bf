"""The couple's rhythms, declared once: what recurs, when, and which column holds its next
UTC instant. The scheduler, the settings and /forget all work from this table."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import schedule
from bot.core.models import Couple


class Kind(enum.StrEnum):
    """What a delivery hands out (stored in deliveries.kind)."""

    QUESTION = "question"
    GESTURE = "gesture"
    JAR = "jar"
    JAR_REMINDER = "jar_reminder"
    TOGETHER = "together"
    RECAP = "recap"
    GUESS = "guess"
    CHECKIN = "checkin"
    DATES = "dates"


@dataclass(frozen=True)
class Rhythm:
    """One recurring prompt: its kind, its column and how its local times recur."""

    kind: Kind
    column: str
    occurrence: Callable[[Couple, ZoneInfo], schedule.Occurrence]
    switch: str = ""  # the couple's column that turns it on or off (none: always on)

    def enabled(self, couple: Couple) -> bool:
        """Whether the couple wants this rhythm at all."""
        return not self.switch or bool(getattr(couple, self.switch))


def _daily(attribute: str) -> Callable[[Couple, ZoneInfo], schedule.Occurrence]:
    return lambda c, tz: schedule.daily(schedule.parse_hhmm(getattr(c, attribute)), tz)


RHYTHMS: tuple[Rhythm, ...] = (
    # Rounds asked privately come before the evening question when both are due in one tick:
    # the question is then the last thing asked, and a private message answers it first.
    Rhythm(
        Kind.GUESS,
        "next_guess_at",
        lambda c, tz: schedule.weekly(c.guess_day, schedule.parse_hhmm(c.guess_time), tz),
        switch="guess_enabled",
    ),
    Rhythm(
        Kind.CHECKIN,
        "next_checkin_at",
        lambda c, tz: schedule.weekly(c.checkin_day, schedule.parse_hhmm(c.checkin_time), tz),
        switch="checkin_enabled",
    ),
    Rhythm(Kind.QUESTION, "next_question_at", _daily("question_time")),
    Rhythm(Kind.GESTURE, "next_gesture_at", _daily("gesture_time")),
    Rhythm(
        Kind.JAR,
        "next_jar_at",
        lambda c, tz: schedule.weekly(c.jar_day, schedule.parse_hhmm(c.jar_time), tz),
    ),
    # Two days before jar night, at the same time.
    Rhythm(
        Kind.JAR_REMINDER,
        "next_jar_reminder_at",
        lambda c, tz: schedule.weekly((c.jar_day - 2) % 7, schedule.parse_hhmm(c.jar_time), tz),
    ),
    Rhythm(
        Kind.TOGETHER,
        "next_together_at",
        lambda c, tz: schedule.weekly(c.together_day, schedule.parse_hhmm(c.together_time), tz),
        switch="together_enabled",
    ),
    # Sunday, half an hour before the evening question.
    Rhythm(
        Kind.RECAP,
        "next_recap_at",
        lambda c, tz: schedule.weekly(
            6, schedule.shift(schedule.parse_hhmm(c.question_time), -30), tz
        ),
    ),
    # Each morning, at the gesture time, a look at the calendar: only for couples with dates.
    Rhythm(Kind.DATES, "next_dates_at", _daily("gesture_time"), switch="has_dates"),
)
BY_KIND = {rhythm.kind: rhythm for rhythm in RHYTHMS}


def reschedule(couple: Couple, now: datetime) -> None:
    """Recompute every next instant from the couple's local times and time zone."""
    if not couple.complete:
        return
    tz = ZoneInfo(couple.tz)
    for rhythm in RHYTHMS:
        due = schedule.next_after(rhythm.occurrence(couple, tz), now, tz)
        setattr(couple, rhythm.column, due if rhythm.enabled(couple) else None)


def reschedule_one(couple: Couple, kind: Kind, now: datetime) -> None:
    """Recompute one rhythm's next instant (switched on or off): the others stay as they are,
    so a prompt due this very minute is not pushed to tomorrow."""
    if not couple.complete:
        return
    rhythm, tz = BY_KIND[kind], ZoneInfo(couple.tz)
    due = schedule.next_after(rhythm.occurrence(couple, tz), now, tz)
    setattr(couple, rhythm.column, due if rhythm.enabled(couple) else None)


def clear(couple: Couple) -> None:
    """Nothing is scheduled (a couple waiting for its second partner)."""
    for rhythm in RHYTHMS:
        setattr(couple, rhythm.column, None)


def advance(
    couple: Couple, rhythm: Rhythm, now: datetime, paused: bool
) -> tuple[date | None, datetime | None]:
    """The local date to deliver for (None: skip) and the rhythm's next instant after `now`.

    Skip means: switched off, incomplete or paused couple, or a prompt missed during downtime
    whose local day is already over (it is never sent late into another day). Pure: the
    caller writes the next instant, for many couples at once.
    """
    tz = ZoneInfo(couple.tz)
    occurrence = rhythm.occurrence(couple, tz)
    if not rhythm.enabled(couple):
        return None, None
    following = schedule.next_after(occurrence, now, tz)
    if not couple.complete or paused:
        return None, following
    day = schedule.local_date(schedule.latest_at_or_before(occurrence, now, tz), tz)
    return (day if day == schedule.local_date(now, tz) else None), following
