"""Build small exam and lesion tables from a compact description, for RECIST cases."""

from __future__ import annotations

import pandas as pd

EXAM_COLUMNS = ["exam_id", "patient_id", "exam_date", "modality", "reader_assessment"]
LESION_COLUMNS = ["exam_id", "lesion_id", "role", "site", "is_lymph_node", "diameter_mm",
                  "nontarget_status", "bone_appearance", "fdg_avid"]  # fmt: skip


def target(mm: float | None, site: str = "liver", node: bool = False) -> dict:
    """A target lesion measurement."""
    return {"role": "target", "site": site, "is_lymph_node": node, "diameter_mm": mm}


def nontarget(status: str | None, site: str = "lung", look: str | None = None, fdg=None) -> dict:
    """A non-target lesion assessment."""
    return {"role": "non_target", "site": site, "is_lymph_node": False,
            "nontarget_status": status, "bone_appearance": look, "fdg_avid": fdg}  # fmt: skip


def new_lesion(mm: float = 12.0, site: str = "liver", fdg=None) -> dict:
    return {"role": "new", "site": site, "is_lymph_node": False, "diameter_mm": mm,
            "fdg_avid": fdg}  # fmt: skip


def build(*exams: dict, patient: str = "P1") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each exam: {"lesions": {id: lesion}, "modality": ..., "reader": ...}; monthly dates."""
    exam_rows, lesion_rows = [], []
    for k, exam in enumerate(exams):
        exam_id = f"{patient}-E{k + 1}"
        exam_rows.append({"exam_id": exam_id, "patient_id": patient,
                          "exam_date": pd.Timestamp("2020-01-01") + pd.DateOffset(months=2 * k),
                          "modality": exam.get("modality", "CT"),
                          "reader_assessment": exam.get("reader")})  # fmt: skip
        for lesion_id, lesion in exam.get("lesions", {}).items():
            lesion_rows.append({"exam_id": exam_id, "lesion_id": f"{patient}-{lesion_id}",
                                **lesion})  # fmt: skip
    exams_frame = pd.DataFrame(exam_rows, columns=EXAM_COLUMNS)
    lesions_frame = pd.DataFrame(lesion_rows).reindex(columns=LESION_COLUMNS)
    return exams_frame, lesions_frame


def exam(lesions: dict | None = None, modality: str = "CT", reader: str | None = None) -> dict:
    return {"lesions": lesions or {}, "modality": modality, "reader": reader}
