"""The Cox partial likelihood over risk sets: log-likelihood, score, information, residuals.

Why hand-written: R ``coxph`` is C, lifelines and statsmodels loop over event times
in Python or build n×p×p arrays, and none of them gives Efron ties, counting-process
(start, stop] data, strata and Efron-weighted score residuals in one vectorized
pass. Here every sum over risk sets is a cumulative sum over rows sorted once by
time, so one Newton step costs O(n·p²) in BLAS (``Xᵀ diag(w) X``) — no per-event
Python loop and no n×p×p array:

* S0(t), S1(t): risk-set sums of r = exp(η) and r·x, from suffix sums over rows
  sorted by exit time minus those over rows sorted by entry time (at risk on
  (entry, exit]).
* Efron (1977): the d tied deaths at t share the risk set in fractions
  c_j = j/d, j = 0..d−1: den_j = S0 − c_j·S0_deaths. Breslow is c_j = 0.
* Σ_k Σ_j S2_kj/den_kj = Xᵀ diag(r·(A − δ·b)) X with A_i the sum of
  a_k = Σ_j 1/den_kj over the event times at which row i is at risk and b_k =
  Σ_j c_j/den_kj for the deaths of block k; the mean part is a K×p product.

Shifting η by a constant within a stratum leaves all of these unchanged, so η is
shifted by its stratum maximum to keep exp() finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stratum:
    """Index structures of one stratum, computed once per model."""

    members: np.ndarray  # rows of the stratum in input order
    rows: np.ndarray  # rows of the stratum sorted by exit time
    pos_stop: np.ndarray  # per event time: first sorted position with exit >= t_k
    start_rows: np.ndarray | None  # rows sorted by entry time (counting process)
    pos_start: np.ndarray | None  # per event time: first position with entry >= t_k
    event_times: np.ndarray  # K distinct event times, ascending
    deaths: np.ndarray  # D rows with an event, ordered by event time
    death_block: np.ndarray  # D: event-time index of each death
    block_start: np.ndarray  # K: offset of each tie block in ``deaths``
    fraction: np.ndarray  # D: Efron fraction c_j (0 for Breslow)
    stop_block: np.ndarray  # rows: number of event times <= exit
    start_block: np.ndarray | None  # rows: number of event times <= entry


@dataclass(frozen=True)
class RiskSetData:
    """Survival data prepared for repeated likelihood evaluations."""

    X: np.ndarray  # (n, p), centered
    stop: np.ndarray
    status: np.ndarray
    start: np.ndarray | None
    strata: list[Stratum]
    efron: bool


def prepare(
    X: np.ndarray,
    stop: np.ndarray,
    status: np.ndarray,
    start: np.ndarray | None,
    layer: np.ndarray,
    efron: bool,
) -> RiskSetData:
    """Sort once and index tie blocks per stratum."""
    strata = []
    for s in np.unique(layer):
        members = np.flatnonzero(layer == s)
        rows = members[np.argsort(stop[members], kind="stable")]
        sorted_stop = stop[rows]
        dead = rows[status[rows] > 0]
        event_times, counts = np.unique(stop[dead], return_counts=True)
        block_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        death_block = np.repeat(np.arange(event_times.size), counts)
        within = np.arange(dead.size) - block_start[death_block]
        fraction = within / counts[death_block] if efron else np.zeros(dead.size)
        start_rows = pos_start = start_block = None
        if start is not None:
            start_rows = members[np.argsort(start[members], kind="stable")]
            pos_start = np.searchsorted(start[start_rows], event_times, side="left")
            start_block = np.searchsorted(event_times, start[members], side="right")
        strata.append(
            Stratum(
                members=members,
                rows=rows,
                pos_stop=np.searchsorted(sorted_stop, event_times, side="left"),
                start_rows=start_rows,
                pos_start=pos_start,
                event_times=event_times,
                deaths=dead,
                death_block=death_block,
                block_start=block_start,
                fraction=fraction,
                stop_block=np.searchsorted(event_times, stop[members], side="right"),
                start_block=start_block,
            )
        )
    return RiskSetData(X=X, stop=stop, status=status, start=start, strata=strata, efron=efron)


def _suffix(values: np.ndarray) -> np.ndarray:
    """Suffix sums with a trailing zero: out[i] = values[i:].sum()."""
    out = np.zeros((values.shape[0] + 1, *values.shape[1:]))
    out[:-1] = np.cumsum(values[::-1], axis=0)[::-1]
    return out


@dataclass
class _Blocks:
    """Per-stratum quantities at the current β, shared by the evaluators."""

    s0: np.ndarray  # K
    s1: np.ndarray  # K×p
    s1_dead: np.ndarray  # K×p
    den: np.ndarray  # D
    r: np.ndarray  # exp(η − shift) of the stratum's rows, members order
    shift: float


def _blocks(data: RiskSetData, st: Stratum, eta: np.ndarray, need_s1: bool) -> _Blocks:
    shift = float(eta[st.members].max())
    r_all = np.exp(eta[st.rows] - shift)
    s0 = _suffix(r_all)[st.pos_stop]
    X = data.X
    s1 = s1_dead = None
    if need_s1:
        s1 = _suffix(r_all[:, None] * X[st.rows])[st.pos_stop]
    if st.start_rows is not None:
        r_start = np.exp(eta[st.start_rows] - shift)
        s0 = s0 - _suffix(r_start)[st.pos_start]
        if need_s1:
            s1 = s1 - _suffix(r_start[:, None] * X[st.start_rows])[st.pos_start]
    r_dead = np.exp(eta[st.deaths] - shift)
    s0_dead = np.add.reduceat(r_dead, st.block_start) if r_dead.size else r_dead
    if need_s1 and r_dead.size:
        s1_dead = np.add.reduceat(r_dead[:, None] * X[st.deaths], st.block_start, axis=0)
    den = s0[st.death_block] - st.fraction * s0_dead[st.death_block]
    r = np.exp(eta[st.members] - shift)
    return _Blocks(s0=s0, s1=s1, s1_dead=s1_dead, den=den, r=r, shift=shift)


def loglik(data: RiskSetData, beta: np.ndarray) -> float:
    """Partial log-likelihood (Efron or Breslow) at ``beta``."""
    eta = data.X @ beta
    total = 0.0
    for st in data.strata:
        if st.deaths.size == 0:
            continue
        b = _blocks(data, st, eta, need_s1=False)
        total += float((eta[st.deaths] - b.shift).sum() - np.log(b.den).sum())
    return total


def derivatives(
    data: RiskSetData, beta: np.ndarray, weight: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, score and information at ``beta``.

    With ``weight`` (one value per event time of each stratum, concatenated), the
    score and information are the event-time-weighted sums Σ_k h_k U_k and
    Σ_k h_k I_k used by the Grambsch–Therneau test; the log-likelihood is unweighted.
    """
    X = data.X
    n, p = X.shape
    eta = X @ beta
    w = np.zeros(n)
    observed = np.zeros(p)
    mean_part = np.zeros((p, p))
    total = 0.0
    offset = 0
    for st in data.strata:
        K = st.event_times.size
        if K == 0:
            continue
        h = np.ones(K) if weight is None else weight[offset : offset + K]
        offset += K
        b = _blocks(data, st, eta, need_s1=True)
        total += float((eta[st.deaths] - b.shift).sum() - np.log(b.den).sum())
        hd = h[st.death_block]
        inv = hd / b.den
        a = np.bincount(st.death_block, inv, minlength=K)
        bb = np.bincount(st.death_block, st.fraction * inv, minlength=K)
        inv2 = inv / b.den
        alpha = np.bincount(st.death_block, inv2, minlength=K)
        beta_k = np.bincount(st.death_block, st.fraction * inv2, minlength=K)
        gamma = np.bincount(st.death_block, st.fraction**2 * inv2, minlength=K)
        cum = np.concatenate([[0.0], np.cumsum(a)])
        A = cum[st.stop_block]
        if st.start_block is not None:
            A = A - cum[st.start_block]
        w[st.members] = b.r * A
        w[st.deaths] -= np.exp(eta[st.deaths] - b.shift) * bb[st.death_block]
        observed += (hd[:, None] * X[st.deaths]).sum(axis=0)
        s1, s1d = b.s1, b.s1_dead
        cross = s1.T @ (beta_k[:, None] * s1d)
        mean_part += s1.T @ (alpha[:, None] * s1) - cross - cross.T + s1d.T @ (gamma[:, None] * s1d)
    score = observed - X.T @ w
    info = X.T @ (w[:, None] * X) - mean_part
    return total, score, info


def score_residuals(data: RiskSetData, beta: np.ndarray) -> np.ndarray:
    """Per-row score residuals (n×p), Efron-weighted as R ``residuals(fit, "score")``.

    L_i = δ_i (x_i − x̄_i) − r_i Σ_k Σ_j ρ_ikj (x_i − x̄_kj) / den_kj, where ρ = 1 for
    rows at risk and 1 − c_j for the deaths of block k; they sum to the score.
    """
    X = data.X
    n, p = X.shape
    eta = X @ beta
    resid = np.zeros((n, p))
    for st in data.strata:
        K = st.event_times.size
        if K == 0:
            continue
        b = _blocks(data, st, eta, need_s1=True)
        c = st.fraction[:, None]
        xbar = (b.s1[st.death_block] - c * b.s1_dead[st.death_block]) / b.den[:, None]
        counts = np.diff(np.append(st.block_start, st.deaths.size))
        xbar_avg = np.add.reduceat(xbar, st.block_start, axis=0) / counts[:, None]
        inv = 1.0 / b.den
        a = np.bincount(st.death_block, inv, minlength=K)
        bb = np.bincount(st.death_block, st.fraction * inv, minlength=K)
        g = np.add.reduceat(xbar * inv[:, None], st.block_start, axis=0)
        g_dead = np.add.reduceat(c * xbar * inv[:, None], st.block_start, axis=0)
        cum_a = np.concatenate([[0.0], np.cumsum(a)])
        cum_g = np.vstack([np.zeros((1, p)), np.cumsum(g, axis=0)])
        A = cum_a[st.stop_block]
        G = cum_g[st.stop_block]
        if st.start_block is not None:
            A = A - cum_a[st.start_block]
            G = G - cum_g[st.start_block]
        resid[st.members] = -b.r[:, None] * (X[st.members] * A[:, None] - G)
        k = st.death_block
        r_dead = np.exp(eta[st.deaths] - b.shift)[:, None]
        resid[st.deaths] += X[st.deaths] - xbar_avg[k]
        resid[st.deaths] += r_dead * (X[st.deaths] * bb[k][:, None] - g_dead[k])
    return resid
