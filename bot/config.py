"""Settings: the only module that reads the environment (and `.env`)."""

from __future__ import annotations

import base64
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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

No token yet? Try the demo, which plays a couple's whole week against a
simulated Telegram, with no token and no network:

    sh scripts/run.sh demo      (or, inside the virtual environment: python -m bot demo)
"""


def decode_key(text: str) -> bytes:
    """An encryption key's 32 bytes from its url-safe base64; ValueError if it isn't one."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            "an encryption key must be 32 bytes in url-safe base64 "
            "(create one with `python -m bot new-key`)"
        )
    return raw


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
    # Webhook mode when set: the public HTTPS URL Telegram posts updates to.
    webhook_url: str = ""
    webhook_secret: str = ""
    # host:port for the webhook and /healthz ("" in polling mode: no listener).
    listen: str = ""
    allowed_users: frozenset[str] = frozenset()  # ids and lower-case @usernames; empty: all
    admin_ids: frozenset[int] = frozenset()
    paid_broadcast: bool = False
    concurrent_updates: int = 32

    def require_key(self) -> None:
        """Raise ConfigError when the encryption key is missing or malformed."""
        if not self.encryption_key:
            raise ConfigError(
                "HEARTH_ENCRYPTION_KEY is not set. `sh scripts/run.sh` creates one in .env on "
                "first run; or create one with `python -m bot new-key` and put it in .env."
            )
        for name, key in (
            ("HEARTH_ENCRYPTION_KEY", self.encryption_key),
            *(("HEARTH_OLD_ENCRYPTION_KEYS", old) for old in self.old_encryption_keys),
        ):
            try:
                decode_key(key)
            except ValueError as error:
                raise ConfigError(f"{name}: {error}.") from None

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
    """Map plain `postgresql://` and `sqlite://` URLs to the async drivers Hearth uses (and
    libpq's `sslmode=`, as managed PostgreSQL hands it out, to asyncpg's `ssl=`)."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            url = driver + url[len(plain) :]
            break
    if url.startswith("postgresql+asyncpg://") and "sslmode=" in url:
        parsed = make_url(url)
        mode = parsed.query["sslmode"]
        parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
        url = parsed.render_as_string(hide_password=False)
    return url


LIBPQ_SSL_FILES = frozenset({"sslrootcert", "sslcert", "sslkey", "sslcrl"})


def checked_database_url(raw: str) -> str:
    """DATABASE_URL, normalised, or ConfigError naming what is wrong with it."""
    url = normalise_database_url(raw)
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 (a port that is no number fails only when read)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "DATABASE_URL is not a database URL (expected postgresql://user:password@host/db "
            "or sqlite:///path/to/hearth.sqlite3)."
        ) from None
    certificates = sorted(LIBPQ_SSL_FILES & set(parsed.query))
    if certificates:  # asyncpg takes them from the environment, not as connect() arguments
        names = ", ".join(certificates)
        raise ConfigError(
            f"DATABASE_URL: move {names} out of the URL into the environment "
            f"({', '.join('PG' + n.upper() for n in certificates)}), where the driver reads them."
        )
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL: Hearth runs on PostgreSQL or SQLite, not {parsed.get_backend_name()}."
        )
    return url


def shown_database_url(url: str) -> str:
    """The URL fit to print: its password hidden, in the user part or in the query."""
    parsed = make_url(url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)


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


MAX_RETENTION_DAYS = 36_500  # a hundred years: "for ever" to a host, and a date to Python


def _retention(env: Mapping[str, str]) -> int:
    days = int(_number(env, "HEARTH_RETENTION_DAYS", 30, 1))
    if days > MAX_RETENTION_DAYS:
        raise ConfigError(f"HEARTH_RETENTION_DAYS must be at most {MAX_RETENTION_DAYS}.")
    return days


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = DEFAULT_ENV_FILE
) -> Settings:
    """Read settings from `.env` (if present) overlaid by the process environment."""
    env: dict[str, str] = {}
    if env_file is not None and env_file.exists():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
    where = urlsplit(base_url)
    if where.scheme not in ("http", "https") or not where.netloc:
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL must start with http:// or https://, got {base_url!r}."
        )
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
        database_url=checked_database_url(
            env.get("DATABASE_URL", "").strip() or default_database_url(env)
        ),
        api_base_url=base_url,
        tick_seconds=_number(env, "HEARTH_TICK_SECONDS", 30.0, 1.0),
        log_level=level,
        retention_days=_retention(env),
        encryption_key=env.get("HEARTH_ENCRYPTION_KEY", "").strip(),
        old_encryption_keys=tuple(
            k.strip() for k in env.get("HEARTH_OLD_ENCRYPTION_KEYS", "").split(",") if k.strip()
        ),
        send_rate=rate,
        paid_broadcast=paid,
        concurrent_updates=int(_number(env, "HEARTH_CONCURRENT_UPDATES", 32, 1)),
        **_hosting(env),
    )


DEFAULT_LISTEN = "0.0.0.0:8080"


class _Hosting(TypedDict):
    webhook_url: str
    webhook_secret: str
    listen: str
    allowed_users: frozenset[str]
    admin_ids: frozenset[int]


def _hosting(env: Mapping[str, str]) -> _Hosting:
    """Webhook, listener, access control and admins: checked so a typo fails at start."""
    webhook = env.get("HEARTH_WEBHOOK_URL", "").strip()
    secret = env.get("HEARTH_WEBHOOK_SECRET", "").strip()
    if webhook:
        if not webhook.startswith("https://"):
            raise ConfigError(f"HEARTH_WEBHOOK_URL must be an https:// URL, got {webhook!r}.")
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ConfigError(
                "HEARTH_WEBHOOK_SECRET must be set in webhook mode: 16 to 256 letters, digits, "
                "_ or - (Telegram sends it with every update; requests without it are refused)."
            )
    listen = env.get("HEARTH_LISTEN", "").strip() or (DEFAULT_LISTEN if webhook else "")
    if listen:
        host, _sep, port = listen.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"HEARTH_LISTEN must be host:port, got {listen!r}.")
        if host.startswith("[") and host.endswith("]"):  # [::1]:8080, the usual IPv6 form
            listen = f"{host[1:-1]}:{port}"
    allowed: set[str] = set()
    for entry in env.get("HEARTH_ALLOWED_USERS", "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        if not re.fullmatch(r"-?\d+|@[A-Za-z0-9_]{3,32}", entry):
            raise ConfigError(
                f"HEARTH_ALLOWED_USERS takes Telegram ids and @usernames, got {entry!r}."
            )
        allowed.add(entry.lower())
    admins: set[int] = set()
    for entry in env.get("HEARTH_ADMIN_IDS", "").split(","):
        entry = entry.strip()
        if entry:
            if not entry.isdigit():
                raise ConfigError(f"HEARTH_ADMIN_IDS takes numeric Telegram ids, got {entry!r}.")
            admins.add(int(entry))
    return {
        "webhook_url": webhook,
        "webhook_secret": secret,
        "listen": listen,
        "allowed_users": frozenset(allowed),
        "admin_ids": frozenset(admins),
    }


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")
