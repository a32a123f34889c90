"""Derivation of per-exam RECIST response, radiologic NED and progression-free survival."""

from nedcohort.derive.outcomes import derive_in, patient_outcomes
from nedcohort.derive.recist import assess_exams

__all__ = ["assess_exams", "derive_in", "patient_outcomes"]
