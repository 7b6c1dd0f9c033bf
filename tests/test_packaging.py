"""Packaging: a wheel built from the checkout, installed (not editable) into a fresh virtual
environment, finds its content and migrations and keeps its database outside the install.

No network: the wheel is built without build isolation (the lock file pins setuptools), and
the fresh environment borrows the dependencies from this one through a .pth file (which adds
their folder to sys.path without running this environment's .pth files, so the editable
install of the checkout stays out of the way).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import __version__, paths
from bot.config import ROOT, default_database_url, load_settings
from bot.simulation.world import FAKE_KEY

SHIPPED = ("pyproject.toml", "README.md", "LICENSE", "bot", "handlers", "data", "migrations")


def run(
    *command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output (it must not take more than a minute)."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=env,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the checkout's shipped files (the checkout stays clean)."""
    try:
        import setuptools  # type: ignore[import-untyped]
    except ImportError:
        pytest.skip("setuptools is not installed here (sh scripts/setup.sh dev installs it)")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} is older than pyproject.toml needs")
    source = tmp_path_factory.mktemp("source")
    for name in SHIPPED:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--wheel-dir",
        dist,
        source,
    )
    if built.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{built.stdout}\n{built.stderr}")
    [found] = dist.glob("hearth-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed (non-editable) into it."""
    target = tmp_path_factory.mktemp("venv")
    created = run(sys.executable, "-m", "venv", "--without-pip", target)
    assert created.returncode == 0, created.stderr
    python = target / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    purelib = Path(site.stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return target


@pytest.fixture
def home(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for the installed program: a home of its own, nothing of the checkout."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HEARTH_", "DATABASE_", "TELEGRAM_", "XDG_", "PYTHON"))
    }
    environ["HOME"] = str(tmp_path / "home")
    yield environ


def test_the_wheel_holds_content_and_migrations_inside_bot(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in (("data", "bot/data"), ("migrations", "bot/migrations")):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT / folder).as_posix()
                assert f"{inside}/{relative}" in names, f"{folder}/{relative} is not shipped"
    # A new subpackage must be listed in pyproject.toml's packages, or the wheel lacks it.
    for package in paths.IMPORT_PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            relative = module.relative_to(ROOT).as_posix()
            assert relative in names, f"{relative} is not shipped: list its package"
    top_level = {name.split("/", 1)[0] for name in names if not name.startswith("hearth-")}
    assert top_level == set(paths.IMPORT_PACKAGES), "no top-level migrations/, tests/, bench/"
    assert f"hearth-{__version__}.dist-info/licenses/LICENSE" in names


def test_installed_wheel_runs_from_anywhere(
    venv: Path, home: dict[str, str], tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".env").write_text(f"HEARTH_ENCRYPTION_KEY={FAKE_KEY}\n")  # .env of the cwd
    hearth = venv / "bin" / "hearth"

    version = run(hearth, "--version", cwd=work, env=home)
    assert version.stdout.strip() == f"hearth {__version__}", version.stderr

    where = run(
        venv / "bin" / "python",
        "-c",
        "import bot, handlers, bot.paths as p; print(bot.__file__, handlers.__file__, p.CHECKOUT)",
        cwd=work,
        env=home,
    )
    bot_file, handlers_file, checkout = where.stdout.split()
    assert Path(bot_file).is_relative_to(venv) and Path(handlers_file).is_relative_to(venv)
    assert checkout == "None", "an installed copy knows it is not a checkout"

    content = run(hearth, "check-content", cwd=work, env=home)
    assert content.returncode == 0, content.stdout[-2000:] + content.stderr[-2000:]
    assert "content OK (en, es, pt_BR, ru)" in content.stdout

    migrated = run(venv / "bin" / "python", "-m", "bot", "migrate", cwd=work, env=home)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    database = Path(home["HOME"]) / ".local" / "share" / "hearth" / "hearth.sqlite3"
    assert str(database) in migrated.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert {"alembic_version", "couples", "answers"} <= tables, "the migrations were found"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    assert not list(venv.rglob("*.sqlite3")), "nothing is written inside the installation"
    assert not list(work.glob("*.sqlite3")) and not (work / "var").exists()

    # XDG_DATA_HOME moves it; the current directory's .env can also set DATABASE_URL.
    elsewhere = dict(home, XDG_DATA_HOME=str(tmp_path / "xdg"))
    moved = run(hearth, "migrate", cwd=work, env=elsewhere)
    assert moved.returncode == 0, moved.stderr[-3000:]
    assert (tmp_path / "xdg" / "hearth" / "hearth.sqlite3").is_file()


def test_a_wheel_without_its_content_refuses_clearly(
    venv: Path, home: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(venv, broken, symlinks=True)
    [package] = broken.glob("lib/python3*/site-packages/bot")
    shutil.rmtree(package / "data")
    result = run(broken / "bin" / "python", "-m", "bot", "check-content", cwd=tmp_path, env=home)
    assert result.returncode == 2
    assert "installed without its data/" in result.stderr and "Traceback" not in result.stderr


def test_another_project_owning_handlers_is_refused(
    venv: Path, home: dict[str, str], tmp_path: Path
) -> None:
    # Another distribution in the same environment that also installed `handlers`.
    crowded = tmp_path / "crowded"
    shutil.copytree(venv, crowded, symlinks=True)
    [site] = crowded.glob("lib/python3*/site-packages")
    info = site / "other_bot_framework-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: other-bot-framework\n")
    (info / "RECORD").write_text("handlers/__init__.py,,\n")
    result = run(crowded / "bin" / "python", "-m", "bot", "check-content", cwd=tmp_path, env=home)
    assert result.returncode == 2, result.stdout[-500:]
    assert "handlers: also installed by other-bot-framework" in result.stderr
    assert "virtual environment of its own" in result.stderr


def test_checkout_defaults() -> None:
    assert paths.CHECKOUT == ROOT, "the tests run from a checkout"
    assert paths.default_env_file() == ROOT / ".env"
    url = default_database_url({"XDG_DATA_HOME": "/elsewhere"})
    assert url == f"sqlite+aiosqlite:///{ROOT / 'var' / 'hearth.sqlite3'}", "var/ in a checkout"


def test_installed_defaults(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "bot"
    (package / "data").mkdir(parents=True)
    assert paths._checkout(package) is None, "data/ inside the package: a wheel"
    assert paths.default_env_file(None) == Path(".env"), "the working directory's"
    environ = {"HOME": "/home/pat"}
    assert paths.default_database_path(environ, None) == Path(
        "/home/pat/.local/share/hearth/hearth.sqlite3"
    )
    environ["XDG_DATA_HOME"] = "/data/pat"
    assert paths.default_database_path(environ, None) == Path("/data/pat/hearth/hearth.sqlite3")
    environ["XDG_DATA_HOME"] = "relative/ignored"
    assert paths.default_database_path(environ, None) == Path(
        "/home/pat/.local/share/hearth/hearth.sqlite3"
    )

    checkout = tmp_path / "checkout"
    (checkout / "bot").mkdir(parents=True)
    (checkout / "data").mkdir()
    (checkout / "pyproject.toml").write_text("")
    assert paths._checkout(checkout / "bot") == checkout


def test_settings_read_the_env_file_of_the_working_directory_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\n")
    settings = load_settings(environ={}, env_file=paths.default_env_file(None))
    assert settings.log_level == "WARNING"


def test_installation_problem_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert "migrations/" in paths.installation_problem(tmp_path)
    (tmp_path / "migrations").mkdir()
    assert paths.installation_problem(tmp_path) == ""
    assert paths.installation_problem() == "", "this checkout is complete"
    assert paths.stray_imports() == {}, "bot and handlers come from this checkout"
    clashes = paths.foreign_owners({"bot": ["hearth", "other"], "handlers": ["hearth"]})
    assert clashes == {"bot": ["other"]}
