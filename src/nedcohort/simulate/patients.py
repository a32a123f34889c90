"""Patient-level attributes and latent event times of the synthetic population.

Everything is drawn for a whole chunk of patients at once (vectorized numpy, no loop per
patient). Dates are integer days since 1970-01-01 until the tables are written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from nedcohort.simulate.parameters import (
    CENTERS,
    MONTH_DAYS,
    SITES,
    PopulationParameters,
)

EPOCH = np.datetime64("1970-01-01", "D")
MISSING = np.iinfo(np.int64).min  # a missing date (dates before 1970 are negative days)


def day(iso: str) -> int:
    """ISO date -> days since 1970-01-01."""
    return int((np.datetime64(iso, "D") - EPOCH).astype(int))


def _choice(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    """Index drawn with the given shares (normalized)."""
    p = np.asarray(shares, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right")


def simulate_patients(
    rng: np.random.Generator, n: int, first_index: int, params: PopulationParameters
) -> pd.DataFrame:
    """One row per patient: recorded attributes plus latent times (columns ``latent_*``)."""
    centers = _choice(rng, n, [c.weight for c in CENTERS])
    diagnosis = rng.integers(day(params.first_diagnosis), day(params.last_diagnosis) + 1, n)
    age = np.clip(rng.normal(params.age_mean, params.age_sd, n), 24, 88)
    birth = diagnosis - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 30, n)
    postmenopausal = rng.random(n) < expit((age - 50) / 2.5)
    her2_kind = np.array(list(params.her2_shares))[
        _choice(rng, n, list(params.her2_shares.values()))
    ]
    low = rng.random(n) < 0.5
    her2_ihc = np.select(
        [her2_kind == "3+", np.char.startswith(her2_kind.astype(str), "2+")],
        ["3+", "2+"],
        default=np.where(low, "0", "1+"),
    )
    her2_ish = np.select(
        [
            her2_kind == "2+/ISH+",
            her2_kind == "2+/ISH-",
            (her2_kind == "3+") & (rng.random(n) < 0.3),
        ],
        ["positive", "negative", "positive"],
        default="",
    )
    her2_positive = (her2_kind == "3+") | (her2_kind == "2+/ISH+")
    er = rng.random(n) < params.er_positive
    pr = np.where(
        er, rng.random(n) < params.pr_given_er, rng.random(n) < params.pr_given_er_negative
    )
    grade = 1 + _choice(rng, n, list(params.grade_shares))
    ki67 = np.clip(np.round(np.exp(rng.normal(np.log(params.ki67_median), 0.6, n))), 1, 95)
    ecog = _choice(rng, n, list(params.ecog_shares))
    site_flags = {s: rng.random(n) < params.site_shares[s] for s in SITES}
    none = ~np.any(np.column_stack(list(site_flags.values())), axis=1)
    site_flags["distant_lymph_node"] |= none  # everyone has at least one metastatic site
    bone_only = site_flags["bone"] & ~np.any(
        np.column_stack([site_flags[s] for s in SITES if s != "bone"]), axis=1
    )
    start = diagnosis + rng.integers(7, 46, n)
    start_year = 1970 + start / 365.2425
    trastuzumab = her2_positive & (rng.random(n) < params.trastuzumab_first_line)
    pertuzumab = trastuzumab & (
        rng.random(n)
        < np.where(start_year < 2015, params.pertuzumab_before_2015, params.pertuzumab_from_2015)
    )
    logit = (
        params.ned_intercept
        + params.ned_log_or_ecog0 * (ecog == 0)
        + params.ned_log_or_ihc3 * (her2_ihc == "3+")
        + params.ned_log_or_grade3 * (grade == 3)
        + params.ned_log_or_age_per_year * (age - 50)
    )
    intended_ned = trastuzumab & (rng.random(n) < expit(logit))
    ned_months = np.exp(rng.normal(np.log(params.ned_months_median), params.ned_months_log_sd, n))
    progression_months = _progression_months(rng, intended_ned, ned_months, params)
    death_months = rng.exponential(1 / params.death_without_progression, n)
    death_after = progression_months + rng.exponential(1 / params.death_after_progression, n)
    death_months = np.minimum(death_months, death_after)
    lost_months = rng.exponential(1 / params.loss_to_follow_up, n)
    cutoff_months = (day(params.data_cutoff) - start) / MONTH_DAYS
    followup_months = np.minimum.reduce([cutoff_months, death_months, lost_months])
    ids = np.char.add("P", np.char.zfill((first_index + np.arange(n)).astype(str), 7))
    frame = pd.DataFrame(
        {
            "patient_id": ids,
            "center": np.array([c.code for c in CENTERS])[centers],
            "birth_date": birth,
            "metastatic_diagnosis_date": diagnosis,
            "de_novo": rng.random(n) < params.de_novo,
            "menopausal_status": np.where(postmenopausal, "post", "pre"),
            "her2_ihc": her2_ihc,
            "her2_ish": her2_ish,
            "er_status": np.where(er, "positive", "negative"),
            "pr_status": np.where(pr, "positive", "negative"),
            "histologic_grade": np.where(rng.random(n) < params.grade_missing, 0, grade),
            "ki67_percent": np.where(rng.random(n) < params.ki67_missing, np.nan, ki67),
            "ecog": ecog,
            "latent_center": centers,
            "latent_age": age,
            "latent_grade": grade,
            "latent_her2_positive": her2_positive,
            "latent_bone_only": bone_only,
            "latent_start": start,
            "latent_trastuzumab": trastuzumab,
            "latent_pertuzumab": pertuzumab,
            "latent_intended_ned": intended_ned,
            "latent_ned_months": ned_months,
            "latent_progression_months": progression_months,
            "latent_death_months": death_months,
            "latent_followup_months": followup_months,
        }
    )
    for s in SITES:
        frame[f"latent_site_{s}"] = site_flags[s]
    return frame


def _progression_months(
    rng: np.random.Generator,
    ned: np.ndarray,
    ned_months: np.ndarray,
    params: PopulationParameters,
) -> np.ndarray:
    """Invert a piecewise-constant cumulative hazard with NED as a time-varying factor.

    λ(t) = h₁ before 36 months and h₂ after, times the NED hazard ratio from the NED time
    on (for patients who reach NED).
    """
    h1, h2, hr = (
        params.hazard_first_36_months,
        params.hazard_after_36_months,
        params.hazard_ratio_ned,
    )
    ned_at = np.where(ned, ned_months, np.inf)
    p1 = np.minimum(ned_at, 36.0)
    p2 = np.maximum(ned_at, 36.0)
    rate1 = np.where(ned_at < 36.0, h1 * hr, h2)  # between p1 and p2
    rate2 = np.where(ned, h2 * hr, h2)  # after p2
    target = rng.exponential(1.0, ned.size)
    at_p1 = h1 * p1
    # np.select evaluates every branch; inf − inf in the unused ones is harmless
    with np.errstate(invalid="ignore"):
        at_p2 = at_p1 + np.where(np.isfinite(p2), rate1 * (p2 - p1), np.inf)
        return np.select(
            [target < at_p1, target < at_p2],
            [target / h1, p1 + (target - at_p1) / rate1],
            default=p2 + (target - at_p2) / rate2,
        )
