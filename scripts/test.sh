#!/usr/bin/env sh
# Set up (first time) and run the whole test suite: `sh scripts/test.sh`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh dev
# -n auto: one worker per core (pytest-xdist); each worker has its own databases.
exec .venv/bin/python -m pytest -q -n auto "$@"
