"""Bias-aware analyses and Rubin's rules against R (tests/reference/make_reference.R).

The split data come from R's ``tmerge`` in R and from ``split_at_switch`` here; both
are fitted with their own Cox code. Tolerances: 1e-6 relative for coefficients, SEs
and score statistics; 1e-4 absolute for p-values (as the other reference tests);
numbers at risk exact.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import nedcohort as nc
from nedcohort.stats.imputation import complete_data_df, pool_fits
from tests.conftest import REFERENCE

pytestmark = pytest.mark.reference
REF = json.loads((REFERENCE / "r_reference.json").read_text())
RTOL = 1e-6


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "data" / "ned_cohort.csv")
    return data.assign(ned_months=data["months_to_ned"].where(data["ned"] == 1))


@pytest.fixture(scope="module")
def split(cohort) -> pd.DataFrame:
    return nc.stats.split_at_switch(
        cohort, "pfs_months", "pfs_event", "ned_months", "ned_now", entry=36
    )


def check(fit, term: str, expected: dict) -> None:
    row = fit.table.set_index("term").loc[term]
    np.testing.assert_allclose(row["coef"], expected["coef"], rtol=RTOL)
    np.testing.assert_allclose(row["se"], expected["se"], rtol=RTOL)
    np.testing.assert_allclose(row["p_value"], expected["p_value"], atol=1e-4)
    np.testing.assert_allclose(fit.score.statistic, expected["score"], rtol=RTOL)
    np.testing.assert_allclose(fit.score.p_value, expected["score_p"], atol=1e-4)
    assert fit.n_events == expected["events"]


def test_split_data_equal_tmerge(split):
    ref = REF["bias_aware"]
    assert len(split) == ref["split_rows"]
    assert split["pfs_event"].sum() == ref["split_events"]
    np.testing.assert_allclose((split["stop"] - split["start"]).sum(), ref["split_person_time"])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_time_dependent_cox_and_mantel_byar(split, ties):
    fit = nc.stats.cox(split, "stop", "pfs_event", ["ned_now"], entry="start", ties=ties)
    check(fit, "ned_now", REF["bias_aware"][f"time_dependent_{ties}"])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_naive_and_left_truncated_cox(cohort, ties):
    check(
        nc.stats.cox(cohort, "pfs_months", "pfs_event", ["ned"], ties=ties),
        "ned",
        REF["bias_aware"][f"naive_{ties}"],
    )
    truncated = cohort[cohort["pfs_months"] > 36].assign(entry=36.0)
    fit = nc.stats.cox(truncated, "pfs_months", "pfs_event", ["ned"], entry="entry", ties=ties)
    check(fit, "ned", REF["bias_aware"][f"left_truncated_{ties}"])


@pytest.mark.parametrize("index", [0, 1, 2])
def test_landmarks(cohort, index):
    expected = REF["bias_aware"]["landmarks"][index]
    at = expected["landmark"]
    data = nc.stats.landmark_data(cohort, "pfs_months", "pfs_event", "ned_months", at, "ned_at")
    fit = nc.stats.cox(data, "time_from_landmark", "pfs_event", ["ned_at"])
    check(fit, "ned_at", expected)
    test = nc.stats.logrank(data, "time_from_landmark", "pfs_event", "ned_at")
    np.testing.assert_allclose(test.p_value, expected["logrank_p"], atol=1e-4)


def test_simon_makuch_numbers_at_risk(split):
    expected = pd.DataFrame(REF["bias_aware"]["simon_makuch"])
    km = nc.stats.kaplan_meier(split, "stop", "pfs_event", by="ned_now", entry="start")
    times = sorted(expected["time"].unique())
    ours = km.at(times)
    merged = expected.merge(ours, on=["group", "time"], suffixes=("_r", ""))
    assert len(merged) == len(expected)
    np.testing.assert_array_equal(merged["n_risk"], merged["n_risk_r"])
    np.testing.assert_allclose(merged["survival"], merged["survival_r"], rtol=RTOL)


@pytest.mark.parametrize("model", ["cox", "logistic"])
def test_rubins_rules_equal_mice_pool(model):
    """Our models fitted on R's imputed data sets, pooled by our Rubin's rules."""
    ref = REF["imputation"][model]
    imputed = pd.read_csv(REFERENCE / "data" / "lung_imputed.csv")
    covariates = ["age", "sex", "ph.ecog", "wt.loss", "meal.cal"]
    fits = []
    for _, data in imputed.groupby(".imp"):
        if model == "cox":
            fits.append(nc.stats.cox(data, "time", "event", covariates))
        else:
            fits.append(nc.stats.logistic(data, "dead", covariates))
    assert complete_data_df(fits[0]) == ref["dfcom"]
    table = pool_fits(fits, "ratio", df_complete=ref["dfcom"])
    expected = pd.DataFrame({k: v for k, v in ref.items() if k != "dfcom"})
    table = table.set_index("term").loc[expected["term"]]
    np.testing.assert_allclose(table["coef"], expected["estimate"], rtol=RTOL)
    np.testing.assert_allclose(table["se"], expected["se"], rtol=RTOL)
    np.testing.assert_allclose(table["df"], expected["df"], rtol=RTOL)
    np.testing.assert_allclose(table["fmi"], expected["fmi"], rtol=RTOL)
    np.testing.assert_allclose(table["riv"], expected["riv"], rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], expected["p_value"], atol=1e-4)
    np.testing.assert_allclose(np.log(table["ci_lower"]), expected["ci_lower"], rtol=RTOL)
    np.testing.assert_allclose(np.log(table["ci_upper"]), expected["ci_upper"], rtol=RTOL)
