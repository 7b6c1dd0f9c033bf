"""Where Hearth finds the files it ships and keeps the files it writes.

Two ways to run Hearth:

- **From a checkout** (`sh scripts/run.sh`, or an editable install): content and migrations
  are the checkout's `data/` and `migrations/`; settings come from the checkout's `.env`;
  the database defaults to the checkout's `var/hearth.sqlite3`.
- **Installed from a wheel** (`pip install hearth-*.whl`): content and migrations are shipped
  inside the package (`bot/data/`, `bot/migrations/`, see pyproject.toml); settings come from
  `.env` in the current directory; the database defaults to the user's data directory,
  `$XDG_DATA_HOME/hearth/` (`~/.local/share/hearth/`), never inside site-packages, which
  belongs to pip and is replaced by an upgrade.

Nothing here reads the process environment: callers pass it (bot/config.py reads it).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DATABASE_NAME = "hearth.sqlite3"
# The import packages a Hearth wheel installs at the top level of site-packages.
IMPORT_PACKAGES = ("bot", "handlers")


def _checkout(package: Path) -> Path | None:
    """The checkout `package` lives in, or None when it was installed from a wheel."""
    parent = package.parent
    # A wheel ships data/ inside the package; a checkout has it beside pyproject.toml.
    if (package / "data").is_dir():
        return None
    if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
        return parent
    return None


CHECKOUT = _checkout(PACKAGE)
# The folder holding data/ and migrations/: the checkout, or the installed package.
ROOT = CHECKOUT if CHECKOUT is not None else PACKAGE


def installation_problem(root: Path = ROOT) -> str:
    """Why this copy of Hearth cannot run (its content or migrations are missing), or ""."""
    missing = [name for name in ("data", "migrations") if not (root / name).is_dir()]
    if not missing:
        return ""
    return (
        f"Hearth is installed without its {' and '.join(f'{m}/' for m in missing)} "
        f"(looked in {root}).\n"
        "Install it from a wheel built from a checkout (`pip wheel --no-deps .`, then "
        "`pip install hearth-*.whl` into a virtual environment of its own), or run it from "
        "the checkout with `sh scripts/run.sh`."
    )


def stray_imports(names: tuple[str, ...] = IMPORT_PACKAGES) -> dict[str, str]:
    """Hearth's import packages that would be imported from somewhere other than beside `bot`.

    That happens when another project's `handlers` (say) comes earlier on sys.path than the
    copy installed with this `bot`. Maps each such name to where it would come from.
    """
    strays: dict[str, str] = {}
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or origin.parent != PACKAGE.parent / name:
            strays[name] = str(origin.parent if origin else "nowhere")
    return strays


def foreign_owners(
    packages: Mapping[str, list[str]] | None = None, names: tuple[str, ...] = IMPORT_PACKAGES
) -> dict[str, list[str]]:
    """Other installed distributions that also own Hearth's top-level import packages.

    `bot` and `handlers` are generic names: another project installed into the same
    environment can overwrite them (pip does not check), and then neither works. The
    mapping is importlib.metadata's `packages_distributions()`; an empty result is good.
    """
    if packages is None:
        packages = importlib.metadata.packages_distributions()
    clashes: dict[str, list[str]] = {}
    for name in names:
        others = sorted({d for d in packages.get(name, []) if d.lower() != "hearth"})
        if others:
            clashes[name] = others
    return clashes


def clash_message(clashes: Mapping[str, str]) -> str:
    """Explains clashes found by stray_imports() or foreign_owners(), with the way out."""
    lines = [f"  {name}: {what}" for name, what in clashes.items()]
    return (
        "Hearth's import packages are shared with another project in this environment:\n"
        + "\n".join(lines)
        + "\nInstall Hearth in a virtual environment of its own:\n"
        "    python3 -m venv ~/hearth-venv && ~/hearth-venv/bin/pip install hearth-*.whl"
    )


def installation_check() -> str:
    """Why this copy of Hearth cannot run (missing files, clashing packages), or "" if it can."""
    problem = installation_problem()
    if problem:
        return problem
    clashes = {name: f"imported from {where}" for name, where in stray_imports().items()}
    if CHECKOUT is None:
        # Installed: another distribution may have written into (or over) our packages too.
        owners = foreign_owners()
        clashes.update({name: f"also installed by {', '.join(d)}" for name, d in owners.items()})
    return clash_message(clashes) if clashes else ""


def user_data_dir(environ: Mapping[str, str]) -> Path:
    """The per-user data folder: `$XDG_DATA_HOME/hearth`, else `~/.local/share/hearth`."""
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    # The XDG spec says to ignore a relative path: it would depend on the working directory.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "hearth"
    home = environ.get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / ".local" / "share" / "hearth"


def default_database_path(environ: Mapping[str, str], checkout: Path | None = CHECKOUT) -> Path:
    """The SQLite file used when DATABASE_URL is not set (never inside the installed code)."""
    if checkout is not None:
        return checkout / "var" / DATABASE_NAME
    return user_data_dir(environ) / DATABASE_NAME


def default_env_file(checkout: Path | None = CHECKOUT) -> Path:
    """The `.env` read at start: the checkout's, else the current directory's."""
    # Relative on purpose: resolved against the working directory when it is read.
    return checkout / ".env" if checkout is not None else Path(".env")


def private_dir(path: Path) -> None:
    """Create the folder `path` readable by its owner only (0700), if it is missing.

    An existing folder keeps its mode: it may be shared on purpose (a host's /srv, say).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Create the empty file `path` with mode 0600 if it is missing (an existing one is kept).

    SQLite gives a database's -wal, -shm and -journal files the mode of the database file,
    so creating the file 0600 before SQLite opens it keeps all of them private.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)
