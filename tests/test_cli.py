"""End-to-end tests of the command line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from nedcohort.cli import app

runner = CliRunner()
pytestmark = pytest.mark.e2e


def test_simulate_writes_every_table_as_parquet(tmp_path):
    out = tmp_path / "records"
    result = runner.invoke(app, ["simulate", "--out", str(out), "--patients", "150",
                                 "--seed", "4", "--format", "parquet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{t}.parquet"
        for t in ("patients", "metastatic_sites", "treatments", "treatment_interruptions",
                  "local_therapies", "imaging_exams", "lesions", "truth")
    )  # fmt: skip
    patients = pd.read_parquet(out / "patients.parquet")
    assert len(patients) == 150 and patients["patient_id"].is_unique
    assert "150 simulated patients" in result.output


def test_simulate_duckdb_holds_the_same_rows_as_csv(tmp_path):
    for fmt in ("csv", "duckdb"):
        result = runner.invoke(app, ["simulate", "--out", str(tmp_path / fmt), "--patients", "80",
                                     "--format", fmt, "--quiet"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output == ""
    lesions_csv = pd.read_csv(tmp_path / "csv" / "lesions.csv")
    with duckdb.connect(str(tmp_path / "duckdb" / "records.duckdb"), read_only=True) as con:
        count = con.execute("SELECT count(*) FROM lesions").fetchone()[0]
    assert count == len(lesions_csv) > 0


def test_bad_format_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "--format must be one of csv, parquet, duckdb" in result.output
    assert not (tmp_path / "x").exists()


DATA = __import__("pathlib").Path(__file__).parent / "data"


def test_validate_exits_0_on_valid_records_and_1_on_errors():
    good = runner.invoke(app, ["validate", str(DATA / "valid")])
    assert good.exit_code == 0, good.output
    assert "no errors, 0 warnings" in good.output
    bad = runner.invoke(app, ["validate", str(DATA / "bad" / "ecog_seven")])
    assert bad.exit_code == 1
    assert "patients.csv row 2, column ecog" in bad.output


def test_validate_json_is_machine_readable():
    import json

    result = runner.invoke(app, ["validate", "--json", str(DATA / "bad" / "negative_diameter")])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["n_errors"] == 1
    (problem,) = report["problems"]
    assert (problem["file"], problem["row"], problem["column"]) == ("lesions.csv", 4, "diameter_mm")


def test_unknown_engine_is_a_usage_error(tmp_path):
    protocol = Path(__file__).parents[1] / "src" / "nedcohort" / "protocols" / "tog-her2-ned.yaml"
    result = runner.invoke(
        app, ["run", str(protocol), "--out", str(tmp_path / "o"), "--engine", "oracle"]
    )
    assert result.exit_code == 2
    assert "--engine must be one of duckdb, spark" in result.output
    assert not (tmp_path / "o").exists()
