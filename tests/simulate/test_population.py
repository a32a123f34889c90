"""The synthetic population: deterministic, in the record model, and RECIST-consistent.

The lesion checks below are a small independent reading of the records: at the exam the
generator meant as NED every lesion reads as gone (or inactive bone), at the exam it meant
as progression the records show RECIST progression, and never earlier.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nedcohort.simulate import simulate_population, write_population
from nedcohort.simulate.generate import TABLES

REQUIRED = {
    "patients": ["patient_id", "center", "metastatic_diagnosis_date", "her2_ihc",
                 "last_followup_date"],
    "metastatic_sites": ["patient_id", "site"],
    "treatments": ["patient_id", "line", "agent", "category", "start_date"],
    "treatment_interruptions": ["patient_id", "agent", "start_date", "end_date"],
    "local_therapies": ["patient_id", "date", "modality", "target"],
    "imaging_exams": ["exam_id", "patient_id", "exam_date", "modality"],
    "lesions": ["exam_id", "lesion_id", "role", "site", "is_lymph_node"],
}  # fmt: skip
ALLOWED = {
    ("patients", "her2_ihc"): {"0", "1+", "2+", "3+"},
    ("patients", "menopausal_status"): {"pre", "post"},
    ("metastatic_sites", "site"): {"bone", "liver", "lung", "cns", "distant_lymph_node",
                                   "soft_tissue", "pleura", "other"},
    ("treatments", "category"): {"anti_her2", "chemotherapy", "endocrine", "other"},
    ("local_therapies", "modality"): {"surgery", "radiotherapy", "ablation"},
    ("imaging_exams", "modality"): {"CT", "PET-CT", "MRI", "bone_scintigraphy"},
    ("lesions", "role"): {"target", "non_target", "new"},
}  # fmt: skip


@pytest.fixture(scope="module")
def population() -> dict[str, pd.DataFrame]:
    return simulate_population(1500, seed=11)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path, fmt):
    write_population(tmp_path / "a", 300, seed=5, fmt=fmt)
    write_population(tmp_path / "b", 300, seed=5, fmt=fmt)
    write_population(tmp_path / "c", 300, seed=6, fmt=fmt)
    first = _digest(tmp_path / "a")
    assert set(first) == {f"{name}.{fmt}" for name in TABLES}
    assert first == _digest(tmp_path / "b")
    assert first != _digest(tmp_path / "c")


def test_tables_follow_the_record_model(population):
    for table, columns in REQUIRED.items():
        frame = population[table]
        assert set(columns) <= set(frame.columns), table
        assert frame[columns].notna().all().all(), table  # required values are filled
    for (table, column), allowed in ALLOWED.items():
        assert set(population[table][column].dropna().unique()) <= allowed, (table, column)
    patients = set(population["patients"]["patient_id"])
    assert len(patients) == 1500
    assert set(population["imaging_exams"]["patient_id"]) <= patients
    assert set(population["lesions"]["exam_id"]) <= set(population["imaging_exams"]["exam_id"])
    diameters = population["lesions"]["diameter_mm"].dropna()
    assert (diameters >= 0).all()


def test_everyone_is_eligible_or_excluded_by_exactly_one_reason(population):
    truth = population["truth"]
    assert (truth["eligible"] == (truth["exclusion"] == "")).all()
    reasons = set(truth["exclusion"]) - {""}
    assert {"diagnosis outside 2012-2021", "not HER2-positive", "first line without trastuzumab",
            "progression or death within 36 months"} <= reasons  # fmt: skip
    eligible = truth[truth["eligible"]]
    assert (eligible["pfs_months"] >= 36).all()
    assert 200 < len(eligible) < 320  # ~17 % of the source population


def _exam_table(population) -> pd.DataFrame:
    exams = population["imaging_exams"].merge(population["truth"], on="patient_id")
    exams = exams[exams["modality"] != "bone_scintigraphy"]
    lesions = population["lesions"].merge(exams[["exam_id", "patient_id"]], on="exam_id")
    target = lesions[lesions["role"] == "target"]
    sums = target.groupby("exam_id")["diameter_mm"].sum(min_count=1)
    all_measured = target.groupby("exam_id")["diameter_mm"].apply(lambda d: d.notna().all())
    node_ok = ~lesions["is_lymph_node"] | (lesions["diameter_mm"].fillna(0) < 10)
    gone_target = (lesions["role"] == "target") & (
        (lesions["is_lymph_node"] & (lesions["diameter_mm"] < 10)) | (lesions["diameter_mm"] == 0)
    )
    inactive = (
        (lesions["nontarget_status"] == "absent")
        | ((lesions["bone_appearance"] == "sclerotic") & (lesions["fdg_avid"] == "false"))
    ) & (lesions["role"] == "non_target")
    lesions = lesions.assign(clear=(gone_target | inactive) & node_ok)
    clear = lesions.groupby("exam_id")["clear"].all()
    new = lesions[lesions["role"] == "new"].groupby("exam_id").size()
    unequivocal = lesions[lesions["nontarget_status"] == "unequivocal_progression"]
    exams = exams[exams["exam_id"].isin(lesions["exam_id"])].set_index("exam_id")
    exams["sld"] = sums.reindex(exams.index)
    exams["measured"] = all_measured.reindex(exams.index, fill_value=True).astype(bool)
    exams["clear"] = clear.reindex(exams.index, fill_value=False).astype(bool)
    exams["new"] = new.reindex(exams.index, fill_value=0) > 0
    exams["unequivocal"] = exams.index.isin(unequivocal["exam_id"])
    return exams.sort_values(["patient_id", "exam_date"])


def test_lesions_read_as_the_intended_ned_and_progression(population):
    exams = _exam_table(population)
    checked_ned = checked_pd = 0
    for _, rows in exams.groupby("patient_id"):
        ned_date = rows["ned_date"].iloc[0]
        pd_date = rows["progression_date"].iloc[0]
        follow = rows[rows["exam_date"] > rows["first_line_start"]]
        before_pd = follow if pd.isna(pd_date) else follow[follow["exam_date"] < pd_date]
        if pd.notna(ned_date):
            assert rows.loc[rows["exam_date"] == ned_date, "clear"].all()
            assert not before_pd.loc[before_pd["exam_date"] < ned_date, "clear"].any()
            checked_ned += 1
        else:
            assert not before_pd["clear"].any()
        # no progression before the intended progression exam
        assert not before_pd["new"].any() and not before_pd["unequivocal"].any()
        sld = rows.loc[rows["measured"], "sld"]
        if pd.notna(pd_date):
            at = rows[rows["exam_date"] == pd_date].iloc[0]
            prior = rows[(rows["exam_date"] < pd_date) & rows["measured"]]["sld"]
            grew = (
                pd.notna(at["sld"])
                and prior.notna().any()
                and at["sld"] >= 1.2 * prior.min()
                and at["sld"] - prior.min() >= 5
            )
            assert grew or at["new"] or at["unequivocal"]
            checked_pd += 1
        if sld.notna().sum() > 1:
            values = before_pd.loc[before_pd["measured"], "sld"].dropna().to_numpy()
            nadir = np.minimum.accumulate(
                np.concatenate([rows["sld"].dropna().to_numpy()[:1], values])
            )
            later = np.concatenate([rows["sld"].dropna().to_numpy()[:1], values])
            assert not np.any((later >= 1.2 * nadir) & (later - nadir >= 5))
    assert checked_ned > 100 and checked_pd > 100


@pytest.mark.slow
def test_calibration_targets_inside_their_range_on_30_seeds():
    from benchmarks.calibration import calibration_table

    table = calibration_table(seeds=30, patients=700)
    outside = table[~table["inside"]]
    assert outside.empty, outside.to_string()
