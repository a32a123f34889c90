"""Statistics for cohort studies, matched to R's ``survival`` (and ``logistf``).

Computation only: estimators take DataFrames and return frozen result objects
holding numbers; nothing here formats or draws.
"""

from nedcohort.stats.bootstrap import CoxBootstrap, bootstrap_cox, bootstrap_logistic
from nedcohort.stats.chisq import ChiSquareTest
from nedcohort.stats.cox import CoxFit, cox
from nedcohort.stats.group_comparison import GroupComparison, compare_groups
from nedcohort.stats.imputation import PooledFit, multiple_imputation, nelson_aalen
from nedcohort.stats.kaplan_meier import KaplanMeier, kaplan_meier
from nedcohort.stats.logistic import LogisticFit, logistic
from nedcohort.stats.logrank import LogRank, logrank
from nedcohort.stats.ph_test import ph_test
from nedcohort.stats.time_varying import landmark_data, split_at_switch

__all__ = [
    "ChiSquareTest",
    "CoxBootstrap",
    "CoxFit",
    "GroupComparison",
    "KaplanMeier",
    "LogRank",
    "LogisticFit",
    "PooledFit",
    "bootstrap_cox",
    "bootstrap_logistic",
    "compare_groups",
    "cox",
    "kaplan_meier",
    "landmark_data",
    "logistic",
    "logrank",
    "multiple_imputation",
    "nelson_aalen",
    "ph_test",
    "split_at_switch",
]
