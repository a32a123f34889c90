"""Kaplan–Meier, log-rank, Cox and cox.zph against R survival 3.5 (r_reference.json).

Tolerances (the issue's contract): relative 1e-6 for coefficients, standard errors,
survival estimates and log-likelihoods — R stops Newton–Raphson at a relative
log-likelihood change of 1e-9, so its coefficients carry ~1e-9 relative error; 1e-4
relative for p-values and test statistics derived from them. Absolute 1e-12 only to
allow exact zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nedcohort as nc
from tests.conftest import load_dataset

pytestmark = pytest.mark.reference

RTOL = 1e-6
RTOL_P = 1e-4
ATOL = 1e-12


def _cases(section: str) -> list[str]:
    import json

    from tests.conftest import REFERENCE

    data = json.loads((REFERENCE / "r_reference.json").read_text())
    return [case["name"] for case in data[section]]


def _case(r_reference: dict, section: str, name: str) -> dict:
    return next(c for c in r_reference[section] if c["name"] == name)


def _r_data(name: str) -> pd.DataFrame:
    if name == "colon_recur":
        colon = load_dataset("colon")
        return colon[colon["etype"] == 1]
    return load_dataset(name)


@pytest.mark.parametrize("name", _cases("km"))
def test_kaplan_meier_matches_survfit(r_reference, name):
    """survfit(Surv([entry,] time, event) ~ by, conf.type=...) step table and medians."""
    case = _case(r_reference, "km", name)
    km = nc.stats.kaplan_meier(
        _r_data(case["data"]),
        case["time"],
        case["event"],
        by=case["by"],
        entry=case["entry"],
        conf_type=case["conf_type"],
    )
    expected = pd.DataFrame(case["table"])
    got = km.table
    assert list(got["group"]) == [str(g) for g in expected["group"]]
    # times: R's JSON keeps 15 significant digits
    np.testing.assert_allclose(got["time"], expected["time"], rtol=1e-13, err_msg="time")
    for column in ("n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(got[column], expected[column], err_msg=column)
    for column in ("survival", "std_err", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(
            got[column], expected[column].astype(float), rtol=RTOL, atol=ATOL, err_msg=column
        )
    medians = pd.DataFrame(case["medians"])
    assert list(km.medians["group"]) == [str(g) for g in medians["group"]]
    for column in ("median", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(
            km.medians[column], medians[column].astype(float), rtol=RTOL, err_msg=column
        )
    if "at" in case:
        at = pd.DataFrame(case["at"])
        got_at = km.at(sorted(set(at["time"])))
        got_at = got_at.merge(at.assign(group=at["group"].astype(str)), on=["group", "time"])
        np.testing.assert_array_equal(got_at["n_risk_x"], got_at["n_risk_y"])
        np.testing.assert_allclose(got_at["survival_x"], got_at["survival_y"], rtol=RTOL)
        np.testing.assert_allclose(got_at["std_err_x"], got_at["std_err_y"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", _cases("logrank"))
def test_logrank_matches_survdiff(r_reference, name):
    """survdiff(Surv(time, event) ~ by [+ strata(s)], rho=rho)."""
    case = _case(r_reference, "logrank", name)
    test = nc.stats.logrank(
        _r_data(case["data"]),
        case["time"],
        case["event"],
        by=case["by"],
        strata=case["strata"],
        rho=case["rho"],
    )
    assert test.df == case["df"]
    np.testing.assert_allclose(test.statistic, case["statistic"], rtol=RTOL)
    np.testing.assert_allclose(test.p_value, case["p_value"], rtol=RTOL_P)
    np.testing.assert_allclose(test.table["observed"], case["observed"], rtol=RTOL)
    np.testing.assert_allclose(test.table["expected"], case["expected"], rtol=RTOL)


def _fit_cox_case(case: dict) -> nc.stats.CoxFit:
    df = _r_data(case["data"]).copy()
    reference = {}
    for factor in case["factors"] + [c for c in case["covariates"] if c.endswith("_cat")]:
        df[factor] = df[factor].astype(str)
        levels = sorted(df[factor].unique())
        named = [t[len(factor) :] for t in case["terms"] if t.startswith(factor)]
        reference[factor] = next(lv for lv in levels if lv not in named)
    return nc.stats.cox(
        df,
        case["time"],
        case["event"],
        case["covariates"],
        entry=case["entry"],
        strata=case["strata"],
        ties=case["ties"],
        cluster=case["cluster"],
        reference=reference or None,
    )


def _r_term(term: str) -> str:
    """Our ``grade[2]`` is R's ``grade2``."""
    return term.replace("[", "").replace("]", "")


@pytest.mark.parametrize("name", _cases("cox"))
def test_cox_matches_coxph(r_reference, name):
    """coxph(Surv(...) ~ ..., ties=, cluster=): coefficients, SEs, tests, concordance."""
    case = _case(r_reference, "cox", name)
    fit = _fit_cox_case(case)
    order = [list(map(_r_term, fit.terms)).index(t) for t in case["terms"]]
    table = fit.table.iloc[order]
    assert fit.n == case["n"]
    assert fit.n_events == case["n_events"]
    np.testing.assert_allclose(table["coef"], case["coef"], rtol=RTOL)
    np.testing.assert_allclose(table["se"], case["se"], rtol=RTOL)
    if case["naive_se"] is not None:
        np.testing.assert_allclose(table["naive_se"], case["naive_se"], rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], case["p_value"], rtol=RTOL_P)
    np.testing.assert_allclose(fit.loglik, case["loglik"], rtol=RTOL)
    np.testing.assert_allclose(fit.concordance, case["concordance"], rtol=RTOL)
    np.testing.assert_allclose(fit.concordance_se, case["concordance_se"], rtol=RTOL)
    np.testing.assert_allclose(fit.likelihood_ratio.statistic, case["likelihood_ratio"], rtol=1e-5)
    np.testing.assert_allclose(fit.wald.statistic, case["wald"], rtol=1e-5)
    np.testing.assert_allclose(fit.score.statistic, case["score"], rtol=1e-5)


@pytest.mark.parametrize("transform", ["km", "identity", "rank"])
@pytest.mark.parametrize("name", _cases("cox"))
def test_ph_test_matches_cox_zph(r_reference, name, transform):
    """cox.zph(fit, transform=): per-term and GLOBAL chi-square, df, p."""
    case = _case(r_reference, "cox", name)
    fit = _fit_cox_case(case)
    got = nc.stats.ph_test(fit, transform=transform)
    expected = pd.DataFrame(case["zph"][transform])
    assert list(got["term"]) == list(expected["term"])
    np.testing.assert_array_equal(got["df"], expected["df"])
    np.testing.assert_allclose(got["chisq"], expected["chisq"], rtol=RTOL)
    np.testing.assert_allclose(got["p_value"], expected["p_value"], rtol=RTOL_P)
