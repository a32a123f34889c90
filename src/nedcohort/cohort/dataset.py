"""The analysis dataset: one row per patient with every protocol covariate and outcome.

Built in SQL by the study's engine from the record tables and the derived ``outcomes``
(``nedcohort.derive.derive_in``); only the eligible patients' rows of this table leave
the engine for the statistics.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from nedcohort.engine.base import Engine, as_engine

DATASET_SQL = """
WITH sites AS (
    SELECT patient_id, count(DISTINCT site) AS n_sites,
           bool_or(site = 'liver') AS liver, bool_or(site = 'lung') AS lung,
           bool_or(site = 'cns') AS cns, bool_or(site = 'pleura') AS pleura
    FROM metastatic_sites GROUP BY patient_id
),
first_line_agents AS (
    SELECT patient_id,
           bool_or(lower(agent) = 'trastuzumab') AS trastuzumab,
           bool_or(lower(agent) = 'pertuzumab') AS pertuzumab,
           bool_or(category = 'endocrine') AS endocrine
    FROM treatments WHERE line = 1 GROUP BY patient_id
),
local AS (SELECT DISTINCT patient_id FROM local_therapies),
paused AS (SELECT DISTINCT patient_id FROM treatment_interruptions)
SELECT
    p.patient_id, p.center, p.metastatic_diagnosis_date,
    date_diff('day', p.birth_date, p.metastatic_diagnosis_date) / CAST(365.25 AS DOUBLE) AS age,
    CAST(p.menopausal_status = 'post' AS INTEGER) AS postmenopausal,
    CAST(p.ecog = 0 AS INTEGER) AS ecog_0,
    CAST(p.de_novo AS INTEGER) AS de_novo,
    CAST(coalesce(s.liver OR s.lung OR s.cns OR s.pleura, false) AS INTEGER) AS visceral,
    CAST(coalesce(s.liver, false) AS INTEGER) AS liver,
    CAST(coalesce(s.lung, false) AS INTEGER) AS lung,
    CAST(coalesce(s.cns, false) AS INTEGER) AS cns,
    CAST(coalesce(s.n_sites, 0) >= 2 AS INTEGER) AS multiple_sites,
    p.her2_ihc = '3+' OR (p.her2_ihc = '2+' AND p.her2_ish = 'positive') AS her2_positive,
    CASE WHEN p.her2_ihc = '3+' THEN 1 WHEN p.her2_ihc = '2+' AND p.her2_ish = 'positive'
         THEN 0 END AS her2_ihc3,
    CAST(p.er_status = 'positive' AS INTEGER) AS er_positive,
    CAST(p.pr_status = 'positive' AS INTEGER) AS pr_positive,
    CAST(p.er_status = 'positive' OR p.pr_status = 'positive' AS INTEGER) AS hr_positive,
    CAST(p.histologic_grade = 3 AS INTEGER) AS grade_3,
    CAST(p.histologic_grade <= 2 AS INTEGER) AS grade_le2,
    p.ki67_percent AS ki67,
    coalesce(f.trastuzumab, false) AS trastuzumab_first_line,
    CAST(coalesce(f.pertuzumab, false) AS INTEGER) AS pertuzumab,
    CAST(coalesce(f.endocrine, false) AS INTEGER) AS endocrine,
    CAST(l.patient_id IS NOT NULL AS INTEGER) AS local_therapy,
    CAST(i.patient_id IS NOT NULL AS INTEGER) AS interruption,
    CAST(o.ned_ever AS INTEGER) AS ned,
    o.months_to_ned, o.first_line_start, o.disease, o.n_followup_exams,
    o.pfs_months, CAST(o.pfs_event AS INTEGER) AS pfs_event,
    o.progression_date IS NOT NULL AS progressed
FROM patients p
LEFT JOIN sites s ON s.patient_id = p.patient_id
LEFT JOIN first_line_agents f ON f.patient_id = p.patient_id
LEFT JOIN local l ON l.patient_id = p.patient_id
LEFT JOIN paused i ON i.patient_id = p.patient_id
LEFT JOIN outcomes o ON o.patient_id = p.patient_id
"""


def create_dataset(db: Engine | duckdb.DuckDBPyConnection) -> None:
    """Table ``analysis_dataset`` in ``db``: one row per source patient (eligible or not)
    with covariates and outcomes."""
    as_engine(db).create("analysis_dataset", DATASET_SQL)


def build_dataset(db: Engine | duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``create_dataset``, then the whole table as a DataFrame (ordered by patient)."""
    db = as_engine(db)
    create_dataset(db)
    return db.frame("SELECT * FROM analysis_dataset ORDER BY patient_id")
