"""Per-patient outcomes from the assessed exams: first-line start, NED ever, PFS.

PFS runs from the start of first-line anti-HER2 therapy to the first exam read as
progression (RECIST PD) or death, whichever comes first, and is otherwise censored at
the last follow-up (DESIGN §3). NED counts only before progression. Months are days /
30.4375.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from nedcohort.derive.recist import assessment_sql
from nedcohort.engine.base import Engine, as_engine

MONTH_DAYS = 30.4375
BASELINE_WINDOW_DAYS = 42  # the baseline exam is at most 42 days before first-line start

# first-line start, defined once: read by the exam baseline and by PFS
FIRST_LINE_SQL = """
SELECT patient_id,
       min(CAST(start_date AS DATE)) FILTER (WHERE category = 'anti_her2') AS anti_her2_start,
       min(CAST(start_date AS DATE)) AS any_start
FROM treatments WHERE CAST(line AS INTEGER) = 1 GROUP BY patient_id
"""

OUTCOMES_SQL = f"""
WITH
progression AS (
    SELECT patient_id, min(exam_date) AS progression_date,
           arg_min(reason, CAST(exam_date AS VARCHAR) || exam_id) AS progression_reason
    FROM assessed WHERE overall_response = 'PD' GROUP BY patient_id
),
ned AS (
    SELECT a.patient_id, min(a.exam_date) AS first_ned_date
    FROM assessed a LEFT JOIN progression p ON p.patient_id = a.patient_id
    WHERE a.radiologic_ned AND (p.progression_date IS NULL OR a.exam_date < p.progression_date)
    GROUP BY a.patient_id
),
disease AS (
    SELECT patient_id, any_value(disease) AS disease, count(*) - 1 AS n_followup_exams
    FROM assessed GROUP BY patient_id
)
SELECT
    pt.patient_id,
    coalesce(s.anti_her2_start, s.any_start) AS first_line_start,
    s.anti_her2_start IS NOT NULL AS anti_her2_first_line,
    coalesce(d.disease, 'no baseline exam') AS disease,
    coalesce(d.n_followup_exams, 0) AS n_followup_exams,
    p.progression_date,
    p.progression_reason,
    CAST(pt.death_date AS DATE) AS death_date,
    CAST(pt.last_followup_date AS DATE) AS last_followup_date,
    least(p.progression_date, CAST(pt.death_date AS DATE)) IS NOT NULL AS pfs_event,
    datediff('day', coalesce(s.anti_her2_start, s.any_start),
             coalesce(least(p.progression_date, CAST(pt.death_date AS DATE)),
                      CAST(pt.last_followup_date AS DATE))) / CAST({MONTH_DAYS} AS DOUBLE)
        AS pfs_months,
    n.first_ned_date IS NOT NULL AS ned_ever,
    n.first_ned_date,
    datediff('day', coalesce(s.anti_her2_start, s.any_start), n.first_ned_date)
        / CAST({MONTH_DAYS} AS DOUBLE) AS months_to_ned
FROM patients pt
LEFT JOIN first_line s ON s.patient_id = pt.patient_id
LEFT JOIN progression p ON p.patient_id = pt.patient_id
LEFT JOIN ned n ON n.patient_id = pt.patient_id
LEFT JOIN disease d ON d.patient_id = pt.patient_id
"""


def derive_in(
    db: Engine | duckdb.DuckDBPyConnection, sclerotic_without_pet: str = "active"
) -> None:
    """Create ``assessed`` (per exam) and ``outcomes`` (per patient) in ``db``.

    ``db`` (an engine, or a DuckDB connection such as the study database) holds the
    record tables (patients, treatments, imaging_exams, lesions); the exam baseline is
    the last exam on or before first-line start and at most 42 days before it.
    """
    db = as_engine(db)
    db.view("exams", "SELECT * FROM imaging_exams")
    db.create("first_line", FIRST_LINE_SQL, temporary=True)
    db.create(
        "baselines",
        f"""SELECT patient_id, coalesce(anti_her2_start, any_start) AS baseline_date,
               coalesce(anti_her2_start, any_start) - INTERVAL {BASELINE_WINDOW_DAYS} DAY
                   AS earliest_date
        FROM first_line""",
        temporary=True,
    )
    db.create("assessed", assessment_sql(sclerotic_without_pet))
    db.create("outcomes", OUTCOMES_SQL)


def patient_outcomes(
    patients: pd.DataFrame,
    treatments: pd.DataFrame,
    exams: pd.DataFrame,
    lesions: pd.DataFrame,
    sclerotic_without_pet: str = "active",
) -> pd.DataFrame:
    """One row per patient: first_line_start, anti_her2_first_line, disease (at
    baseline), n_followup_exams, progression_date and its reason, death_date,
    last_followup_date, pfs_event, pfs_months, ned_ever, first_ned_date, months_to_ned.
    """
    with duckdb.connect() as con:
        for name, frame in (
            ("patients", patients),
            ("treatments", treatments),
            ("imaging_exams", exams),
            ("lesions", lesions),
        ):
            con.register(name, frame)
        derive_in(con, sclerotic_without_pet)
        return con.execute("SELECT * FROM outcomes ORDER BY patient_id").df()
