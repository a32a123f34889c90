"""Kaplan–Meier survival curves with Greenwood variance, as R ``survfit``.

Confidence bands follow ``survfit``'s ``conf.type`` ("log" default, "log-log",
"plain"); the median and its CI follow ``quantile.survfit`` (the flat-segment
midpoint rule, CI from where the band crosses 0.5). ``conf_type="spss"`` gives the
symmetric median CI SPSS prints: median ± z·SE with SE = SE(Ŝ(median)) / f̂
(Collett, *Modelling Survival Data in Medical Research*, 3rd ed., §2.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from nedcohort.stats.inputs import (
    check_choice,
    check_conf_level,
    group_codes,
    require_columns,
    survival_arrays,
)

CONF_TYPES = ("log", "log-log", "plain", "spss")
_TOL = np.sqrt(np.finfo(float).eps)  # quantile.survfit's default tolerance
_SPSS_EPS = 0.05  # Collett's epsilon for the density estimate at the median

TABLE_COLUMNS = [
    "group",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "survival",
    "std_err",
    "ci_lower",
    "ci_upper",
]


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier estimates for one or more groups.

    ``table`` holds one row per distinct time per group (columns ``TABLE_COLUMNS``;
    ``std_err`` is the Greenwood standard error of Ŝ, as ``summary.survfit``).
    ``medians`` holds group, n, events, median, ci_lower, ci_upper.
    """

    table: pd.DataFrame
    medians: pd.DataFrame
    conf_type: str
    conf_level: float
    groups: list[str]
    group_column: str | None = None
    notes: list[str] = field(default_factory=list)

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Survival at given times per group, as ``summary(fit, times=, extend=TRUE)``.

        Columns: group, time, n_risk, survival, std_err, ci_lower, ci_upper. ``n_risk``
        is the number at risk at the time (those still under observation at ``t``),
        the count printed under a Kaplan–Meier plot.
        """
        query = np.asarray(list(times), dtype=float)
        frames = []
        for group in self.groups:
            rows = self.table[self.table["group"] == group]
            t = rows["time"].to_numpy()
            last = np.searchsorted(t, query, side="right") - 1  # last step at or before
            nxt = np.searchsorted(t, query, side="left")  # first time at or after
            before = last < 0
            safe = np.clip(last, 0, None)
            n_risk_rows = rows["n_risk"].to_numpy()
            n_risk = np.where(nxt < len(t), n_risk_rows[np.clip(nxt, 0, len(t) - 1)], 0)
            frame = pd.DataFrame(
                {
                    "group": group,
                    "time": query,
                    "n_risk": n_risk.astype(int),
                    "survival": np.where(before, 1.0, rows["survival"].to_numpy()[safe]),
                    "std_err": np.where(before, 0.0, rows["std_err"].to_numpy()[safe]),
                    "ci_lower": np.where(before, 1.0, rows["ci_lower"].to_numpy()[safe]),
                    "ci_upper": np.where(before, 1.0, rows["ci_upper"].to_numpy()[safe]),
                }
            )
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> list[dict]:
        """The medians as ``results.json`` rows (raw floats, ``None`` for missing)."""
        return _records(self.medians)


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    return out.to_dict(orient="records")


def kaplan_meier(
    df: pd.DataFrame,
    time: str,
    event: str,
    by: str | None = None,
    entry: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> KaplanMeier:
    """Kaplan–Meier estimate of survival, optionally by group and with delayed entry.

    Parameters
    ----------
    df : DataFrame with one row per subject (or per (entry, time] interval).
    time, event : follow-up time and event indicator (1/True = event, 0/False = censored).
    by : optional grouping column; one curve per level.
    entry : optional delayed-entry (left-truncation) time; a row is at risk on (entry, time].
    conf_type : "log" (R default), "log-log", "plain", or "spss" (symmetric median CI;
        pointwise bands then use "plain").
    conf_level : confidence level of bands and median CIs.

    Notes
    -----
    Matches R ``survfit(Surv(time, event) ~ by)`` (or ``Surv(entry, time, event)``):
    Ŝ(t) = Π_{t_i ≤ t} (1 − d_i / n_i), Greenwood var(log Ŝ) = Σ d_i / (n_i (n_i − d_i)).
    """
    check_choice("conf_type", conf_type, CONF_TYPES)
    conf_level = check_conf_level(conf_level)
    require_columns(df, (by,))
    stop, status, start = survival_arrays(df, time, event, entry)
    z = sps.norm.ppf(1 - (1 - conf_level) / 2)
    if by is None:
        codes, groups = np.zeros(len(stop), dtype=np.int64), ["all"]
    else:
        codes, groups = group_codes(df, by)
    band = "plain" if conf_type == "spss" else conf_type
    tables, medians = [], []
    for code, group in enumerate(groups):
        mask = codes == code
        curve = _curve(stop[mask], status[mask], None if start is None else start[mask])
        lower, upper = _band(curve["survival"], curve["se_log"], band, z)
        curve["ci_lower"], curve["ci_upper"] = lower, upper
        curve["std_err"] = curve["survival"] * curve["se_log"]
        curve.insert(0, "group", group)
        tables.append(curve)
        med = _spss_median(curve, z) if conf_type == "spss" else _r_median(curve)
        medians.append(
            {"group": group, "n": int(mask.sum()), "events": int(status[mask].sum()), **med}
        )
    table = pd.concat(tables, ignore_index=True)
    table["std_err"] = table["std_err"].where(np.isfinite(table["std_err"]), np.nan)
    return KaplanMeier(
        table=table[TABLE_COLUMNS],
        medians=pd.DataFrame(medians, columns=["group", "n", "events", *_MEDIAN_KEYS]),
        conf_type=conf_type,
        conf_level=conf_level,
        groups=groups,
        group_column=by,
    )


_MEDIAN_KEYS = ["median", "ci_lower", "ci_upper"]


def _curve(stop: np.ndarray, status: np.ndarray, start: np.ndarray | None) -> pd.DataFrame:
    """Step table at each distinct exit time: risk set, events, Ŝ and SE of log Ŝ."""
    times = np.unique(stop)
    where = np.searchsorted(times, stop)
    n_event = np.bincount(where, weights=status, minlength=len(times))
    n_censor = np.bincount(where, minlength=len(times)) - n_event
    # risk set at t: rows with entry < t <= time
    n_risk = len(stop) - np.searchsorted(np.sort(stop), times, side="left")
    if start is not None:
        n_risk = n_risk - (len(start) - np.searchsorted(np.sort(start), times, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        # Greenwood; a step where everyone at risk fails makes the variance infinite
        increments = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se_log = np.sqrt(np.cumsum(increments))
    return pd.DataFrame(
        {
            "time": times,
            "n_risk": n_risk.astype(int),
            "n_event": n_event.astype(int),
            "n_censor": n_censor.astype(int),
            "survival": survival,
            "se_log": se_log,
        }
    )


def _band(
    surv: pd.Series | np.ndarray, se_log: pd.Series | np.ndarray, conf_type: str, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise confidence band as R ``survfit_confint`` (upper limit capped at 1)."""
    s = np.asarray(surv, dtype=float)
    se = np.asarray(se_log, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = z * se * s
            lower, upper = np.maximum(s - half, 0.0), np.minimum(s + half, 1.0)
        elif conf_type == "log":
            x = np.where(s == 0, np.nan, s)
            lower = np.exp(np.log(x) - z * se)
            upper = np.minimum(np.exp(np.log(x) + z * se), 1.0)
        else:  # log-log
            x = np.where((s == 0) | (s == 1), np.nan, s)
            shift = z * se / np.log(x)
            lower = np.exp(-np.exp(np.log(-np.log(x)) - shift))
            upper = np.exp(-np.exp(np.log(-np.log(x)) + shift))
    return lower, upper


def _find_quantile(x: np.ndarray, cdf: np.ndarray, p: float) -> float:
    """Where a horizontal line at ``p`` meets a step CDF, as R ``quantile.survfit``.

    On a flat segment exactly at ``p`` the midpoint of that segment is returned (the
    usual median convention); at a flat end of the curve, the midpoint to the last time.
    """
    if np.all(np.isnan(cdf)) or np.nanmax(cdf) < p:
        return np.nan
    xmax = x[-1]
    keep = ~pd.Series(cdf).duplicated().to_numpy()  # censoring times repeat the CDF value
    x, cdf = x[keep], cdf[keep]
    valid = ~np.isnan(cdf)

    def first_at_least(values: np.ndarray) -> float:
        hit = np.flatnonzero(valid & (values >= p))
        return x[hit[0]] if hit.size else np.nan

    low = first_at_least(cdf + _TOL)
    high = first_at_least(cdf - _TOL)
    quantile = (low + high) / 2
    if not np.isnan(cdf[-1]) and abs(p - cdf[-1]) < _TOL:
        quantile = (low + xmax) / 2
    return float(quantile)


def _r_median(curve: pd.DataFrame) -> dict[str, float]:
    x = np.concatenate([[0.0], curve["time"].to_numpy()])

    def cdf(col: str) -> np.ndarray:
        return np.concatenate([[0.0], 1.0 - curve[col].to_numpy()])

    return {
        "median": _find_quantile(x, cdf("survival"), 0.5),
        "ci_lower": _find_quantile(x, cdf("ci_lower"), 0.5),
        "ci_upper": _find_quantile(x, cdf("ci_upper"), 0.5),
    }


def _spss_median(curve: pd.DataFrame, z: float) -> dict[str, float]:
    """SPSS median and its symmetric CI (Collett §2.4).

    median = first event time with Ŝ ≤ 0.5; SE(median) = SE(Ŝ(median)) / f̂ with
    f̂ = (Ŝ(û) − Ŝ(l̂)) / (l̂ − û), û the largest event time with Ŝ ≥ 0.55 (0 if none)
    and l̂ the smallest event time with Ŝ ≤ 0.45.
    """
    events = curve[curve["n_event"] > 0]
    t = events["time"].to_numpy()
    s = events["survival"].to_numpy()
    se = events["std_err"].to_numpy()
    reached = np.flatnonzero(s <= 0.5 + _TOL)
    if reached.size == 0:
        return dict.fromkeys(_MEDIAN_KEYS, np.nan)
    median = float(t[reached[0]])
    above = np.flatnonzero(s >= 0.5 + _SPSS_EPS - _TOL)
    u_time, u_surv = (float(t[above[-1]]), float(s[above[-1]])) if above.size else (0.0, 1.0)
    below = np.flatnonzero(s <= 0.5 - _SPSS_EPS + _TOL)
    if below.size == 0:
        return {"median": median, "ci_lower": np.nan, "ci_upper": np.nan}
    l_time, l_surv = float(t[below[0]]), float(s[below[0]])
    density = (u_surv - l_surv) / (l_time - u_time)
    se_median = float(se[reached[0]]) / density
    return {
        "median": median,
        "ci_lower": median - z * se_median,
        "ci_upper": median + z * se_median,
    }
