"""Checks across rows and tables: duplicate keys, orphans, impossible orders of dates,
lesion roles that change, and (as warnings) baseline target selection RECIST advises against."""

from __future__ import annotations

from nedcohort.io.validation import Checker, v
from nedcohort.schema import TABLES


def d(column: str, alias: str = "") -> str:
    """SQL for a date cell, NULL when empty or invalid (reported elsewhere)."""
    return f"TRY_CAST({v(column, alias)} AS DATE)"


def check_keys(ck: Checker, table: str) -> None:
    """Duplicate keys: every row after the first with the same key."""
    key = TABLES[table].key
    if not ck.has(table, *key):
        return
    cells = ", ".join(v(k) for k in key)
    shown = " || ' / ' || ".join(f"coalesce({v(k)}, '')" for k in key)
    quoted = ", ".join(f'"{k}"' for k in key)
    filled = " AND ".join(f"{v(k)} IS NOT NULL" for k in key)
    sql = (
        f"SELECT _row, {shown}, first_row FROM (SELECT _row, {quoted}, "
        f'min(_row) OVER (PARTITION BY {cells}) AS first_row FROM "raw_{table}") '
        f"WHERE _row <> first_row AND {filled}"
    )
    # a hash aggregate finds whether any key repeats; only then the per-row window runs
    repeated = ck.db.rows(
        f'SELECT count(*) FROM (SELECT 1 FROM "raw_{table}" WHERE {filled} '
        f"GROUP BY {cells} HAVING count(*) > 1)"
    )[0][0]
    if not repeated:
        return
    label = " / ".join(key)
    ck.rows(
        table,
        "duplicate key",
        sql,
        lambda r: (
            key[0],
            r[1],
            f"duplicate {label}: the same as row {r[2]}",
            "Remove the repeated row or correct its identifier.",
        ),
    )


def check_references(ck: Checker, table: str) -> None:
    """Ids that point to no row of the parent table (an exam of an unknown patient)."""
    for column, parent in TABLES[table].references.items():
        parent_key = TABLES[parent].key[0]
        if not ck.has(table, column) or not ck.has(parent, parent_key):
            continue
        sql = (
            f'SELECT c._row, {v(column, "c")} FROM "raw_{table}" c '
            f'LEFT JOIN (SELECT DISTINCT {v(parent_key)} AS k FROM "raw_{parent}") p '
            f"ON {v(column, 'c')} = p.k WHERE p.k IS NULL AND {v(column, 'c')} IS NOT NULL"
        )
        ck.rows(
            table,
            f"unknown {column}",
            sql,
            lambda r, column=column, parent=parent: (
                column,
                r[1],
                f"no {parent} row has this {column}",
                f"Add it to {parent} or correct the identifier.",
            ),
        )


def check_date_order(ck: Checker) -> None:
    """Dates that cannot be in this order."""
    pairs = [
        (
            "patients",
            "metastatic_diagnosis_date",
            "last_followup_date",
            "last follow-up is before the metastatic diagnosis",
        ),
        (
            "patients",
            "birth_date",
            "metastatic_diagnosis_date",
            "birth date is not before the metastatic diagnosis",
        ),
        (
            "patients",
            "death_date",
            "last_followup_date",
            "death is after the last follow-up (the last follow-up is at the death at the latest)",
        ),
        ("treatments", "start_date", "end_date", "treatment ends before it starts"),
        ("treatment_interruptions", "start_date", "end_date", "interruption ends before it starts"),
    ]
    for table, early, late, message in pairs:
        if not ck.has(table, early, late):
            continue
        strict = "<=" if early == "birth_date" else "<"
        sql = (
            f'SELECT _row, {v(late)}, {v(early)} FROM "raw_{table}" '
            f"WHERE {d(late)} {strict} {d(early)}"
        )
        if early == "death_date":
            sql = (
                f'SELECT _row, {v(early)}, {v(late)} FROM "raw_{table}" '
                f"WHERE {d(early)} > {d(late)}"
            )
        ck.rows(
            table,
            message,
            sql,
            lambda r, message=message, column=late if early != "death_date" else early: (
                column,
                r[1],
                f"{message} ({r[2]})",
                "Check both dates.",
            ),
        )
    if ck.has("imaging_exams", "patient_id", "exam_date") and ck.has(
        "patients", "patient_id", "death_date"
    ):
        sql = (
            f"SELECT e._row, {v('exam_date', 'e')}, {v('death_date', 'p')} "
            f'FROM "raw_imaging_exams" e JOIN "raw_patients" p '
            f"ON {v('patient_id', 'e')} = {v('patient_id', 'p')} "
            f"WHERE {d('exam_date', 'e')} > {d('death_date', 'p')}"
        )
        ck.rows(
            "imaging_exams",
            "exam after death",
            sql,
            lambda r: (
                "exam_date",
                r[1],
                f"exam is after the patient's death ({r[2]})",
                "Check the exam date or the death date.",
            ),
        )


def check_her2(ck: Checker) -> None:
    """IHC 2+ is HER2-positive only with a positive ISH: without ISH it is undecided."""
    if not ck.has("patients", "her2_ihc", "her2_ish"):
        return
    sql = (
        f'SELECT _row, {v("her2_ish")} FROM "raw_patients" '
        f"WHERE {v('her2_ihc')} = '2+' AND {v('her2_ish')} IS NULL"
    )
    ck.rows(
        "patients",
        "IHC 2+ without ISH",
        sql,
        lambda r: (
            "her2_ish",
            r[1],
            "HER2 IHC 2+ without an ISH result: HER2 status undecided",
            "Enter the ISH result (positive/negative).",
        ),
        severity="warning",
    )


def _lesions_with_dates(where: str = "") -> str:
    return (
        f"SELECT l._row, {v('lesion_id', 'l')} AS lesion, {v('role', 'l')} AS role, "
        f"{v('site', 'l')} AS site, "
        f"lower({v('is_lymph_node', 'l')}) IN ('true', '1', 'yes', 'y', 't') AS node, "
        f"TRY_CAST({v('diameter_mm', 'l')} AS DOUBLE) AS diameter, "
        f"{v('patient_id', 'e')} AS patient, {d('exam_date', 'e')} AS exam_date, "
        f"{v('modality', 'e')} AS modality "
        f'FROM "raw_lesions" l JOIN "raw_imaging_exams" e '
        f"ON {v('exam_id', 'l')} = {v('exam_id', 'e')} {where}"
    )


def check_lesions(ck: Checker) -> None:
    """Lesion roles that change over time, and baseline target choices to look at."""
    if not ck.has(
        "lesions", "exam_id", "lesion_id", "role", "site", "is_lymph_node", "diameter_mm"
    ):
        return
    if not ck.has("imaging_exams", "exam_id", "patient_id", "exam_date", "modality"):
        return
    _check_role_changes(ck)
    _check_baseline_targets(ck)


def _check_role_changes(ck: Checker) -> None:
    # hash-aggregate first: only lesions with two roles go through the ordered window
    ck.db.create(
        "changed_lesions",
        f"SELECT patient, lesion FROM ({_lesions_with_dates()}) "
        "GROUP BY patient, lesion HAVING count(DISTINCT role) > 1",
        temporary=True,
    )
    lesions = _lesions_with_dates(
        "WHERE EXISTS (SELECT 1 FROM changed_lesions c "
        f"WHERE c.patient = {v('patient_id', 'e')} AND c.lesion = {v('lesion_id', 'l')})"
    )
    sql = (
        f"SELECT _row, role, previous, lesion FROM (SELECT *, lag(role) OVER "
        f"(PARTITION BY patient, lesion ORDER BY exam_date, _row) AS previous FROM ({lesions})) "
        f"WHERE previous IS NOT NULL AND role <> previous"
    )
    ck.rows(
        "lesions",
        "role change",
        sql,
        lambda r: (
            "role",
            r[1],
            f"lesion {r[3]} was '{r[2]}' at an earlier exam; RECIST "
            "keeps a lesion's role for the whole study",
            "Give a reappearing or newly chosen lesion a new lesion_id, and keep "
            "targets and non-targets as chosen at baseline.",
        ),
    )


def _check_baseline_targets(ck: Checker) -> None:
    # the targets of each patient's first exam, computed once for the four checks below
    ck.db.create(
        "baseline_exams",
        f"SELECT {v('exam_id')} AS exam_id FROM (SELECT {v('exam_id')} AS exam_id_, *, "
        f"rank() OVER (PARTITION BY {v('patient_id')} ORDER BY {d('exam_date')}) AS k "
        f"FROM \"raw_imaging_exams\" WHERE {v('modality')} <> 'bone_scintigraphy') WHERE k = 1",
        temporary=True,
    )
    ck.db.create(
        "baseline_targets",
        _lesions_with_dates(
            f"WHERE {v('role', 'l')} = 'target' AND {v('exam_id', 'l')} IN "
            "(SELECT exam_id FROM baseline_exams)"
        ),
        temporary=True,
    )
    ck.rows(
        "lesions",
        "small target",
        "SELECT _row, diameter FROM baseline_targets WHERE NOT node AND diameter < 10",
        lambda r: (
            "diameter_mm",
            str(r[1]),
            "target lesion under 10 mm at baseline is not measurable by RECIST 1.1",
            "Consider recording it as a non-target.",
        ),
        severity="warning",
    )
    ck.rows(
        "lesions",
        "small nodal target",
        "SELECT _row, diameter FROM baseline_targets WHERE node AND diameter < 15",
        lambda r: (
            "diameter_mm",
            str(r[1]),
            "nodal target under 15 mm short axis at baseline is not measurable by RECIST 1.1",
            "Record the node as a non-target.",
        ),
        severity="warning",
    )
    ck.rows(
        "lesions",
        "too many targets",
        "SELECT min(_row), count(*), patient FROM baseline_targets "
        "GROUP BY patient HAVING count(*) > 5",
        lambda r: (
            "role",
            str(r[1]),
            f"{r[1]} target lesions at baseline for patient {r[2]}; RECIST 1.1 allows at most 5",
            "Keep the 5 largest as targets.",
        ),
        severity="warning",
    )
    ck.rows(
        "lesions",
        "too many per organ",
        "SELECT min(_row), count(*), patient, site FROM baseline_targets "
        "GROUP BY patient, site HAVING count(*) > 2",
        lambda r: (
            "site",
            str(r[1]),
            f"{r[1]} targets in {r[3]} at baseline for patient {r[2]}; "
            "RECIST 1.1 allows at most 2 per organ",
            "Keep 2 per organ as targets.",
        ),
        severity="warning",
    )
