"""Property: corrupting one cell of valid records is always reported, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nedcohort.io import validate_records
from nedcohort.schema import TABLES

VALID = Path(__file__).parents[1] / "data" / "valid"
BASE = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in VALID.glob("*.csv")}
# (table, column) pairs where any of the corruptions below is invalid by the data model
TARGETS = [
    (table, column.name)
    for table, frame in BASE.items()
    for column in TABLES[table].columns
    if column.name in frame.columns
    and (column.required or column.type in ("integer", "number", "date", "boolean", "category"))
]
GARBAGE = ["#REF!", "n/a?", "12/34/2020", "-999999", "?"]


def corruption_is_invalid(table: str, column: str, value: str) -> bool:
    """Whether ``value`` breaks the column's definition (else the test draws again)."""
    spec = TABLES[table].column(column)
    if spec.type in ("text",):
        return value == "" and spec.required
    if spec.type == "number" and value == "-999999":
        return spec.minimum is not None
    if spec.type == "integer" and value == "-999999":
        return spec.minimum is not None
    return True


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(TARGETS),
    value=st.sampled_from(["", *GARBAGE]),
    row=st.integers(0, 20),
)
@example(target=("lesions", "diameter_mm"), value="-999999", row=3)
@example(target=("patients", "her2_ihc"), value="", row=0)
def test_one_corrupted_cell_is_reported_at_its_place(tmp_path_factory, target, value, row):
    table, column = target
    spec = TABLES[table].column(column)
    if value == "" and not spec.required:
        return  # an empty optional cell is legal
    if not corruption_is_invalid(table, column, value):
        return
    frame = BASE[table].copy()
    index = row % len(frame)
    if frame.loc[index, column] == value:
        return
    frame.loc[index, column] = value
    folder = tmp_path_factory.mktemp("records")
    for name, other in BASE.items():
        (frame if name == table else other).to_csv(folder / f"{name}.csv", index=False)
    report = validate_records(folder)  # must not raise
    assert not report.ok, f"{table}.{column} = {value!r} at row {index + 2} passed silently"
    assert any(
        p.file == f"{table}.csv" and (p.row == index + 2 or p.row is None) for p in report.errors
    ), [str(p) for p in report.errors]
