"""Couples living apart: each partner's own time zone and clock, and whether they live apart.

A partner may set their own zone. One whose zone keeps another time than the couple's is on
their *own clock*: besides the group's evening question at the couple's time, they get the
question privately at their own evening, and their gesture idea at their own morning.

Whether a couple lives apart is what they said (`/living`), or, until they say, whether the
partners' zones keep different times. Living apart leaves out content that needs a shared home
or both in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.core.models import Couple, Partner

# Two zone names are one clock when their offsets agree at noon UTC on every day of these
# years: an old name and its new one ("Asia/Calcutta", "Asia/Kolkata"), or two cities that
# keep the same time, bring every prompt at the same instant, so neither is an own clock.
_SAMPLED_FROM, _SAMPLED_DAYS = datetime(2025, 1, 1, 12, tzinfo=UTC), 3 * 365
_CLOCKS: dict[tuple[float, ...], int] = {}


@cache
def clock_of(zone: str) -> int:
    """A small number naming the zone's clock: the same for names that keep the same time."""
    tz = ZoneInfo(zone)
    offsets = tuple(
        (_SAMPLED_FROM + timedelta(days=day)).astimezone(tz).utcoffset().total_seconds()  # type: ignore[union-attr]
        for day in range(_SAMPLED_DAYS)
    )
    return _CLOCKS.setdefault(offsets, len(_CLOCKS))


def zone_of(couple: Couple, partner: Partner) -> str:
    """The IANA zone the partner lives by: their own, else the couple's."""
    return partner.tz or couple.tz


def own_clock(couple: Couple, partner: Partner) -> bool:
    """The partner's own zone keeps another time than the couple's: their rhythms follow it."""
    own = partner.tz
    return own is not None and own != couple.tz and clock_of(own) != clock_of(couple.tz)


def served_privately(couple: Couple, partner: Partner) -> bool:
    """The partner's question and gesture come on their own clock, privately (not from the
    group's rhythm): on their own clock, and their private chat with Hearth is open."""
    return own_clock(couple, partner) and partner.private_open


def zones_differ(couple: Couple) -> bool:
    """The two partners' zones keep different times."""
    zones = {zone_of(couple, p) for p in couple.partners}
    return len(zones) > 1 and len({clock_of(zone) for zone in zones}) > 1


def lives_apart(couple: Couple) -> bool:
    """Whether content for couples apart applies: as they said, else when their zones differ."""
    if couple.living_apart is not None:
        return couple.living_apart
    return zones_differ(couple)
