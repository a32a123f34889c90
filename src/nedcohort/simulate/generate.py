"""Assemble the record tables of one chunk of patients from the generators."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from nedcohort.simulate.imaging import (
    measure_lesions,
    plan_lesions,
    reader_assessments,
    schedule_exams,
)
from nedcohort.simulate.parameters import CENTERS, PopulationParameters
from nedcohort.simulate.patients import EPOCH, MISSING, simulate_patients
from nedcohort.simulate.records import (
    interruptions,
    local_therapies,
    metastatic_sites,
    outcomes,
    treatments,
    truth,
)

TABLES = (
    "patients",
    "metastatic_sites",
    "treatments",
    "treatment_interruptions",
    "local_therapies",
    "imaging_exams",
    "lesions",
    "truth",
)
CHUNK = 50_000  # patients per chunk; fixed, so output does not depend on the machine

_DATE_COLUMNS = {
    "patients": ["birth_date", "metastatic_diagnosis_date", "last_followup_date", "death_date"],
    "metastatic_sites": ["date_detected"],
    "treatments": ["start_date", "end_date"],
    "treatment_interruptions": ["start_date", "end_date"],
    "local_therapies": ["date"],
    "imaging_exams": ["exam_date"],
    "truth": ["first_line_start", "ned_date", "progression_date", "death_date"],
}


def _dates(days: np.ndarray) -> np.ndarray:
    """Days since epoch -> datetime64[D]; ``MISSING`` becomes NaT."""
    days = np.asarray(days, dtype=np.int64)
    missing = days == MISSING
    out = EPOCH + np.where(missing, 0, days).astype("timedelta64[D]")
    return np.where(missing, np.datetime64("NaT"), out)


def simulate_chunk(
    seed_sequence: np.random.SeedSequence, n: int, first_index: int, params: PopulationParameters
) -> dict[str, pd.DataFrame]:
    """All tables for patients ``first_index`` … ``first_index + n - 1``."""
    rng = np.random.default_rng(seed_sequence)
    patients = simulate_patients(rng, n, first_index, params)
    schedule = schedule_exams(rng, patients, params)
    out = outcomes(patients, schedule, params)
    reader_only = np.array([c.reader_only for c in CENTERS])[patients["latent_center"].to_numpy()]
    ids = patients["patient_id"].to_numpy()
    exam_no = np.arange(schedule.patient.size) - np.searchsorted(
        schedule.patient, schedule.patient, side="left"
    )
    exam_ids = np.char.add(
        np.char.add(ids[schedule.patient].astype(str), "-E"),
        np.char.zfill((exam_no + 1).astype(str), 3),
    )
    exams = pd.DataFrame(
        {
            "exam_id": exam_ids,
            "patient_id": ids[schedule.patient],
            "exam_date": schedule.day,
            "modality": schedule.modality,
            "reader_assessment": reader_assessments(schedule, reader_only),
        }
    )
    plan = plan_lesions(rng, patients, params)
    lesions = measure_lesions(rng, patients, plan, schedule, exam_ids, params)
    table = patients[[c for c in patients.columns if not c.startswith("latent_")]].copy()
    table["histologic_grade"] = (
        table["histologic_grade"].astype("Int64").mask(table["histologic_grade"] == 0)
    )
    table["last_followup_date"] = out["last_followup"]
    table["death_date"] = out["death"]
    tables = {
        "patients": table,
        "metastatic_sites": metastatic_sites(patients),
        "treatments": treatments(rng, patients, out, params),
        "treatment_interruptions": interruptions(rng, patients, out, params),
        "local_therapies": local_therapies(rng, patients, out, params),
        "imaging_exams": exams,
        "lesions": lesions,
        "truth": truth(patients, out, params),
    }
    for name, columns in _DATE_COLUMNS.items():
        for column in columns:
            tables[name][column] = _dates(tables[name][column].to_numpy())
    return tables


def simulate_chunks(
    n_patients: int, seed: int, params: PopulationParameters | None = None
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the tables chunk by chunk (bounded memory for large populations)."""
    params = params or PopulationParameters()
    n_chunks = max(1, -(-n_patients // CHUNK))
    streams = np.random.SeedSequence(seed).spawn(n_chunks)
    for index, stream in enumerate(streams):
        first = index * CHUNK
        size = min(CHUNK, n_patients - first)
        if size > 0:
            yield simulate_chunk(stream, size, first + 1, params)


def simulate_population(
    n_patients: int, seed: int, params: PopulationParameters | None = None
) -> dict[str, pd.DataFrame]:
    """All tables in memory (for tests and calibration; use write_population for large N)."""
    chunks = list(simulate_chunks(n_patients, seed, params))
    return {name: pd.concat([c[name] for c in chunks], ignore_index=True) for name in TABLES}
