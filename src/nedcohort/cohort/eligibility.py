"""The study's eligibility steps, applied in order, and the flow of patients through them.

Each step is a SQL condition on the analysis dataset with a SQL expression for the
reason of those who fail it, so the flow is computed by the study's engine (DuckDB or
Spark) next to the data: every source patient is either excluded by exactly one step —
the first it fails — or in the cohort, and the flow's counts add up (checked).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from nedcohort.engine.base import Engine, as_engine
from nedcohort.errors import NedcohortError
from nedcohort.protocol import Eligibility


@dataclass(frozen=True)
class Flow:
    """The eligibility flow: one row per step, and the cohort that remains."""

    steps: pd.DataFrame  # step, n_before, n_excluded, n_after, reasons
    cohort: pd.DataFrame

    def to_dict(self) -> list[dict]:
        """``results.json`` rows."""
        return [
            {**row, "reasons": dict(row["reasons"])} for row in self.steps.to_dict(orient="records")
        ]


def _steps(rules: Eligibility) -> list[tuple[str, str, str]]:
    """(step, SQL condition to pass, SQL reason for those who fail), in order."""
    low, high = rules.diagnosis_from, rules.diagnosis_to
    months = rules.progression_free_months
    steps = [
        (
            f"metastatic diagnosis {low:%Y}–{high:%Y}",
            f"metastatic_diagnosis_date BETWEEN DATE '{low}' AND DATE '{high}'",
            f"CASE WHEN metastatic_diagnosis_date < DATE '{low}' THEN 'diagnosed before {low:%Y}'"
            f" ELSE 'diagnosed after {high:%Y}' END",
        )
    ]
    if rules.her2_positive:
        steps.append(
            (
                "HER2-positive (IHC 3+ or IHC 2+ with ISH+)",
                "her2_positive",
                "'HER2-negative or unknown'",
            )
        )
    if rules.first_line_trastuzumab:
        steps.append(
            (
                "first-line trastuzumab-based therapy",
                "trastuzumab_first_line",
                "'first line without trastuzumab'",
            )
        )
    steps.append(
        (
            f"progression-free ≥ {months:g} months",
            f"coalesce(pfs_months, -1) >= {months!r}",
            f"CASE WHEN coalesce(pfs_event, 0) = 1 AND coalesce(pfs_months, -1) < {months!r} "
            f"THEN 'progression or death within {months:g} months' "
            f"ELSE 'followed < {months:g} months without progression' END",
        )
    )
    if rules.evaluable_imaging:
        steps.append(
            (
                "evaluable imaging after first-line start",
                "coalesce(n_followup_exams, 0) > 0",
                "'no evaluable imaging'",
            )
        )
    return steps


def eligibility_sql(rules: Eligibility, dataset: str = "analysis_dataset") -> str:
    """Per patient: ``excluded_at`` (index of the first failed step, NULL if eligible)
    and ``excluded_because``."""
    steps = _steps(rules)
    fails = [f"NOT coalesce({condition}, false)" for _, condition, _ in steps]
    at = " ".join(f"WHEN {fail} THEN {i}" for i, fail in enumerate(fails))
    why = " ".join(
        f"WHEN {fail} THEN {reason}" for fail, (_, _, reason) in zip(fails, steps, strict=True)
    )
    return (
        f"SELECT patient_id, CASE {at} END AS excluded_at, CASE {why} END AS excluded_because "
        f"FROM {dataset}"
    )


def assemble_cohort(db: Engine | duckdb.DuckDBPyConnection, rules: Eligibility) -> Flow:
    """The flow (from aggregate counts) and the eligible patients' rows of
    ``analysis_dataset`` in ``db``: the only patient-level data collected."""
    db = as_engine(db)
    db.create("eligibility", eligibility_sql(rules))
    counts = db.rows(
        "SELECT excluded_at, excluded_because, count(*) FROM eligibility "
        "GROUP BY excluded_at, excluded_because"
    )
    cohort = db.frame(
        "SELECT d.* FROM analysis_dataset d JOIN eligibility e ON e.patient_id = d.patient_id "
        "WHERE e.excluded_at IS NULL ORDER BY d.patient_id"
    )
    total = sum(n for *_, n in counts)
    rows, remaining = [], total
    for index, (name, _, _) in enumerate(_steps(rules)):
        reasons = {str(why): int(n) for at, why, n in counts if at is not None and int(at) == index}
        excluded = sum(reasons.values())
        rows.append(
            {
                "step": name,
                "n_before": remaining,
                "n_excluded": excluded,
                "n_after": remaining - excluded,
                "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            }
        )
        remaining -= excluded
    if remaining != len(cohort):
        raise NedcohortError("eligibility flow does not add up; this is a bug, please report it")
    return Flow(steps=pd.DataFrame(rows), cohort=cohort)


def apply_eligibility(rules: Eligibility, data: pd.DataFrame) -> Flow:
    """The same steps on an analysis dataset held as a DataFrame (run in DuckDB)."""
    with duckdb.connect() as con:
        con.register("analysis_dataset", data)
        return assemble_cohort(con, rules)
