"""Validate the user's records and write them, typed, into the study database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from nedcohort.engine.base import Engine
from nedcohort.engine.duckdb_engine import DuckDBEngine
from nedcohort.errors import DataError
from nedcohort.io.consistency import (
    check_date_order,
    check_her2,
    check_keys,
    check_lesions,
    check_references,
)
from nedcohort.io.problems import ValidationReport
from nedcohort.io.sources import discover
from nedcohort.io.validation import TRUE_WORDS, Checker, v
from nedcohort.schema import TABLES

_SQL_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN"}


def _sql_type(kind: str) -> str:
    return _SQL_TYPES.get(kind, "VARCHAR")


def _validate(db: Engine, path: Path) -> ValidationReport:
    report = ValidationReport(source=str(path))
    sources, problems = discover(path)
    report.problems.extend(problems)
    checker = Checker(db, report)
    for source in sources:
        checker.add_table(source, db.load_raw(source))
    for table in checker.sources:
        checker.check_columns(table)
        check_keys(checker, table)
        check_references(checker, table)
    check_date_order(checker)
    check_her2(checker)
    check_lesions(checker)
    return report


def validate_records(path: str | Path) -> ValidationReport:
    """Check every table at ``path`` and report all problems at once."""
    with duckdb.connect() as con:
        return _validate(DuckDBEngine(con), Path(path))


def load_records(
    path: str | Path, database: str | Path, config: dict[str, str] | None = None
) -> ValidationReport:
    """Validate, then write the typed tables into ``database`` (a DuckDB file).

    ``config``: DuckDB settings, e.g. ``{"memory_limit": "6GB"}`` — DuckDB then spills
    to disk beside the database instead of exceeding it.

    Raises ``DataError`` (carrying the report in ``.report``) when there are errors;
    nothing is written then. The file is built beside the target and renamed into
    place, so a failure never leaves a half-written study database.
    """
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".study-", suffix=".duckdb", dir=database.parent)
    os.close(handle)
    os.unlink(staging)
    try:
        with duckdb.connect(staging, config=config or {}) as con:
            report = load_records_in(DuckDBEngine(con), path)
        os.replace(staging, database)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return report


def load_records_in(db: Engine, path: str | Path) -> ValidationReport:
    """Validate the records at ``path`` and create their typed tables in ``db``.

    Raises ``DataError`` (carrying the report in ``.report``) when there are errors.
    """
    report = _validate(db, Path(path))
    if not report.ok:
        error = DataError(
            f"{len(report.errors)} problems in the records at {path}",
            fix="Run 'nedcohort validate' for the full list.",
        )
        error.report = report
        raise error
    for table in TABLES.values():
        _write_typed(db, table.name)
    for name in list(report.rows):
        db.drop(f"raw_{name}")
    return report


def _write_typed(db: Engine, name: str) -> None:
    """``name`` with the data model's types; extra columns are kept as text."""
    table = TABLES[name]
    if not db.exists(f"raw_{name}"):
        columns = ", ".join(
            f'CAST(NULL AS {_sql_type(c.type)}) AS "{c.name}"' for c in table.columns
        )
        db.create(name, f"SELECT {columns} LIMIT 0")
        return
    present = db.columns(f"raw_{name}")
    known = {c.name: c for c in table.columns}
    words = ", ".join(f"'{w}'" for w in TRUE_WORDS)
    select = []
    for column in present:
        if column == "_row":
            continue
        spec = known.get(column)
        cell = v(column)
        if spec is None or spec.type in ("text", "category"):
            select.append(f'{cell} AS "{column}"' if spec else f'"{column}"')
        elif spec.type == "boolean":
            select.append(
                f"CASE WHEN {cell} IS NULL THEN NULL ELSE lower({cell}) IN ({words}) END "
                f'AS "{column}"'
            )
        else:
            select.append(f'TRY_CAST({cell} AS {_SQL_TYPES[spec.type]}) AS "{column}"')
    db.create(name, f'SELECT {", ".join(select)} FROM "raw_{name}" ORDER BY _row')
