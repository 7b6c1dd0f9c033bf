"""scripts/setup.sh installs only when the dependencies changed; scripts/run.sh writes a fresh
encryption key to a private .env on first run. Both run here in a copy of the checkout whose
.venv/bin/python is a stand-in that records how it was called (no pip, no network)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import ROOT
from bot.core.crypto import Vault

# The stand-in for .venv/bin/python: `-m bot new-key` is the real thing, everything else is
# logged; FAIL_PIP=1 makes pip fail.
STAND_IN = f"""#!/bin/sh
echo "$*" >>"$(dirname "$0")/../calls.log"
if [ "$1 $2 $3" = "-m bot new-key" ]; then
    PYTHONPATH={ROOT} exec {sys.executable} -m bot new-key
fi
if [ "$2" = "pip" ] && [ "${{FAIL_PIP:-}}" = "1" ]; then
    echo "pip failed" >&2
    exit 1
fi
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the scripts, lock files and .env.example, with a stand-in .venv."""
    copy = tmp_path / "checkout"
    (copy / "scripts").mkdir(parents=True)
    for name in ("scripts/setup.sh", "scripts/run.sh"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("pyproject.toml", "requirements.lock", "requirements-dev.lock", ".env.example"):
        shutil.copy2(ROOT / name, copy / name)
    python = copy / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STAND_IN)
    python.chmod(0o755)
    return copy


def script(
    checkout: Path, name: str, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run scripts/<name> in `checkout`; the result and the stand-in's calls, log cleared."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    environ.update(env)
    result = subprocess.run(
        ["sh", str(checkout / "scripts" / name), *args],
        cwd=checkout.parent,  # the scripts change to the checkout themselves
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    log = checkout / ".venv" / "calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return result, calls


def installs(calls: list[str]) -> list[str]:
    """The pip commands among the calls."""
    return [call for call in calls if call.startswith("-m pip")]


def test_setup_installs_only_when_the_dependencies_change(checkout: Path) -> None:
    result, calls = script(checkout, "setup.sh")
    assert result.returncode == 0, result.stderr
    assert installs(calls) == [
        "-m pip install --quiet --require-hashes --requirement requirements.lock",
        "-m pip install --quiet --no-deps --no-build-isolation --editable .",
    ]
    assert (checkout / ".venv" / ".hearth-installed").read_text().startswith("base ")

    result, calls = script(checkout, "setup.sh")
    assert result.returncode == 0 and calls == [] and result.stdout == "", "a no-op, silently"

    # The test tools: the dev lock (which holds the bot's pins too).
    result, calls = script(checkout, "setup.sh", "dev")
    assert installs(calls)[0].endswith("--requirement requirements-dev.lock")
    _, calls = script(checkout, "setup.sh", "dev")
    assert calls == []
    _, calls = script(checkout, "setup.sh")
    assert calls == [], "a dev install does for running the bot too"

    for changed in ("requirements.lock", "requirements-dev.lock", "pyproject.toml"):
        with (checkout / changed).open("a") as file:
            file.write("\n# changed\n")
        _, calls = script(checkout, "setup.sh", "dev")
        assert len(installs(calls)) == 2, f"{changed} changed: install again"


def test_a_failed_install_is_tried_again(checkout: Path) -> None:
    result, calls = script(checkout, "setup.sh", FAIL_PIP="1")
    assert result.returncode != 0 and len(installs(calls)) == 1
    assert not (checkout / ".venv" / ".hearth-installed").exists()
    result, calls = script(checkout, "setup.sh")
    assert result.returncode == 0 and len(installs(calls)) == 2

    # An upgrade fails half-way, then the lock file goes back to what was installed before
    # (git checkout): the environment is no longer what the old stamp said, so install.
    lock = checkout / "requirements.lock"
    installed = lock.read_text()
    lock.write_text(installed + "\n# upgraded\n")
    result, _ = script(checkout, "setup.sh", FAIL_PIP="1")
    assert result.returncode != 0
    lock.write_text(installed)
    result, calls = script(checkout, "setup.sh")
    assert result.returncode == 0 and len(installs(calls)) == 2


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(path.stat().st_mode)


def key_in(env_file: Path) -> str:
    """The encryption key in a .env file, checked to be one Hearth accepts."""
    key = dotenv_values(env_file).get("HEARTH_ENCRYPTION_KEY") or ""
    Vault(key)
    return key


def test_run_writes_a_key_to_a_private_env_once(checkout: Path) -> None:
    (checkout / ".venv" / ".hearth-installed").unlink(missing_ok=True)
    result, calls = script(checkout, "run.sh")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == "-m bot run", "the bot starts after the key is written"
    env_file = checkout / ".env"
    assert mode(env_file) == 0o600
    key = key_in(env_file)
    assert "TELEGRAM_BOT_TOKEN=" in env_file.read_text(), "the rest of .env.example is there"
    assert "Wrote a new HEARTH_ENCRYPTION_KEY" in result.stdout

    before = env_file.read_text()
    result, calls = script(checkout, "run.sh", "migrate")
    assert env_file.read_text() == before and key_in(env_file) == key, "never replaced"
    assert calls == ["-m bot migrate"]


def test_run_adds_a_key_to_an_existing_env_without_one(checkout: Path) -> None:
    env_file = checkout / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123:abc\nHEARTH_ENCRYPTION_KEY=\nLOG_LEVEL=DEBUG\n")
    env_file.chmod(0o644)
    result, _ = script(checkout, "run.sh")
    assert result.returncode == 0, result.stderr
    values = dotenv_values(env_file)
    assert values["TELEGRAM_BOT_TOKEN"] == "123:abc" and values["LOG_LEVEL"] == "DEBUG"
    key_in(env_file)
    assert env_file.read_text().count("HEARTH_ENCRYPTION_KEY=") == 1
    assert mode(env_file) == 0o600


@pytest.mark.parametrize(
    ("command", "env"),
    [
        ("run", {"HEARTH_ENCRYPTION_KEY": "from-the-environment"}),
        ("demo", {}),
        ("check-content", {}),
    ],
)
def test_run_leaves_env_alone_when_no_key_is_needed(
    checkout: Path, command: str, env: dict[str, str]
) -> None:
    result, calls = script(checkout, "run.sh", command, **env)
    assert result.returncode == 0, result.stderr
    assert not (checkout / ".env").exists()
    assert calls[-1] == f"-m bot {command}"


def test_setup_compiles_the_translations_when_a_catalogue_is_new(checkout: Path) -> None:
    script(checkout, "setup.sh")  # installed: from here on a no-op
    folder = checkout / "bot" / "locale" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "bot" / "locale" / "ru" / "LC_MESSAGES" / "hearth.po", folder)
    compile_call = "-m bot.tools.catalogues compile"
    _, calls = script(checkout, "setup.sh")
    assert calls == [compile_call], "no .mo yet"
    (folder / "hearth.mo").write_bytes(b"")
    _, calls = script(checkout, "setup.sh")
    assert calls == [], "the .mo is newer: nothing to do"
    os.utime(folder / "hearth.po", (2**31 - 1, 2**31 - 1))  # a pull brought a newer .po
    _, calls = script(checkout, "setup.sh")
    assert calls == [compile_call]


def test_the_benchmark_command_runs_everything_unless_told_otherwise() -> None:
    """`python -m bench` alone: every benchmark on both engines, at least three runs each."""
    from bench.__main__ import BENCHES, choose

    assert choose([]) == ([*BENCHES, "scale"], ["sqlite", "postgresql"], 3)
    assert choose(["tick", "--engine", "sqlite", "--runs", "1"]) == (["tick"], ["sqlite"], 3)
    with pytest.raises(SystemExit):
        choose(["ticks"])


def test_the_scale_benchmark_runs_on_a_migrated_database() -> None:
    """`python -m bench scale` measures each size in a process of its own: the smallest."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.tick_bench", "--one", "--couples", "1000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["couples"] == 1000
