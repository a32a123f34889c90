"""Log-rank: invariances and errors (values against R are in tests/reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nedcohort as nc
from nedcohort.errors import DataError


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.0, 1.0]))
def test_statistic_ignores_row_order_and_label_names(seed, rho):
    rng = np.random.default_rng(seed)
    n = 30
    df = pd.DataFrame(
        {
            "t": rng.integers(1, 15, n).astype(float),
            "e": rng.integers(0, 2, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )
    if df["e"].sum() == 0 or df["g"].nunique() < 2:
        return
    base = nc.stats.logrank(df, "t", "e", "g", rho=rho)
    shuffled = df.sample(frac=1.0, random_state=seed % 1000)
    relabeled = df.assign(g=df["g"].map({"a": "z", "b": "y", "c": "x"}))
    for other in (shuffled, relabeled):
        result = nc.stats.logrank(other, "t", "e", "g", rho=rho)
        assert result.statistic == pytest.approx(base.statistic, rel=1e-9, abs=1e-12)
        assert result.df == base.df


def test_observed_minus_expected_sums_to_zero(rng):
    df = pd.DataFrame(
        {"t": rng.exponential(5, 80), "e": rng.integers(0, 2, 80), "g": rng.integers(0, 3, 80)}
    )
    table = nc.stats.logrank(df, "t", "e", "g").table
    assert table["observed"].sum() == pytest.approx(table["expected"].sum())
    assert table["observed"].sum() == df["e"].sum()


def test_one_group_or_no_events_is_an_error():
    df = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "g": ["a", "a"]})
    with pytest.raises(DataError, match="at least two groups"):
        nc.stats.logrank(df, "t", "e", "g")
    df = pd.DataFrame({"t": [1.0, 2.0], "e": [0, 0], "g": ["a", "b"]})
    with pytest.raises(DataError, match="no events"):
        nc.stats.logrank(df, "t", "e", "g")


def test_missing_group_label_is_reported_not_dropped():
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1], "g": ["a", None, "b"]})
    with pytest.raises(DataError, match="column 'g' at index 1: group is missing"):
        nc.stats.logrank(df, "t", "e", "g")


def test_input_frame_is_not_modified(rng):
    df = pd.DataFrame(
        {"t": rng.exponential(5, 40), "e": rng.integers(0, 2, 40), "g": rng.integers(0, 2, 40)}
    )
    before = df.copy()
    nc.stats.logrank(df, "t", "e", "g", rho=1.0)
    pd.testing.assert_frame_equal(df, before)
