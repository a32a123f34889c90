"""RECIST 1.1 time-point response and radiologic NED for every exam, as relational SQL.

The rules are those of ``RECIST.md`` (Eisenhauer et al. 2009 and the EORTC
clarifications) and the study's NED definition (DESIGN §3). They are written once, as
DuckDB SQL over the record tables with window functions over each patient's exams in
date order, so that an exam's response depends only on it and earlier exams; the same
query runs on DuckDB or, translated, on Spark (``nedcohort.engine``). ``assess_exams``
is the pandas-in, pandas-out wrapper.

Per exam, after the baseline:
* targets (chosen at baseline): SLD = Σ diameters (short axis for nodes); if a target is
  not measured the exam is NE for targets unless the measured ones already show PD;
  nadir = smallest SLD so far, baseline included. PD: SLD ≥ 1.2 × nadir and SLD − nadir
  ≥ 5 mm (tested before PR); CR: non-nodal targets 0 and nodal targets < 10 mm; PR: SLD
  ≤ 0.7 × baseline SLD; otherwise SD.
* non-targets: PD if one progresses unequivocally; CR if all are absent; NE if one is not
  assessed; otherwise non-CR/non-PD.
* new lesions: an unequivocal new lesion is PD at the first exam that shows it; a new
  finding on PET-CT that is not FDG-avid is equivocal and not PD.
* overall response: RECIST Table 1 (targets at baseline) or Table 2 (non-targets only).
* radiologic NED: measurable disease — overall CR; bone-only or non-measurable disease —
  every lesion absent or inactive (sclerotic bone with no FDG uptake on PET-CT; on CT
  alone only if ``sclerotic_without_pet="inactive"``) and nothing new or progressing.
* exams without lesion rows use the radiologist's ``reader_assessment``; bone
  scintigraphy exams never decide anything.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from nedcohort.errors import ProtocolError

SCLEROTIC_WITHOUT_PET = ("active", "inactive")

# The query reads tables ``exams``, ``lesions`` and ``baselines`` (patient_id,
# baseline_date) and the parameter $sclerotic_inactive; it returns one row per exam.
ASSESS_SQL = r"""
WITH
ex AS (
    SELECT exam_id, patient_id, CAST(exam_date AS DATE) AS exam_date, modality,
           lower(trim(coalesce(reader_assessment, ''))) AS reader,
           modality = 'bone_scintigraphy' AS is_scan
    FROM exams
),
base AS (
    SELECT e.patient_id, max(e.exam_date) AS baseline_date
    FROM ex e JOIN baselines b ON e.patient_id = b.patient_id
    WHERE NOT e.is_scan AND e.exam_date <= CAST(b.baseline_date AS DATE)
      AND (b.earliest_date IS NULL OR e.exam_date >= CAST(b.earliest_date AS DATE))
    GROUP BY e.patient_id
),
base_exam AS (
    SELECT e.patient_id, min(e.exam_id) AS exam_id, any_value(b.baseline_date) AS baseline_date
    FROM ex e JOIN base b ON e.patient_id = b.patient_id AND e.exam_date = b.baseline_date
    WHERE NOT e.is_scan GROUP BY e.patient_id
),
les AS (
    -- records may hold '' for empty cells (CSV) or typed NULLs (study database)
    SELECT l.exam_id, e.patient_id, l.lesion_id, l.role, l.site,
           TRY_CAST(l.is_lymph_node AS BOOLEAN) AS node,
           TRY_CAST(l.diameter_mm AS DOUBLE) AS diameter,
           NULLIF(CAST(l.nontarget_status AS VARCHAR), '') AS status,
           NULLIF(CAST(l.bone_appearance AS VARCHAR), '') AS look,
           TRY_CAST(NULLIF(CAST(l.fdg_avid AS VARCHAR), '') AS BOOLEAN) AS fdg,
           e.modality
    FROM lesions l JOIN ex e ON e.exam_id = l.exam_id
    WHERE NOT e.is_scan
),
bl AS (  -- the baseline lesions of each patient
    SELECT b.patient_id, l.lesion_id, l.role, l.site,
           TRY_CAST(l.is_lymph_node AS BOOLEAN) AS node,
           TRY_CAST(l.diameter_mm AS DOUBLE) AS diameter
    FROM base_exam b JOIN lesions l ON l.exam_id = b.exam_id
    WHERE l.role IN ('target', 'non_target')
),
disease AS (
    SELECT patient_id,
           count(*) FILTER (WHERE role = 'target') AS n_targets,
           count(*) FILTER (WHERE role = 'non_target') AS n_nontargets,
           round(sum(diameter) FILTER (WHERE role = 'target'), 3) AS baseline_sld,
           bool_and(site = 'bone') AS bone_only
    FROM bl GROUP BY patient_id
),
fu AS (  -- every non-scan exam from the baseline on
    SELECT e.exam_id, e.patient_id, e.exam_date, e.reader, b.exam_id = e.exam_id AS is_baseline
    FROM ex e JOIN base_exam b ON e.patient_id = b.patient_id
    WHERE NOT e.is_scan AND e.exam_date >= b.baseline_date
),
-- one pass over all lesion rows: each row is matched to its baseline lesion (the small
-- side, hashed) and everything an exam needs is aggregated at once; a baseline lesion
-- without a row at an exam simply does not count as measured or assessed there
per_exam AS (
    SELECT l.exam_id,
        count(l.diameter) FILTER (WHERE b.role = 'target') AS n_measured,
        -- rounded: a sum of floats must not depend on the order an engine adds them in
        round(sum(l.diameter) FILTER (WHERE b.role = 'target'), 3) AS partial,
        bool_and(CASE WHEN b.node THEN l.diameter < 10 ELSE l.diameter = 0 END)
            FILTER (WHERE b.role = 'target') AS gone,
        count(l.status) FILTER (WHERE b.role = 'non_target') AS n_assessed,
        count(*) FILTER (WHERE b.role = 'non_target' AND l.status = 'unequivocal_progression')
            AS n_progressing,
        min(l.lesion_id)
            FILTER (WHERE b.role = 'non_target' AND l.status = 'unequivocal_progression')
            AS progressing_id,
        count(*) FILTER (WHERE b.role = 'non_target' AND l.status = 'absent') AS n_absent,
        count(*) FILTER (WHERE b.role = 'non_target' AND (
            l.status = 'absent'
            OR (b.site = 'bone' AND l.look = 'sclerotic'
                AND ((l.modality = 'PET-CT' AND l.fdg = false)
                     OR ($sclerotic_inactive AND l.modality <> 'PET-CT'))))) AS n_inactive,
        min(l.lesion_id || ' (' || l.site || ')')
            FILTER (WHERE l.role = 'new' AND NOT (l.modality = 'PET-CT' AND l.fdg = false))
            AS first_new,
        count(*) FILTER (WHERE l.role = 'new' AND NOT (l.modality = 'PET-CT' AND l.fdg = false))
            AS n_new
    FROM les l LEFT JOIN bl b ON b.patient_id = l.patient_id AND b.lesion_id = l.lesion_id
    GROUP BY l.exam_id
),
joined AS (
    SELECT f.patient_id, f.exam_id, f.exam_date, f.reader, f.is_baseline,
           p.exam_id IS NOT NULL AS has_lesions,
           d.n_targets, d.n_nontargets, d.baseline_sld, d.bone_only,
           coalesce(p.n_measured, 0) AS n_measured, p.partial, p.gone,
           coalesce(p.n_assessed, 0) AS n_assessed, p.n_progressing > 0 AS progressing,
           p.progressing_id, coalesce(p.n_absent, 0) AS n_absent,
           coalesce(p.n_inactive, 0) AS n_inactive, p.first_new, p.n_new,
           CASE WHEN p.n_measured = d.n_targets THEN p.partial END AS sld
    FROM fu f
    LEFT JOIN per_exam p ON p.exam_id = f.exam_id
    LEFT JOIN disease d ON d.patient_id = f.patient_id
),
nadirs AS (  -- the window runs over a narrow projection only
    SELECT exam_id,
           min(sld) OVER w_all AS nadir,
           min(sld) OVER w_prev AS prev_nadir
    FROM (SELECT exam_id, patient_id, exam_date, CASE WHEN has_lesions THEN sld END AS sld
          FROM joined)
    WINDOW w_all AS (PARTITION BY patient_id ORDER BY exam_date, exam_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           w_prev AS (PARTITION BY patient_id ORDER BY exam_date, exam_id
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
windowed AS (
    SELECT j.*, m.nadir, m.prev_nadir FROM joined j JOIN nadirs m ON m.exam_id = j.exam_id
),
responses AS (
    SELECT *,
        CASE
            WHEN coalesce(n_targets, 0) = 0 THEN NULL
            WHEN partial IS NOT NULL AND prev_nadir IS NOT NULL
                 AND partial >= 1.2 * prev_nadir AND partial - prev_nadir >= 5 THEN 'PD'
            WHEN n_measured < n_targets THEN 'NE'
            WHEN gone THEN 'CR'
            WHEN sld <= 0.7 * baseline_sld THEN 'PR'
            ELSE 'SD'
        END AS target_response,
        CASE
            WHEN coalesce(n_nontargets, 0) = 0 THEN NULL
            WHEN progressing THEN 'PD'
            WHEN n_assessed < n_nontargets THEN 'NE'
            WHEN n_absent = n_nontargets THEN 'CR'
            ELSE 'non-CR/non-PD'
        END AS nontarget_response
    FROM windowed
)
SELECT
    patient_id, exam_id, exam_date,
    CASE WHEN has_lesions THEN sld END AS sld_mm,
    CASE WHEN has_lesions THEN nadir END AS nadir_mm,
    CASE WHEN NOT is_baseline THEN target_response END AS target_response,
    CASE WHEN NOT is_baseline THEN nontarget_response END AS nontarget_response,
    first_new IS NOT NULL AS new_lesions,
    CASE
        WHEN is_baseline THEN 'baseline'
        WHEN NOT has_lesions THEN CASE reader WHEN 'progression' THEN 'PD' WHEN 'ned' THEN 'CR'
                                               WHEN 'residual' THEN 'non-CR/non-PD' ELSE 'NE' END
        WHEN target_response = 'PD' OR nontarget_response = 'PD' OR first_new IS NOT NULL THEN 'PD'
        WHEN target_response IS NULL THEN  -- RECIST Table 2: non-target disease only
            CASE nontarget_response WHEN 'CR' THEN 'CR' WHEN 'NE' THEN 'NE'
                 WHEN 'non-CR/non-PD' THEN 'non-CR/non-PD' ELSE 'NE' END
        WHEN target_response = 'CR' THEN  -- RECIST Table 1
            CASE WHEN nontarget_response IS NULL OR nontarget_response = 'CR' THEN 'CR'
                 ELSE 'PR' END
        WHEN target_response = 'PR' THEN 'PR'
        WHEN target_response = 'SD' THEN 'SD'
        ELSE 'NE'
    END AS overall_response,
    CASE
        WHEN is_baseline THEN false
        WHEN NOT has_lesions THEN reader = 'ned'
        WHEN first_new IS NOT NULL OR coalesce(progressing, false) THEN false
        WHEN coalesce(n_targets, 0) > 0 THEN
            target_response = 'CR' AND coalesce(nontarget_response, 'CR') = 'CR'
        ELSE n_nontargets > 0 AND n_assessed = n_nontargets AND n_inactive = n_nontargets
    END AS radiologic_ned,
    CASE WHEN has_lesions THEN 'lesions' ELSE 'reader' END AS source,
    CASE WHEN coalesce(n_targets, 0) > 0 THEN 'measurable'
         WHEN bone_only THEN 'bone_only'
         WHEN n_targets = 0 THEN 'non_measurable'
         ELSE 'unknown' END AS disease,
    CASE
        WHEN is_baseline THEN
            CASE WHEN coalesce(n_targets, 0) > 0
                 THEN printf('baseline: %d target(s), SLD %.1f mm', n_targets, baseline_sld)
                 WHEN has_lesions THEN 'baseline: non-target disease only'
                 ELSE 'baseline: radiologist''s assessment only' END
        WHEN NOT has_lesions THEN
            CASE WHEN reader = '' THEN 'NE: no lesion measurements and no radiologist''s assessment'
                 ELSE 'reader: ' || reader END
        WHEN first_new IS NOT NULL THEN 'PD: new lesion ' || first_new
            || CASE WHEN n_new > 1 THEN printf(' and %d more', n_new - 1) ELSE '' END
        WHEN target_response = 'PD' THEN
            printf('PD: SLD %.1f mm >= 1.2 x nadir %.1f mm and +%.1f mm',
                   partial, prev_nadir, partial - prev_nadir)
        WHEN coalesce(progressing, false) THEN
            'PD: unequivocal progression of non-target ' || progressing_id
        WHEN target_response = 'NE' THEN
            printf('NE: %d of %d target lesions not measured', n_targets - n_measured, n_targets)
        WHEN target_response = 'CR' AND coalesce(nontarget_response, 'CR') = 'CR' THEN
            'CR: all targets gone (nodes < 10 mm)'
            || CASE WHEN nontarget_response = 'CR' THEN ', non-targets absent' ELSE '' END
        WHEN target_response = 'CR' THEN 'PR: targets gone but non-targets ' || nontarget_response
        WHEN target_response = 'PR' THEN
            printf('PR: SLD %.1f mm <= 0.7 x baseline %.1f mm', sld, baseline_sld)
        WHEN target_response = 'SD' THEN
            printf('SD: SLD %.1f mm (baseline %.1f, nadir %.1f)', sld, baseline_sld, prev_nadir)
        WHEN nontarget_response = 'CR' THEN 'CR: all non-target lesions absent'
        WHEN nontarget_response = 'NE' THEN 'NE: a non-target lesion was not assessed'
        WHEN n_nontargets > 0 AND n_assessed = n_nontargets AND n_inactive = n_nontargets THEN
            'NED: residual bone lesions sclerotic and inactive, nothing new'
        ELSE 'non-CR/non-PD: non-target disease persists'
    END AS reason
FROM responses
"""

OUTPUT_COLUMNS = [
    "patient_id",
    "exam_id",
    "exam_date",
    "sld_mm",
    "nadir_mm",
    "target_response",
    "nontarget_response",
    "new_lesions",
    "overall_response",
    "radiologic_ned",
    "source",
    "reason",
    "disease",
]


def assessment_sql(sclerotic_without_pet: str = "active") -> str:
    """The assessment query over tables ``exams``, ``lesions``, ``baselines``."""
    if sclerotic_without_pet not in SCLEROTIC_WITHOUT_PET:
        raise ProtocolError(
            f'sclerotic_without_pet must be "active" or "inactive"; got "{sclerotic_without_pet}".'
        )
    inactive = "true" if sclerotic_without_pet == "inactive" else "false"
    return ASSESS_SQL.replace("$sclerotic_inactive", inactive)


def assess_exams(
    exams: pd.DataFrame,
    lesions: pd.DataFrame,
    baseline: pd.DataFrame | None = None,
    sclerotic_without_pet: str = "active",
) -> pd.DataFrame:
    """RECIST 1.1 response and radiologic NED of every exam from its baseline on.

    Parameters
    ----------
    exams, lesions : DataFrames in the record model (DESIGN §2).
    baseline : optional DataFrame[patient_id, baseline_date(, earliest_date)]; the
        baseline exam is the last non-scintigraphy exam on or before ``baseline_date``
        (and not before ``earliest_date``); default: each patient's first exam.
    sclerotic_without_pet : "active" (default) or "inactive" — how a sclerotic bone
        residual seen on CT without PET counts for NED in bone-only disease.

    Returns one row per exam from the baseline on (bone scintigraphy excluded):
    patient_id, exam_id, exam_date, sld_mm, nadir_mm, target_response,
    nontarget_response, new_lesions, overall_response ("baseline", "CR", "PR", "SD",
    "non-CR/non-PD", "PD", "NE"), radiologic_ned, source ("lesions" | "reader"), reason,
    and disease at baseline ("measurable", "bone_only", "non_measurable", "unknown" when
    only the radiologist's conclusion is recorded).
    """
    if baseline is None:
        first = exams[exams["modality"] != "bone_scintigraphy"].groupby("patient_id")["exam_date"]
        baseline = first.min().rename("baseline_date").reset_index()
    if "earliest_date" not in baseline.columns:
        baseline = baseline.assign(earliest_date=pd.NaT)
    with duckdb.connect() as con:
        con.register("exams", exams)
        con.register("lesions", lesions)
        con.register("baselines", baseline)
        result = (
            con.sql(assessment_sql(sclerotic_without_pet))
            .order("patient_id, exam_date, exam_id")
            .df()
        )
    return result[OUTPUT_COLUMNS]
