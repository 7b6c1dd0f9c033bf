"""The couple's rhythms, declared once: what recurs, when, and which column holds its next
UTC instant. The scheduler, the settings and /forget all work from this table.

Most rhythms follow the couple's clock (a column of `couples`, times in the couple's zone). The
`own` ones follow each partner on their own clock (a column of `partners`, times in the
partner's zone; see bot.core.apart): the same local times, in the partner's zone.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import schedule
from bot.core.apart import own_clock, zone_of
from bot.core.models import Couple, Partner


class Kind(enum.StrEnum):
    """What a delivery hands out (stored in deliveries.kind)."""

    QUESTION = "question"
    GESTURE = "gesture"
    JAR = "jar"
    JAR_REMINDER = "jar_reminder"
    TOGETHER = "together"
    RECAP = "recap"
    OWN_QUESTION = "own_question"
    OWN_GESTURE = "own_gesture"
    GUESS = "guess"
    CHECKIN = "checkin"
    DATES = "dates"


@dataclass(frozen=True)
class Rhythm:
    """One recurring prompt: its kind, its column and how its local times recur."""

    kind: Kind
    column: str
    occurrence: Callable[[Couple, ZoneInfo], schedule.Occurrence]
    own: bool = False  # on each partner's own clock: `column` is a column of partners
    switch: str = ""  # the couple's column that turns it on or off (none: always on)

    def enabled(self, couple: Couple, partner: Partner | None = None) -> bool:
        """Whether the couple (for an own rhythm: this partner) wants this rhythm at all."""
        if self.own:
            return partner is not None and own_clock(couple, partner)
        return not self.switch or bool(getattr(couple, self.switch))

    def zone(self, couple: Couple, partner: Partner | None = None) -> ZoneInfo:
        """The zone its local times are in: the partner's for an own rhythm, else the couple's."""
        return ZoneInfo(zone_of(couple, partner) if self.own and partner else couple.tz)


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
    # A partner on their own clock also gets the evening question privately at their own
    # evening, and their gesture idea at their own morning (after the couple's, in a tick).
    Rhythm(Kind.OWN_QUESTION, "next_question_at", _daily("question_time"), own=True),
    Rhythm(Kind.OWN_GESTURE, "next_gesture_at", _daily("gesture_time"), own=True),
)
BY_KIND = {rhythm.kind: rhythm for rhythm in RHYTHMS}


def start(couple: Couple, now: datetime) -> None:
    """Every next instant afresh from `now` (a couple just complete, or back after a removal):
    whatever the columns held belongs to no one's day now, and nothing comes at once."""
    if not couple.complete:
        return
    for rhythm in RHYTHMS:
        for holder, partner in _holders(couple, rhythm):
            setattr(holder, rhythm.column, _following(couple, rhythm, partner, None, now))


def reschedule(couple: Couple, now: datetime, catch_up: bool = True) -> None:
    """A setting changed: every rhythm follows it, without losing today's prompt (see
    `reschedule_one`)."""
    for rhythm in RHYTHMS:
        reschedule_one(couple, rhythm.kind, now, catch_up)


def _holders(couple: Couple, rhythm: Rhythm) -> list[tuple[Couple | Partner, Partner | None]]:
    """The rows holding the rhythm's next instant: the couple, or (own) each partner."""
    if rhythm.own:
        return [(partner, partner) for partner in couple.partners]
    return [(couple, None)]


def reschedule_one(couple: Couple, kind: Kind, now: datetime, catch_up: bool = True) -> None:
    """One rhythm follows changed settings (switched on or off, moved, another zone), without
    losing today's prompt: one already due stays due (the tick hands it out, by the new
    settings, and advances it), and one still to come today whose new time (the one nearest
    the old) is already past becomes due now (sent late, the same local day). One that went
    already today is never sent twice: the deliveries table refuses a second for the day.

    Not `catch_up` (a zone changed): the pending instant was reckoned on another clock (for a
    couple just set up, the default UTC), so its "today" says nothing of the new one's, and
    nothing comes at once: the first question after setting the zone is the next evening's.
    """
    if not couple.complete:
        return
    rhythm = BY_KIND[kind]
    for holder, partner in _holders(couple, rhythm):
        pending = getattr(holder, rhythm.column)
        setattr(holder, rhythm.column, _following(couple, rhythm, partner, pending, now, catch_up))


def _following(
    couple: Couple,
    rhythm: Rhythm,
    partner: Partner | None,
    pending: datetime | None,
    now: datetime,
    catch_up: bool = True,
) -> datetime | None:
    """The rhythm's next instant after a change, given the one it had (`pending`)."""
    if not rhythm.enabled(couple, partner):
        return None
    if pending is not None and pending <= now:
        # Due, not yet handed out (the tick runs every 30 s; a locked couple waits for the
        # next one): the tick decides by the new settings whether today's is still to come.
        return pending
    tz = rhythm.zone(couple, partner)
    occurrence = rhythm.occurrence(couple, tz)
    following = schedule.next_after(occurrence, now, tz)
    today = schedule.local_date(now, tz)
    if catch_up and pending is not None and schedule.local_date(pending, tz) == today:
        # Today's prompt, still to come, moves to the new time nearest to it: 20:00 -> 19:30
        # at 19:45 is tonight's, already past, so it comes now (late, but the same local
        # day); 23:30 -> 00:00 is half an hour later, tomorrow's midnight, not this morning's.
        latest = schedule.latest_at_or_before(occurrence, now, tz)
        if schedule.local_date(latest, tz) == today and pending - latest <= following - pending:
            return now
    return following


def clear(couple: Couple) -> None:
    """Nothing is scheduled (a couple waiting for its second partner)."""
    for rhythm in RHYTHMS:
        for holder, _partner in _holders(couple, rhythm):
            setattr(holder, rhythm.column, None)


def advance(
    couple: Couple, rhythm: Rhythm, now: datetime, paused: bool, partner: Partner | None = None
) -> tuple[date | None, datetime | None]:
    """The local date to deliver for (None: skip) and the rhythm's next instant after `now`.

    Skip means: switched off, incomplete or paused couple, or a prompt missed during downtime
    whose local day is already over (it is never sent late into another day). For an own
    rhythm, dates and days are the partner's, in their zone. Pure: the caller writes the next
    instant, for many couples at once.
    """
    tz = rhythm.zone(couple, partner)
    occurrence = rhythm.occurrence(couple, tz)
    if not rhythm.enabled(couple, partner):
        return None, None
    following = schedule.next_after(occurrence, now, tz)
    if not couple.complete or paused:
        return None, following
    day = schedule.local_date(schedule.latest_at_or_before(occurrence, now, tz), tz)
    return (day if day == schedule.local_date(now, tz) else None), following
