#!/usr/bin/env sh
# Set up (first time) and run the bot: `sh scripts/run.sh` (or `sh scripts/run.sh demo`).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh

# Partners' words are stored encrypted: on the first run, write a fresh key to .env (mode
# 0600), unless the environment provides one (systemd, containers) or .env already has one.
# Only for the commands that open the database with it.
KEY_LINE='^[[:space:]]*(export[[:space:]]+)?HEARTH_ENCRYPTION_KEY[[:space:]]*='
case "${1:-run}" in
run | migrate)
    if [ -z "${HEARTH_ENCRYPTION_KEY:-}" ] &&
        ! grep -Eq "$KEY_LINE[[:space:]]*[\"']?[A-Za-z0-9_-]" .env 2>/dev/null; then
        key="$(.venv/bin/python -m bot new-key)"
        (
            umask 077
            if [ -f .env ]; then
                # Keep every other line; drop the empty HEARTH_ENCRYPTION_KEY= ones.
                grep -Ev "$KEY_LINE" .env >.env.new || true
            else
                cp .env.example .env.new
            fi
            {
                echo
                echo "# Written by scripts/run.sh. Keep it, and back it up with the database:"
                echo "# without it the stored answers cannot be read."
                echo "HEARTH_ENCRYPTION_KEY=$key"
            } >>.env.new
            chmod 600 .env.new
            mv .env.new .env
        )
        echo "Wrote a new HEARTH_ENCRYPTION_KEY to .env (keep it: without it the answers are lost)"
    fi
    ;;
esac
exec .venv/bin/python -m bot "${@:-run}"
