"""`python -m bench`: every benchmark, on SQLite and on PostgreSQL, as tables.

    python -m bench                       # all of them, both engines, 3 runs each
    python -m bench tick sender --runs 5  # some of them
    python -m bench --engine sqlite       # one engine
    python -m bench scale                 # the 1k / 10k / 100k tick (SQLite, own processes)

Each table gives the baseline measured in the same process, Hearth, and their ratio, as
min / median / max over the runs. The machine is shared: quote medians and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from typing import Any

from bench.common import ENGINES, postgres_available

BENCHES = ("tick", "sender", "burst", "answers", "growth")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and print their tables."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", choices=[*BENCHES, "scale"], default=[])
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    names = list(args.names) or [*BENCHES, "scale"]
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    if "postgresql" in engines and not asyncio.run(postgres_available()):
        print("PostgreSQL is not reachable: measuring SQLite only.")
        engines.remove("postgresql")
    for name in names:
        if name == "scale":
            from bench import tick_bench

            tick_bench.main([])
            continue
        module: Any = importlib.import_module(f"bench.{name}")
        for kind in engines:
            rows = asyncio.run(module.measure(kind, max(args.runs, 3)))
            module.report(kind, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
