"""Couples living apart: each partner's own time zone and clock, and whether they live apart.

A partner may set their own zone. One whose zone differs from the couple's (the group's) is on
their *own clock*: besides the group's evening question at the couple's time, they get the
question privately at their own evening, and their gesture idea at their own morning.

Whether a couple lives apart is what they said (`/living`), or, until they say, whether the
partners' zones differ. Living apart leaves out content that needs a shared home or both in one
place.
"""

from __future__ import annotations

from bot.core.models import Couple, Partner


def zone_of(couple: Couple, partner: Partner) -> str:
    """The IANA zone the partner lives by: their own, else the couple's."""
    return partner.tz or couple.tz


def own_clock(couple: Couple, partner: Partner) -> bool:
    """The partner's own zone differs from the couple's: their rhythms follow their zone."""
    return partner.tz is not None and partner.tz != couple.tz


def served_privately(couple: Couple, partner: Partner) -> bool:
    """The partner's question and gesture come on their own clock, privately (not from the
    group's rhythm): on their own clock, and their private chat with Hearth is open."""
    return own_clock(couple, partner) and partner.private_open


def zones_differ(couple: Couple) -> bool:
    """The two partners live by different zones."""
    return len({zone_of(couple, p) for p in couple.partners}) > 1


def lives_apart(couple: Couple) -> bool:
    """Whether content for couples apart applies: as they said, else when their zones differ."""
    if couple.living_apart is not None:
        return couple.living_apart
    return zones_differ(couple)
