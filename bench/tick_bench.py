"""Scheduler benchmark: one tick that finds 100 due couples among 1k, 10k and 100k.

    python -m bench.tick_bench            # all three sizes, each in a fresh process
    python -m bench.tick_bench --couples 10000 --one

Prints the tick time (median of several runs, each on 100 freshly due couples), the
process's added memory (RSS after the ticks minus RSS before the database was opened),
and the ratio of the largest to the smallest size. For comparison it also measures what
one APScheduler job per couple would cost in memory and start-up time (10k jobs,
extrapolated linearly).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SIZES = (1_000, 10_000, 100_000)
DUE = 100
RUNS = 5
NOW = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fill(path: Path, couples: int) -> None:
    """Insert `couples` couples (two partners each), none due yet, with plain sqlite3."""
    from bot.core import crypto
    from bot.core.columns import to_micros

    far, made = to_micros(NOW + timedelta(days=1)), to_micros(NOW - timedelta(days=1))
    unsaid = crypto.vault().encrypt(b"")  # appreciation is sealed (since 0003), even empty
    db = sqlite3.connect(path)
    rows = (
        (
            i,
            -10_000_000_000 - i,
            f"c{i}",
            1,
            "UTC",
            "18:00",
            "09:00",
            4,
            "19:00",
            0,
            1,
            f"tok{i}",
            far,
            far,
            far,
            far,
            made,
        )
        for i in range(1, couples + 1)
    )
    db.executemany(
        "INSERT INTO couples (id, chat_id, chat_title, active, tz, question_time, gesture_time,"
        " jar_day, jar_time, paused, depth, link_token, next_question_at, next_gesture_at,"
        " next_jar_at, next_jar_reminder_at, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    partners = (
        (2 * i - k, i, 10_000_000 + 2 * i - k, "P", 1, unsaid, made)
        for i in range(1, couples + 1)
        for k in (1, 0)
    )
    db.executemany(
        "INSERT INTO partners (id, couple_id, user_id, first_name, private_open, appreciation,"
        " joined_at) VALUES (?,?,?,?,?,?,?)",
        partners,
    )
    db.commit()
    db.close()


def make_due(path: Path, couples: int, run: int) -> None:
    """Make a different set of DUE couples due at NOW for this run."""
    db = sqlite3.connect(path)
    start = (run * 7919) % max(couples - DUE, 1)
    from bot.core.columns import to_micros

    due = to_micros(NOW)
    db.execute(
        "UPDATE couples SET next_question_at = ? WHERE id > ? AND id <= ?",
        (due, start, start + DUE),
    )
    db.commit()
    db.close()


async def measure(couples: int) -> dict[str, float]:
    """Fill a database, then time ticks that each find DUE due couples."""
    from bench.common import start_up
    from bot import db as database
    from bot.core.scheduler import tick

    base_rss = rss_mb()
    content = start_up()  # the key: migrations since 0003 seal words as they go
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        engine = database.create_engine(f"sqlite+aiosqlite:///{path}")
        await database.migrate(engine)
        fill(path, couples)
        sessions = database.session_factory(engine)
        timings = []
        for run in range(RUNS):
            make_due(path, couples, run)
            gc.collect()
            started = time.perf_counter()
            delivered = await tick(sessions, content, NOW, "hearth_bot")
            timings.append(time.perf_counter() - started)
            assert delivered["question"] == DUE, delivered
        await database.close(engine)
        added = rss_mb() - base_rss
    return {"couples": couples, "tick_ms": statistics.median(timings) * 1000, "added_mb": added}


def apscheduler_baseline(jobs: int = 10_000) -> dict[str, float]:
    """Memory and time of one APScheduler cron job per couple (the design we avoid)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

    async def go() -> dict[str, float]:
        gc.collect()
        before = rss_mb()
        scheduler = AsyncIOScheduler(timezone=UTC)
        started = time.perf_counter()
        for i in range(jobs):
            scheduler.add_job(print, "cron", hour=20, minute=i % 60, id=str(i))
        scheduler.start(paused=True)
        elapsed = time.perf_counter() - started
        added = rss_mb() - before
        scheduler.shutdown(wait=False)
        return {"jobs": jobs, "added_mb": added, "seconds": elapsed}

    return asyncio.run(go())


def main(argv: list[str] | None = None) -> int:
    """Run each size in its own process (so memory is measured cleanly) and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--couples", type=int)
    parser.add_argument("--one", action="store_true", help="measure one size in this process")
    parser.add_argument("--baseline", action="store_true", help="measure APScheduler only")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asyncio.run(measure(args.couples))))
        return 0
    if args.baseline:
        print(json.dumps(apscheduler_baseline()))
        return 0
    results = []
    for size in SIZES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.tick_bench", "--one", "--couples", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"one tick finding {DUE} due couples (SQLite, median of {RUNS} ticks)")
    print(f"{'couples':>9} {'tick ms':>9} {'added MB':>9}")
    for r in results:
        print(f"{int(r['couples']):>9} {r['tick_ms']:>9.1f} {r['added_mb']:>9.1f}")
    ratio = results[-1]["tick_ms"] / results[0]["tick_ms"]
    print(f"tick time ratio 100k / 1k: {ratio:.2f} (target: under 2)")
    base = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.tick_bench", "--baseline"],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    per_job_kb = base["added_mb"] * 1024 / base["jobs"]
    print(
        f"baseline, one APScheduler job per couple: {per_job_kb:.1f} KB and "
        f"{base['seconds'] * 1000 / base['jobs']:.3f} ms per job "
        f"-> 100k couples ≈ {per_job_kb * 100_000 / 1024:.0f} MB, "
        f"{base['seconds'] * 10:.1f} s at start-up"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
