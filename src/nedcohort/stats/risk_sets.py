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
    """Index structures of one stratum (a contiguous slice of the time-sorted rows)."""

    lo: int  # the stratum's rows are lo..hi-1 of the sorted data
    hi: int
    segments: np.ndarray  # reduceat offsets (relative to lo): for each event time k the
    #   deaths at t_k, then the rows censored in [t_k, t_k+1) (deaths sort first in a tie)
    empty: np.ndarray  # segments with no rows (reduceat would return a row for them)
    start_rows: np.ndarray | None  # rows (relative) sorted by entry time (counting process)
    pos_start: np.ndarray | None  # K: first position in start_rows with entry >= t_k
    event_times: np.ndarray  # K distinct event times, ascending
    deaths: np.ndarray  # D rows (absolute) with an event, ordered by time
    death_block: np.ndarray  # D: event-time index of each death
    block_start: np.ndarray  # K: offset of each tie block in ``deaths``
    fraction: np.ndarray  # D: Efron fraction c_j (0 for Breslow)
    stop_block: np.ndarray  # rows (relative): number of event times <= exit
    start_block: np.ndarray | None  # rows (relative): number of event times <= entry


@dataclass(frozen=True)
class RiskSetData:
    """Survival data sorted by (stratum, exit time), prepared for repeated evaluations.

    ``order`` maps sorted rows back to the caller's rows: ``sorted = original[order]``.
    """

    X: np.ndarray  # (n, p), centered, sorted, column-major
    scratch: np.ndarray  # (n, p) column-major work buffer for r·x, reused by every pass
    stop: np.ndarray
    status: np.ndarray
    start: np.ndarray | None
    layer: np.ndarray
    order: np.ndarray
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
    """Sort once by (stratum, exit time) and index the tie blocks of each stratum."""
    order = np.argsort(-status, kind="stable")  # deaths first within tied times
    order = order[np.argsort(stop[order], kind="stable")]
    if np.any(layer != layer[0]):
        order = order[np.argsort(layer[order], kind="stable")]
    X = take_rows(X, order)
    stop, status, layer = stop[order], status[order], layer[order]
    start = None if start is None else start[order]
    edges = np.flatnonzero(np.diff(layer)) + 1
    strata = []
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, len(stop)], strict=True):
        lo, hi = int(lo), int(hi)
        s_stop, s_status = stop[lo:hi], status[lo:hi]
        dead = lo + np.flatnonzero(s_status > 0)
        event_times, counts = np.unique(stop[dead], return_counts=True)
        block_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        death_block = np.repeat(np.arange(event_times.size), counts)
        within = np.arange(dead.size) - block_start[death_block]
        fraction = within / counts[death_block] if efron else np.zeros(dead.size)
        start_rows = pos_start = start_block = None
        if start is not None:
            s_start = start[lo:hi]
            start_rows = np.argsort(s_start, kind="stable")
            pos_start = np.searchsorted(s_start[start_rows], event_times, side="left")
            start_block = np.searchsorted(event_times, s_start, side="right")
        bucket = np.searchsorted(s_stop, event_times, side="left")
        censored = bucket + counts  # first row after the deaths of bucket k
        ends = np.append(bucket[1:], hi - lo)
        segments = np.column_stack([bucket, censored]).ravel()
        empty = np.column_stack([np.zeros(bucket.size, bool), censored == ends]).ravel()
        if segments.size and segments[-1] == hi - lo:  # nothing censored after the last death
            segments = segments[:-1]
        strata.append(
            Stratum(
                lo=lo,
                hi=hi,
                segments=segments,
                empty=empty,
                start_rows=start_rows,
                pos_start=pos_start,
                event_times=event_times,
                deaths=dead,
                death_block=death_block,
                block_start=block_start,
                fraction=fraction,
                stop_block=np.searchsorted(event_times, s_stop, side="right"),
                start_block=start_block,
            )
        )
    return RiskSetData(
        X=X,
        scratch=np.empty_like(X, order="F"),
        stop=stop,
        status=status,
        start=start,
        layer=layer,
        order=order,
        strata=strata,
        efron=efron,
    )


def take_rows(A: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``A[rows]`` as a Fortran-ordered array, gathered column by column.

    Every n×p operation here (r·X, bucket sums, Xᵀ W X) runs several times faster on
    column-major data than on row-major data, and a column-wise gather keeps it so.
    """
    out = np.empty((rows.size, A.shape[1]), order="F")
    for j in range(A.shape[1]):
        out[:, j] = A[:, j][rows]
    return out


def linear_predictor(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Xβ with the same arithmetic on every row, so identical rows tie exactly.

    BLAS may use fused multiply-adds in its vector body and plain ones in the tail,
    which breaks ties between identical covariate rows by one ulp; the concordance
    counts ties, so it needs this position-independent sum.
    """
    eta = np.zeros(X.shape[0])
    for j in range(X.shape[1]):
        eta += X[:, j] * beta[j]
    return eta


def _scale_rows(A: np.ndarray, factor: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = factor[:, None] * A, column by column into a preallocated column-major buffer.

    Broadcasting a column vector over a column-major matrix makes numpy allocate and
    walk the result in an order that is several times slower for long data.
    """
    for j in range(A.shape[1]):
        np.multiply(A[:, j], factor, out=out[:, j])
    return out


def _suffix(values: np.ndarray) -> np.ndarray:
    """Suffix sums with a trailing zero: out[i] = values[i:].sum()."""
    out = np.zeros((values.shape[0] + 1, *values.shape[1:]))
    out[:-1] = np.cumsum(values[::-1], axis=0)[::-1]
    return out


def _segment_sums(values: np.ndarray, st: Stratum) -> tuple[np.ndarray, np.ndarray]:
    """Σ values over the deaths at t_k, and over the rows at risk at t_k, for every k.

    Rows are sorted by exit time with deaths first in a tie, so the deaths at t_k and
    the rows censored before t_k+1 are two contiguous segments; one ``reduceat`` sums
    them all, and suffix sums over the K buckets give the risk sets.
    """
    sums = np.add.reduceat(values, st.segments, axis=0)
    if sums.shape[0] < st.empty.size:  # the trailing segment was empty
        sums = np.concatenate([sums, np.zeros((1, *sums.shape[1:]))])
    sums[st.empty] = 0
    dead = sums[0::2]
    buckets = dead + sums[1::2]
    return dead, np.cumsum(buckets[::-1], axis=0)[::-1]


@dataclass
class _Blocks:
    """Per-stratum quantities at the current β, shared by the evaluators."""

    s0: np.ndarray  # K
    s1: np.ndarray  # K×p
    s1_dead: np.ndarray  # K×p
    den: np.ndarray  # D
    r: np.ndarray  # exp(η − shift) of the stratum's rows
    rx: np.ndarray  # r·x of the stratum's rows (n_s×p); a scratch buffer callers may reuse
    shift: float


def _blocks(data: RiskSetData, st: Stratum, eta: np.ndarray) -> _Blocks:
    eta_s = eta[st.lo : st.hi]
    shift = float(eta_s.max())
    r = np.exp(eta_s - shift)
    s0_dead, s0 = _segment_sums(r, st)
    rx = _scale_rows(data.X[st.lo : st.hi], r, data.scratch[st.lo : st.hi])
    s1_dead, s1 = _segment_sums(rx, st)
    if st.start_rows is not None:
        # minus the rows that have not entered yet (entry >= t_k)
        s0 = s0 - _suffix(r[st.start_rows])[st.pos_start]
        s1 = s1 - _suffix(take_rows(rx, st.start_rows))[st.pos_start]
    den = s0[st.death_block] - st.fraction * s0_dead[st.death_block]
    return _Blocks(s0=s0, s1=s1, s1_dead=s1_dead, den=den, r=r, rx=rx, shift=shift)


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
    weighted_deaths = np.zeros(n)  # δ_i·h_k(i): Σ_k h_k Σ_deaths x = Xᵀ (this vector)
    w = np.zeros(n)
    info = np.zeros((p, p))
    total = 0.0
    offset = 0
    for st in data.strata:
        K = st.event_times.size
        if K == 0:
            continue
        h = np.ones(K) if weight is None else weight[offset : offset + K]
        offset += K
        b = _blocks(data, st, eta)
        total += float((eta[st.deaths] - b.shift).sum() - np.log(b.den).sum())
        hd = h[st.death_block]
        inv = hd / b.den
        inv2 = inv / b.den
        if data.efron:
            # per tie block: Σ 1/den, Σ c/den, Σ 1/den², Σ c/den², Σ c²/den² in one pass
            c = st.fraction
            terms = np.column_stack([inv, c * inv, inv2, c * inv2, c * c * inv2])
            a, bb, alpha, beta_k, gamma = np.add.reduceat(terms, st.block_start, axis=0).T
        else:  # Breslow: c = 0
            a = np.add.reduceat(inv, st.block_start)
            alpha = np.add.reduceat(inv2, st.block_start)
            bb = beta_k = gamma = np.zeros(K)
        cum = np.concatenate([[0.0], np.cumsum(a)])
        v = cum[st.stop_block]  # A_i − δ_i b_k(i), so that w_i = r_i v_i
        if st.start_block is not None:
            v = v - cum[st.start_block]
        v[st.deaths - st.lo] -= bb[st.death_block]
        w[st.lo : st.hi] = b.r * v
        weighted_deaths[st.deaths] = hd
        _scale_rows(b.rx, v, b.rx)  # now w·x, in place
        info += X[st.lo : st.hi].T @ b.rx
        s1, s1d = b.s1, b.s1_dead
        cross = s1.T @ (beta_k[:, None] * s1d)
        info -= s1.T @ (alpha[:, None] * s1) - cross - cross.T + s1d.T @ (gamma[:, None] * s1d)
    score = X.T @ (weighted_deaths - w)
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
        b = _blocks(data, st, eta)
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
        resid[st.lo : st.hi] = -b.r[:, None] * (X[st.lo : st.hi] * A[:, None] - G)
        k = st.death_block
        r_dead = b.r[st.deaths - st.lo][:, None]
        resid[st.deaths] += X[st.deaths] - xbar_avg[k]
        resid[st.deaths] += r_dead * (X[st.deaths] * bb[k][:, None] - g_dead[k])
    return resid
