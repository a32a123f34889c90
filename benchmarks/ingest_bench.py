"""Validate and load simulated records into the study database: time, rows/s, peak memory.

Usage: .venv/bin/python benchmarks/ingest_bench.py [--patients 1000000] [--records DIR]

Simulates the population as Parquet first (not timed) unless ``--records`` points to
existing files. The issue's target: one million patients (~57 million rows) validated and
loaded in under 2 minutes on a 2-core machine, the heavy checks inside DuckDB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import population  # benchmarks/population.py: these scripts run from this folder

from nedcohort.io import load_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    population.add_arguments(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        records = population.records(args, tmp)
        start = time.perf_counter()
        report = load_records(records, Path(tmp) / "study.duckdb")
        elapsed = time.perf_counter() - start
    total = sum(report.rows.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"validated and loaded {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s)")
    for name, count in report.rows.items():
        print(f"  {name:24s} {count:>12,}")
    counts = f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    print(f"{counts}; peak memory {peak:.2f} GiB")


if __name__ == "__main__":
    main()
