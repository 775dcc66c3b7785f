"""How long `mutual-voice --help` takes to start, against a bare Python start.

Run: python bench/bench_startup.py [--runs 15]

Prints the median wall time of each, and what the command adds to Python's own start.
On a busy machine both rise together; the difference is the command's own cost.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each (15)")
    runs = parser.parse_args().runs
    bare = median_seconds([sys.executable, "-c", "pass"], runs)
    help_ = median_seconds([sys.executable, "-m", "bot", "--help"], runs)
    print(f"python -c pass:          {bare:.3f} s (median of {runs})")
    print(f"mutual-voice --help:     {help_:.3f} s (target: under 0.5 s)")
    print(f"added by mutual-voice:   {help_ - bare:.3f} s")


if __name__ == "__main__":
    main()
