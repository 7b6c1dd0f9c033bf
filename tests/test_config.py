"""Settings from the environment and `.env`, and how `python -m bot` starts (or refuses to)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_API_BASE_URL,
    ROOT,
    ConfigError,
    load_settings,
    normalise_database_url,
)
from bot.i18n import _, speaking
from bot.simulation.demo import play
from bot.simulation.demo_texts import PARTNER_TEXTS
from bot.simulation.narrator import Style, wants_colour
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


# --- the demo: a week, told in order ------------------------------------------------------

WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ANSI = "\x1b["


@dataclass
class Event:
    """One thing in the demo's transcript: a person acts, Hearth sends, or anything else that
    starts with a time."""

    day: str
    time: str
    head: str  # after the time: "👤 Alex taps …", "🤖 Hearth → the group"
    text: str  # the head and what follows, on one line (message frames removed)

    @property
    def person(self) -> bool:
        """A person did this."""
        return self.head.startswith("👤")

    def to(self, chat: str) -> bool:
        """Hearth sent this to `chat` ("the group", "Alex, privately")."""
        return self.head == f"🤖 Hearth → {chat}"


def events(transcript: str) -> list[Event]:
    """The transcript's timed events, each on the day whose heading came before it."""
    found: list[Event] = []
    day = ""
    for line in transcript.splitlines():
        if line.startswith("━━ "):
            day = line.split()[1].rstrip(",")
        elif re.match(r"\d\d:\d\d ", line):
            found.append(Event(day, line[:5], line[6:], line[6:]))
        elif line.startswith("      ") and found:  # a continuation: wrapped, or a message line
            found[-1].text += " " + line.strip().removeprefix("│").strip()
        elif not line.strip() and found:
            found[-1].text = " ".join(found[-1].text.split())
    return found


def first(items: list[Event], test: Callable[[Event], bool], start: int = 0) -> int:
    """The index of the first event from `start` on that passes `test`."""
    return next(i for i in range(start, len(items)) if test(items[i]))


def demo(tmp_path: Path, *args: str) -> str:
    """`python -m bot demo …` through a pipe; its transcript."""
    result = run_bot("demo", *args, cwd=tmp_path, TELEGRAM_BOT_TOKEN="")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One English run of the demo, without a token, shared by the tests that read it."""
    return demo(tmp_path_factory.mktemp("demo"))


def test_demo_plays_monday_to_sunday_in_order(transcript: str) -> None:
    headings = [e.split()[1].rstrip(",") for e in transcript.splitlines() if e.startswith("━━ ")]
    assert headings == WEEK
    days = [e.day for e in events(transcript)]
    assert days == sorted(days, key=WEEK.index), "events stay under their own day"
    for day in ("Monday", "Tuesday", "Friday", "Sunday"):
        assert any(e.day == day and e.head.startswith("🤖") for e in events(transcript)), day


def test_demo_shows_what_a_partner_types_before_the_reveal_that_holds_it(
    transcript: str,
) -> None:
    texts = PARTNER_TEXTS["en"]
    told = events(transcript)
    for who, other, key in (("Alex", "Sam", "tuesday_alex"), ("Sam", "Alex", "tuesday_sam")):
        typed = next(i for i, e in enumerate(told) if texts[key] in e.text)
        assert told[typed].person and told[typed].head.startswith(f"👤 {who} "), told[typed]
        later = [e for e in told[typed + 1 :] if texts[key] in e.text]
        assert any(e.to(f"{other}, privately") for e in later), f"{other} never read it"
        assert any(e.to("the group") for e in later), "the group's reveal"


def test_demo_shows_a_private_answer_through_the_deep_link(transcript: str) -> None:
    told = [e for e in events(transcript) if e.day == "Tuesday"]
    question = first(told, lambda e: e.to("the group") and "?start=a" in e.text)
    payload = re.search(r"\?start=(a\d+)", told[question].text)
    assert payload is not None
    tap = first(told, lambda e: e.person and "taps" in e.text, question)
    assert told[tap].head.startswith("👤 Alex taps")
    assert f"?start={payload[1]}" in told[tap].text and f"/start {payload[1]}" in told[tap].text
    assert told[tap + 1].to("Alex, privately"), "the private chat opens on the question"
    typed = first(told, lambda e: e.person, tap + 1)
    assert told[typed].text.endswith(f"“{PARTNER_TEXTS['en']['tuesday_alex']}”")
    sealed = first(told, lambda e: not e.person and "Hearth →" in e.head, typed + 1)
    assert told[sealed].to("Sam, privately"), "Sam hears that Alex answered"
    assert PARTNER_TEXTS["en"]["tuesday_alex"] not in told[sealed].text, "sealed"


def test_demo_shows_a_settings_change_and_the_next_question_at_the_new_time(
    transcript: str,
) -> None:
    told = events(transcript)
    change = first(told, lambda e: e.day == "Wednesday" and "/time question 21:00" in e.text)
    assert told[change].person and told[change + 1].to("the group"), "Hearth confirms"
    thursday = [e for e in told if e.day == "Thursday" and e.to("the group")]
    questions = [e.time for e in thursday if "?start=a" in e.text]
    assert questions == ["21:00"], thursday


def test_demo_is_plain_text_in_a_pipe(transcript: str) -> None:
    assert ANSI not in transcript


def run_in_a_terminal(tmp_path: Path, **env: str) -> str:
    """`python -m bot demo` with a pseudo-terminal as its stdout; what it wrote there."""
    import pty

    environ = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "TELEGRAM_BOT_TOKEN"}}
    environ.update(PYTHONPATH=str(ROOT), COLUMNS="90", **env)
    leader, follower = pty.openpty()
    with (tmp_path / "stderr").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo"],
            cwd=tmp_path,
            env=environ,
            stdout=follower,
            stderr=stderr,
        )
        os.close(follower)
        chunks = []
        while True:  # read as it comes, or the demo blocks on a full terminal
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the demo closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert process.wait(timeout=120) == 0, (tmp_path / "stderr").read_text()[-2000:]
    return b"".join(chunks).decode()


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Always."""
        return True


def test_demo_colours_only_a_terminal_and_never_with_no_color() -> None:
    assert wants_colour(Terminal(), {})
    assert not wants_colour(Terminal(), {"NO_COLOR": "1"})
    assert not wants_colour(Terminal(), {"NO_COLOR": ""}), "set, even empty, is set"
    assert not wants_colour(io.StringIO(), {})
    assert Style(True).bold("Sam") != "Sam" and Style(False).bold("Sam") == "Sam"


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_demo_respects_no_color_on_a_terminal(tmp_path: Path) -> None:
    shown = run_in_a_terminal(tmp_path, NO_COLOR="1")
    assert "Sunday" in shown and ANSI not in shown


def test_demo_in_spanish_with_its_own_database(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    transcript = demo(tmp_path, "--lang", "es", "--database-url", f"sqlite+aiosqlite:///{database}")
    told = events(transcript)
    for key, text in PARTNER_TEXTS["es"].items():
        shown = [e for e in told if text in e.text]
        assert shown and shown[0].person, key
        assert PARTNER_TEXTS["en"][key] not in transcript
    assert [
        e.split()[1].rstrip(",") for e in transcript.splitlines() if e.startswith("━━ ")
    ] == WEEK
    assert database.exists(), "--database-url is used"
    # Hearth itself speaks Spanish to them: its greeting and the evening question.
    with speaking("es"):
        greeting, asked = _("🔓 Open my private chat"), _("🔒 Answer privately")
    flat = " ".join(transcript.split())
    assert greeting in flat and asked in flat
    assert "Open my private chat" not in flat and "Answer privately" not in flat


def test_demo_partners_telegram_apps_speak_the_chosen_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = asyncio.run(play(f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}", "pt_BR"))
    assert {user.language_code for user in sim.api.users.values()} == {"pt-br"}
    assert PARTNER_TEXTS["pt_BR"]["jar"] in " ".join(capsys.readouterr().out.split())


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
