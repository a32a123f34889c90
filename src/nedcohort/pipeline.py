"""The study run: records -> study database -> derived outcomes -> cohort -> analyses -> outputs.

``run_study`` writes everything into a temporary folder beside the output folder and
renames it into place only at the end, so a failing step never leaves half-written
output.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from nedcohort import stats
from nedcohort.analyses import EVENT, TIME, analyze
from nedcohort.atomic import atomic_folder
from nedcohort.cohort import Flow, assemble_cohort, create_dataset
from nedcohort.derive import derive_in
from nedcohort.engine import DuckDBEngine
from nedcohort.errors import ProtocolError
from nedcohort.io import load_records, load_records_in
from nedcohort.progress import step
from nedcohort.protocol import Study
from nedcohort.report.outputs import write_outputs

PACKAGES = ("nedcohort", "numpy", "scipy", "pandas", "duckdb", "statsmodels", "numba")


def run_study(study: Study, out: str | Path) -> dict:
    """Run every step of ``study`` and write the outputs into ``out``; returns results.

    The outputs appear under ``out`` only when every step has succeeded.
    """
    with atomic_folder(out) as staging:
        return _run(study, staging)


def _run(study: Study, folder: Path) -> dict:
    if study.data.level == "patients":
        with step("read the analysis sheet"):
            flow, rows = _patients_level(study)
        warnings: list = []
    else:
        if study.engine == "spark":
            report, flow = _relational_on_spark(study)
        else:
            with tempfile.TemporaryDirectory(prefix="nedcohort-db-") as scratch:
                # the study database holds patient-level data: kept beside the outputs only
                # when the protocol says so (report.keep_database), never in a shared folder
                keep = study.report.keep_database
                database = (folder if keep else Path(scratch)) / "study.duckdb"
                with step("validate and load the records"):
                    report = load_records(study.data.source, database, study.duckdb.config())
                with duckdb.connect(str(database), config=study.duckdb.config()) as con:
                    flow = relational(study, DuckDBEngine(con))
        rows, warnings = report.rows, report.warnings
    with step("analyse"):
        results = analyze(study, flow)
    manifest = _manifest(study, rows, len(warnings))
    with step("write tables, figures and the report"):
        write_outputs(folder, study, flow, results, manifest, warnings)
    return results


def relational(study: Study, db) -> Flow:
    """Derivation, analysis dataset and eligibility flow, run by the engine ``db``."""
    with step("derive RECIST responses, NED and PFS"):
        derive_in(db, study.sclerotic_without_pet)
    with step("assemble the cohort"):
        create_dataset(db)
        return assemble_cohort(db, study.eligibility)


def _relational_on_spark(study: Study):
    """The relational stages on Spark; only the flow counts and the cohort come back."""
    from nedcohort.engine.spark_engine import SparkEngine, spark_session

    with step("start Spark"):
        db = SparkEngine(spark_session(study.spark.master, study.spark.config))
    with step("validate and load the records (Spark)"):
        report = load_records_in(db, study.data.source)
    return report, relational(study, db)


def _patients_level(study: Study) -> tuple[Flow, dict[str, int]]:
    """Level ``patients``: one analysis-ready sheet (CSV, XLSX or Parquet); no derivation."""
    spec = study.patients
    source = Path(study.data.source)
    readers = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}
    if source.suffix not in readers:
        raise ProtocolError(f"data.source must be a .csv, .xlsx or .parquet file; got {source}.")
    try:
        data = readers[source.suffix](source)
    except FileNotFoundError as exc:
        raise ProtocolError(f"data.source not found: {source}") from exc
    stats.inputs.require_columns(data, [spec.time, spec.event, *spec.variables])
    scale = {"days": 1 / 30.4375, "months": 1.0, "years": 12.0}[spec.time_unit]
    data = data.assign(
        **{
            TIME: stats.inputs.time_array(data, spec.time) * scale,
            EVENT: stats.inputs.event_array(data, spec.event),
        }
    )
    for name, kind in spec.variables.items():
        if kind == "categorical":
            data[name] = data[name].astype("string").astype(object).where(data[name].notna())
    steps = pd.DataFrame(
        [
            {
                "step": "all patients in the sheet",
                "n_before": len(data),
                "n_excluded": 0,
                "n_after": len(data),
                "reasons": {},
            }
        ]
    )
    flow = Flow(steps=steps, cohort=data)
    return flow, {source.name: len(data)}


def _file_hashes(source: Path) -> dict[str, str]:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    return {
        str(p.relative_to(source.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def _manifest(study: Study, rows: dict[str, int], n_warnings: int) -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "protocol": json.loads(study.model_dump_json()),
        "inputs": _file_hashes(Path(study.data.source)),
        "rows": rows,
        "validation_warnings": n_warnings,
        "packages": versions,
        "seed": study.seed,
        "numpy_random": "numpy.random.default_rng(seed)",
    }
