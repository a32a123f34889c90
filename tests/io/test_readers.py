"""Every supported input format reaches the study database with nothing lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nedcohort.errors import DataError
from nedcohort.io import load_records, validate_records
from nedcohort.schema import TABLES

VALID = Path(__file__).parents[1] / "data" / "valid"


def _valid_tables() -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in VALID.glob("*.csv")}


def _write(fmt: str, folder: Path) -> Path:
    tables = _valid_tables()
    folder.mkdir()
    if fmt == "workbook":
        target = folder / "records.xlsx"
        with pd.ExcelWriter(target) as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
        return target
    if fmt == "xlsx":
        for name, frame in tables.items():
            frame.to_excel(folder / f"{name}.xlsx", index=False)
    elif fmt == "parquet":
        for name, frame in tables.items():
            frame.replace("", None).to_parquet(folder / f"{name}.parquet", index=False)
    elif fmt == "sav":
        import pyreadstat

        for name, frame in tables.items():
            labels = {}
            if name == "patients":  # SPSS users code categories as numbers with value labels
                frame = frame.assign(
                    er_status=frame["er_status"].map({"positive": 1, "negative": 0})
                )
                labels = {"er_status": {1: "positive", 0: "negative"}}
            pyreadstat.write_sav(frame, str(folder / f"{name}.sav"), variable_value_labels=labels)
    elif fmt == "duckdb":
        target = folder / "records.duckdb"
        with duckdb.connect(str(target)) as con:
            for name, frame in tables.items():
                con.register("frame", frame.replace("", None))
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
                con.unregister("frame")
        return target
    return folder


@pytest.mark.parametrize("fmt", ["workbook", "xlsx", "parquet", "sav", "duckdb"])
def test_format_loads_every_row_and_extra_column(tmp_path, fmt):
    source = _write(fmt, tmp_path / fmt)
    report = load_records(source, tmp_path / "study.duckdb")
    assert report.ok, [str(p) for p in report.problems]
    original = _valid_tables()
    with duckdb.connect(str(tmp_path / "study.duckdb"), read_only=True) as con:
        for name, frame in original.items():
            stored = con.execute(f'SELECT * FROM "{name}"').df()
            assert len(stored) == len(frame), name
            assert set(frame.columns) <= set(stored.columns), name
        notes = con.execute("SELECT notes FROM patients").df()["notes"].tolist()
        er = con.execute("SELECT er_status FROM patients").df()["er_status"].tolist()
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'lesions'").fetchall())  # fmt: skip
    assert notes[0] == "chart reviewed twice"  # an extra column is kept
    assert er == ["positive", "negative", "positive"]  # SPSS value labels mapped back
    assert types["diameter_mm"] == "DOUBLE" and types["is_lymph_node"] == "BOOLEAN"


def test_csv_round_trip_is_exact(tmp_path):
    """Every cell of valid CSV input is stored unchanged (typed columns compared as text)."""
    load_records(VALID, tmp_path / "study.duckdb")
    with duckdb.connect(str(tmp_path / "study.duckdb"), read_only=True) as con:
        for name, frame in _valid_tables().items():
            stored = con.execute(f'SELECT * FROM "{name}"').df()
            for column in frame.columns:
                kind = TABLES[name].column(column).type if column in {
                    c.name for c in TABLES[name].columns} else "text"  # fmt: skip
                got = stored[column].astype(object)
                if kind == "date":
                    got = got.map(
                        lambda d: "" if pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")
                    )
                elif kind == "boolean":
                    got = got.map(lambda b: "" if pd.isna(b) else str(bool(b)).lower())
                elif kind in ("number", "integer"):
                    want = pd.to_numeric(frame[column].replace("", None))
                    pd.testing.assert_series_equal(
                        pd.to_numeric(got), want, check_names=False, check_dtype=False
                    )
                    continue
                else:
                    got = got.fillna("")
                assert got.tolist() == frame[column].tolist(), (name, column)


def test_errors_stop_the_load_and_write_nothing(tmp_path):
    bad = Path(__file__).parents[1] / "data" / "bad" / "negative_diameter"
    with pytest.raises(DataError, match="problems in the records") as info:
        load_records(bad, tmp_path / "study.duckdb")
    assert not info.value.report.ok
    assert not (tmp_path / "study.duckdb").exists()
    assert list(tmp_path.iterdir()) == []


def test_data_model_page_is_current():
    from nedcohort.schema.docs import render_markdown

    page = Path(__file__).parents[2] / "docs" / "data-model.md"
    assert page.read_text() == render_markdown(), "run: python -m nedcohort.schema.docs"


def test_validate_reports_row_counts():
    assert validate_records(VALID).rows == {
        "patients": 3, "metastatic_sites": 5, "treatments": 8, "treatment_interruptions": 1,
        "local_therapies": 1, "imaging_exams": 9, "lesions": 13,
    }  # fmt: skip
