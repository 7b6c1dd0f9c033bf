"""Unit tests for the calendar arithmetic: local times, DST gaps and repeats, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core import schedule

BERLIN = ZoneInfo("Europe/Berlin")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_parse_hhmm_accepts_common_forms() -> None:
    assert schedule.parse_hhmm("21:30") == time(21, 30)
    assert schedule.parse_hhmm("9:05") == time(9, 5)
    assert schedule.parse_hhmm("21.30") == time(21, 30)


@pytest.mark.parametrize("raw", ["24:00", "21:60", "abc", "", "2130", "-1:00", "21:3"])
def test_parse_hhmm_rejects_invalid(raw: str) -> None:
    with pytest.raises(ValueError):
        schedule.parse_hhmm(raw)


def test_parse_weekday() -> None:
    assert schedule.parse_weekday("Friday") == 4
    assert schedule.parse_weekday("fri") == 4
    assert schedule.parse_weekday("SU") == 6
    with pytest.raises(ValueError):
        schedule.parse_weekday("f")  # ambiguous: too short
    with pytest.raises(ValueError):
        schedule.parse_weekday("someday")


def test_spring_forward_gap_moves_forward() -> None:
    # 2025-03-30 02:30 does not exist in Berlin: clocks jump 02:00 -> 03:00.
    instant = schedule.local_to_utc(date(2025, 3, 30), time(2, 30), BERLIN)
    assert instant == utc(2025, 3, 30, 1, 30)
    assert instant.astimezone(BERLIN).hour == 3  # i.e. 03:30 CEST


def test_autumn_repeat_uses_first_occurrence() -> None:
    # 2025-10-26 02:30 happens twice in Berlin; the first is CEST (UTC+2).
    instant = schedule.local_to_utc(date(2025, 10, 26), time(2, 30), BERLIN)
    assert instant == utc(2025, 10, 26, 0, 30)


def test_evening_time_on_dst_days() -> None:
    assert schedule.local_to_utc(date(2025, 3, 30), time(20, 0), BERLIN) == utc(2025, 3, 30, 18)
    assert schedule.local_to_utc(date(2025, 3, 29), time(20, 0), BERLIN) == utc(2025, 3, 29, 19)
    assert schedule.local_to_utc(date(2025, 10, 26), time(20, 0), BERLIN) == utc(2025, 10, 26, 19)
    assert schedule.local_to_utc(date(2025, 10, 25), time(20, 0), BERLIN) == utc(2025, 10, 25, 18)


def test_auckland_and_kolkata() -> None:
    auckland, kolkata = ZoneInfo("Pacific/Auckland"), ZoneInfo("Asia/Kolkata")
    # Auckland in June is NZST (UTC+12): 20:00 local is 08:00 UTC the same day.
    assert schedule.local_to_utc(date(2025, 6, 2), time(20), auckland) == utc(2025, 6, 2, 8)
    # In January it is NZDT (UTC+13).
    assert schedule.local_to_utc(date(2025, 1, 15), time(20), auckland) == utc(2025, 1, 15, 7)
    # Kolkata is UTC+05:30 all year.
    assert schedule.local_to_utc(date(2025, 6, 2), time(20), kolkata) == utc(2025, 6, 2, 14, 30)


def test_next_after_and_latest_at_or_before_daily() -> None:
    daily = schedule.daily(time(20), BERLIN)
    now = utc(2025, 6, 2, 17, 59)
    assert schedule.next_after(daily, now, BERLIN) == utc(2025, 6, 2, 18)
    assert schedule.next_after(daily, utc(2025, 6, 2, 18), BERLIN) == utc(2025, 6, 3, 18)
    assert schedule.latest_at_or_before(daily, now, BERLIN) == utc(2025, 6, 1, 18)
    assert schedule.latest_at_or_before(daily, utc(2025, 6, 2, 18), BERLIN) == utc(2025, 6, 2, 18)


def test_next_daily_across_the_spring_gap() -> None:
    at_0230 = schedule.daily(time(2, 30), BERLIN)
    after = utc(2025, 3, 29, 12)
    first = schedule.next_after(at_0230, after, BERLIN)
    assert first == utc(2025, 3, 30, 1, 30)
    assert schedule.next_after(at_0230, first, BERLIN) == utc(2025, 3, 31, 0, 30)


def test_next_daily_across_the_autumn_repeat_fires_once() -> None:
    at_0230 = schedule.daily(time(2, 30), BERLIN)
    first = schedule.next_after(at_0230, utc(2025, 10, 25, 12), BERLIN)
    assert first == utc(2025, 10, 26, 0, 30)
    # The second 02:30 (01:30 UTC) is not another occurrence: next is Monday's.
    assert schedule.next_after(at_0230, first, BERLIN) == utc(2025, 10, 27, 1, 30)


def test_weekly() -> None:
    friday_19 = schedule.weekly(4, time(19), BERLIN)
    monday = utc(2025, 6, 2, 6)
    assert schedule.next_after(friday_19, monday, BERLIN) == utc(2025, 6, 6, 17)
    assert schedule.latest_at_or_before(friday_19, monday, BERLIN) == utc(2025, 5, 30, 17)


def test_local_date_depends_on_zone() -> None:
    instant = utc(2025, 6, 2, 13)
    assert schedule.local_date(instant, ZoneInfo("Pacific/Auckland")) == date(2025, 6, 3)
    assert schedule.local_date(instant, ZoneInfo("America/Los_Angeles")) == date(2025, 6, 2)
