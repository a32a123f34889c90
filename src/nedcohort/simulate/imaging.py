"""Imaging exams and lesion measurements whose RECIST reading gives the intended states.

Per patient: a baseline exam before first-line start, restaging at the center's
interval until the last follow-up, extra bone scans (which never decide anything), and
some missed exams. The exam that shows NED is the first eligible exam at or after the
latent NED time (for bone-only disease a PET-CT, where an inactive sclerotic residual is
not active disease); the exam that shows progression is the first at or after the latent
progression time. Lesion trajectories are written so that RECIST 1.1 (``RECIST.md``)
reads exactly those exams as CR/NED and PD:

* measurable targets shrink; for NED patients non-nodal targets reach 0 and nodes fall
  below 10 mm at the NED exam (never before), otherwise at least one stays measurable;
* at progression the sum grows ≥ 30 % and ≥ 6 mm over the nadir, or a new lesion appears,
  or a non-target progresses unequivocally.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nedcohort.simulate.parameters import CENTERS, MONTH_DAYS, PopulationParameters

CT, PET, BONE_SCAN = "CT", "PET-CT", "bone_scintigraphy"
NEW_LESION_NUMBER = 91  # lesion ids P…-L91 are lesions first seen at progression


@dataclass(frozen=True)
class Schedule:
    """Exams of a chunk (one row per exam, grouped by patient, in date order)."""

    patient: np.ndarray  # index of the patient within the chunk
    day: np.ndarray  # exam date (days since epoch)
    modality: np.ndarray
    ned_exam: np.ndarray  # per patient: index into the exam arrays, -1 if none
    pd_exam: np.ndarray  # per patient: index of the progression exam, -1 if none


def schedule_exams(
    rng: np.random.Generator, patients: pd.DataFrame, params: PopulationParameters
) -> Schedule:
    """Baseline plus restaging exams up to the last follow-up; the NED and PD exams."""
    n = len(patients)
    start = patients["latent_start"].to_numpy()
    center = patients["latent_center"].to_numpy()
    interval = np.array([c.interval_weeks * 7 for c in CENTERS])[center]
    pet_share = np.array([c.pet_share for c in CENTERS])[center]
    followup_days = np.floor(patients["latent_followup_months"].to_numpy() * MONTH_DAYS)
    progression_days = patients["latent_progression_months"].to_numpy() * MONTH_DAYS
    # restaging continues until one exam after progression, and never after follow-up ends
    horizon = np.minimum(followup_days, progression_days + interval)
    n_follow = np.maximum(np.floor(horizon / interval).astype(np.int64), 0)
    counts = n_follow + 1
    patient = np.repeat(np.arange(n), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = np.arange(patient.size) - offsets[patient]
    jitter = rng.integers(-7, 8, patient.size)
    rel = np.where(k == 0, -rng.integers(0, 36, patient.size), k * interval[patient] + jitter)
    rel = np.where(k > 0, np.minimum(rel, followup_days[patient]), rel)
    keep = (k == 0) | (rng.random(patient.size) >= params.missed_exam)
    patient, rel = patient[keep], rel[keep]
    modality = np.where(rng.random(patient.size) < pet_share[patient], PET, CT)
    modality = np.where(rel <= 0, CT, modality)  # baseline on CT
    # bone scans: extra exams that RECIST and NED ignore
    bone = patients["latent_site_bone"].to_numpy()
    extra = bone[patient] & (rel > 0) & (rng.random(patient.size) < params.bone_scan_share)
    scan_patient, scan_rel = patient[extra], rel[extra] + 3
    patient = np.concatenate([patient, scan_patient])
    rel = np.concatenate([rel, scan_rel])
    modality = np.concatenate([modality, np.full(scan_patient.size, BONE_SCAN)])
    order = np.lexsort((rel, patient))
    patient, rel, modality = patient[order], rel[order], modality[order]
    rel = np.minimum(rel, np.where(rel > 0, followup_days[patient], rel)).astype(np.int64)
    decisive = modality != BONE_SCAN

    pd_exam = _first_at_or_after(patient, rel, decisive & (rel > 0), progression_days, n)
    ned_days = np.where(
        patients["latent_intended_ned"].to_numpy(),
        patients["latent_ned_months"].to_numpy() * MONTH_DAYS,
        np.inf,
    )
    bone_only = patients["latent_bone_only"].to_numpy()
    # bone-only disease is confirmed NED on PET-CT: the first restaging after the NED time
    # is done with PET-CT for these patients
    candidate = _first_at_or_after(patient, rel, decisive & (rel > 0), ned_days, n)
    has = candidate >= 0
    force = has & bone_only
    modality[candidate[force]] = PET
    ned_exam = np.where(has & ((pd_exam < 0) | (candidate < pd_exam)), candidate, -1)
    return Schedule(
        patient=patient,
        day=start[patient] + rel,
        modality=modality,
        ned_exam=ned_exam,
        pd_exam=pd_exam,
    )


def _first_at_or_after(
    patient: np.ndarray, rel: np.ndarray, eligible: np.ndarray, when: np.ndarray, n: int
) -> np.ndarray:
    """Per patient, the first eligible exam with rel >= when (index, or -1)."""
    hit = eligible & (rel >= when[patient])
    first = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(hit)
    # exams are sorted by patient then date: the first hit of each patient is the minimum
    uniq, pos = np.unique(patient[idx], return_index=True)
    first[uniq] = idx[pos]
    return first


def reader_assessments(schedule: Schedule, reader_only: np.ndarray) -> np.ndarray:
    """The radiologist's conclusion, recorded only by reader-only centers."""
    index = np.arange(schedule.patient.size)
    ned = schedule.ned_exam[schedule.patient]
    prog = schedule.pd_exam[schedule.patient]
    text = np.select(
        [(prog >= 0) & (index >= prog), (ned >= 0) & (index >= ned)],
        ["progression", "ned"],
        default="residual",
    )
    text = np.where(schedule.modality == BONE_SCAN, "", text)
    return np.where(reader_only[schedule.patient], text, "")


def _ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and position within owner for ragged groups of the given sizes."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return owner, np.arange(owner.size) - starts[owner]


def plan_lesions(
    rng: np.random.Generator, patients: pd.DataFrame, params: PopulationParameters
) -> pd.DataFrame:
    """Baseline lesions per patient: role, site, node flag, baseline size, trajectory floor."""
    n = len(patients)
    bone_only = patients["latent_bone_only"].to_numpy()
    has_bone = patients["latent_site_bone"].to_numpy()
    measurable = ~bone_only & (rng.random(n) < params.measurable_given_not_bone_only)
    visceral_sites = ["liver", "lung", "distant_lymph_node", "soft_tissue", "pleura"]
    flags = np.column_stack([patients[f"latent_site_{s}"].to_numpy() for s in visceral_sites])
    flags[~flags.any(axis=1), 2] = True  # disease outside bone: at least a node
    cum = np.cumsum(flags, axis=1)
    n_sites = cum[:, -1]
    # up to 4 targets, at most 2 per organ (RECIST 1.1)
    wanted = 1 + np.searchsorted([0.15, 0.45, 0.75, 0.92], rng.random(n))  # 1–5 targets
    n_targets = np.where(measurable, np.minimum(wanted, 2 * n_sites), 0)
    n_bone = np.where(has_bone, 1 + rng.integers(0, 4, n), 0)
    n_other_nt = np.where(~bone_only & ~measurable, 1 + rng.integers(0, 3, n), 0)
    n_other_nt += np.where(~bone_only & measurable, rng.integers(0, 3, n), 0)
    counts = n_targets + n_bone + n_other_nt
    owner, position = _ragged(counts)
    is_target = position < n_targets[owner]
    is_bone = ~is_target & (position < n_targets[owner] + n_bone[owner])
    # cycle through the patient's sites outside bone: target k goes to site k mod n_sites
    pick = position % n_sites[owner]
    site_idx = np.argmax(cum[owner] > pick[:, None], axis=1)
    site = np.where(is_bone, "bone", np.array(visceral_sites)[site_idx])
    node = site == "distant_lymph_node"
    size = np.where(node, rng.uniform(15, 32, owner.size), rng.uniform(12, 55, owner.size))
    return pd.DataFrame(
        {
            "patient": owner,
            "lesion_no": position + 1,
            "role": np.where(is_target, "target", "non_target"),
            "site": site,
            "is_lymph_node": node,
            "baseline_mm": np.where(is_target, np.round(size, 1), np.nan),
            "floor": rng.uniform(0.3, 0.75, owner.size),  # non-NED residual fraction
            "node_floor": rng.uniform(4.0, 9.0, owner.size),  # NED node short axis
            "baseline_look": np.where(rng.random(owner.size) < 0.5, "lytic", "mixed"),
            "disease": np.select(
                [bone_only[owner], measurable[owner]], ["bone_only", "measurable"], "non_measurable"
            ),
        }
    )


def measure_lesions(
    rng: np.random.Generator,
    patients: pd.DataFrame,
    plan: pd.DataFrame,
    schedule: Schedule,
    exam_ids: np.ndarray,
    params: PopulationParameters,
) -> pd.DataFrame:
    """One row per lesion per exam (CT, PET-CT) for the centers that measure lesions."""
    reader_only = np.array([c.reader_only for c in CENTERS])[patients["latent_center"].to_numpy()]
    decisive = (schedule.modality != BONE_SCAN) & ~reader_only[schedule.patient]
    exam_index = np.flatnonzero(decisive)
    exam_patient = schedule.patient[exam_index]
    lesion_counts = np.bincount(plan["patient"].to_numpy(), minlength=len(patients))
    first_lesion = np.concatenate([[0], np.cumsum(lesion_counts)[:-1]])
    row_exam_pos, within = _ragged(lesion_counts[exam_patient])
    exam = exam_index[row_exam_pos]  # index into the schedule
    owner = schedule.patient[exam]
    lesion = first_lesion[owner] + within  # index into the plan
    start = patients["latent_start"].to_numpy()
    t = (schedule.day[exam] - start[owner]).astype(float)
    ned_exam = schedule.ned_exam[owner]
    pd_exam = schedule.pd_exam[owner]
    after_ned = (ned_exam >= 0) & (exam >= ned_exam)
    at_pd = (pd_exam >= 0) & (exam >= pd_exam)
    on_pet = schedule.modality[exam] == PET
    baseline = t <= 0

    role = plan["role"].to_numpy()[lesion]
    node = plan["is_lymph_node"].to_numpy()[lesion]
    d0 = plan["baseline_mm"].to_numpy()[lesion]
    disease = plan["disease"].to_numpy()[lesion]
    target = role == "target"
    is_ned_patient = ned_exam >= 0
    ned_t = np.where(is_ned_patient, schedule.day[np.maximum(ned_exam, 0)] - start[owner], 1.0)
    progress = np.clip(t / np.maximum(ned_t, 1.0), 0.0, 1.0)
    # NED patients: shrink to 0 (nodes: to ≥ 10.5 mm) exactly by the NED exam
    shrinking = np.where(
        node,
        10.5 + (d0 - 10.5) * (1 - progress) ** 0.7,
        np.maximum(d0 * (1 - progress) ** 0.7, 3.0),
    )
    resolved = np.where(node, plan["node_floor"].to_numpy()[lesion], 0.0)
    floor = plan["floor"].to_numpy()[lesion]
    partial = d0 * (floor + (1 - floor) * np.exp(-np.maximum(t, 0) / 90.0))
    size = np.where(is_ned_patient, np.where(after_ned, resolved, shrinking), partial)
    noisy_size = size * (
        1 + rng.uniform(-params.measurement_error, params.measurement_error, size.size)
    )
    noisy = np.where(
        baseline, d0, np.where(node & after_ned, np.minimum(noisy_size, 9.5), noisy_size)
    )
    noisy = np.where(node & ~after_ned & ~baseline, np.maximum(noisy, 10.2), noisy)
    noisy = np.where(~node & ~after_ned & ~baseline, np.maximum(noisy, 2.5), noisy)
    diameter = np.where(target, np.round(np.where(size == 0, 0.0, noisy), 1), np.nan)

    # an occasional unmeasured target (not evaluable at that exam)
    unmeasured = (
        target
        & ~baseline
        & ~at_pd
        & (exam != ned_exam)
        & (rng.random(size.size) < params.unmeasured_lesion)
    )
    diameter = np.where(unmeasured, np.nan, diameter)
    # growth is set against the nadir of the exams as recorded (unmeasured ones excluded)
    mode = _progression_mode(rng, plan, schedule.ned_exam >= 0)
    pmode = mode[owner]
    diameter = _grow_at_progression(diameter, target, owner, exam, at_pd, pmode == "growth")

    bone = plan["site"].to_numpy()[lesion] == "bone"
    active_look = plan["baseline_look"].to_numpy()[lesion]
    look = np.where(bone, np.where(after_ned, "sclerotic", active_look), "")
    status = np.where(
        target, "", np.where(after_ned & (disease != "bone_only"), "absent", "present")
    )
    inactive = after_ned & ((disease == "bone_only") | (status == "absent") | (diameter == 0))
    fdg = np.where(on_pet, np.where(inactive, "false", "true"), "")
    first_nt = ~target & (within == lesion_counts[owner] - 1)
    status = np.where((pmode == "nontarget") & at_pd & first_nt, "unequivocal_progression", status)
    rows = pd.DataFrame(
        {
            "_exam": exam,
            "_lesion": within + 1,
            "exam_id": exam_ids[exam],
            "lesion_id": _lesion_ids(patients["patient_id"].to_numpy()[owner], within + 1),
            "role": role,
            "site": plan["site"].to_numpy()[lesion],
            "is_lymph_node": node,
            "diameter_mm": diameter,
            "nontarget_status": status,
            "bone_appearance": look,
            "fdg_avid": fdg,
        }
    )
    new = _new_lesions(rng, patients, schedule, exam_ids, pmode_by_patient=mode,
                       reader_only=reader_only)  # fmt: skip
    rows = pd.concat([rows, new], ignore_index=True)
    order = np.lexsort((rows["_lesion"].to_numpy(), rows["_exam"].to_numpy()))
    return rows.iloc[order].drop(columns=["_exam", "_lesion"]).reset_index(drop=True)


def _progression_mode(rng: np.random.Generator, plan: pd.DataFrame, ned: np.ndarray) -> np.ndarray:
    """How progression shows: growth of targets, a new lesion, or non-target progression."""
    n = ned.size
    owner = plan["patient"].to_numpy()
    is_target = plan["role"].to_numpy() == "target"
    has_targets = np.bincount(owner, is_target, minlength=n) > 0
    has_nt = np.bincount(owner, ~is_target, minlength=n) > 0
    u = rng.random(n)
    mode = np.where(
        has_targets & (u < 0.6), "growth", np.where(has_nt & (u > 0.9), "nontarget", "new")
    )
    return np.where(ned, "new", mode)  # after NED, progression is disease that reappears


def _grow_at_progression(diameter, target, owner, exam, at_pd, growth):
    """Scale targets at and after the PD exam to 1.3 × nadir sum + 6 mm (RECIST PD)."""
    if exam.size == 0:
        return diameter
    codes, first = np.unique(exam, return_index=True)  # exams in order, one owner each
    pos = np.searchsorted(codes, exam)
    value = np.where(target, diameter, 0.0)
    sums = np.bincount(pos, np.nan_to_num(value), minlength=codes.size)
    missing = np.bincount(pos, np.isnan(value), minlength=codes.size) > 0
    exam_owner = owner[first]
    before = ~at_pd[first] & ~missing
    nadir = pd.Series(sums[before]).groupby(exam_owner[before]).min()
    # the progression exam's own (shrunken) sum is what gets scaled up
    at = at_pd[first]
    own = pd.Series(sums[at]).groupby(exam_owner[at]).first()
    factor = ((1.3 * nadir + 6.0) / own.where(own > 0)).reindex(np.arange(owner.max() + 1))
    scale = factor.to_numpy()[owner]
    grown = np.round(diameter * scale, 1)
    return np.where(target & at_pd & growth & np.isfinite(scale), grown, diameter)


def _lesion_ids(patient_ids: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add(patient_ids.astype(str), "-L"), numbers.astype(str))


def _new_lesions(rng, patients, schedule, exam_ids, pmode_by_patient, reader_only):
    """New lesions on the progression exam and every later exam of the patient."""
    pd_exam = schedule.pd_exam[schedule.patient]
    index = np.arange(schedule.patient.size)
    show = (
        (pd_exam >= 0)
        & (index >= pd_exam)
        & (schedule.modality != BONE_SCAN)
        & ~reader_only[schedule.patient]
        & (pmode_by_patient[schedule.patient] == "new")
    )
    exams = np.flatnonzero(show)
    owner = schedule.patient[exams]
    bone_only = patients["latent_bone_only"].to_numpy()[owner]
    site = np.where(
        bone_only, "bone", np.array(["liver", "lung", "bone"])[rng.integers(0, 3, owner.size)]
    )
    # one size per patient, repeated on the later exam
    size = np.round(rng.uniform(12, 25, len(patients)), 1)[owner]
    on_pet = schedule.modality[exams] == PET
    return pd.DataFrame(
        {
            "_exam": exams,
            "_lesion": NEW_LESION_NUMBER,
            "exam_id": exam_ids[exams],
            "lesion_id": _lesion_ids(
                patients["patient_id"].to_numpy()[owner], np.full(owner.size, 91)
            ),
            "role": "new",
            "site": site,
            "is_lymph_node": False,
            "diameter_mm": np.where(site == "bone", np.nan, size),
            "nontarget_status": np.where(site == "bone", "present", ""),
            "bone_appearance": np.where(site == "bone", "lytic", ""),
            "fdg_avid": np.where(on_pet, "true", ""),
        }
    )
