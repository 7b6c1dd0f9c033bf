"""Resolve what a person types (an IANA name or a city, in any language Hearth speaks) to an
IANA time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale

from bot.i18n import LANGUAGES, plain

# Cities people often type whose zone is named after another city or a region.
CITY_ALIASES = {
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "montreal": "America/Toronto",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "hong kong": "Asia/Hong_Kong",
    "osaka": "Asia/Tokyo",
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "wellington": "Pacific/Auckland",
    "melbourne": "Australia/Melbourne",
    "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo",
    "utc": "UTC",
    "gmt": "UTC",
}
# The same cities as people write them in Hearth's other languages (CLDR names only cities
# that name a zone).
CITY_ALIASES_TRANSLATED = {
    "America/New_York": (
        "нью-йорк", "бостон", "вашингтон", "майами", "атланта",
        "nueva york", "nova york", "nova iorque",
    ),
    "America/Los_Angeles": ("сан-франциско", "сиэтл", "портленд", "лас-вегас"),
    "America/Chicago": ("остин", "даллас", "хьюстон"),
    "America/Toronto": ("монреаль",),
    "Asia/Kolkata": (
        "дели", "нью-дели", "мумбаи", "бомбей", "бангалор", "ченнаи",
        "nueva delhi", "bombay", "nova deli",
    ),
    "Asia/Shanghai": ("пекин", "pekin", "pequim"),
    "Asia/Hong_Kong": ("гонконг",),
    "Asia/Tokyo": ("осака",),
    "Europe/Kyiv": ("киев",),
    "Europe/Berlin": (
        "мюнхен", "гамбург", "кельн", "франкфурт",
        "munich", "múnich", "hamburgo", "colonia", "fráncfort", "munique", "colônia",
    ),
    "Europe/Madrid": ("барселона",),
    "Europe/Rome": ("милан", "milán", "milão"),
    "Europe/Zurich": ("женева", "ginebra", "genebra"),
    "Europe/London": ("манчестер", "эдинбург", "edimburgo"),
    "Europe/Moscow": (
        "санкт-петербург", "петербург", "питер", "san petersburgo", "são petersburgo",
    ),
    "Pacific/Auckland": ("веллингтон",),
    "Australia/Melbourne": ("мельбурн",),
    "America/Sao_Paulo": ("рио", "рио-де-жанейро", "río de janeiro"),
}  # fmt: skip


@cache
def _index() -> dict[str, str]:
    """Lower-cased IANA names and their last component (the city) to the IANA name."""
    names = sorted(available_timezones())
    index: dict[str, str] = {}
    for name in names:
        if name.startswith(("Etc/", "SystemV/")) or name in {"localtime", "Factory"}:
            continue
        index.setdefault(name.lower(), name)
    for name in names:
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            city = name.rsplit("/", 1)[1].replace("_", " ").lower()
            index.setdefault(city, name)
    return index


def _plain(text: str) -> str:
    """Lower case, accents off, spaces for underscores: "São_Paulo" and "sao paulo" match."""
    return " ".join(plain(text.replace("_", " ")).split())


@cache
def _cities() -> dict[str, str]:
    """Cities as CLDR writes them in each shipped language ("Москва", "Ciudad de México")."""
    known = available_timezones()
    found: dict[str, str] = {}
    for language in LANGUAGES:
        for zone, names in Locale.parse(language).time_zones.items():
            city = names.get("city")
            if city and zone in known:
                found.setdefault(_plain(city), zone)
    return found


@cache
def _translated() -> dict[str, str]:
    """`CITY_ALIASES_TRANSLATED` by plain spelling, with and without hyphens."""
    found: dict[str, str] = {}
    for zone, cities in CITY_ALIASES_TRANSLATED.items():
        for city in cities:
            found[_plain(city)] = found[_plain(city.replace("-", " "))] = zone
    return found


def resolve_timezone(raw: str) -> str | None:
    """The IANA name for `raw` ('Europe/Berlin', 'berlin', 'New York', 'Москва'), or None."""
    key = " ".join(raw.strip().lower().replace("_", " ").split())
    if not key:
        return None
    if key in CITY_ALIASES:
        return CITY_ALIASES[key]
    if _plain(raw) in _translated():
        return _translated()[_plain(raw)]
    index = _index()
    found = index.get(key) or index.get(key.replace(" ", "_")) or _cities().get(_plain(raw))
    if found is None:
        return None
    ZoneInfo(found)  # every listed name loads; this guards a broken tzdata install
    return found


def keeps_one_offset(name: str) -> bool:
    """An abbreviation or an offset ("EST", "GMT", "Etc/GMT+5") that keeps one time all year:
    rarely what someone meant who lives where the clocks change in summer (a place's own
    zone, even one without summer time, is what it is)."""
    if "/" in name and not name.startswith("Etc/"):
        return False
    zone = ZoneInfo(name)
    winter, summer = (datetime(2025, month, 15, 12, tzinfo=UTC) for month in (1, 7))
    return winter.astimezone(zone).utcoffset() == summer.astimezone(zone).utcoffset()
