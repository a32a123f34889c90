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
