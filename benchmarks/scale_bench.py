"""Ingest + derive + cohort at 1e4, 1e5 and 1e6 patients, on DuckDB and on Spark local mode.

Usage: .venv/bin/python benchmarks/scale_bench.py [--sizes 10000 100000 1000000]
       [--engines duckdb spark] [--spark-max 100000] [--cache DIR] [--memory-limit 6GB]

Each (engine, size) runs in its own process (so memory is that run's alone), doing what
`nedcohort run` does before the statistics: validate the Parquet records and load them
typed, derive RECIST responses, NED and PFS, build the analysis dataset and apply the
eligibility steps. The parent samples the resident memory of the whole process tree
(Python, and Spark's JVM) every 0.2 s. Printed per run: seconds, record rows per second,
peak memory; then how time grows with size (the exponent b in time ∝ patients^b).
Populations are simulated as Parquet once into --cache (not timed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += (
                int(
                    next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[
                        1
                    ]
                )
                * 1024
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, StopIteration, PermissionError):
            continue
    return total


def measure(command: list[str]) -> tuple[dict, float]:
    """Run ``command``; its JSON output line and the peak RSS of its tree (GiB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    result = json.loads(output.strip().splitlines()[-1])
    return result, peak / 1024**3


def one(engine: str, records: Path, args: argparse.Namespace, workdir: Path) -> dict:
    """The timed work of one run (in the child process)."""
    from nedcohort.cohort import assemble_cohort, create_dataset
    from nedcohort.derive import derive_in
    from nedcohort.protocol import Eligibility

    start = time.perf_counter()
    if engine == "duckdb":
        import duckdb

        from nedcohort.engine import DuckDBEngine
        from nedcohort.io import load_records

        database = workdir / "study.duckdb"
        config = {"memory_limit": args.memory_limit}
        report = load_records(records, database, config)
        with duckdb.connect(str(database), config=config) as con:
            db = DuckDBEngine(con)
            derive_in(db)
            create_dataset(db)
            flow = assemble_cohort(db, Eligibility())
    else:
        from nedcohort.engine.spark_engine import SparkEngine, spark_session
        from nedcohort.io import load_records_in

        config = {
            "spark.driver.memory": args.spark_driver_memory,
            "spark.sql.shuffle.partitions": str(args.spark_partitions),
        }
        db = SparkEngine(spark_session("local[2]", config))
        report = load_records_in(db, records)
        derive_in(db)
        create_dataset(db)
        flow = assemble_cohort(db, Eligibility())
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": sum(report.rows.values()),
        "patients": int(flow.steps["n_before"].iloc[0]),
        "cohort": len(flow.cohort),
    }


def population(size: int, cache: Path) -> Path:
    target = cache / f"records_{size}"
    if not (target / "lesions.parquet").exists():
        from nedcohort.simulate import DEFAULT_SEED, write_population

        print(f"simulating {size:,} patients into {target} (not timed) …", flush=True)
        write_population(target, size, DEFAULT_SEED, "parquet")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--spark-max", type=int, default=100_000, help="largest size for Spark")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/nedcohort-scale"))
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit")
    parser.add_argument("--spark-driver-memory", default="6g")
    parser.add_argument("--spark-partitions", type=int, default=8, help="shuffle partitions")
    parser.add_argument("--one", nargs=3, metavar=("ENGINE", "RECORDS", "WORKDIR"))
    args = parser.parse_args()
    if args.one:
        engine, records, workdir = args.one
        print(json.dumps(one(engine, Path(records), args, Path(workdir))))
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    header = ("engine", "patients", "rows", "seconds", "rows/s", "peak GiB")
    print("{:7s} {:>10s} {:>12s} {:>9s} {:>11s} {:>9s}".format(*header))
    timings: dict[str, list[tuple[int, float]]] = {}
    for size in args.sizes:
        records = population(size, args.cache)
        for engine in args.engines:
            if engine == "spark" and size > args.spark_max:
                continue
            workdir = args.cache / f"work_{engine}_{size}"
            workdir.mkdir(exist_ok=True)
            for stale in workdir.glob("*"):
                stale.unlink()
            command = [
                sys.executable,
                str(HERE / "scale_bench.py"),
                "--memory-limit",
                args.memory_limit,
                "--spark-driver-memory",
                args.spark_driver_memory,
                "--spark-partitions",
                str(args.spark_partitions),
                "--one",
                engine,
                str(records),
                str(workdir),
            ]
            result, peak = measure(command)
            rate = result["rows"] / result["seconds"]
            print(
                f"{engine:7s} {size:>10,} {result['rows']:>12,} {result['seconds']:>9.1f} "
                f"{rate:>11,.0f} {peak:>9.2f}",
                flush=True,
            )
            timings.setdefault(engine, []).append((size, result["seconds"]))
    for engine, points in timings.items():
        for (n1, t1), (n2, t2) in itertools.pairwise(points):
            exponent = math.log(t2 / t1) / math.log(n2 / n1)
            growth = f"time x{t2 / t1:.1f} (exponent {exponent:.2f})"
            print(f"{engine}: {n1:,} -> {n2:,} patients, {growth}")
    if "duckdb" in timings and "spark" in timings:
        for (n, td), (_, ts) in zip(timings["duckdb"], timings["spark"], strict=False):
            print(f"{n:,} patients: Spark local / DuckDB time = {ts / td:.1f}")


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    main()
