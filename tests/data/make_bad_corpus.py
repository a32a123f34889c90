"""Write tests/data/bad/: one folder per fault, each the valid records with one fault.

Usage: python tests/data/make_bad_corpus.py   (rewrites tests/data/bad/)

Each folder holds the record CSV files and ``expected.json``: the problem validation must
report — severity, file, spreadsheet row (header = row 1), column and a message pattern.
Rows are counted as a spreadsheet does: the first data row of a file is row 2.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
VALID = HERE / "valid"
BAD = HERE / "bad"
Tables = dict[str, pd.DataFrame]


def cell(table: str, row: int, column: str, value: str) -> Callable[[Tables], None]:
    """Set one cell; ``row`` is the spreadsheet row."""

    def edit(t: Tables) -> None:
        t[table].loc[row - 2, column] = value

    return edit


def append(table: str, **values: str) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        t[table] = pd.concat([t[table], pd.DataFrame([values])], ignore_index=True).fillna("")

    return edit


def rename(table: str, old: str, new: str) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        t[table] = t[table].rename(columns={old: new})

    return edit


def drop_table(table: str) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        del t[table]

    return edit


def both(*edits: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def edit(t: Tables) -> None:
        for e in edits:
            e(t)

    return edit


def expect(file: str, row: int | None, column: str | None, message: str, severity="error"):
    return {"severity": severity, "file": file, "row": row, "column": column, "message": message}


P, E, L, T = "patients.csv", "imaging_exams.csv", "lesions.csv", "treatments.csv"

FAULTS: dict[str, tuple[Callable[[Tables], None], dict]] = {
    "missing_required_column": (
        rename("patients", "patient_id", "PatientID"),
        expect(P, None, "patient_id", r"required column 'patient_id' is missing"),
    ),
    "missing_required_value": (cell("patients", 3, "center", ""),
                               expect(P, 3, "center", r"required value of 'center' is empty")),
    "ecog_not_a_number": (cell("patients", 2, "ecog", "zero"),
                          expect(P, 2, "ecog", r"not a whole number")),
    "ki67_with_percent_sign": (cell("patients", 2, "ki67_percent", "30%"),
                               expect(P, 2, "ki67_percent", r"not a number")),
    "thirty_first_february": (cell("patients", 2, "metastatic_diagnosis_date", "2015-02-31"),
                              expect(P, 2, "metastatic_diagnosis_date", r"not a real calendar")),
    "year_1900_placeholder": (cell("patients", 4, "birth_date", "1900-01-01"),
                              expect(P, 4, "birth_date", r"implausible date")),
    "date_in_the_future": (cell("patients", 2, "last_followup_date", "2099-01-01"),
                           expect(P, 2, "last_followup_date", r"implausible date")),
    "non_iso_date": (cell("imaging_exams", 3, "exam_date", "01/10/2015"),
                     expect(E, 3, "exam_date", r"not an ISO date")),
    "mixed_date_formats": (cell("treatments", 4, "start_date", "Feb 1 2016"),
                           expect(T, None, "start_date", r"mixed date formats")),
    "exam_after_death": (cell("imaging_exams", 7, "exam_date", "2020-03-10"),
                         expect(E, 7, "exam_date", r"exam is after the patient's death")),
    "treatment_ends_before_start": (cell("treatments", 4, "end_date", "2015-01-01"),
                                    expect(T, 4, "end_date", r"treatment ends before it starts")),
    "interruption_ends_before_start": (
        cell("treatment_interruptions", 2, "end_date", "2015-12-01"),
        expect("treatment_interruptions.csv", 2, "end_date", r"interruption ends before it starts"),
    ),
    "followup_before_diagnosis": (cell("patients", 4, "last_followup_date", "2014-01-01"),
                                  expect(P, 4, "last_followup_date", r"last follow-up is before")),
    "death_after_followup": (cell("patients", 3, "death_date", "2021-01-01"),
                             expect(P, 3, "death_date", r"death is after the last follow-up")),
    "birth_after_diagnosis": (cell("patients", 2, "birth_date", "2016-01-01"),
                              expect(P, 2, "metastatic_diagnosis_date", r"birth date is not")),
    "ecog_seven": (cell("patients", 2, "ecog", "7"),
                   expect(P, 2, "ecog", r"out of range; expected a number between 0 and 4")),
    "ki67_over_100": (cell("patients", 3, "ki67_percent", "120"),
                      expect(P, 3, "ki67_percent", r"between 0 and 100")),
    "negative_diameter": (cell("lesions", 4, "diameter_mm", "-4.0"),
                          expect(L, 4, "diameter_mm", r"expected a number >= 0")),
    "her2_ihc_without_plus": (cell("patients", 2, "her2_ihc", "3"),
                              expect(P, 2, "her2_ihc", r"unknown category")),
    "capitalized_category": (cell("patients", 2, "er_status", "Positive"),
                             expect(P, 2, "er_status", r"unknown category")),
    "slash_in_modality": (cell("imaging_exams", 3, "modality", "PET/CT"),
                          expect(E, 3, "modality", r"unknown category")),
    "unknown_site": (cell("metastatic_sites", 4, "site", "brain"),
                     expect("metastatic_sites.csv", 4, "site", r"unknown category")),
    "boolean_maybe": (cell("patients", 3, "de_novo", "maybe"),
                      expect(P, 3, "de_novo", r"not a yes/no value")),
    "duplicate_patient": (append("patients", patient_id="P2", center="C02",
                                 metastatic_diagnosis_date="2016-01-15", her2_ihc="3+",
                                 last_followup_date="2020-02-01"),
                          expect(P, 5, "patient_id", r"duplicate patient_id: the same as row 3")),
    "duplicate_exam": (append("imaging_exams", exam_id="E4", patient_id="P2",
                              exam_date="2016-01-21", modality="CT"),
                       expect(E, 11, "exam_id", r"duplicate exam_id")),
    "duplicate_lesion_in_exam": (append("lesions", exam_id="E4", lesion_id="P2-L1", role="target",
                                        site="lung", is_lymph_node="false", diameter_mm="21"),
                                 expect(L, 15, "exam_id", r"duplicate exam_id / lesion_id")),
    "exam_of_unknown_patient": (cell("imaging_exams", 5, "patient_id", "P9"),
                                expect(E, 5, "patient_id", r"no patients row has this patient_id")),
    "lesion_of_unknown_exam": (cell("lesions", 8, "exam_id", "E99"),
                               expect(L, 8, "exam_id", r"no imaging_exams row has this exam_id")),
    "treatment_of_unknown_patient": (cell("treatments", 9, "patient_id", "P7"),
                                     expect(T, 9, "patient_id", r"no patients row")),
    "target_becomes_non_target": (
        both(cell("lesions", 6, "role", "non_target"),
             cell("lesions", 6, "nontarget_status", "present"),
             cell("lesions", 6, "diameter_mm", "")),
        expect(L, 6, "role", r"was 'target' at an earlier exam"),
    ),
    "new_lesion_becomes_target": (
        both(append("imaging_exams", exam_id="E10", patient_id="P2", exam_date="2017-06-01",
                    modality="CT"),
             append("lesions", exam_id="E10", lesion_id="P2-L3", role="target", site="liver",
                    is_lymph_node="false", diameter_mm="18")),
        expect(L, 15, "role", r"lesion P2-L3 was 'new' at an earlier exam"),
    ),
    "missing_patients_table": (drop_table("patients"),
                               expect("valid", None, None, r"table 'patients' not found")),
    "unknown_local_therapy": (cell("local_therapies", 2, "modality", "RT"),
                              expect("local_therapies.csv", 2, "modality", r"unknown category")),
    "node_flag_missing": (cell("lesions", 9, "is_lymph_node", ""),
                          expect(L, 9, "is_lymph_node", r"value of 'is_lymph_node' is empty")),
    "small_baseline_target": (cell("lesions", 2, "diameter_mm", "8"),
                              expect(L, 2, "diameter_mm", r"under 10 mm at baseline", "warning")),
    "small_nodal_target": (cell("lesions", 9, "diameter_mm", "12"),
                           expect(L, 9, "diameter_mm", r"under 15 mm short axis", "warning")),
    "three_targets_in_one_organ": (
        both(append("lesions", exam_id="E4", lesion_id="P2-L4", role="target", site="lung",
                    is_lymph_node="false", diameter_mm="14"),
             append("lesions", exam_id="E4", lesion_id="P2-L5", role="target", site="lung",
                    is_lymph_node="false", diameter_mm="16")),
        expect(L, 8, "site", r"3 targets in lung at baseline", "warning"),
    ),
    "ihc_2_without_ish": (cell("patients", 3, "her2_ish", ""),
                          expect(P, 3, "her2_ish", r"IHC 2\+ without an ISH result", "warning")),
}  # fmt: skip


def main() -> None:
    if BAD.exists():
        shutil.rmtree(BAD)
    for name, (edit, expected) in FAULTS.items():
        tables = {
            p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in VALID.glob("*.csv")
        }
        edit(tables)
        folder = BAD / name
        folder.mkdir(parents=True)
        for table, frame in tables.items():
            frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")
        if expected["file"] == "valid":
            expected["file"] = name
        (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"wrote {len(FAULTS)} faults to {BAD}")


if __name__ == "__main__":
    main()
