"""The study's published numbers, and the same numbers computed on a simulated population.

``STUDY_TARGETS`` are read from the TOG paper (Results; Tables 1–3). ``cohort_summary``
computes each of them on the eligible cohort of a simulated population — from the
``truth`` table (intended NED, progression and eligibility) joined to the recorded
patient attributes — with the same statistics the study used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nedcohort import stats
from nedcohort.errors import NedcohortError

STUDY_TARGETS: dict[str, float] = {
    "n_eligible": 118,
    "ned_percent": 46.6,
    "age_median_ned": 46.0,
    "age_median_non_ned": 53.0,
    "ecog0_percent_ned": 81.8,
    "ecog0_percent_non_ned": 55.6,
    "ihc3_percent_ned": 90.9,
    "ihc3_percent_non_ned": 75.0,
    "grade3_percent_ned": 66.7,
    "grade3_percent_non_ned": 38.9,
    "or_ecog0": 5.99,
    "or_ihc3": 4.79,
    "or_grade_le2": 0.25,
    "median_pfs_ned": 131.0,
    "median_pfs_non_ned": 66.0,
    "hr_ned": 0.24,
    "progression_percent_ned": 25.5,
    "progression_percent_non_ned": 49.2,
    "pertuzumab_percent": 50.8,
    "interruptions": 10,
}


def cohort_summary(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Every study target computed on the eligible cohort of one simulated population."""
    truth = tables["truth"]
    patients = tables["patients"].set_index("patient_id")
    cohort = truth[truth["eligible"]].set_index("patient_id").join(patients, rsuffix="_record")
    ned = cohort["ned"].to_numpy()
    frame = pd.DataFrame(
        {
            "ned": ned.astype(int),
            "ecog0": (cohort["ecog"] == 0).astype(int).to_numpy(),
            "ihc3": (cohort["her2_ihc"] == "3+").astype(int).to_numpy(),
            "grade_le2": np.where(
                cohort["histologic_grade"].isna(), np.nan, (cohort["histologic_grade"] <= 2)
            ).astype(float),
            "pfs_months": cohort["pfs_months"].to_numpy(),
            "progressed": cohort["progression_date"].notna().astype(int).to_numpy(),
            "pfs_event": cohort["pfs_event"].astype(int).to_numpy(),
            "age": cohort["age"].to_numpy(),
        }
    )
    out: dict[str, float] = {"n_eligible": float(len(frame))}
    if len(frame) < 20 or frame["ned"].nunique() < 2:
        return out
    yes, no = frame[frame["ned"] == 1], frame[frame["ned"] == 0]
    out["ned_percent"] = 100 * frame["ned"].mean()
    out["age_median_ned"] = float(np.median(yes["age"]))
    out["age_median_non_ned"] = float(np.median(no["age"]))
    for name, column in (("ecog0", "ecog0"), ("ihc3", "ihc3")):
        out[f"{name}_percent_ned"] = 100 * yes[column].mean()
        out[f"{name}_percent_non_ned"] = 100 * no[column].mean()
    out["grade3_percent_ned"] = 100 * (1 - yes["grade_le2"].dropna().mean())
    out["grade3_percent_non_ned"] = 100 * (1 - no["grade_le2"].dropna().mean())
    try:
        fit = stats.logistic(frame.dropna(), "ned", ["ecog0", "ihc3", "grade_le2"])
        ors = fit.table.set_index("term")["odds_ratio"]
        out["or_ecog0"], out["or_ihc3"], out["or_grade_le2"] = (
            float(ors["ecog0"]),
            float(ors["ihc3"]),
            float(ors["grade_le2"]),
        )
    except (NedcohortError, np.linalg.LinAlgError):
        pass  # a degenerate small population (e.g. no grade-3 patient): no ORs to report
    km = stats.kaplan_meier(frame, "pfs_months", "pfs_event", by="ned").medians.set_index("group")
    out["median_pfs_ned"] = float(km.loc["1", "median"])
    out["median_pfs_non_ned"] = float(km.loc["0", "median"])
    cox = stats.cox(frame, "pfs_months", "pfs_event", ["ned"])
    out["hr_ned"] = float(cox.table["hr"][0])
    out["progression_percent_ned"] = 100 * yes["progressed"].mean()
    out["progression_percent_non_ned"] = 100 * no["progressed"].mean()
    out["pertuzumab_percent"] = 100 * cohort["pertuzumab"].mean()
    interrupted = set(tables["treatment_interruptions"]["patient_id"])
    out["interruptions"] = float(sum(pid in interrupted for pid in cohort.index))
    return out
