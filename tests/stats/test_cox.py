"""Cox model: invariances of the partial likelihood, counting-process semantics, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nedcohort as nc
from nedcohort.errors import DataError, ProtocolError
from tests.conftest import load_dataset


def _toy(rng: np.random.Generator, n: int = 200) -> pd.DataFrame:
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], n)
    hazard = np.exp(0.7 * x + (group == "b") * 0.5)
    time = np.ceil(rng.exponential(1 / hazard) * 20)  # integer times: many ties
    censor = np.ceil(rng.exponential(2, n) * 20)
    return pd.DataFrame(
        {"time": np.minimum(time, censor), "event": (time <= censor).astype(int), "x": x,
         "group": group}
    )  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 40.0), st.sampled_from(["efron", "breslow"]))
@example(1000.0, "efron")
def test_coefficient_scales_inversely_with_covariate(scale, ties):
    df = _toy(np.random.default_rng(7))
    base = nc.stats.cox(df, "time", "event", ["x", "group"], ties=ties)
    scaled = nc.stats.cox(df.assign(x=df["x"] * scale), "time", "event", ["x", "group"], ties=ties)
    assert scaled.coefficients[0] == pytest.approx(base.coefficients[0] / scale, rel=1e-8)
    assert scaled.table["p_value"][0] == pytest.approx(base.table["p_value"][0], rel=1e-8)
    assert scaled.loglik[1] == pytest.approx(base.loglik[1], rel=1e-10)


def test_splitting_follow_up_leaves_the_fit_unchanged(rng):
    """(0, T] and (0, c] + (c, T] are the same person-time: a row is at risk on (start, stop]."""
    df = _toy(rng)
    whole = nc.stats.cox(df, "time", "event", ["x"])
    cut = np.floor(df["time"] / 2)
    first = df.assign(start=0.0, stop=cut, event=0)[cut > 0]
    second = df.assign(start=cut, stop=df["time"])
    split = pd.concat([first, second], ignore_index=True)
    parts = nc.stats.cox(split, "stop", "event", ["x"], entry="start")
    np.testing.assert_allclose(parts.coefficients, whole.coefficients, rtol=1e-10)
    np.testing.assert_allclose(parts.table["se"], whole.table["se"], rtol=1e-10)
    np.testing.assert_allclose(parts.loglik, whole.loglik, rtol=1e-12)
    assert parts.concordance == pytest.approx(whole.concordance, rel=1e-12)


def test_a_row_is_not_at_risk_at_its_entry_time():
    """Entry at the event time of another row: R does not count it in that risk set."""
    df = pd.DataFrame(
        {
            "start": [0.0, 0, 2, 0],
            "stop": [2.0, 3, 4, 5],
            "event": [1, 1, 1, 0],
            "x": [1.0, 0, 2, 1],
        }
    )
    late = nc.stats.cox(df, "stop", "event", ["x"], entry="start")
    # the same data with the third row entering just before t=2 is a different risk set
    early = nc.stats.cox(df.assign(start=[0.0, 0, 1.999, 0]), "stop", "event", ["x"], entry="start")
    assert late.loglik[1] != pytest.approx(early.loglik[1], rel=1e-6)


def test_robust_variance_equals_naive_shape_and_is_reported(rng):
    df = _toy(rng).assign(center=rng.integers(0, 8, 200))
    fit = nc.stats.cox(df, "time", "event", ["x"], cluster="center")
    assert {"se", "naive_se"} <= set(fit.table.columns)
    assert any("robust" in note for note in fit.notes)


def test_input_frame_is_not_modified(rng):
    df = _toy(rng)
    before = df.copy()
    nc.stats.cox(df, "time", "event", ["x", "group"], reference={"group": "b"})
    pd.testing.assert_frame_equal(df, before)


def test_categorical_reference_and_term_names(rng):
    fit = nc.stats.cox(_toy(rng), "time", "event", ["group"], reference={"group": "b"})
    assert fit.terms == ["group[a]", "group[c]"]
    assert fit.references == {"group": "b"}


def test_low_events_per_variable_is_noted():
    lung = load_dataset("lung").head(40)
    fit = nc.stats.cox(lung, "time", "event", ["age", "sex", "ph.ecog", "wt.loss"])
    assert any(note.startswith("EPV = ") for note in fit.notes)
    assert fit.events_per_variable < 10


def test_rows_with_missing_covariates_are_counted():
    lung = load_dataset("lung")
    fit = nc.stats.cox(lung, "time", "event", ["age", "ph.ecog"])
    assert fit.n_dropped == int(lung["ph.ecog"].isna().sum()) == 1
    assert fit.n + fit.n_dropped == len(lung)


def test_constant_collinear_and_eventless_covariates_are_errors(rng):
    df = _toy(rng)
    with pytest.raises(DataError, match="covariate 'k' is constant"):
        nc.stats.cox(df.assign(k=1.0), "time", "event", ["x", "k"])
    with pytest.raises(DataError, match="collinear: x2"):
        nc.stats.cox(df.assign(x2=2 * df["x"] + 1), "time", "event", ["x", "x2"])
    no_events_in_c = df.assign(event=np.where(df["group"] == "c", 0, df["event"]))
    with pytest.raises(DataError, match=r"level 'group\[c\]' has no events"):
        nc.stats.cox(no_events_in_c, "time", "event", ["group"])
    with pytest.raises(DataError, match="there are no events"):
        nc.stats.cox(df.assign(event=0), "time", "event", ["x"])
    with pytest.raises(ProtocolError, match='ties must be "efron" or "breslow"; got "breslo"'):
        nc.stats.cox(df, "time", "event", ["x"], ties="breslo")
