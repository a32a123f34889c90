"""Time of the RECIST/NED/PFS derivation in DuckDB, and a plain pandas version for scale.

Usage: .venv/bin/python benchmarks/derive_bench.py [--patients 1000000] [--records DIR]
       [--sample 5000]

The relational derivation (``nedcohort.derive.derive_in``) runs on views over the
simulated Parquet records; the comparison is a straightforward pandas groupby-apply that
walks each patient's exams in Python, timed on a ``--sample`` of patients, its time per
patient scaled to the full population. The issue's target: one million patients in
under 5 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import population  # benchmarks/population.py: these scripts run from this folder

from nedcohort.derive import assess_exams, derive_in
from nedcohort.simulate import DEFAULT_SEED, simulate_population

TABLES = ("patients", "treatments", "imaging_exams", "lesions")


def relational(records: Path, memory_limit: str, database: Path) -> tuple[float, int, int]:
    """Seconds to derive per-exam responses and per-patient outcomes, and row counts.

    The results go into a database file (as the study database), so DuckDB can move
    them and its intermediate results to disk under the memory limit.
    """
    with duckdb.connect(str(database), config={"memory_limit": memory_limit}) as con:
        for name in TABLES:
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{records / name}.parquet')"
            )
        start = time.perf_counter()
        derive_in(con)
        elapsed = time.perf_counter() - start
        exams = con.execute("SELECT count(*) FROM assessed").fetchall()[0][0]
        patients = con.execute("SELECT count(*) FROM outcomes").fetchall()[0][0]
    return elapsed, exams, patients


def pandas_patient(exams: pd.DataFrame, lesions: pd.DataFrame) -> list[str]:
    """The same rules, one patient at a time, as a straightforward implementation would."""
    exams = exams[exams["modality"] != "bone_scintigraphy"].sort_values("exam_date")
    base_id = exams["exam_id"].iloc[0]
    base = lesions[lesions["exam_id"] == base_id]
    targets = base[base["role"] == "target"]
    baseline_sld = targets["diameter_mm"].sum()
    nadir = baseline_sld
    out = ["baseline"]
    for exam_id in exams["exam_id"].iloc[1:]:
        rows = lesions[lesions["exam_id"] == exam_id]
        measured = rows.set_index("lesion_id")["diameter_mm"].reindex(targets["lesion_id"])
        new = (rows["role"] == "new").any()
        progressing = (rows["nontarget_status"] == "unequivocal_progression").any()
        if new or progressing:
            out.append("PD")
            continue
        if len(targets) and measured.notna().all():
            sld = measured.sum()
            if sld >= 1.2 * nadir and sld - nadir >= 5:
                out.append("PD")
            elif sld <= 0.7 * baseline_sld:
                out.append("PR")
            else:
                out.append("SD")
            nadir = min(nadir, sld)
        else:
            out.append("NE")
    return out


def pandas_version(tables: dict[str, pd.DataFrame]) -> float:
    exams, lesions = tables["imaging_exams"], tables["lesions"]
    lesions = lesions.merge(exams[["exam_id", "patient_id"]], on="exam_id")
    by_patient = dict(tuple(lesions.groupby("patient_id")))
    empty = lesions.iloc[:0]
    start = time.perf_counter()
    exams.groupby("patient_id").apply(
        lambda e: pandas_patient(e, by_patient.get(e.name, empty)), include_groups=False
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    population.add_arguments(parser)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        records = population.records(args, tmp)
        seconds, n_exams, n_patients = relational(
            records, args.memory_limit, Path(tmp) / "study.duckdb"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"DuckDB: {n_patients:,} patients, {n_exams:,} exams assessed in {seconds:.1f} s "
          f"({n_exams / seconds:,.0f} exams/s); peak memory {peak:.2f} GiB")  # fmt: skip
    sample = simulate_population(args.sample, DEFAULT_SEED)
    pandas_seconds = pandas_version(sample)
    per_patient = pandas_seconds / args.sample
    projected = per_patient * n_patients
    check = assess_exams(sample["imaging_exams"], sample["lesions"])
    print(f"pandas groupby-apply: {args.sample:,} patients in {pandas_seconds:.1f} s "
          f"-> {projected:,.0f} s projected for {n_patients:,}")  # fmt: skip
    print(f"ratio DuckDB / pandas (same number of patients): {seconds / projected:.3f}")
    print(f"(sample check: {len(check):,} exams assessed by the relational engine)")


if __name__ == "__main__":
    main()
