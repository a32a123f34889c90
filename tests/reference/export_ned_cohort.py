"""Write tests/reference/data/ned_cohort.csv: the demo cohort's NED and PFS columns.

The bias-aware methods are checked against R on this file (make_reference.R builds the
split data with survival::tmerge itself). Only times and indicators leave the demo: no
identifiers, no dates. Usage (from the repository root):
    .venv/bin/python tests/reference/export_ned_cohort.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from nedcohort.cohort import apply_eligibility
from nedcohort.pipeline import run_study
from nedcohort.protocol import load_protocol
from nedcohort.simulate import DEFAULT_PATIENTS, DEFAULT_SEED, write_population

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["pfs_months", "pfs_event", "ned", "months_to_ned", "ecog_0", "grade_3", "ki67"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records"
        write_population(records, DEFAULT_PATIENTS, DEFAULT_SEED, "csv")
        study = load_protocol(ROOT / "src" / "nedcohort" / "protocols" / "tog-her2-ned.yaml")
        study = study.model_copy(
            update={"data": study.data.model_copy(update={"source": str(records)})}
        )
        run_study(study, Path(tmp) / "out")
        with duckdb.connect(str(Path(tmp) / "out" / "study.duckdb"), read_only=True) as con:
            dataset = con.execute("SELECT * FROM analysis_dataset").df()
    cohort = apply_eligibility(study.eligibility, dataset).cohort
    out = ROOT / "tests" / "reference" / "data" / "ned_cohort.csv"
    cohort[COLUMNS].to_csv(out, index=False, float_format="%.10g")
    print(f"wrote {out} ({len(cohort)} patients)")


if __name__ == "__main__":
    main()
