"""What the report shows equals what was computed: numbers at risk, flow counts, the
Word tables against the CSV tables; and nothing identifying leaves the run."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nedcohort as nc
from nedcohort.report.docx import read_docx

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path, prefix: str) -> dict[str, str]:
    """gid -> the text drawn in that group (matplotlib writes gid as the group id)."""
    root = ET.parse(path).getroot()
    out = {}
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id", "")
        if gid.startswith(prefix):
            out[gid] = "".join(t for t in group.itertext()).strip()
    return out


def test_numbers_at_risk_under_the_km_figure_are_the_estimators(shared_run):
    records, out = shared_run
    drawn = svg_texts(out / "figures" / "km.svg", "at-risk|")
    assert len(drawn) >= 10
    data = pd.read_csv(out / "data" / "km_medians.csv")
    assert set(data["group"].astype(str)) == {"0", "1"}
    # recompute the KM from the analysis cohort the run used (results.json holds the flow)
    results = json.loads((out / "results.json").read_text())
    cohort = _cohort(records)
    km = nc.stats.kaplan_meier(cohort, "pfs_months", "pfs_event", by="ned", conf_type="spss")
    assert [r["n"] for r in results["km"]] == km.medians["n"].tolist()
    for gid, text in drawn.items():
        _, group, tick = gid.split("|")
        expected = km.at([float(tick)])
        n = int(expected[expected["group"] == group]["n_risk"].iloc[0])
        assert text == str(n), gid


def _cohort(records: Path) -> pd.DataFrame:
    """The analysis cohort, rebuilt through the public steps (no study database kept)."""
    import duckdb

    from nedcohort.cohort import apply_eligibility, build_dataset
    from nedcohort.derive import derive_in
    from nedcohort.io import load_records
    from nedcohort.protocol import load_protocol
    from tests.report.conftest import PROTOCOL

    study = load_protocol(PROTOCOL)
    db = records.parent / "check.duckdb"
    if not db.exists():
        load_records(records, db)
    with duckdb.connect(str(db)) as con:
        derive_in(con)
        dataset = build_dataset(con)
    return apply_eligibility(study.eligibility, dataset).cohort


def test_flow_figure_counts_equal_results_json(shared_run):
    _, out = shared_run
    flow = json.loads((out / "results.json").read_text())["flow"]
    drawn = svg_texts(out / "figures" / "flow.svg", "flow|")
    assert drawn["flow|source"].endswith(f"n = {flow[0]['n_before']}")
    for i, step in enumerate(flow):
        assert drawn[f"flow|after|{i}"].endswith(f"n = {step['n_after']}")
        excluded = drawn[f"flow|excluded|{i}"]
        assert excluded.startswith(f"Excluded: {step['n_excluded']} (criterion: {step['step']})")
        for reason, n in step["reasons"].items():
            shown = "<5" if 0 < n < 5 else str(n)
            assert f"{reason}: {shown}" in excluded


def test_word_tables_hold_the_csv_tables(shared_run):
    _, out = shared_run
    word = read_docx(out / "tables" / "tables.docx")
    names = [
        "flow",
        "table1",
        "logistic",
        "cox",
        "km_medians",
        "bias_aware",
        "landmarks",
        "imputation",
    ]
    assert len(word) == len(names)
    for name, grid in zip(names, word, strict=True):
        with (out / "tables" / f"{name}.csv").open(newline="") as handle:
            assert grid == list(csv.reader(handle)), name
    cox = pd.read_csv(out / "tables" / "cox.csv", dtype=str, keep_default_na=False)
    results = json.loads((out / "results.json").read_text())
    ned = next(r for r in results["cox"] if r["term"] == "ned")
    row = cox[cox["Characteristic"] == "yes"].iloc[0]  # Radiologic NED: yes vs no
    assert row.iloc[3] == f"{ned['hr']:.2f} ({ned['ci_lower']:.2f}–{ned['ci_upper']:.2f})"


def test_table1_small_cells_are_suppressed_and_cannot_be_recovered(shared_run):
    _, out = shared_run
    table = pd.read_csv(out / "tables" / "table1.csv", dtype=str, keep_default_na=False)
    counts = table.iloc[:, 1:-1]
    cells = counts.to_numpy().ravel()
    assert "<5" in cells
    assert not any(re.fullmatch(r"[1-4]( \(.*\))?", c) for c in cells)
    # each variable block: no column holds exactly one hidden cell
    block: list[list[str]] = []
    for values in [*counts.to_numpy().tolist(), None]:
        if values is None or all(v == "" for v in values):
            for column in zip(*block, strict=True) if block else []:
                assert sum(v.startswith("<") or v == "x" for v in column) != 1
            block = []
        else:
            block.append(values)


def test_no_identifier_or_date_from_the_input_in_any_output(shared_run):
    records, out = shared_run
    patients = pd.read_csv(records / "patients.csv", dtype=str)
    ids = set(patients["patient_id"])
    dates = set()
    for path in records.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str)
        for column in frame.columns:
            if column.endswith("_date"):
                dates |= set(frame[column].dropna())
    # the protocol's own dates (eligibility window) are study design, not patient data;
    # a patient may by chance have an event on one of them
    protocol = json.loads((out / "manifest.json").read_text())["protocol"]["eligibility"]
    dates -= {protocol["diagnosis_from"], protocol["diagnosis_to"]}
    assert len(ids) == 700 and len(dates) > 1000
    pattern = re.compile("|".join(re.escape(s) for s in sorted(ids | dates)))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".json", ".csv", ".docx", ".svg", ".png", ".html", ".tex"}
    assert not (out / "study.duckdb").exists()
    for path in files:
        for name, text in _texts(path):
            found = pattern.search(text)
            assert found is None, f"{name} holds {found.group(0)!r}"


def _texts(path: Path):
    """The text of a file; for a zip (docx), of every member."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path.name}:{member}", archive.read(member).decode("latin-1")
    else:
        yield path.name, path.read_bytes().decode("latin-1")


def test_latex_tables_are_booktabs_with_every_row(shared_run):
    _, out = shared_run
    tex = (out / "tables" / "cox.tex").read_text()
    rows = pd.read_csv(out / "tables" / "cox.csv", dtype=str, keep_default_na=False)
    assert tex.count(r"\toprule") == tex.count(r"\bottomrule") == 1
    assert tex.count(r" \\") == len(rows) + 1
    assert "%" not in tex.replace(r"\%", "")


def test_logs_as_json_lines(tmp_path):
    from typer.testing import CliRunner

    from nedcohort.cli import app

    result = CliRunner().invoke(
        app, ["demo", "--out", str(tmp_path / "o"), "--log-json", "--no-database"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    ends = [line for line in lines if line.get("event") == "end"]
    assert {line["step"] for line in ends} >= {"validate and load the records", "analyse"}
    assert all(line["elapsed_s"] >= 0 for line in ends)
    assert np.all([line["level"] == "info" for line in lines])
