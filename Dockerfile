# Hearth in a container (README.md, "Hosting"): the checkout at /app, set up by the same
# scripts/setup.sh as everywhere else, run as an unprivileged user. compose.yaml adds
# PostgreSQL. Settings come from the environment; no .env goes into the image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 hearth \
    && useradd --system --uid 10001 --gid hearth --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin hearth

WORKDIR /app

# The pinned dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN python -m venv .venv \
    && .venv/bin/python -m pip install --quiet --require-hashes --requirement requirements.lock

# Then Hearth itself, installed by the tested script (it finds the dependencies in place).
COPY . .
RUN sh scripts/setup.sh \
    && install -d -o hearth -g hearth -m 0700 /app/var

# /app stays root's and read-only to the bot; var/ is where a SQLite database would live
# (mount a volume there if you use SQLite instead of compose.yaml's PostgreSQL).
# Numeric, so that the runtime can check it is not root without reading /etc/passwd.
USER 10001:10001
CMD [".venv/bin/python", "-m", "bot", "run"]
