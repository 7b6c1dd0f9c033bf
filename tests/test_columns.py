"""Column types: SQLite's integer instants convert exactly, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.columns import from_micros, to_micros


def test_an_instant_round_trips_to_the_microsecond() -> None:
    for instant in (
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2025, 6, 2, 20, 0, 0, 1, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 999_999, tzinfo=UTC),
    ):
        assert from_micros(to_micros(instant)) == instant
    assert to_micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005


def test_an_offset_is_the_same_instant_and_a_naive_time_is_refused() -> None:
    berlin = datetime(2025, 6, 2, 22, tzinfo=timezone(timedelta(hours=2)))
    assert to_micros(berlin) == to_micros(datetime(2025, 6, 2, 20, tzinfo=UTC))
    assert from_micros(to_micros(berlin)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        to_micros(datetime(2025, 6, 2, 20))
