#!/usr/bin/env sh
# Refresh the lock files from pyproject.toml: `sh scripts/lock.sh` (needs PyPI). Pins already
# in the lock files are kept while pyproject.toml allows them; `sh scripts/lock.sh --upgrade`
# moves everything to the newest allowed, `--upgrade-package NAME` one package.
# requirements.lock: what Hearth needs to run, plus setuptools to install it; every package
# pinned with its hashes, for every platform and Python >= 3.11 (uv's universal resolution).
# requirements-dev.lock: the same pins plus the test and lint tools.
set -eu
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
TOOLS="${TMPDIR:-/tmp}/hearth-lock-tools-$UV_VERSION"
if [ ! -x "$TOOLS/bin/uv" ]; then
    "${PYTHON:-python3}" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet "uv==$UV_VERSION"
fi
# `-`: setuptools, which pyproject.toml asks for to build Hearth; scripts/setup.sh installs
# Hearth without build isolation, so this pinned copy does it (and no unpinned download).
compile() {
    printf 'setuptools>=77\n' | "$TOOLS/bin/uv" pip compile --quiet --universal \
        --python-version 3.11 --generate-hashes --no-strip-extras \
        --custom-compile-command "sh scripts/lock.sh" pyproject.toml - "$@"
}
compile "$@" --output-file requirements.lock
compile "$@" --extra dev --constraint requirements.lock --output-file requirements-dev.lock
echo "requirements.lock and requirements-dev.lock refreshed; run sh scripts/test.sh"
