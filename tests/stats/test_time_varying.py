"""Counting-process splits and landmark data for a state reached during follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nedcohort as nc


@st.composite
def cohorts(draw):
    n = draw(st.integers(2, 30))
    time = draw(st.lists(st.floats(1, 100), min_size=n, max_size=n))
    switch = draw(st.lists(st.one_of(st.none(), st.floats(0, 120)), min_size=n, max_size=n))
    event = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return pd.DataFrame({"t": time, "e": np.array(event, int), "sw": switch}).astype({"sw": float})


@settings(max_examples=80, deadline=None)
@given(cohorts(), st.sampled_from([None, 0.5, 20.0]))
def test_split_keeps_person_time_and_events(df, entry):
    rows = nc.stats.split_at_switch(df, "t", "e", "sw", "on", entry=entry)
    begin = 0.0 if entry is None else entry
    kept = df[df["t"] > begin]
    assert rows["stop"].sub(rows["start"]).sum() == pytest.approx((kept["t"] - begin).sum())
    assert rows["e"].sum() == kept["e"].sum()
    assert (rows["start"] < rows["stop"]).all()
    # state 1 only on time at or after the switch; one extra row per switch inside follow-up
    switched = rows[rows["on"] == 1]
    assert (switched["start"] >= switched["sw"] - 1e-12).all()
    assert len(rows) == len(kept) + int(((kept["sw"] > begin) & (kept["sw"] < kept["t"])).sum())


def test_time_dependent_state_equals_r_semantics_when_nobody_switches(rng):
    """Without switches the split data are the original data with delayed entry."""
    n = 80
    df = pd.DataFrame(
        {
            "t": rng.exponential(30, n) + 1,
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "sw": np.nan,
        }
    )
    rows = nc.stats.split_at_switch(df, "t", "e", "sw", "on", entry=0.5)
    split_fit = nc.stats.cox(rows, "stop", "e", ["x"], entry="start")
    direct = nc.stats.cox(df[df["t"] > 0.5].assign(s=0.5), "t", "e", ["x"], entry="s")
    np.testing.assert_allclose(split_fit.coefficients, direct.coefficients, rtol=1e-10)


def test_landmark_keeps_those_at_risk_and_fixes_the_state():
    df = pd.DataFrame({"t": [50.0, 40, 70, 30], "e": [1, 0, 1, 1], "sw": [10.0, 45, np.nan, 35]})
    lm = nc.stats.landmark_data(df, "t", "e", "sw", at=36, state="ned36")
    assert lm["t"].tolist() == [50.0, 40.0, 70.0]  # the patient with t = 30 is gone
    assert lm["ned36"].tolist() == [1, 0, 0]  # NED at 45 is after the landmark
    assert lm["time_from_landmark"].tolist() == [14.0, 4.0, 34.0]
