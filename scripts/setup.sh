#!/usr/bin/env sh
# Create .venv (if missing) and install Hearth into it from the lock files (`dev`: the test and
# lint tools too); compile the translations. Installs only when pyproject.toml or a lock file
# changed since the last install (a stamp in .venv says what was installed), so a restart needs
# no package index.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
STAMP=.venv/.hearth-installed

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Hearth needs Python 3.11 or newer; $PYTHON is not. Set PYTHON=python3.11 (say)." >&2
        exit 2
    fi
    "$PYTHON" -m venv .venv
fi

# What an install depends on; cksum is in POSIX, so on every system that runs this script.
fingerprint() { cat pyproject.toml "$@" | cksum | tr -s ' \t' '-'; }
base="base $(fingerprint requirements.lock)"
dev="dev $(fingerprint requirements.lock requirements-dev.lock)"
installed="$(cat "$STAMP" 2>/dev/null || true)"
if [ "${1:-}" = "dev" ]; then
    wanted="$dev" lock=requirements-dev.lock
else
    wanted="$base" lock=requirements.lock
fi
# The translations the bot reads: each bot/locale/<lang>/LC_MESSAGES/hearth.po compiled to
# hearth.mo, when a .mo is missing or older than its .po (a pull brought new translations).
compile_catalogues() {
    for po in bot/locale/*/LC_MESSAGES/hearth.po; do
        [ -f "$po" ] || continue
        if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
            .venv/bin/python -m bot.tools.catalogues compile
            return
        fi
    done
}

# Up to date; a dev install holds everything the bot needs, so it will do for the bot too.
if [ "$installed" = "$wanted" ] || [ "$installed" = "$dev" ]; then
    compile_catalogues
    exit 0
fi

rm -f "$STAMP" # an interrupted install must not look finished
echo "Installing Hearth's dependencies into .venv ($lock)"
# Quiet: pip's version check and the warning box setuptools prints for editable installs.
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONWARNINGS=ignore
.venv/bin/python -m pip install --quiet --require-hashes --requirement "$lock"
# The lock pins setuptools, which builds Hearth here: no isolated build, no unpinned download.
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation --editable .
echo "$wanted" >"$STAMP"
compile_catalogues
