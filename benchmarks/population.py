"""Shared by the scale benchmarks: the records to run on, simulated unless given."""

from __future__ import annotations

import argparse
from pathlib import Path

from nedcohort.simulate import DEFAULT_SEED, write_population


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--patients and --records."""
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--records", type=Path, help="existing Parquet records (no simulation)")


def records(args: argparse.Namespace, workdir: str) -> Path:
    """``--records``, or a population of ``--patients`` simulated as Parquet (not timed)."""
    if args.records is not None:
        return args.records
    target = Path(workdir) / "records"
    write_population(target, args.patients, DEFAULT_SEED, "parquet")
    return target
