"""Throughput of the population simulator: rows written per second and peak memory.

Usage: .venv/bin/python benchmarks/simulate_bench.py [--patients 1000000] [--format parquet]

The issue's target: one million patients written as Parquet in under 3 minutes on a
2-core machine, in bounded memory (the simulator works in chunks of 50 000 patients).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from nedcohort.simulate import DEFAULT_SEED, FORMATS, write_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rows = write_population(Path(tmp) / "records", args.patients, args.seed, args.format)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in (Path(tmp) / "records").iterdir())
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    total = sum(rows.values())
    print(f"{args.patients:,} patients as {args.format}: {elapsed:.1f} s, {size / 1e6:.0f} MB")
    for name, count in rows.items():
        print(f"  {name:24s} {count:>12,} rows")
    print(f"  {'all tables':24s} {total:>12,} rows, {total / elapsed:,.0f} rows/s")
    print(f"peak memory {peak_gib:.2f} GiB")


if __name__ == "__main__":
    main()
