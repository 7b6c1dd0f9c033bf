"""The /settings buttons as a table: each action is one function of the couple."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import couples, depth, schedule, themes
from bot.core.models import Couple
from bot.core.outbox import Outgoing
from bot.i18n import _

# Offered as buttons; any other zone is one /timezone away.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@dataclass
class Change:
    """What a settings button did: an alert (nothing changed), a toast, messages to send."""

    alert: str = ""
    toast: str = ""
    messages: list[Outgoing] = field(default_factory=list)
    show_zones: bool = False


Action = Callable[[Couple, int, datetime], Change]


def _shift(which: str, minutes: int) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        current = schedule.parse_hhmm(getattr(couple, couples.TIME_COLUMNS[which]))
        couples.set_time(couple, which, schedule.hhmm(schedule.shift(current, minutes)), now)
        return Change()

    return act


def _jar_day(step: int) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        couples.set_jar_day(couple, schedule.WEEKDAYS[(couple.jar_day + step) % 7], now)
        return Change()

    return act


def _ideas_day(step: int) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        couples.set_together_day(couple, schedule.WEEKDAYS[(couple.together_day + step) % 7], now)
        return Change()

    return act


def _ideas(enabled: bool) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        couples.set_together(couple, enabled, now)
        return Change()

    return act


def _lighter(couple: Couple, user_id: int, now: datetime) -> Change:
    if not depth.step_down(couple):
        return Change(alert=_("You're already at the lightest level."))
    return Change()


def _deeper(couple: Couple, user_id: int, now: datetime) -> Change:
    raised = depth.ask_now(couple, user_id)
    if raised.outcome == depth.Ready.STALE:
        return Change(alert=_("You're already at the deepest level."))
    toast = _("Noted. I've asked your partner.") if raised.outcome == depth.Ready.WAITING else ""
    return Change(toast=toast, messages=raised.messages)


def _pause(couple: Couple, user_id: int, now: datetime) -> Change:
    couples.pause(couple, 7, now)
    return Change()


def _resume(couple: Couple, user_id: int, now: datetime) -> Change:
    couples.resume(couple)
    return Change()


def _living(apart: bool) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        couples.set_living_apart(couple, apart)
        return Change()

    return act


def _parents(enabled: bool) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        themes.set_parents(couple, enabled)
        return Change()

    return act


def _intimacy(yes: bool) -> Action:
    def act(couple: Couple, user_id: int, now: datetime) -> Change:
        messages = themes.consent(couple, user_id, yes)
        if not yes:
            toast = _("Noted: no intimacy questions. That's always fine.")
        elif themes.intimacy_on(couple):
            toast = _("You both said yes 💞")
        else:
            toast = _("Noted, privately. They only come once you've both said yes.")
        return Change(toast=toast, messages=messages)

    return act


def _zones(couple: Couple, user_id: int, now: datetime) -> Change:
    return Change(show_zones=True)


def _back(couple: Couple, user_id: int, now: datetime) -> Change:
    return Change()


ACTIONS: dict[str, Action] = {
    "q-30": _shift("question", -30),
    "q+30": _shift("question", 30),
    "g-30": _shift("gesture", -30),
    "g+30": _shift("gesture", 30),
    "j-30": _shift("jar", -30),
    "j+30": _shift("jar", 30),
    "d-1": _jar_day(-1),
    "d+1": _jar_day(1),
    "i-1": _ideas_day(-1),
    "i+1": _ideas_day(1),
    "ion": _ideas(True),
    "ioff": _ideas(False),
    "lv-1": _lighter,
    "lv+1": _deeper,
    "pause7": _pause,
    "resume": _resume,
    "tz": _zones,
    "back": _back,
    "apart": _living(True),
    "home": _living(False),
    "pon": _parents(True),
    "poff": _parents(False),
    "xon": _intimacy(True),
    "xoff": _intimacy(False),
}
# Each partner's own consent: given in the private chat only, never in front of the group.
PRIVATE_ACTIONS = frozenset({"xon", "xoff"})


def apply(couple: Couple, action: str, zone: int | None, user_id: int, now: datetime) -> Change:
    """Carry out one settings button for the couple."""
    if zone is not None:
        if zone >= len(COMMON_ZONES):
            return Change(alert=_("That button is no longer valid."))
        couples.set_timezone(couple, COMMON_ZONES[zone], now)
        return Change()
    act = ACTIONS.get(action)
    if act is None:
        return Change(alert=_("That button is no longer valid."))
    return act(couple, user_id, now)
