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

BENCHES = ("tick", "sender", "burst", "answers", "growth", "process")


def choose(argv: list[str] | None = None) -> tuple[list[str], list[str], int]:
    """The benchmarks, engines and runs the command line asks for (all of each by default)."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    everything = [*BENCHES, "scale"]
    # Names are checked here, not with `choices`: argparse checks an empty `nargs="*"` against
    # the choices too, and [] is none of them (plain `python -m bench` failed).
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(everything)} (all)")
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in everything]
    if unknown:
        known = ", ".join(everything)
        parser.error(f"no benchmark named {', '.join(unknown)} (choose from {known})")
    names = list(args.names) or everything
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    return names, engines, max(args.runs, 3)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and print their tables."""
    names, engines, runs = choose(argv)
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
            rows = asyncio.run(module.measure(kind, runs))
            module.report(kind, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
