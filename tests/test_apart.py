"""Unit tests for living apart: each partner's zone and clock, own rhythms, distance gestures."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from bot.core import apart, rhythms
from bot.core.content import (
    Content,
    ContentError,
    fits_apart,
    gesture_text,
    pick_gesture,
)
from bot.core.models import Couple, Partner
from bot.core.rhythms import BY_KIND, Kind, advance


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def couple(zone: str, *own: str | None, apart_said: bool | None = None) -> Couple:
    """A complete couple in `zone`; the partners' own zones as given (None: the couple's)."""
    partners = [
        Partner(id=n + 1, tz=tz, private_open=True, first_name=f"P{n}")
        for n, tz in enumerate(own or (None, None))
    ]
    return Couple(
        id=1,
        tz=zone,
        question_time="20:00",
        gesture_time="09:00",
        jar_day=4,
        jar_time="19:00",
        together_day=5,
        together_time="10:00",
        together_enabled=True,
        guess_enabled=True,
        guess_day=2,
        guess_time="12:00",
        checkin_enabled=False,
        checkin_day=6,
        checkin_time="11:00",
        has_dates=False,
        living_apart=apart_said,
        partners=partners,
    )


def test_zones_and_clocks() -> None:
    one = couple("Europe/Berlin", None, "Europe/Berlin")
    assert [apart.zone_of(one, p) for p in one.partners] == ["Europe/Berlin"] * 2
    assert not any(apart.own_clock(one, p) for p in one.partners)
    assert not apart.lives_apart(one)
    two = couple("Pacific/Auckland", None, "Europe/Berlin")
    assert [apart.own_clock(two, p) for p in two.partners] == [False, True]
    assert apart.served_privately(two, two.partners[1])
    two.partners[1].private_open = False
    assert not apart.served_privately(two, two.partners[1])
    assert apart.lives_apart(two)  # inferred from the zones


@pytest.mark.parametrize(
    ("zones", "said", "expected"),
    [
        (("UTC", "Asia/Tokyo"), None, True),
        (("UTC", "Asia/Tokyo"), False, False),  # just travelling
        ((None, None), True, True),  # apart in one city
        ((None, None), None, False),
    ],
)
def test_what_they_said_wins_over_the_zones(
    zones: tuple[str | None, str | None], said: bool | None, expected: bool
) -> None:
    assert apart.lives_apart(couple("UTC", *zones, apart_said=said)) is expected


def test_own_rhythms_follow_the_partner_zone_and_its_summer_time() -> None:
    c = couple("Asia/Kolkata", None, "America/New_York")
    sam = c.partners[1]
    rhythms.reschedule(c, utc(2025, 3, 8, 2))
    assert c.partners[0].next_question_at is None  # on the couple's clock
    assert sam.next_question_at == utc(2025, 3, 9, 1)  # Saturday 20:00 EST
    assert sam.next_gesture_at == utc(2025, 3, 8, 14)  # Saturday 09:00 EST
    own = BY_KIND[Kind.OWN_QUESTION]
    # Sunday 20:00 EDT is 00:00 UTC on Monday: the date is Sam's, and the next is EDT too.
    day, following = advance(c, own, utc(2025, 3, 10, 0, 5), False, sam)
    assert (day, following) == (date(2025, 3, 9), utc(2025, 3, 11, 0))
    # Missed, and his Sunday is over (it's Monday 00:30 in New York): skipped.
    day, _following = advance(c, own, utc(2025, 3, 10, 4, 30), False, sam)
    assert day is None
    assert advance(c, own, utc(2025, 3, 10, 0, 5), False, c.partners[0]) == (None, None)
    rhythms.clear(c)
    assert sam.next_question_at is None and sam.next_gesture_at is None


def test_gestures_at_a_distance(content: Content) -> None:
    near = next(g for g in content.gestures if not g.distance and g.distance_alt)
    assert fits_apart(near) and gesture_text(near, True) == near.distance_alt
    assert gesture_text(near, False) == near.text
    anywhere = next(g for g in content.gestures if g.distance)
    assert gesture_text(anywhere, True) == anywhere.text
    only_near = dataclasses.replace(near, id="gesture-near-only", distance_alt="")
    assert not fits_apart(only_near)
    bank = dataclasses.replace(content, gestures=[*content.gestures, only_near], by_id={}, pools={})
    history: list[str] = []
    for day in range(400):
        picked = pick_gesture(bank, history, seed=day, living_apart=True)
        assert fits_apart(picked)
        history.append(picked.id)
    assert "gesture-near-only" in {pick_gesture(bank, [], seed=day).id for day in range(2000)}, (
        "together, it can be picked"
    )


def test_no_gesture_at_a_distance_is_a_content_error(content: Content) -> None:
    near_only = [dataclasses.replace(g, distance=False, distance_alt="") for g in content.gestures]
    bank = dataclasses.replace(content, gestures=near_only, by_id={}, pools={})
    with pytest.raises(ContentError):
        pick_gesture(bank, [], seed=1, living_apart=True)
