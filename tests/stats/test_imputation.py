"""Multiple imputation: reproducible chains, observed values untouched, real between-
imputation variation, aliased columns kept consistent. Rubin's rules themselves are
checked against R's mice::pool in tests/reference/test_bias_aware_vs_r.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nedcohort as nc
from nedcohort.errors import DataError
from nedcohort.stats.imputation import impute_chained, rubin_pool
from tests.conftest import load_dataset


@pytest.fixture
def lung() -> pd.DataFrame:
    data = load_dataset("lung")[["time", "event", "age", "sex", "ph.ecog", "wt.loss"]]
    data = data.dropna(subset=["ph.ecog"]).reset_index(drop=True)
    high = (data["ph.ecog"] >= 2).astype(float)
    return data.assign(ecog_high=high, ecog_low=1 - high)


def test_chains_are_seeded_and_keep_observed_values(lung):
    lung.loc[::7, ["ecog_high", "ecog_low"]] = np.nan
    columns = ["event", "age", "sex", "wt.loss", "ecog_high", "ecog_low"]
    first = impute_chained(lung, columns, m=4, iterations=3, seed=8)
    again = impute_chained(lung, columns, m=4, iterations=3, seed=8)
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    missing = lung["ecog_high"].isna()
    for completed in first:
        original = lung[columns].astype(float)
        seen = original.notna().to_numpy()
        np.testing.assert_array_equal(completed.to_numpy()[seen], original.to_numpy()[seen])
        assert set(completed["ecog_high"]) <= {0.0, 1.0}  # predictive mean matching
        np.testing.assert_array_equal(completed["ecog_low"], 1 - completed["ecog_high"])
        assert completed.notna().all().all()
    draws = np.array([c.loc[missing.to_numpy(), "ecog_high"] for c in first])
    assert draws.std(axis=0).max() > 0  # the imputations differ: B > 0


def test_pooled_fit_and_degenerate_cases(lung):
    lung.loc[::5, "wt.loss"] = np.nan
    data = lung.assign(na=nc.stats.nelson_aalen(lung["time"], lung["event"]))
    pooled = nc.stats.multiple_imputation(
        data,
        {"cox": (lambda d: nc.stats.cox(d, "time", "event", ["age", "wt.loss"]), "hr")},
        ["age", "wt.loss"],
        ["event", "na"],
        m=5,
        iterations=3,
    )["cox"]
    table = pooled.table.set_index("term")
    assert pooled.imputed == {"wt.loss": int(lung["wt.loss"].isna().sum())}
    assert (table["fmi"] > 0).all() and (table["riv"] > 0).all()
    complete = nc.stats.cox(lung, "time", "event", ["age", "wt.loss"]).table.set_index("term")
    assert abs(np.log(table.loc["age", "hr"] / complete.loc["age", "hr"])) < 0.05
    with pytest.raises(DataError, match="have missing values"):
        nc.stats.multiple_imputation(data, {}, ["age"], ["wt.loss"])
    with pytest.raises(ValueError, match="at least two"):
        rubin_pool(np.ones((1, 2)), np.ones((1, 2)), 10)


def test_nelson_aalen_counts_ties_before_leaving():
    time = np.array([1.0, 2.0, 2.0, 3.0, 4.0])
    event = np.array([1, 1, 0, 1, 0])
    expected_at = {1.0: 1 / 5, 2.0: 1 / 5 + 1 / 4, 3.0: 1 / 5 + 1 / 4 + 1 / 2}
    na = nc.stats.nelson_aalen(time, event)
    np.testing.assert_allclose(na[:4], [expected_at[t] for t in time[:4]])
    assert na[4] == na[3]
