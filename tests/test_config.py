"""Settings from the environment and `.env`, and how `python -m bot` starts (or refuses to)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_API_BASE_URL,
    ROOT,
    ConfigError,
    load_settings,
    normalise_database_url,
)
from bot.simulation.world import FAKE_KEY

GOOD_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


def test_defaults() -> None:
    settings = load_settings(environ={}, env_file=None)
    assert settings.token == ""
    assert settings.api_base_url == DEFAULT_API_BASE_URL == "https://api.telegram.org/bot"
    assert settings.tick_seconds == 30
    assert settings.log_level == "INFO"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    path = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    assert path.is_absolute() and path.suffix == ".sqlite3"
    assert path.is_relative_to(ROOT)
    assert not path.is_relative_to(ROOT / "data"), "data/ holds the shipped content"


def test_env_file_is_read_and_the_environment_overrides_it(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"TELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n"
        "DATABASE_URL=postgresql://hearth:secret@db:5432/hearth\n"
        "HEARTH_TICK_SECONDS=5\n"
        "LOG_LEVEL=debug\n"
        "TELEGRAM_API_BASE_URL=http://localhost:8081/bot\n"
    )
    from_file = load_settings(environ={}, env_file=env_file)
    assert from_file.token == GOOD_TOKEN
    assert from_file.database_url == "postgresql+asyncpg://hearth:secret@db:5432/hearth"
    assert from_file.tick_seconds == 5
    assert from_file.log_level == "DEBUG"
    assert from_file.api_base_url == "http://localhost:8081/bot"
    from_file.require_token()

    overridden = load_settings(
        environ={"HEARTH_TICK_SECONDS": "12", "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": ""},
        env_file=env_file,
    )
    assert overridden.tick_seconds == 12
    assert overridden.log_level == "WARNING"
    assert overridden.token == "", "an explicitly empty variable beats the file"
    assert overridden.database_url == from_file.database_url, "unset variables keep the file's"


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    settings = load_settings(environ={"TELEGRAM_BOT_TOKEN": GOOD_TOKEN}, env_file=tmp_path / "no")
    assert settings.token == GOOD_TOKEN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgres://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("sqlite:////srv/hearth.db", "sqlite+aiosqlite:////srv/hearth.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_url_normalisation(raw: str, expected: str) -> None:
    assert normalise_database_url(raw) == expected
    settings = load_settings(environ={"DATABASE_URL": f"  {raw} "}, env_file=None)
    assert settings.database_url == expected


@pytest.mark.parametrize("raw", ["soon", "0", "0.5", "-3", "nan", "inf"])
def test_invalid_tick_seconds(raw: str) -> None:
    with pytest.raises(ConfigError, match="HEARTH_TICK_SECONDS"):
        load_settings(environ={"HEARTH_TICK_SECONDS": raw}, env_file=None)


@pytest.mark.parametrize("raw", ["LOUD", "verbose", "5"])
def test_invalid_log_level(raw: str) -> None:
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings(environ={"LOG_LEVEL": raw}, env_file=None)


@pytest.mark.parametrize(
    "token", ["", "abc", "123:short", "bot123456789:AAEabcdefghijklmnopqrstuvwxyz0"]
)
def test_require_token_rejects_missing_or_malformed(token: str) -> None:
    settings = load_settings(environ={"TELEGRAM_BOT_TOKEN": token}, env_file=None)
    with pytest.raises(ConfigError) as raised:
        settings.require_token()
    assert "BotFather" in str(raised.value) and "python -m bot demo" in str(raised.value)


def run_bot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` in a clean environment (ROOT/.env, if any, is overridden by `env`)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "LOG_LEVEL", "HEARTH_TICK_SECONDS"}
    }
    environ["PYTHONPATH"] = str(ROOT)
    environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{cwd / 'never-created.sqlite3'}"
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("token", ["", "abc"])
def test_run_without_a_usable_token_explains_how_to_get_one(tmp_path: Path, token: str) -> None:
    result = run_bot("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=token)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "BotFather" in output
    assert "python -m bot demo" in output
    assert "Traceback" not in output
    assert not (tmp_path / "never-created.sqlite3").exists(), "it stops before touching the DB"


def test_demo_runs_a_whole_day_without_a_token(tmp_path: Path) -> None:
    result = run_bot("demo", cwd=tmp_path, TELEGRAM_BOT_TOKEN="")
    assert result.returncode == 0, result.stderr[-2000:]
    # Alex answered in the group, Sam privately: the group is shown Sam's sealed answer.
    assert "The sealed answer to" in result.stdout
    reveal = result.stdout.split("The sealed answer to", 1)[1].split("Hearth →", 1)[0]
    assert "Sam:" in reveal and "Alex:" not in reveal, reveal
    assert "Traceback" not in result.stderr


def test_a_token_telegram_rejects_is_explained_and_never_logged(tmp_path: Path) -> None:
    """A well-formed but revoked token: a Bot API server on loopback answers 401."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Unauthorized(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "123456789:AAEexampleexampleexampleexample12345"
    try:
        result = run_bot(
            "run",
            cwd=tmp_path,
            TELEGRAM_BOT_TOKEN=token,
            HEARTH_ENCRYPTION_KEY=FAKE_KEY,
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}/bot",
        )
    finally:
        server.shutdown()
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "rejected" in output and "BotFather" in output
    assert token not in output and token.split(":", 1)[1] not in output
