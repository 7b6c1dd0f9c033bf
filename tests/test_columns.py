"""Column types: SQLite's integer instants and dates convert exactly, both ways."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from bot.core.columns import LocalDate, from_micros, to_micros


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


def test_a_date_is_yyyymmdd_on_sqlite() -> None:
    column = LocalDate()
    store = column.bind_processor(sqlite.dialect())
    load = column.result_processor(sqlite.dialect(), None)
    assert store is not None and load is not None
    assert store(date(2025, 6, 2)) == 20250602
    for day in (date(1, 1, 1), date(2024, 2, 29), date(2025, 12, 31)):
        assert load(store(day)) == day
    assert store(None) is None and load(None) is None
