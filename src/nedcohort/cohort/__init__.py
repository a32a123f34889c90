"""Cohort assembly: the analysis dataset (one row per patient) and the eligibility flow."""

from nedcohort.cohort.dataset import build_dataset, create_dataset
from nedcohort.cohort.eligibility import Flow, apply_eligibility, assemble_cohort

__all__ = [
    "Flow",
    "apply_eligibility",
    "assemble_cohort",
    "build_dataset",
    "create_dataset",
]
