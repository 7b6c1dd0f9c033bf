"""Settings: the only module that reads the environment (and `.env`)."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

# ROOT holds data/ and migrations/ (the checkout, or the installed package): see bot/paths.py.
from bot.paths import ROOT as ROOT
from bot.paths import default_database_path, default_env_file

DEFAULT_ENV_FILE = default_env_file()
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
FREE_RATE = 30.0  # messages per second per bot token
PAID_RATE = 1000.0  # with paid broadcasts (allow_paid_broadcast)
# BotFather tokens look like "123456789:AA...": a numeric bot id, a colon, 30+ url-safe chars.
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")

TOKEN_HELP = """\
Hearth needs a Telegram bot token to run.

  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username (ending in "bot"); BotFather replies with a token
     such as 123456789:AAE...
  3. Put it in a file named .env next to README.md (installed from a wheel: in the
     directory you start Hearth from):
         TELEGRAM_BOT_TOKEN=123456789:AAE...
     (see .env.example for every setting), then run the bot again.

No token yet? Try the demo, which plays a couple's whole day against a
simulated Telegram, with no token and no network:

    sh scripts/run.sh demo      (or, inside the virtual environment: python -m bot demo)
"""


class ConfigError(Exception):
    """A setting is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Every setting Hearth reads, with its default."""

    token: str = ""
    database_url: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    tick_seconds: float = 30.0
    log_level: str = "INFO"
    retention_days: int = 30
    rate_limit: bool = True  # off only in the simulation and benchmarks
    encryption_key: str = ""
    old_encryption_keys: tuple[str, ...] = ()
    send_rate: float = 30.0  # messages per second, all chats together
    paid_broadcast: bool = False
    concurrent_updates: int = 32

    def require_key(self) -> None:
        """Raise ConfigError when the encryption key is missing or malformed."""
        from bot.core.crypto import CryptoError, Vault

        if not self.encryption_key:
            raise ConfigError(
                "HEARTH_ENCRYPTION_KEY is not set. `sh scripts/run.sh` creates one in .env on "
                "first run; or create one with `python -m bot new-key` and put it in .env."
            )
        try:
            Vault(self.encryption_key, self.old_encryption_keys)
        except CryptoError as error:
            raise ConfigError(f"HEARTH_ENCRYPTION_KEY: {error}.") from None

    def require_token(self) -> None:
        """Raise ConfigError with instructions when the token is missing or malformed."""
        if not self.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set.\n\n" + TOKEN_HELP)
        if not TOKEN_PATTERN.match(self.token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token "
                "(expected digits, a colon, then letters).\n\n" + TOKEN_HELP
            )


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The SQLite file used when DATABASE_URL is not set (where: see bot/paths.py)."""
    path = default_database_path(os.environ if environ is None else environ)
    return f"sqlite+aiosqlite:///{path}"


def normalise_database_url(url: str) -> str:
    """Map plain `postgresql://` and `sqlite://` URLs to the async drivers Hearth uses."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}.")
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, got {raw!r}.")
    return value


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = DEFAULT_ENV_FILE
) -> Settings:
    """Read settings from `.env` (if present) overlaid by the process environment."""
    env: dict[str, str] = {}
    if env_file is not None and env_file.exists():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}.")
    paid = _flag(env, "HEARTH_PAID_BROADCAST")
    ceiling = PAID_RATE if paid else FREE_RATE
    rate = _number(env, "HEARTH_SEND_RATE", ceiling, 1.0)
    if rate > ceiling:
        raise ConfigError(
            f"HEARTH_SEND_RATE is {rate:g} messages/s, above Telegram's {ceiling:g}"
            + ("" if paid else " (set HEARTH_PAID_BROADCAST=true for up to 1000, paid in Stars)")
            + "."
        )
    return Settings(
        token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        database_url=normalise_database_url(
            env.get("DATABASE_URL", "").strip() or default_database_url(env)
        ),
        api_base_url=base_url,
        tick_seconds=_number(env, "HEARTH_TICK_SECONDS", 30.0, 1.0),
        log_level=level,
        retention_days=int(_number(env, "HEARTH_RETENTION_DAYS", 30, 1)),
        encryption_key=env.get("HEARTH_ENCRYPTION_KEY", "").strip(),
        old_encryption_keys=tuple(
            k.strip() for k in env.get("HEARTH_OLD_ENCRYPTION_KEYS", "").split(",") if k.strip()
        ),
        send_rate=rate,
        paid_broadcast=paid,
        concurrent_updates=int(_number(env, "HEARTH_CONCURRENT_UPDATES", 32, 1)),
    )


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")
