"""Reading the user's records into the study database, with validation that reports
every problem at once (file, sheet, row as a spreadsheet counts it, column, value, fix)."""

from nedcohort.io.problems import Problem, ValidationReport
from nedcohort.io.study_db import load_records, load_records_in, validate_records

__all__ = ["Problem", "ValidationReport", "load_records", "load_records_in", "validate_records"]
