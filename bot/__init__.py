"""Hearth: a Telegram bot for couples' daily rituals."""

import os

__version__ = "0.2.0"

# Opt in to python-telegram-bot's timedelta durations (RetryAfter.retry_after) now,
# instead of the deprecated integer seconds.
os.environ.setdefault("PTB_TIMEDELTA", "1")
