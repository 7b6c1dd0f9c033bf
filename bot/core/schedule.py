"""Calendar arithmetic for a couple's schedule: local times in an IANA zone to UTC instants.

A local time inside a spring-forward gap moves forward by the gap (02:30 → 03:30);
a repeated autumn hour uses its first occurrence. Both follow from `fold=0`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import plain, weekday_names

HHMM = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Occurrence = Callable[[date], datetime | None]


def parse_hhmm(raw: str) -> time:
    """Parse '21:30' (also '9:05', '21.30', '21h30') or raise ValueError."""
    match = HHMM.match(raw.strip())
    if not match:
        raise ValueError(raw)
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekday(raw: str) -> int:
    """Parse a weekday name or prefix in any shipped language ('fri', 'Friday', 'пятница',
    'sáb') to Monday=0 … Sunday=6."""
    word = raw.strip().lower()
    if len(word) >= 2:
        for index, name in enumerate(WEEKDAYS):
            if name.startswith(word):
                return index
    names = weekday_names()
    word = plain(raw)
    if word in names:
        return names[word]
    # A prefix of a name ("пят", "mierc") when it can only mean one day.
    days = {index for name, index in names.items() if len(word) >= 3 and name.startswith(word)}
    if len(days) == 1:
        return days.pop()
    raise ValueError(raw)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of local `at` on `day` (gap: moved forward; repeat: first one)."""
    local = datetime.combine(day, at, tzinfo=tz).replace(fold=0)
    return local.astimezone(UTC)


def wall_clock_before(now: datetime, back: timedelta, tz: ZoneInfo) -> datetime:
    """The UTC instant `back` earlier on the wall clock of `tz`: a day before 19:30 is 19:30
    yesterday, 23 or 25 hours ago on a night the clocks change."""
    local = now.astimezone(tz).replace(tzinfo=None) - back
    return local_to_utc(local.date(), local.time(), tz)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date in `tz` at `instant`."""
    return instant.astimezone(tz).date()


def daily(at: time, tz: ZoneInfo) -> Occurrence:
    """An occurrence function firing every day at local `at`."""
    return lambda day: local_to_utc(day, at, tz)


def weekly(weekday: int, at: time, tz: ZoneInfo) -> Occurrence:
    """An occurrence function firing on `weekday` at local `at`."""
    return lambda day: local_to_utc(day, at, tz) if day.weekday() == weekday else None


def next_after(occurrence: Occurrence, after: datetime, tz: ZoneInfo) -> datetime:
    """The first occurrence strictly after `after`."""
    start = local_date(after, tz)
    for offset in range(0, 9):
        instant = occurrence(start + timedelta(days=offset))
        if instant is not None and instant > after:
            return instant
    raise AssertionError("an occurrence repeats at least weekly")


def latest_at_or_before(occurrence: Occurrence, now: datetime, tz: ZoneInfo) -> datetime:
    """The most recent occurrence at or before `now`."""
    start = local_date(now, tz)
    for offset in range(0, 9):
        instant = occurrence(start - timedelta(days=offset))
        if instant is not None and instant <= now:
            return instant
    raise AssertionError("an occurrence repeats at least weekly")


def shift(at: time, minutes: int) -> time:
    """`at` moved by `minutes` on the clock (negative: earlier), wrapping past midnight."""
    total = (at.hour * 60 + at.minute + minutes) % (24 * 60)
    return time(total // 60, total % 60)


def hhmm(at: time) -> str:
    """Format a time as HH:MM."""
    return f"{at.hour:02d}:{at.minute:02d}"
