"""Concordance: the Fenwick-tree sweep equals brute-force pair counting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nedcohort.stats.concordance import concordance


def _brute_force(start, stop, status, risk):
    """Every ordered pair, straight from the definition (coxph's reverse=TRUE)."""
    n = stop.size
    counts = np.zeros((n, 3))
    for i in range(n):
        if not status[i]:
            continue
        for j in range(n):
            if j == i or not (start[j] < stop[i] <= stop[j]):
                continue
            if stop[j] == stop[i] and status[j]:
                continue  # tied on time: not comparable
            k = 0 if risk[i] > risk[j] else (1 if risk[i] < risk[j] else 2)
            counts[i, k] += 1
            counts[j, k] += 1
    c, d, t = counts.sum(axis=0) / 2
    n_pair = c + d + t
    if n_pair == 0:
        return np.nan, np.nan
    somers = (c - d) / n_pair
    dfbeta = (counts[:, 0] - counts[:, 1]) / n_pair - somers / n_pair * counts.sum(axis=1)
    return (somers + 1) / 2, np.sqrt(np.sum(dfbeta**2) / 4)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.booleans())
def test_sweep_equals_brute_force(seed, counting):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    stop = rng.integers(1, 10, n).astype(float)
    start = (
        np.floor(stop * rng.uniform(0, 1, n)) - 0.5 * (rng.uniform(size=n) < 0.5)
        if counting
        else np.full(n, -np.inf)
    )
    start = np.minimum(start, stop - 0.5)
    status = rng.integers(0, 2, n).astype(float)
    risk = rng.integers(0, 4, n).astype(float)  # many ties in risk
    expected_c, expected_se = _brute_force(start, stop, status, risk)
    got = concordance(stop, status, risk, start=start if counting else None)
    if np.isnan(expected_c):
        assert np.isnan(got.concordance)
        return
    assert got.concordance == pytest.approx(expected_c, rel=1e-12)
    assert got.std_err == pytest.approx(expected_se, rel=1e-9, abs=1e-15)
