"""Logistic regression: Firth and profile CIs checked by independent computation; errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sps
from scipy.special import expit

import nedcohort as nc
from nedcohort.errors import DataError, SeparationWarning
from tests.conftest import load_dataset


def _penalized_loglik(beta, X, y):
    """Firth's ℓ*(β) = ℓ(β) + ½ log|XᵀWX|, written from the definition."""
    eta = X @ beta
    ll = -np.sum(y * np.logaddexp(0, -eta) + (1 - y) * np.logaddexp(0, eta))
    weights = expit(eta) * expit(-eta)
    return ll + 0.5 * np.linalg.slogdet(X.T @ (X * weights[:, None]))[1]


def _separated_data() -> pd.DataFrame:
    # x separates y completely except that the intercept-only model still fits
    return pd.DataFrame(
        {"y": [0, 0, 0, 0, 1, 1, 1, 1, 0, 1], "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 2.5, 9]}
    )


def test_firth_maximizes_the_penalized_likelihood():
    """A general-purpose optimizer on ℓ* finds the same β as the modified-score Newton."""
    df = _separated_data()
    X = np.column_stack([np.ones(len(df)), df["x"]])
    y = df["y"].to_numpy(float)
    independent = optimize.minimize(
        lambda b: -_penalized_loglik(b, X, y), np.zeros(2), method="BFGS", options={"gtol": 1e-10}
    ).x
    fit = nc.stats.logistic(df, "y", ["x"], method="firth")
    np.testing.assert_allclose(fit.coefficients, independent, rtol=1e-5)


def test_firth_profile_ci_and_lr_p_solve_their_equations():
    """At each CI bound, 2(ℓ*max − max ℓ* | β_x = bound) equals χ²₁(0.95) (logistf's definition)."""
    df = _separated_data()
    X = np.column_stack([np.ones(len(df)), df["x"]])
    y = df["y"].to_numpy(float)
    fit = nc.stats.logistic(df, "y", ["x"], method="firth")
    top = _penalized_loglik(fit.coefficients, X, y)

    def profile(bx):
        res = optimize.minimize_scalar(lambda b0: -_penalized_loglik(np.array([b0, bx]), X, y))
        return -res.fun

    q = sps.chi2.ppf(0.95, 1)
    for bound in np.log(fit.table.loc[1, ["ci_lower", "ci_upper"]].to_numpy(float)):
        assert 2 * (top - profile(bound)) == pytest.approx(q, rel=1e-6)
    lr = 2 * (top - profile(0.0))
    assert fit.table.loc[1, "p_value"] == pytest.approx(sps.chi2.sf(lr, 1), rel=1e-6)


def test_ml_profile_bounds_sit_on_the_chi_square_quantile():
    lung = load_dataset("lung")
    fit = nc.stats.logistic(lung, "dead", ["age", "sex"], ci="profile")
    X = np.column_stack([np.ones(len(lung)), lung[["age", "sex"]].to_numpy(float)])
    y = lung["dead"].to_numpy(float)

    def loglik(beta):
        eta = X @ beta
        return -np.sum(y * np.logaddexp(0, -eta) + (1 - y) * np.logaddexp(0, eta))

    top = loglik(fit.coefficients)
    q = sps.chi2.ppf(0.95, 1)
    for bound in np.log(fit.table.loc[2, ["ci_lower", "ci_upper"]].to_numpy(float)):
        res = optimize.minimize(
            lambda b, bound=bound: -loglik(np.array([b[0], b[1], bound])), [0.0, 0.0]
        )
        assert 2 * (top + res.fun) == pytest.approx(q, rel=1e-5)


def test_separation_switches_to_firth_with_a_warning():
    with pytest.warns(SeparationWarning, match="perfectly predicted"):
        fit = nc.stats.logistic(_separated_data(), "y", ["x"])
    assert fit.method == "firth" and fit.separation
    assert np.all(np.isfinite(fit.table[["coef", "se", "ci_lower", "ci_upper", "p_value"]]))
    assert any("separation" in note for note in fit.notes)


def test_no_separation_no_warning():
    lung = load_dataset("lung")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = nc.stats.logistic(lung, "dead", ["age", "sex"])
    assert fit.method == "ml" and not fit.separation
    assert fit.table.loc[0, "term"] == "(Intercept)"


def test_outcome_errors_name_the_column():
    df = pd.DataFrame({"y": [1, 1, 1], "x": [1.0, 2, 3]})
    with pytest.raises(DataError, match="column 'y': outcome has only one value"):
        nc.stats.logistic(df, "y", ["x"])
    df = pd.DataFrame({"y": [1, 0, 3], "x": [1.0, 2, 3]})
    with pytest.raises(DataError, match="column 'y' at index 2: event indicator must be 0/1"):
        nc.stats.logistic(df, "y", ["x"])


def test_input_frame_is_not_modified():
    lung = load_dataset("lung")
    before = lung.copy()
    nc.stats.logistic(lung, "dead", ["age", "sex"], method="firth")
    pd.testing.assert_frame_equal(lung, before)
