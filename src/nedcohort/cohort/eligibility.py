"""The study's eligibility steps, applied in order, and the flow of patients through them.

Every source patient is either excluded by exactly one step — the first it fails — or
in the cohort; the flow's counts add up (checked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nedcohort.errors import NedcohortError
from nedcohort.protocol import Eligibility


@dataclass(frozen=True)
class Flow:
    """The eligibility flow: one row per step, and the cohort that remains."""

    steps: pd.DataFrame  # step, n_before, n_excluded, n_after, reasons
    cohort: pd.DataFrame
    exclusion: pd.Series  # per source patient: the step that excluded it ('' if eligible)

    def to_dict(self) -> list[dict]:
        """``results.json`` rows."""
        return [
            {**row, "reasons": dict(row["reasons"])} for row in self.steps.to_dict(orient="records")
        ]


def _steps(rules: Eligibility, data: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
    """(step, passes, reason for those who fail)."""
    diagnosis = pd.to_datetime(data["metastatic_diagnosis_date"])
    low, high = pd.Timestamp(rules.diagnosis_from), pd.Timestamp(rules.diagnosis_to)
    months = rules.progression_free_months
    pfs = data["pfs_months"].fillna(-1.0)
    event = data["pfs_event"].fillna(0).astype(bool)
    early_event = event & (pfs < months)
    steps = [
        (
            f"metastatic diagnosis {low:%Y}–{high:%Y}",
            (diagnosis >= low) & (diagnosis <= high),
            np.where(diagnosis < low, f"diagnosed before {low:%Y}", f"diagnosed after {high:%Y}"),
        )
    ]
    if rules.her2_positive:
        steps.append(
            (
                "HER2-positive (IHC 3+ or IHC 2+ with ISH+)",
                data["her2_positive"].fillna(False).astype(bool),
                "HER2-negative or unknown",
            )
        )
    if rules.first_line_trastuzumab:
        steps.append(
            (
                "first-line trastuzumab-based therapy",
                data["trastuzumab_first_line"].fillna(False).astype(bool),
                "first line without trastuzumab",
            )
        )
    steps.append(
        (
            f"progression-free ≥ {months:g} months",
            pfs >= months,
            np.where(
                early_event,
                f"progression or death within {months:g} months",
                f"followed < {months:g} months without progression",
            ),
        )
    )
    if rules.evaluable_imaging:
        steps.append(
            (
                "evaluable imaging after first-line start",
                data["n_followup_exams"].fillna(0) > 0,
                "no evaluable imaging",
            )
        )
    return [
        (name, pd.Series(passes, index=data.index), pd.Series(reason, index=data.index))
        for name, passes, reason in steps
    ]


def apply_eligibility(rules: Eligibility, data: pd.DataFrame) -> Flow:
    """Apply the steps in order; each patient is excluded by the first step it fails."""
    remaining = pd.Series(True, index=data.index)
    exclusion = pd.Series("", index=data.index, dtype=object)
    rows = []
    for name, passes, reason in _steps(rules, data):
        failing = remaining & ~passes
        counts = reason[failing].value_counts()
        rows.append(
            {
                "step": name,
                "n_before": int(remaining.sum()),
                "n_excluded": int(failing.sum()),
                "n_after": int((remaining & passes).sum()),
                "reasons": {str(k): int(v) for k, v in counts.items()},
            }
        )
        exclusion[failing] = name
        remaining &= passes
    flow = pd.DataFrame(rows)
    if int(flow["n_excluded"].sum()) + int(remaining.sum()) != len(data):
        raise NedcohortError("eligibility flow does not add up; this is a bug, please report it")
    return Flow(steps=flow, cohort=data[remaining].reset_index(drop=True), exclusion=exclusion)
