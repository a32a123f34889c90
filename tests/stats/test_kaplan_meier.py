"""Kaplan–Meier: SPSS median CI worked example, invariants, and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nedcohort as nc
from nedcohort.errors import DataError, ProtocolError


def test_spss_median_ci_worked_example():
    """Ten deaths at 1..10, no censoring (Collett §2.4 recipe, computed by hand).

    Ŝ = 0.9, 0.8, …, 0.0; median = 5 (first Ŝ ≤ 0.5); Greenwood SE(Ŝ(5)) =
    √(0.5·0.5/10) = 0.158114; û = 4 (last Ŝ ≥ 0.55, Ŝ = 0.6), l̂ = 6 (first Ŝ ≤ 0.45,
    Ŝ = 0.4); f̂ = (0.6 − 0.4)/(6 − 4) = 0.1; SE(median) = 1.581139;
    CI = 5 ± 1.959964 × 1.581139 = (1.901025, 8.098975).
    """
    df = pd.DataFrame({"t": np.arange(1.0, 11.0), "e": 1})
    med = nc.stats.kaplan_meier(df, "t", "e", conf_type="spss").medians.iloc[0]
    assert med["median"] == 5.0
    np.testing.assert_allclose([med["ci_lower"], med["ci_upper"]], [1.901025, 8.098975], atol=1e-6)
    assert med["ci_lower"] + med["ci_upper"] == pytest.approx(2 * med["median"])


def test_r_median_uses_midpoint_of_flat_segment():
    """Ŝ is exactly 0.5 between t=2 and t=3, so R reports the median as 2.5."""
    df = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": 1})
    assert nc.stats.kaplan_meier(df, "t", "e").medians.loc[0, "median"] == 2.5


def test_median_not_reached_is_missing():
    df = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 0, 0]})
    km = nc.stats.kaplan_meier(df, "t", "e")
    assert np.isnan(km.medians.loc[0, "median"])
    assert km.to_dict()[0]["median"] is None


def test_at_gives_numbers_at_risk_for_plots():
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5], "e": [1, 0, 1, 0, 1]})
    at = nc.stats.kaplan_meier(df, "t", "e").at([0, 2, 2.5, 6])
    assert at["n_risk"].tolist() == [5, 4, 3, 0]
    np.testing.assert_allclose(at["survival"], [1.0, 0.8, 0.8, 0.8 * 2 / 3 * 0])


def test_input_frame_is_not_modified():
    df = pd.DataFrame({"t": [3.0, 1, 2], "e": [1, 0, 1], "g": ["a", "b", "a"]})
    before = df.copy()
    nc.stats.kaplan_meier(df, "t", "e", by="g")
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"t": [1.0, np.nan], "e": [1, 0]}),
            r"column 't' at index 1: time is missing",
        ),
        (pd.DataFrame({"t": [1.0, -2.0], "e": [1, 0]}), r"time is negative; got -2.0"),
        (pd.DataFrame({"t": [1.0, 2.0], "e": [1, 2]}), r"event indicator must be 0/1.*got 2"),
        (pd.DataFrame({"t": ["a", "b"], "e": [1, 0]}), r"time must be numeric"),
    ],
)
def test_bad_survival_data_is_named(frame, message):
    with pytest.raises(DataError, match=message):
        nc.stats.kaplan_meier(frame, "t", "e")


def test_entry_must_precede_exit():
    df = pd.DataFrame({"s": [0.0, 5.0], "t": [2.0, 5.0], "e": [1, 0]})
    with pytest.raises(DataError, match=r"column 's' at index 1: entry time is not before"):
        nc.stats.kaplan_meier(df, "t", "e", entry="s")


def test_misspelled_option_and_column_get_suggestions():
    df = pd.DataFrame({"time": [1.0], "e": [1]})
    typo = r'conf_type must be .*got "loglog"\. Did you mean "log-log"'
    with pytest.raises(ProtocolError, match=typo):
        nc.stats.kaplan_meier(df, "time", "e", conf_type="loglog")
    missing = r"column 'tme' is not in the data.*Did you mean 'time'"
    with pytest.raises(ProtocolError, match=missing):
        nc.stats.kaplan_meier(df, "tme", "e")


survival_frames = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 30), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(survival_frames)
@example(([5, 5, 5], [True, True, True]))
def test_survival_is_a_nonincreasing_probability(data):
    times, events = data
    df = pd.DataFrame({"t": np.array(times, float), "e": events})
    table = nc.stats.kaplan_meier(df, "t", "e").table
    s = table["survival"].to_numpy()
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.diff(s) <= 1e-15)
    assert table["n_event"].sum() + table["n_censor"].sum() == len(df)
