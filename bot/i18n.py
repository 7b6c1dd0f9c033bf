"""The one translation function every user-facing string goes through (gettext catalogues)."""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# English strings are the message ids; a missing catalogue falls back to them.
_translation = gettext.translation("hearth", localedir=LOCALE_DIR, languages=["en"], fallback=True)


def _(message: str) -> str:
    """Translate `message` into the bot's language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with a plural form chosen by `n`."""
    return _translation.ngettext(singular, plural, n)
