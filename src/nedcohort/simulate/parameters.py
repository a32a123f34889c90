"""Every parameter of the synthetic multicenter population, with its source.

Sources: the TOG study (``seed`` paper: cohort of 118 patients progression-free ≥ 36
months, 46.6 % NED, Table 1 proportions, multivariable odds ratios, median PFS 131 vs 66
months, pertuzumab 50.8 %, 10 interruptions of median 4 months); CLEOPATRA (Swain et al.
2020: ~16 % progression-free at 8 years, median PFS 18.7 months on pertuzumab) for the
shape of first-line PFS; SEER/registry HER2 shares for the HER2-negative part. Parameters
marked *calibrated* were set so that the eligible cohort matches the study across many
seeds — see ``benchmarks/calibration.py`` and ``docs/simulation.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MONTH_DAYS = 30.4375  # DESIGN §2: months = days / 30.4375


@dataclass(frozen=True)
class Center:
    """A participating center and its imaging habits."""

    code: str
    weight: float  # share of the patients
    pet_share: float  # probability that a follow-up exam is PET-CT rather than CT
    interval_weeks: int  # usual restaging interval
    reader_only: bool  # records only the radiologist's conclusion, no lesion measurements


CENTERS: tuple[Center, ...] = (
    Center("C01", 0.16, 0.60, 12, False),
    Center("C02", 0.14, 0.50, 8, False),
    Center("C03", 0.12, 0.40, 12, False),
    Center("C04", 0.10, 0.30, 16, True),
    Center("C05", 0.09, 0.70, 10, False),
    Center("C06", 0.08, 0.20, 12, False),
    Center("C07", 0.07, 0.50, 14, False),
    Center("C08", 0.06, 0.10, 8, True),
    Center("C09", 0.05, 0.35, 12, False),
    Center("C10", 0.05, 0.45, 16, False),
    Center("C11", 0.04, 0.25, 10, False),
    Center("C12", 0.04, 0.55, 12, False),
)

SITES = ("bone", "liver", "lung", "cns", "distant_lymph_node", "soft_tissue", "pleura")


@dataclass(frozen=True)
class PopulationParameters:
    """The generative model; defaults reproduce the study (see module docstring)."""

    # calendar
    first_diagnosis: str = "2010-01-01"  # the population spans 2010–2023 (eligible: 2012–2021)
    last_diagnosis: str = "2023-12-31"
    data_cutoff: str = "2025-06-30"
    # demographics and tumour biology
    age_mean: float = 51.0
    age_sd: float = 11.0
    de_novo: float = 0.45
    her2_shares: dict[str, float] = field(
        default_factory=lambda: {"0/1+": 0.13, "2+/ISH-": 0.07, "2+/ISH+": 0.16, "3+": 0.64}
    )
    er_positive: float = 0.55
    pr_given_er: float = 0.70
    pr_given_er_negative: float = 0.10
    grade_shares: tuple[float, float, float] = (0.05, 0.45, 0.50)
    grade_missing: float = 0.10  # "grade missing for some" (study Table 1 denominators)
    ki67_median: float = 30.0
    ki67_missing: float = 0.15
    ecog_shares: tuple[float, float, float] = (0.64, 0.29, 0.07)
    site_shares: dict[str, float] = field(
        default_factory=lambda: {
            "bone": 0.55, "liver": 0.30, "lung": 0.30, "cns": 0.08,
            "distant_lymph_node": 0.35, "soft_tissue": 0.05, "pleura": 0.08,
        }
    )  # fmt: skip
    # first-line treatment
    trastuzumab_first_line: float = 0.93  # of HER2-positive patients
    pertuzumab_before_2015: float = 0.25
    pertuzumab_from_2015: float = 0.62
    interruption: float = 0.085  # 10 of 118
    interruption_months_median: float = 4.0
    local_therapy: float = 0.22
    # NED (radiologic no evidence of disease): logistic model; odds ratios from the study
    ned_intercept: float = -4.2  # calibrated: 46.6 % NED in the eligible cohort
    # odds ratios slightly above the published ones (calibrated): NED that progression
    # pre-empts, and the selection on 36 progression-free months, attenuate them
    ned_log_or_ecog0: float = 2.05  # published OR 5.99
    ned_log_or_ihc3: float = 1.75  # published OR 4.79
    ned_log_or_grade3: float = 1.55  # published OR 0.25 for grade ≤ 2 vs 3
    ned_log_or_age_per_year: float = -0.08  # calibrated: medians 46 vs 53 years
    ned_months_median: float = 14.0  # calibrated: some patients reach NED only after 36 months
    ned_months_log_sd: float = 1.0
    # progression-free survival: piecewise-constant hazard per month, NED time-varying
    hazard_first_36_months: float = 0.040  # calibrated: ~25 % progression-free at 36 months
    hazard_after_36_months: float = 0.022  # calibrated: median 66 months if never NED
    hazard_ratio_ned: float = 0.22  # calibrated: HR 0.24, median 131 months with NED
    death_without_progression: float = 0.0015
    death_after_progression: float = 0.02
    loss_to_follow_up: float = 0.003
    # imaging
    measurable_given_not_bone_only: float = 0.85
    bone_scan_share: float = 0.12  # extra bone scintigraphy exams in patients with bone disease
    missed_exam: float = 0.05
    unmeasured_lesion: float = 0.03  # a lesion left unmeasured at one exam (NE)
    # relative measurement error, bounded: ±4 % (about 1 mm on a 25 mm lesion) can never
    # fake the 20 % growth of RECIST progression, as unbounded noise on a plateau would
    measurement_error: float = 0.04
