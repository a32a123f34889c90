"""The study run: records -> study database -> derived outcomes -> cohort -> analyses -> outputs.

``run_study`` writes everything into a temporary folder beside the output folder and
renames it into place only at the end, so a failing step never leaves half-written
output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import duckdb

from nedcohort import stats
from nedcohort.cohort import apply_eligibility, build_dataset
from nedcohort.derive import derive_in
from nedcohort.errors import DataError
from nedcohort.io import load_records
from nedcohort.protocol import COVARIATES, Study
from nedcohort.report.results import write_outputs

PACKAGES = ("nedcohort", "numpy", "scipy", "pandas", "duckdb", "statsmodels", "numba")


def run_study(study: Study, out: str | Path) -> dict:
    """Run every step of ``study`` and write the outputs into ``out``; returns results."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        results = _run(study, staging)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return results


def _run(study: Study, folder: Path) -> dict:
    if study.data.level != "records":
        raise DataError(
            "data level 'patients' is not supported by this release",
            fix="Provide the record tables (level: records).",
        )
    database = folder / "study.duckdb"
    report = load_records(study.data.source, database)
    with duckdb.connect(str(database)) as con:
        derive_in(con, study.sclerotic_without_pet)
        con.execute("CREATE TABLE assessed_exams AS SELECT * FROM assessed")
        con.execute("CREATE TABLE patient_outcomes AS SELECT * FROM outcomes")
        dataset = build_dataset(con)
    flow = apply_eligibility(study.eligibility, dataset)
    results = analyze(study, flow)
    manifest = _manifest(study, report)
    write_outputs(folder, study, flow, results, manifest)
    return results


def analyze(study: Study, flow) -> dict:
    """Table 1, logistic regression for NED, Kaplan–Meier and log-rank, Cox for PFS."""
    cohort = flow.cohort
    spss = study.conventions == "spss"
    a = study.analyses
    results: dict = {
        "conventions": study.conventions,
        "flow": flow.to_dict(),
        "cohort": {"n": len(cohort), "n_ned": int(cohort["ned"].sum())},
    }
    variables = list(dict.fromkeys(a.table1 + a.table1_fisher))
    if variables:
        kinds = {v: ("continuous" if v in ("age", "ki67") else "categorical") for v in variables}
        table1 = stats.compare_groups(
            cohort,
            a.km_by,
            variables,
            conventions=study.conventions,
            kinds=kinds,
            tests=dict.fromkeys(a.table1_fisher, "fisher"),
        )
        results["table1"] = table1
    if a.logistic is not None:
        results["logistic"] = stats.logistic(cohort, a.logistic.outcome, a.logistic.covariates)
        results["logistic_univariable"] = [
            stats.logistic(cohort, a.logistic.outcome, [name]) for name in a.logistic.univariable
        ]
    km = stats.kaplan_meier(
        cohort, "pfs_months", "pfs_event", by=a.km_by, conf_type="spss" if spss else "log"
    )
    results["km"] = km
    results["logrank"] = stats.logrank(cohort, "pfs_months", "pfs_event", a.km_by)
    ties = "breslow" if spss else "efron"
    if a.cox is not None:
        results["cox"] = stats.cox(cohort, "pfs_months", "pfs_event", a.cox.covariates, ties=ties)
        results["cox_univariable"] = [
            stats.cox(cohort, "pfs_months", "pfs_event", [name], ties=ties)
            for name in a.cox.univariable
        ]
    results["labels"] = {name: COVARIATES[name] for name in COVARIATES}
    return results


def _file_hashes(source: Path) -> dict[str, str]:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    return {
        str(p.relative_to(source.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def _manifest(study: Study, report) -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "protocol": json.loads(study.model_dump_json()),
        "inputs": _file_hashes(Path(study.data.source)),
        "rows": report.rows,
        "validation_warnings": len(report.warnings),
        "packages": versions,
        "seed": study.seed,
        "numpy_random": "numpy.random.default_rng(seed)",
    }
