"""Log-rank and Fleming–Harrington G-rho tests for k groups, as R ``survdiff``.

At each distinct event time the observed deaths of each group are compared with
those expected under a common hazard, weighted by Ŝ(t−)^rho where Ŝ is the pooled
Kaplan–Meier estimate (rho = 0: log-rank; rho = 1: Peto–Peto). With ``strata`` the
sums run within strata and are added (stratified test). Reference: Harrington &
Fleming (1982), Biometrika 69:553–566; Therneau's ``survdiff`` documentation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from nedcohort.errors import DataError
from nedcohort.stats.inputs import group_codes, group_labels, require_columns, survival_arrays


@dataclass(frozen=True)
class LogRank:
    """Result of a (weighted) log-rank test.

    ``table`` has one row per group: group, n, observed, expected (weighted as in
    ``survdiff`` when rho ≠ 0).
    """

    statistic: float
    df: int
    p_value: float
    rho: float
    table: pd.DataFrame
    variance: np.ndarray

    def to_dict(self) -> dict:
        """``results.json`` entry: statistic, df, p_value, rho."""
        return {
            "statistic": float(self.statistic),
            "df": int(self.df),
            "p_value": float(self.p_value),
            "rho": float(self.rho),
        }


def logrank(
    df: pd.DataFrame,
    time: str,
    event: str,
    by: str,
    strata: str | None = None,
    rho: float = 0.0,
) -> LogRank:
    """Test equality of survival curves across the groups of ``by``.

    Matches R ``survdiff(Surv(time, event) ~ by + strata(strata), rho = rho)``: the
    statistic is (O − E)ᵀ V⁻¹ (O − E) over all groups with E > 0 but the first,
    referred to χ² with (groups with E > 0) − 1 degrees of freedom.
    """
    require_columns(df, (by, strata))
    stop, status, _ = survival_arrays(df, time, event)
    code, groups = group_codes(df, by, at_least=2, purpose="the log-rank test")
    layer = (
        np.zeros(len(stop), dtype=int)
        if strata is None
        else pd.factorize(group_labels(df, strata))[0]
    )
    k = len(groups)
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    for s in np.unique(layer):
        m = layer == s
        o, e, v = _stratum_sums(stop[m], status[m], code[m], k, rho)
        observed += o
        expected += e
        variance += v
    if status.sum() == 0:
        raise DataError(
            "there are no events, so survival cannot be compared",
            column=event,
            fix="Check the event coding (1 = event).",
        )
    usable = expected > 0
    diff = (observed - expected)[usable][1:]
    v = variance[np.ix_(usable, usable)][1:, 1:]
    statistic = float(diff @ np.linalg.solve(v, diff)) if diff.size else 0.0
    dof = int(usable.sum()) - 1
    table = pd.DataFrame(
        {
            "group": groups,
            "n": np.bincount(code, minlength=k),
            "observed": observed,
            "expected": expected,
        }
    )
    return LogRank(
        statistic=statistic,
        df=dof,
        p_value=float(sps.chi2.sf(statistic, dof)) if dof > 0 else np.nan,
        rho=float(rho),
        table=table,
        variance=variance,
    )


def _stratum_sums(
    stop: np.ndarray, status: np.ndarray, code: np.ndarray, k: int, rho: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted observed, expected and covariance of one stratum."""
    times = np.unique(stop[status > 0])
    if times.size == 0:
        return np.zeros(k), np.zeros(k), np.zeros((k, k))
    # at risk by group at each event time: rows with time >= t
    at_risk = np.empty((times.size, k))
    deaths = np.empty((times.size, k))
    for g in range(k):
        in_g = code == g
        sorted_stop = np.sort(stop[in_g])
        at_risk[:, g] = sorted_stop.size - np.searchsorted(sorted_stop, times, side="left")
        died = stop[in_g & (status > 0)]
        deaths[:, g] = np.bincount(np.searchsorted(times, died), minlength=times.size)[: times.size]
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    # pooled Kaplan–Meier just before each event time, for the G-rho weight
    surv_after = np.cumprod(1.0 - d / n)
    surv_before = np.concatenate([[1.0], surv_after[:-1]])
    w = surv_before**rho
    share = at_risk / n[:, None]
    observed = (w[:, None] * deaths).sum(axis=0)
    expected = (w[:, None] * share * d[:, None]).sum(axis=0)
    # hypergeometric covariance, zero when everyone at risk dies
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 1, w**2 * d * (n - d) / (n - 1), 0.0)
    variance = np.einsum("t,tg->g", factor, share)
    cov = np.diag(variance) - np.einsum("t,tg,th->gh", factor, share, share)
    return observed, expected, cov
