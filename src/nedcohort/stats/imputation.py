"""Multiple imputation of missing covariates by chained equations, pooled by Rubin's rules.

The imputations come from statsmodels' ``MICEData`` (fully conditional specification,
each incomplete column regressed on all others, predictive mean matching so that a
binary or bounded covariate only ever takes values that were observed); the analysis
model is fitted on each of the m completed data sets and the estimates pooled with
Rubin's rules, with Barnard & Rubin's small-sample degrees of freedom, as R's
``mice::pool`` does. For a survival outcome the imputation model holds the event
indicator and the Nelson–Aalen cumulative hazard at the subject's time (White &
Royston, Stat Med 2009). References: van Buuren, *Flexible Imputation of Missing Data*
(2nd ed., 2018), §2.3–2.4 and §5.3; Barnard & Rubin, Biometrika 1999.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from nedcohort.errors import DataError
from nedcohort.stats.cox import CoxFit
from nedcohort.stats.inputs import require_columns


@dataclass(frozen=True)
class PooledFit:
    """A model pooled over m imputations.

    ``table``: term, coef, se, <ratio>, ci_lower, ci_upper, p_value, df (Barnard–Rubin),
    fmi (fraction of missing information), riv (relative increase in variance).
    """

    table: pd.DataFrame
    m: int
    n: int
    imputed: dict[str, int]  # column -> number of missing values filled in
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> list[dict]:
        """``results.json`` rows."""
        return self.table.astype(object).where(self.table.notna(), None).to_dict(orient="records")


def nelson_aalen(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The Nelson–Aalen cumulative hazard at each subject's own time (ties: all events
    at a time counted before anyone leaves), the survival summary White & Royston
    recommend in the imputation model."""
    time = np.asarray(time, float)
    event = np.asarray(event, float)
    order = np.argsort(time, kind="stable")
    t, d = time[order], event[order]
    unique, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(d, first)
    at_risk = len(t) - first
    cumulative = np.cumsum(deaths / at_risk)
    return cumulative[np.searchsorted(unique, time)]


def impute_chained(
    df: pd.DataFrame,
    columns: Sequence[str],
    m: int = 20,
    iterations: int = 10,
    seed: int = 2026,
    donors: int = 5,
) -> list[pd.DataFrame]:
    """m completed copies of ``df[columns]`` (numeric columns; the incomplete ones imputed).

    ``donors`` is the number of nearest observed values predictive mean matching draws
    from (5, as R's mice). The same seed gives the same imputations.
    """
    from statsmodels.imputation.mice import MICEData

    require_columns(df, columns)
    data = df[list(columns)].astype(float).reset_index(drop=True)
    empty = [c for c in data.columns if data[c].isna().all()]
    if empty:
        raise DataError(
            f"cannot impute {', '.join(empty)}: no observed value",
            column=empty[0],
            fix="leave the column out of the model or record some values",
        )
    # a column that is an exact linear function of another (grade ≤ 2 = 1 − grade 3) would
    # predict it perfectly and freeze the chain: impute one, derive the other from it
    aliases = _aliases(data)
    modelled = data.drop(columns=list(aliases))
    # MICEData needs formula-safe names; the originals come back on the way out
    safe = {c: f"v{i}" for i, c in enumerate(modelled.columns)}
    mice = MICEData(modelled.rename(columns=safe), k_pmm=donors, rng=np.random.default_rng(seed))
    completed = []
    for _ in range(m):
        mice.update_all(iterations)
        frame = mice.data.rename(columns={v: k for k, v in safe.items()}).copy()
        for name, (source, a, b) in aliases.items():
            frame[name] = np.round(a + b * frame[source], 10)
        completed.append(frame[list(data.columns)])
    return completed


def _aliases(data: pd.DataFrame) -> dict[str, tuple[str, float, float]]:
    """Columns equal to a + b·(an earlier column) wherever observed, with the same
    missing values: name -> (source, a, b)."""
    found: dict[str, tuple[str, float, float]] = {}
    columns = list(data.columns)
    for j, name in enumerate(columns):
        y = data[name]
        for source in columns[:j]:
            x = data[source]
            if source in found or not y.isna().equals(x.isna()) or x.nunique() < 2:
                continue
            seen = x.notna()
            b, a = np.polyfit(x[seen], y[seen], 1)
            if np.allclose(a + b * x[seen], y[seen], rtol=0, atol=1e-9):
                found[name] = (source, float(a), float(b))
                break
    return found


def rubin_pool(
    estimates: np.ndarray, variances: np.ndarray, df_complete: float
) -> dict[str, np.ndarray]:
    """Rubin's rules for m estimates (rows) of p parameters (columns).

    Returns estimate Q̄, total variance T = Ū + (1 + 1/m) B, the Barnard–Rubin degrees
    of freedom (with complete-data df ``df_complete``), riv and fmi as ``mice::pool``.
    """
    q = np.atleast_2d(np.asarray(estimates, float))
    u = np.atleast_2d(np.asarray(variances, float))
    m = q.shape[0]
    if m < 2:
        raise ValueError("Rubin's rules need at least two imputations")
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (1 + 1 / m) * b / t
        riv = (1 + 1 / m) * b / ubar
        df_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        df = np.where(np.isinf(df_old), df_obs, df_old * df_obs / (df_old + df_obs))
        fmi = (riv + 2 / (df + 3)) / (1 + riv)
    return {"estimate": qbar, "variance": t, "df": df, "riv": riv, "fmi": fmi, "b": b, "ubar": ubar}


def pool_fits(
    fits: Sequence, ratio: str, df_complete: float, conf_level: float = 0.95
) -> pd.DataFrame:
    """Pool the ``table`` (term, coef, se) of m fitted models into one table."""
    terms = list(fits[0].table["term"])
    coef = np.array([f.table.set_index("term").loc[terms, "coef"] for f in fits])
    se = np.array([f.table.set_index("term").loc[terms, "se"] for f in fits])
    pooled = rubin_pool(coef, se**2, df_complete)
    est, sd, dof = pooled["estimate"], np.sqrt(pooled["variance"]), pooled["df"]
    q = sps.t.ppf(0.5 + conf_level / 2, dof)
    return pd.DataFrame(
        {
            "term": terms,
            "coef": est,
            "se": sd,
            ratio: np.exp(est),
            "ci_lower": np.exp(est - q * sd),
            "ci_upper": np.exp(est + q * sd),
            "p_value": 2 * sps.t.sf(np.abs(est / sd), dof),
            "df": dof,
            "fmi": pooled["fmi"],
            "riv": pooled["riv"],
        }
    )


def complete_data_df(fit) -> float:
    """Complete-data degrees of freedom as ``mice::pool`` takes them: events − terms for a
    Cox model, observations − coefficients (``df.residual``) otherwise."""
    terms = len(fit.table)
    count = fit.n_events if isinstance(fit, CoxFit) else fit.n
    return float(max(count - terms, 1))


def multiple_imputation(
    df: pd.DataFrame,
    models: Mapping[str, tuple[Callable[[pd.DataFrame], object], str]],
    covariates: Sequence[str],
    auxiliary: Sequence[str],
    m: int = 20,
    iterations: int = 10,
    seed: int = 2026,
) -> dict[str, PooledFit]:
    """Impute the incomplete ``covariates`` (with ``auxiliary`` columns, e.g. the
    outcomes, as further predictors), fit every model on each of the m completed data
    sets and pool each with Rubin's rules.

    ``models``: name -> (fit, ratio column name); ``fit(completed_df)`` returns an object
    with ``table`` (term, coef, se), ``n`` (and ``n_events`` for Cox). Auxiliary columns
    must be complete: nothing could impute them.
    """
    require_columns(df, [*covariates, *auxiliary])
    missing_aux = [c for c in auxiliary if df[c].isna().any()]
    if missing_aux:
        raise DataError(
            f"the imputation model's predictors {missing_aux} have missing values",
            column=missing_aux[0],
            fix="the outcome and auxiliary columns must be complete",
        )
    imputed = {c: int(df[c].isna().sum()) for c in covariates if df[c].isna().any()}
    base = df.reset_index(drop=True)
    columns = list(dict.fromkeys([*covariates, *auxiliary]))
    fits: dict[str, list] = {name: [] for name in models}
    for completed in impute_chained(base, columns, m, iterations, seed):
        data = base.assign(**{c: completed[c].to_numpy() for c in imputed})
        for name, (fit, _) in models.items():
            fits[name].append(fit(data))
    notes = [
        f"multiple imputation by chained equations: m = {m} data sets, {iterations} cycles,"
        f" predictive mean matching (5 donors), seed {seed}; Rubin's rules with"
        " Barnard–Rubin degrees of freedom",
        "imputed: " + (", ".join(f"{c} ({n} missing)" for c, n in imputed.items()) or "nothing"),
    ]
    return {
        name: PooledFit(
            table=pool_fits(fits[name], ratio, df_complete=complete_data_df(fits[name][0])),
            m=m,
            n=len(base),
            imputed=imputed,
            notes=notes,
        )
        for name, (_, ratio) in models.items()
    }
