"""Every user-facing string goes through `_`, in the language of whoever will read it.

The language is a context variable: a handler speaks the language of the chat it answers,
and code composing a message for someone else wraps it in `speaking(their language)`.
English is the source language (message ids are the English texts); the others live in
Babel catalogues, `bot/locale/<lang>/LC_MESSAGES/hearth.po`, compiled to `.mo` by
`scripts/setup.sh` (and, should a `.mo` be missing or stale, compiled in memory from the
`.po` at first use). Dates, weekdays and times are formatted with Babel's CLDR data.
"""

from __future__ import annotations

import gettext
import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, time
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "hearth"
SOURCE = "en"
LANGUAGES = ("en", "ru", "es", "pt_BR")  # shipped: English first
_speaking: ContextVar[str] = ContextVar("hearth_language", default=SOURCE)


def shipped(code: str | None) -> str | None:
    """The shipped language for a Telegram language_code ("pt-br", "es-419", "ru"…), or None
    when Hearth doesn't speak it."""
    if not code:
        return None
    wanted = code.replace("-", "_").lower()
    for language in LANGUAGES:
        if wanted == language.lower():
            return language
    base = wanted.split("_", 1)[0]
    if base == "pt":
        return "pt_BR"  # the Portuguese Hearth speaks
    return next((language for language in LANGUAGES if language.lower() == base), None)


def supported(code: str | None) -> str:
    """The shipped language for a Telegram language_code; English when it isn't shipped."""
    return shipped(code) or SOURCE


def telegram_code(language: str) -> str:
    """The two-letter code Telegram's apps send for a shipped language (pt_BR: "pt")."""
    return language.split("_", 1)[0]


def language_name(language: str) -> str:
    """A shipped language's name in itself ("English", "Русский", "Português (Brasil)")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def current() -> str:
    """The language being spoken now."""
    return _speaking.get()


def use(language: str | None) -> None:
    """Speak `language` from now on in this context (a handler, once it knows who it answers)."""
    _speaking.set(supported(language))


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Speak `language` (a shipped one; anything else is English) inside the block."""
    token = _speaking.set(supported(language))
    try:
        yield
    finally:
        _speaking.reset(token)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language == SOURCE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as stored:
            return gettext.GNUTranslations(stored)
    if not po.exists():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compiled(po, language)))


def compiled(po: Path, language: str) -> bytes:
    """A `.po` catalogue compiled to `.mo` bytes."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _(message: str) -> str:
    """Translate `message` (a literal English text) into the language being spoken."""
    return _catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with the plural form `n` asks for in the language being spoken."""
    return _catalogue(current()).ngettext(singular, plural, n)


def locale() -> Locale:
    """The CLDR locale of the language being spoken. English is written the European way
    (20:00, 6 June 2025): Telegram says "en" without a country, and Hearth's commands take
    24-hour times, so the times it shows read like the ones a couple types."""
    return Locale.parse("en_GB" if current() == SOURCE else current())


def weekday(index: int, label: bool = False) -> str:
    """A weekday's name (Monday=0) as written inside a sentence ("on Friday", "в пятницу"
    is phrased by the catalogue), or capitalised as a `label`."""
    day = date(2024, 1, 1 + index % 7)  # 2024-01-01 was a Monday
    name = format_date(day, "EEEE", locale=locale())
    return name[:1].upper() + name[1:] if label else name


def plain(text: str) -> str:
    """Lower case without accents or a final dot, to compare what people type ("sábado")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


@cache
def weekday_names() -> dict[str, int]:
    """Every shipped language's weekday names and abbreviations, plain, to Monday=0…"""
    names: dict[str, int] = {}
    for language in LANGUAGES:
        for index in range(7):
            on = date(2024, 1, 1 + index)
            for width in ("EEEE", "EEE"):
                names.setdefault(
                    plain(format_date(on, width, locale=Locale.parse(language))), index
                )
    return names


def clock(at: time | str) -> str:
    """A time of day ("20:30" or a time) as the language being spoken writes it."""
    if isinstance(at, str):
        hours, minutes = at.split(":")
        at = time(int(hours), int(minutes))
    return format_time(at, "short", locale=locale())


def day(on: date) -> str:
    """A date as the language writes it (6 June 2025, 6 de junho de 2025…)."""
    return format_date(on, "long", locale=locale())
