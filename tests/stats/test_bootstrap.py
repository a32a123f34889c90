"""Bootstrap of the Cox model: reproducible, cluster-aware, failures counted."""

from __future__ import annotations

import numpy as np
import pandas as pd

import nedcohort as nc
from tests.conftest import load_dataset


def test_same_seed_same_intervals_and_point_estimate_inside():
    lung = load_dataset("lung")
    first = nc.stats.bootstrap_cox(lung, "time", "event", ["age", "sex"], n_resamples=200, seed=5)
    again = nc.stats.bootstrap_cox(lung, "time", "event", ["age", "sex"], n_resamples=200, seed=5)
    pd.testing.assert_frame_equal(first.table, again.table)
    other = nc.stats.bootstrap_cox(lung, "time", "event", ["age", "sex"], n_resamples=200, seed=6)
    assert not np.allclose(first.table["ci_lower"], other.table["ci_lower"])
    fit = nc.stats.cox(lung, "time", "event", ["age", "sex"])
    np.testing.assert_allclose(first.table["hr"], fit.table["hr"], rtol=1e-10)
    assert np.all(first.table["ci_lower"] < first.table["hr"])
    assert np.all(first.table["hr"] < first.table["ci_upper"])
    assert first.coefficients.shape == (200 - first.n_failed, 2)


def test_cluster_resampling_keeps_a_patients_rows_together():
    """Two copies of every patient under one id: the interval must not shrink."""
    lung = load_dataset("lung").assign(id=lambda d: np.arange(len(d)))
    doubled = pd.concat([lung, lung], ignore_index=True)
    single = nc.stats.bootstrap_cox(lung, "time", "event", ["age"], n_resamples=300, seed=1)
    by_id = nc.stats.bootstrap_cox(
        doubled, "time", "event", ["age"], n_resamples=300, seed=1, cluster="id"
    )
    naive = nc.stats.bootstrap_cox(doubled, "time", "event", ["age"], n_resamples=300, seed=1)

    def width(b):
        return float(np.log(b.table["ci_upper"][0]) - np.log(b.table["ci_lower"][0]))

    assert width(naive) < 0.85 * width(single)  # treating copies as patients: too narrow
    assert abs(width(by_id) - width(single)) < 0.2 * width(single)


def test_failed_resamples_are_counted():
    # a rare binary covariate: some resamples contain no exposed patient at all
    lung = load_dataset("lung").assign(rare=lambda d: (np.arange(len(d)) < 3).astype(float))
    result = nc.stats.bootstrap_cox(lung, "time", "event", ["rare"], n_resamples=300, seed=3)
    assert result.n_failed > 0
    assert len(result.coefficients) + result.n_failed == 300
    assert any("could not be fitted" in note for note in result.notes)


def test_parallel_workers_give_exactly_the_serial_result():
    lung = load_dataset("lung")
    serial = nc.stats.bootstrap_cox(lung, "time", "event", ["age", "sex"], 120, seed=9, n_jobs=1)
    forked = nc.stats.bootstrap_cox(lung, "time", "event", ["age", "sex"], 120, seed=9, n_jobs=2)
    np.testing.assert_array_equal(serial.coefficients, forked.coefficients)
    assert serial.concordance == forked.concordance


def test_optimism_correction_removes_the_fit_to_noise():
    """Ten pure-noise covariates: the apparent C-index is flattered by overfitting and the
    corrected one falls back towards 0.5; a real predictor keeps most of its C."""
    rng = np.random.default_rng(4)
    lung = load_dataset("lung")
    noise = {f"z{i}": rng.normal(size=len(lung)) for i in range(10)}
    data = lung.assign(**noise)
    result = nc.stats.bootstrap_cox(data, "time", "event", list(noise), 200, seed=2, n_jobs=1)
    c = result.concordance
    fit = nc.stats.cox(data, "time", "event", list(noise))
    assert abs(c["apparent"] - fit.concordance) < 1e-12  # the same C as the model's own
    assert c["apparent"] > 0.55 and c["optimism"] > 0.03
    assert abs(c["corrected"] - 0.5) < 0.04
    real = nc.stats.bootstrap_cox(lung, "time", "event", ["sex", "ph.ecog"], 200, seed=2)
    assert 0 < real.concordance["optimism"] < 0.02
    assert real.concordance["corrected"] > 0.6


def test_logistic_bootstrap_intervals_bracket_the_estimate_and_match_wald_roughly():
    lung = load_dataset("lung")
    fit = nc.stats.logistic(lung, "dead", ["age", "sex"])
    boot = nc.stats.bootstrap_logistic(lung, "dead", ["age", "sex"], 400, seed=3)
    table = boot.table.set_index("term")
    np.testing.assert_allclose(table["odds_ratio"], fit.table.set_index("term")["odds_ratio"])
    for term in ("age", "sex"):
        wald = fit.table.set_index("term").loc[term]
        assert (
            table.loc[term, "ci_lower"]
            < table.loc[term, "odds_ratio"]
            < table.loc[term, "ci_upper"]
        )
        width = np.log(table.loc[term, "ci_upper"] / table.loc[term, "ci_lower"])
        assert abs(width / np.log(wald["ci_upper"] / wald["ci_lower"]) - 1) < 0.25
    again = nc.stats.bootstrap_logistic(lung, "dead", ["age", "sex"], 400, seed=3, n_jobs=2)
    np.testing.assert_array_equal(boot.coefficients, again.coefficients)
