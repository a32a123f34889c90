"""Harrell's concordance of a risk score with survival, with R's infinitesimal-jackknife SE.

Matches ``concordance`` as ``coxph`` calls it (``reverse = TRUE``, ``timewt = "n"``):
a pair is comparable when the earlier time is an event and the other row is still at
risk then (a row censored at the same time counts as longer; two deaths at the same
time are tied on time and not counted). C = (concordant + tied_risk / 2) / (concordant +
discordant + tied_risk). The variance is Σ dfbeta² / 4 with each row's influence on
Somers' d from the pairs it belongs to, summed within clusters when given.

Why numba: counting, for every row, the comparable pairs by risk rank is a sweep with
a Fenwick tree — O(n log n), but sequential; numpy has no such primitive and no
well-kept library exposes per-row pair counts (R does it in C).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Concordance:
    """Concordance index with its standard error and pair counts."""

    concordance: float
    std_err: float
    concordant: float
    discordant: float
    tied_risk: float


@numba.njit(cache=True)
def _tree_add(tree: np.ndarray, rank: int, value: float) -> None:
    i = rank + 1
    while i < tree.size:
        tree[i] += value
        i += i & (-i)


@numba.njit(cache=True)
def _tree_sum(tree: np.ndarray, rank: int) -> float:
    """Sum of entries with rank <= ``rank`` (rank -1 gives 0)."""
    i = rank + 1
    total = 0.0
    while i > 0:
        total += tree[i]
        i -= i & (-i)
    return total


@numba.njit(cache=True)
def _count_as_event(start, stop, status, rank, n_rank, by_stop_desc, by_start_desc, out):
    """Descending sweep: each death against the rows at risk at its time."""
    n = stop.size
    tree = np.zeros(n_rank + 1)  # Fenwick tree of at-risk rows by risk rank
    at_rank = np.zeros(n_rank)  # at-risk rows per rank, for ties without a second query
    total = 0.0
    i = 0
    sp = 0
    while i < n:
        t = stop[by_stop_desc[i]]
        j = i
        while j < n and stop[by_stop_desc[j]] == t:
            j += 1
        while sp < by_start_desc.size and start[by_start_desc[sp]] >= t:  # not yet entered
            row = by_start_desc[sp]
            _tree_add(tree, rank[row], -1.0)
            at_rank[rank[row]] -= 1.0
            total -= 1.0
            sp += 1
        for m in range(i, j):  # censored at t: still at risk for the deaths at t
            row = by_stop_desc[m]
            if status[row] == 0:
                _tree_add(tree, rank[row], 1.0)
                at_rank[rank[row]] += 1.0
                total += 1.0
        for m in range(i, j):
            row = by_stop_desc[m]
            if status[row] != 0:
                below = _tree_sum(tree, rank[row] - 1)
                tied = at_rank[rank[row]]
                out[row, 0] += below
                out[row, 1] += total - below - tied
                out[row, 2] += tied
        for m in range(i, j):
            row = by_stop_desc[m]
            if status[row] != 0:
                _tree_add(tree, rank[row], 1.0)
                at_rank[rank[row]] += 1.0
                total += 1.0
        i = j


@numba.njit(cache=True)
def _count_as_at_risk(rank, n_rank, event_times, event_ranks, q_time, q_inclusive, q_row,
                      q_sign, q_order, out):  # fmt: skip
    """Ascending sweep: each row against the deaths that occurred while it was at risk."""
    tree = np.zeros(n_rank + 1)  # Fenwick tree of deaths so far by risk rank
    at_rank = np.zeros(n_rank)
    total = 0.0
    e = 0
    n_events = event_times.size
    for idx in range(q_order.size):
        q = q_order[idx]
        x = q_time[q]
        while e < n_events and (event_times[e] < x or (q_inclusive[q] and event_times[e] == x)):
            _tree_add(tree, event_ranks[e], 1.0)
            at_rank[event_ranks[e]] += 1.0
            total += 1.0
            e += 1
        r = rank[q_row[q]]
        below = _tree_sum(tree, r - 1)
        tied = at_rank[r]
        sign = q_sign[q]
        out[q_row[q], 0] += sign * (total - below - tied)
        out[q_row[q], 1] += sign * below
        out[q_row[q], 2] += sign * tied


def _pair_counts(
    start: np.ndarray | None, stop: np.ndarray, status: np.ndarray, risk: np.ndarray
) -> np.ndarray:
    """Per-row counts of concordant, discordant and risk-tied comparable pairs."""
    n = stop.size
    _, rank = np.unique(risk, return_inverse=True)
    rank = rank.astype(np.int64)
    n_rank = int(rank.max()) + 1 if n else 0
    status_i = (status > 0).astype(np.int64)
    out = np.zeros((n, 3))
    # the Cox data arrive sorted by time with deaths first in a tie: then no sort is needed
    steps = np.diff(stop)
    presorted = bool(np.all((steps > 0) | ((steps == 0) & (np.diff(status_i) <= 0))))
    by_stop = np.arange(n) if presorted else np.lexsort((-status_i, stop))
    if start is None:
        start = np.full(n, -np.inf)
        by_start_desc = np.empty(0, dtype=np.int64)
    else:
        by_start_desc = np.argsort(start, kind="stable")[::-1].copy()
    _count_as_event(start, stop, status_i, rank, n_rank, by_stop[::-1].copy(), by_start_desc, out)
    ev_order = by_stop[status_i[by_stop] > 0]
    # a row is at risk for deaths in (start, stop), and at stop itself when censored;
    # at equal times the exclusive queries (deaths) go before the inclusive ones
    q_time = np.concatenate([stop, start])
    q_inclusive = np.concatenate([status_i == 0, np.ones(n, dtype=bool)])
    q_row = np.concatenate([np.arange(n), np.arange(n)])
    q_sign = np.concatenate([np.ones(n), -np.ones(n)])
    if start is None and presorted:
        # deaths (exclusive queries) already precede the censored rows in every tie
        q_order = np.arange(n)
    else:
        finite = np.flatnonzero(np.isfinite(q_time))
        q_order = finite[np.lexsort((q_inclusive[finite], q_time[finite]))]
    _count_as_at_risk(
        rank,
        n_rank,
        stop[ev_order],
        rank[ev_order],
        q_time,
        q_inclusive,
        q_row,
        q_sign,
        q_order,
        out,
    )
    return out


def concordance(
    stop: np.ndarray,
    status: np.ndarray,
    risk: np.ndarray,
    start: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> Concordance:
    """Concordance of ``risk`` (higher = earlier event) with (start, stop] survival data."""
    n = stop.size
    layer = np.zeros(n, dtype=int) if strata is None else np.asarray(strata)
    counts = np.zeros((n, 3))
    for s in np.unique(layer):
        m = np.flatnonzero(layer == s)
        counts[m] = _pair_counts(
            None if start is None else np.asarray(start, dtype=float)[m],
            stop[m],
            status[m],
            risk[m],
        )
    # each pair is counted once from each of its two rows
    concordant, discordant, tied = counts.sum(axis=0) / 2
    n_pair = concordant + discordant + tied
    if n_pair == 0:
        return Concordance(np.nan, np.nan, 0.0, 0.0, 0.0)
    somers_d = (concordant - discordant) / n_pair
    dfbeta = (counts[:, 0] - counts[:, 1]) / n_pair - somers_d / n_pair * counts.sum(axis=1)
    if cluster is not None:
        dfbeta = pd.Series(dfbeta).groupby(np.asarray(cluster)).sum().to_numpy()
    return Concordance(
        concordance=(somers_d + 1) / 2,
        std_err=float(np.sqrt(np.sum(dfbeta**2) / 4)),
        concordant=float(concordant),
        discordant=float(discordant),
        tied_risk=float(tied),
    )
