"""Treatment, local-therapy and metastatic-site records, and the ``truth`` table.

Treatments follow practice in 2012–2021: first line trastuzumab (± pertuzumab) with a
taxane for about six cycles and endocrine maintenance for hormone-receptor-positive
disease; anti-HER2 therapy continues until progression; later lines follow progression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nedcohort.simulate.imaging import Schedule
from nedcohort.simulate.parameters import MONTH_DAYS, SITES, PopulationParameters
from nedcohort.simulate.patients import MISSING, day


def outcomes(patients: pd.DataFrame, schedule: Schedule, params: PopulationParameters) -> dict:
    """Observed dates derived from the latent times and the exam schedule (days)."""
    start = patients["latent_start"].to_numpy()
    last_fu = start + np.floor(patients["latent_followup_months"].to_numpy() * MONTH_DAYS).astype(
        np.int64
    )
    death_day = start + np.floor(patients["latent_death_months"].to_numpy() * MONTH_DAYS).astype(
        np.int64
    )
    died = death_day <= last_fu
    progressed = schedule.pd_exam >= 0
    progression = np.where(progressed, schedule.day[np.maximum(schedule.pd_exam, 0)], MISSING)
    ned_day = np.where(
        schedule.ned_exam >= 0, schedule.day[np.maximum(schedule.ned_exam, 0)], MISSING
    )
    death_first = died & (~progressed | (death_day < progression))
    event_day = np.where(progressed & ~death_first, progression, np.where(died, death_day, last_fu))
    decisive_after_start = (schedule.modality != "bone_scintigraphy") & (
        schedule.day > start[schedule.patient]
    )
    evaluable = np.bincount(schedule.patient, decisive_after_start, minlength=len(start)) > 0
    return {
        "evaluable": evaluable,
        "last_followup": last_fu,
        "death": np.where(died, death_day, MISSING),
        "progression": np.where(progressed & ~death_first, progression, MISSING),
        "ned": ned_day,
        "pfs_event": (progressed & ~death_first) | died,
        "pfs_end": event_day,
    }


def treatments(
    rng: np.random.Generator, patients: pd.DataFrame, out: dict, params: PopulationParameters
) -> pd.DataFrame:
    """First-line regimen and one later line after progression."""
    n = len(patients)
    ids = patients["patient_id"].to_numpy()
    start = patients["latent_start"].to_numpy()
    trastuzumab = patients["latent_trastuzumab"].to_numpy()
    pertuzumab = patients["latent_pertuzumab"].to_numpy()
    her2 = patients["latent_her2_positive"].to_numpy()
    hr_positive = (patients["er_status"] == "positive").to_numpy() | (
        patients["pr_status"] == "positive"
    ).to_numpy()
    ongoing = out["progression"] == MISSING
    end_first = np.where(ongoing, out["pfs_end"], out["progression"])
    chemo_end = start + rng.integers(105, 150, n)
    taxane = np.where(rng.random(n) < 0.7, "docetaxel", "paclitaxel")
    parts = []

    def add(mask, line, agent, category, begin, end):
        parts.append(
            pd.DataFrame(
                {
                    "patient_id": ids[mask],
                    "line": line,
                    "agent": agent[mask] if isinstance(agent, np.ndarray) else agent,
                    "category": category,
                    "start_date": begin[mask],
                    "end_date": end[mask],
                }
            )
        )

    anti_her2_end = np.where(ongoing, MISSING, end_first)
    add(trastuzumab, 1, "trastuzumab", "anti_her2", start, anti_her2_end)
    add(pertuzumab, 1, "pertuzumab", "anti_her2", start, anti_her2_end)
    other_first = her2 & ~trastuzumab
    add(other_first, 1, "lapatinib", "anti_her2", start, anti_her2_end)
    add(np.ones(n, bool), 1, taxane, "chemotherapy", start, np.minimum(chemo_end, end_first))
    endocrine = hr_positive & (rng.random(n) < 0.6)
    agent = np.where(patients["menopausal_status"].to_numpy() == "post", "letrozole", "tamoxifen")
    add(endocrine & (chemo_end < end_first), 1, agent, "endocrine", chemo_end, anti_her2_end)
    second = ~ongoing
    second_start = out["progression"] + rng.integers(7, 30, n)
    second_start = np.minimum(second_start, out["last_followup"])
    second_agent = np.where(her2, "trastuzumab emtansine", "capecitabine")
    category = np.where(her2, "anti_her2", "chemotherapy")
    frame = pd.DataFrame(
        {
            "patient_id": ids[second],
            "line": 2,
            "agent": second_agent[second],
            "category": category[second],
            "start_date": second_start[second],
            "end_date": MISSING,
        }
    )
    parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def interruptions(
    rng: np.random.Generator, patients: pd.DataFrame, out: dict, params: PopulationParameters
) -> pd.DataFrame:
    """Temporary interruptions of trastuzumab for adverse events (median ~4 months)."""
    start = patients["latent_start"].to_numpy()
    end_first = out["pfs_end"]
    months = np.clip(
        rng.lognormal(np.log(params.interruption_months_median), 0.4, len(start)), 1, 9
    )
    begin = start + rng.integers(90, 540, len(start))
    finish = begin + np.round(months * MONTH_DAYS).astype(np.int64)
    mask = (
        patients["latent_trastuzumab"].to_numpy()
        & (rng.random(len(start)) < params.interruption)
        & (finish < end_first)
    )
    return pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[mask],
            "agent": "trastuzumab",
            "start_date": begin[mask],
            "end_date": finish[mask],
            "reason": np.where(rng.random(len(start)) < 0.7, "cardiotoxicity", "infusion reaction")[
                mask
            ],
        }
    )


def local_therapies(
    rng: np.random.Generator, patients: pd.DataFrame, out: dict, params: PopulationParameters
) -> pd.DataFrame:
    """Metastasis-directed surgery, radiotherapy or ablation during first-line therapy."""
    n = len(patients)
    start = patients["latent_start"].to_numpy()
    when = start + rng.integers(60, 720, n)
    mask = (rng.random(n) < params.local_therapy) & (when < out["pfs_end"])
    modality = np.array(["surgery", "radiotherapy", "ablation"])[
        np.searchsorted([0.35, 0.9], rng.random(n))
    ]
    target = np.where(
        patients["de_novo"].to_numpy() & (rng.random(n) < 0.4), "primary", "metastasis"
    )
    return pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[mask],
            "date": when[mask],
            "modality": modality[mask],
            "target": target[mask],
        }
    )


def metastatic_sites(patients: pd.DataFrame) -> pd.DataFrame:
    """One row per metastatic site present at diagnosis."""
    parts = []
    for site in SITES:
        mask = patients[f"latent_site_{site}"].to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "patient_id": patients["patient_id"].to_numpy()[mask],
                    "site": site,
                    "date_detected": patients["metastatic_diagnosis_date"].to_numpy()[mask],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["patient_id", "site"], kind="stable", ignore_index=True)


def truth(patients: pd.DataFrame, out: dict, params: PopulationParameters) -> pd.DataFrame:
    """What the generator intended, per patient — read only by tests and calibration.

    ``exclusion`` is the first eligibility step of the study that the patient fails
    (empty when eligible): diagnosis 2012–2021, HER2-positive, first-line trastuzumab,
    progression-free ≥ 36 months (or followed < 36 months), evaluable imaging.
    """
    diagnosis = patients["metastatic_diagnosis_date"].to_numpy()
    start = patients["latent_start"].to_numpy()
    pfs_months = (out["pfs_end"] - start) / MONTH_DAYS
    in_window = (diagnosis >= day("2012-01-01")) & (diagnosis <= day("2021-12-31"))
    exclusion = np.select(
        [
            ~in_window,
            ~patients["latent_her2_positive"].to_numpy(),
            ~patients["latent_trastuzumab"].to_numpy(),
            out["pfs_event"] & (pfs_months < 36),
            pfs_months < 36,
            ~out["evaluable"],
        ],
        [
            "diagnosis outside 2012-2021",
            "not HER2-positive",
            "first line without trastuzumab",
            "progression or death within 36 months",
            "followed less than 36 months",
            "no evaluable imaging after first-line start",
        ],
        default="",
    )
    ned = out["ned"] != MISSING
    return pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy(),
            "eligible": exclusion == "",
            "exclusion": exclusion,
            "first_line_start": start,
            "ned": ned,
            "ned_date": out["ned"],
            "months_to_ned": np.where(ned, (out["ned"] - start) / MONTH_DAYS, np.nan),
            "progression_date": out["progression"],
            "pfs_event": out["pfs_event"],
            "pfs_months": pfs_months,
            "death_date": out["death"],
            "age": patients["latent_age"].to_numpy(),
            "grade": patients["latent_grade"].to_numpy(),
            "pertuzumab": patients["latent_pertuzumab"].to_numpy(),
            "bone_only": patients["latent_bone_only"].to_numpy(),
        }
    )
