"""How much does `tradeport plugins` cost over the floor of reading metadata at all?

Times, interleaved in one run, the wall time of
  baseline:  python -c "import importlib.metadata"
  listing:   tradeport plugins            (the console script of this environment)
  listing_m: python -m tradeport plugins
and reports medians and the ratio listing / baseline (goal: <= 1.5).

    python bench/bench_listing.py [--runs 30] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10 runs")
    args = parser.parse_args()
    runs = 10 if args.quick else args.runs
    script = shutil.which("tradeport") or str(Path(sys.executable).parent / "tradeport")
    commands = {
        "baseline": [sys.executable, "-c", "import importlib.metadata"],
        "listing": [script, "plugins"],
        "listing_m": [sys.executable, "-m", "tradeport", "plugins"],
    }
    for cmd in commands.values():  # warm the file cache and .pyc files
        wall(cmd)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(wall(cmd))
    base = statistics.median(times["baseline"])
    listed = subprocess.run([script, "plugins"], capture_output=True, text=True).stdout.strip()
    print(f"plugins installed:\n{listed}\n")
    print(f"{'command':<10} {'median ms':>10} {'ratio':>7}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<10} {med * 1000:>10.1f} {med / base:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
