#!/usr/bin/env sh
# Set up (first time) and run the bot: `sh scripts/run.sh` (or `sh scripts/run.sh demo`).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
exec .venv/bin/python -m bot "${@:-run}"
