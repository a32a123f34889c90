"""Find the record tables in what the user gave us and load them, as text, into DuckDB.

Everything is first loaded as text with its spreadsheet row number (``_row``, header =
row 1), so validation can quote exactly what was typed. Supported: a folder of files
named after the tables (CSV, XLSX, Parquet, SPSS .sav), one XLSX workbook with a sheet
per table, or a DuckDB file with tables of those names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from nedcohort.io.problems import Problem
from nedcohort.schema import TABLES

FILE_KINDS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".sav": "sav"}
DATABASE_SUFFIXES = (".duckdb", ".db")


@dataclass(frozen=True)
class SourceTable:
    """Where one record table comes from."""

    name: str
    path: Path
    kind: str  # csv, parquet, xlsx, sav, duckdb
    sheet: str | None = None

    @property
    def label(self) -> str:
        """The file name as the user knows it."""
        return self.path.name


def discover(path: Path) -> tuple[list[SourceTable], list[Problem]]:
    """The tables found at ``path``, and problems such as a missing or ambiguous table."""
    path = Path(path)
    if not path.exists():
        fix = "Give the folder of record files, a workbook or a DuckDB file."
        return [], [Problem("error", "", str(path), "file or folder not found", fix)]
    problems: list[Problem] = []
    if path.is_dir():
        found = _in_folder(path, problems)
        workbooks = sorted(path.glob("*.xlsx"))
        if not found and len(workbooks) == 1:
            return discover(workbooks[0])
    elif path.suffix == ".xlsx":
        with pd.ExcelFile(path) as book:
            sheets = set(book.sheet_names)
        found = {n: SourceTable(n, path, "xlsx", sheet=n) for n in TABLES if n in sheets}
    elif path.suffix in DATABASE_SUFFIXES:
        with duckdb.connect(str(path), read_only=True) as con:
            query = "SELECT table_name FROM information_schema.tables"
            names = {r[0] for r in con.execute(query).fetchall()}
        found = {n: SourceTable(n, path, "duckdb") for n in TABLES if n in names}
    else:
        fix = (
            "Give a folder of CSV/XLSX/Parquet/SPSS files named after the tables, one XLSX "
            "workbook with a sheet per table, or a DuckDB file."
        )
        return [], [Problem("error", "", path.name, "unsupported input", fix)]
    for name in TABLES:
        if name not in found:
            problems.append(_missing_table(name, path))
    return list(found.values()), problems


def _in_folder(path: Path, problems: list[Problem]) -> dict[str, SourceTable]:
    found = {}
    for name in TABLES:
        matches = [m for m in (path / f"{name}{s}" for s in FILE_KINDS) if m.exists()]
        if len(matches) > 1:
            given = ", ".join(m.name for m in matches)
            problems.append(
                Problem(
                    "error",
                    name,
                    path.name,
                    f"table '{name}' is given twice ({given})",
                    "Keep one file per table.",
                )
            )
        if matches:
            found[name] = SourceTable(name, matches[0], FILE_KINDS[matches[0].suffix])
    return found


def _missing_table(name: str, path: Path) -> Problem:
    if name in ("patients", "imaging_exams"):
        fix = f"Add {name}.csv (or a sheet or table named '{name}')."
        return Problem("error", name, path.name, f"table '{name}' not found", fix)
    return Problem("warning", name, path.name, f"table '{name}' not found; treated as empty")


def load_raw(con: duckdb.DuckDBPyConnection, source: SourceTable) -> str:
    """Create ``raw_<name>`` in ``con``: every column as text plus ``_row``."""
    target = f"raw_{source.name}"
    if source.kind == "parquet":
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(source.path)]
        ).fetchall()
        # file_row_number is 0-based over data rows: the header-counting row is + 2
        casts = ", ".join(_as_text(name, kind) for name, kind, *_ in described)
        # a view: every check reads only the columns it needs straight from the file,
        # instead of a text copy of the whole table in memory
        path = str(source.path).replace("'", "''")
        con.execute(
            f'CREATE OR REPLACE VIEW "{target}" AS SELECT file_row_number + 2 AS _row, {casts} '
            f"FROM read_parquet('{path}', file_row_number = true)"
        )
        return target
    if source.kind == "duckdb":
        con.execute(f"ATTACH '{source.path}' AS src (READ_ONLY)")
        try:
            described = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = 'src' AND table_name = ? ORDER BY ordinal_position",
                [source.name],
            ).fetchall()
            casts = ", ".join(_as_text(name, kind) for name, kind in described)
            con.execute(
                f'CREATE OR REPLACE TABLE "{target}" AS SELECT rowid + 2 AS _row, {casts} '
                f'FROM src."{source.name}" ORDER BY rowid'
            )
        finally:
            con.execute("DETACH src")
        return target
    frame = _read_text_frame(source)
    frame.insert(0, "_row", np.arange(2, len(frame) + 2, dtype=np.int64))
    con.register("incoming", frame)
    con.execute(f'CREATE OR REPLACE TABLE "{target}" AS SELECT * FROM incoming')
    con.unregister("incoming")
    return target


def _as_text(column: str, sql_type: str) -> str:
    """A typed column as the text a user would have typed; midnight timestamps as dates."""
    quoted = f'"{column}"'
    if sql_type.upper().startswith("TIMESTAMP"):
        return (
            f"CASE WHEN CAST({quoted} AS TIME) = TIME '00:00:00' "
            f"THEN CAST(CAST({quoted} AS DATE) AS VARCHAR) ELSE CAST({quoted} AS VARCHAR) END "
            f"AS {quoted}"
        )
    return f"CAST({quoted} AS VARCHAR) AS {quoted}"


def _read_text_frame(source: SourceTable) -> pd.DataFrame:
    """A spreadsheet-like file as text cells ('' for empty)."""
    if source.kind == "csv":
        return pd.read_csv(source.path, dtype=str, keep_default_na=False, na_values=[])
    if source.kind == "xlsx":
        frame = pd.read_excel(source.path, sheet_name=source.sheet or 0, dtype=object)
        return frame.apply(_cells_as_text)
    if source.kind == "sav":
        import pyreadstat

        # value labels are mapped to their codes' labels, as the user reads them in SPSS
        frame, _ = pyreadstat.read_sav(str(source.path), apply_value_formats=True)
        return frame.apply(_cells_as_text)
    raise ValueError(f"unknown source kind {source.kind}")


def _cells_as_text(column: pd.Series) -> pd.Series:
    """Excel/SPSS cells as the text a user sees: ISO dates, 3 not 3.0, '' when empty."""

    def one(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return column.map(one).astype(str)
