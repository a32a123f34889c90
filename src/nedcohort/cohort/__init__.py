"""Cohort assembly: the analysis dataset (one row per patient) and the eligibility flow."""

from nedcohort.cohort.dataset import build_dataset
from nedcohort.cohort.eligibility import Flow, apply_eligibility

__all__ = ["Flow", "apply_eligibility", "build_dataset"]
