"""Validation: every fault of the bad-input corpus is reported where it is, with its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nedcohort.io import validate_records

DATA = Path(__file__).parents[1] / "data"
FAULTS = sorted(p.name for p in (DATA / "bad").iterdir() if p.is_dir())


def test_valid_records_have_no_problems():
    report = validate_records(DATA / "valid")
    assert report.problems == []
    assert report.rows["lesions"] == 13 and report.ok


def test_corpus_has_at_least_30_distinct_faults():
    assert len(FAULTS) >= 30


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_reported_at_its_location(fault):
    folder = DATA / "bad" / fault
    expected = json.loads((folder / "expected.json").read_text())
    report = validate_records(folder)
    matches = [
        p
        for p in report.problems
        if p.severity == expected["severity"]
        and p.file == expected["file"]
        and p.row == expected["row"]
        and p.column == expected["column"]
        and re.search(expected["message"], p.message)
    ]
    listing = "\n".join(str(p) for p in report.problems)
    assert matches, f"expected {expected}\nreported:\n{listing}"
    if expected["severity"] == "error":
        assert not report.ok
    else:
        assert report.ok  # a warning alone does not stop the analysis
    # one fault, one kind of problem: no cascade of unrelated errors
    assert len(report.errors) <= 3, listing


def test_messages_say_how_to_fix():
    report = validate_records(DATA / "bad" / "her2_ihc_without_plus")
    (problem,) = report.errors
    assert str(problem) == (
        "patients.csv row 2, column her2_ihc = '3': unknown category; expected one of "
        "0, 1+, 2+, 3+. Write '3+'."
    )
    report = validate_records(DATA / "bad" / "missing_required_column")
    assert "Found 'PatientID': rename it to 'patient_id'" in report.errors[0].fix
    report = validate_records(DATA / "bad" / "non_iso_date")
    assert "day/month/year" in report.errors[0].fix
