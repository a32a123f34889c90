"""Calibration of the simulated population to the published study, across many seeds.

Usage: .venv/bin/python benchmarks/calibration.py [--seeds 200] [--patients 700]

For each seed a default-size population is simulated and every study target is computed
on its eligible cohort (``nedcohort.simulate.calibration.cohort_summary``). Printed: the
target, the mean over seeds and the 2.5–97.5 % range; a target outside its range is
flagged. The table is copied into docs/simulation.md.
"""

from __future__ import annotations

import argparse
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from nedcohort.simulate import DEFAULT_PATIENTS, simulate_population
from nedcohort.simulate.calibration import STUDY_TARGETS, cohort_summary


def one(args: tuple[int, int]) -> dict[str, float]:
    seed, patients = args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cohort_summary(simulate_population(patients, seed))


def calibration_table(seeds: int, patients: int, workers: int = 2) -> pd.DataFrame:
    """One row per target: target, mean, 2.5 % and 97.5 % quantiles, inside."""
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(one, [(seed, patients) for seed in range(1, seeds + 1)]))
    results = pd.DataFrame(rows)
    table = []
    for name, target in STUDY_TARGETS.items():
        values = results[name].dropna().to_numpy() if name in results else np.array([])
        low, high = np.quantile(values, [0.025, 0.975]) if values.size else (np.nan, np.nan)
        table.append(
            {
                "target": name,
                "study": target,
                "mean": values.mean() if values.size else np.nan,
                "q2.5": low,
                "q97.5": high,
                "seeds": values.size,
                "inside": bool(low <= target <= high),
            }
        )
    return pd.DataFrame(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    args = parser.parse_args()
    table = calibration_table(args.seeds, args.patients)
    print(f"{args.seeds} seeds x {args.patients} patients")
    print("| target | study | mean over seeds | 2.5 % | 97.5 % | inside |")
    print("|---|---|---|---|---|---|")
    for row in table.itertuples():
        print(
            f"| {row.target} | {row.study:g} | {row.mean:.3g} | {row._4:.3g} | {row._5:.3g} "
            f"| {'yes' if row.inside else '**no**'} |"
        )
    print(f"{int(table['inside'].sum())} of {len(table)} targets inside their range")


if __name__ == "__main__":
    main()
