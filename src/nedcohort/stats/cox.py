"""Cox proportional hazards regression, as R ``coxph``.

Newton–Raphson on the partial likelihood (Efron or Breslow ties) with step halving,
counting-process (start, stop] data, strata, and the robust sandwich variance for
clustered rows (Lin & Wei 1989) computed from Efron-weighted score residuals exactly
as ``coxph(..., cluster = id)``. References: Cox (1972); Efron (1977) JASA 72:557;
Therneau & Grambsch, *Modeling Survival Data* (2000), ch. 3 and 7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from nedcohort.errors import DataError, ModelFitError
from nedcohort.stats.chisq import ChiSquareTest
from nedcohort.stats.concordance import Concordance, concordance
from nedcohort.stats.design import Design, build_design
from nedcohort.stats.inputs import (
    check_choice,
    check_conf_level,
    group_labels,
    require_columns,
    survival_arrays,
)
from nedcohort.stats.risk_sets import (
    RiskSetData,
    derivatives,
    linear_predictor,
    prepare,
    score_residuals,
)

TIES = ("efron", "breslow")
_MAX_ITER = 30
_EPS = 1e-9  # relative change of the log-likelihood, as coxph.control(eps)
_MAX_HALVING = 30


@dataclass(frozen=True)
class CoxFit:
    """A fitted Cox model.

    ``table`` columns: term, coef, se, hr, ci_lower, ci_upper, z, p_value (with a
    cluster, ``se`` is the robust SE and ``naive_se`` is added, as R's
    ``robust se`` column). ``loglik`` is (null, final).
    """

    table: pd.DataFrame
    coefficients: np.ndarray
    variance: np.ndarray
    loglik: tuple[float, float]
    concordance: float
    concordance_se: float
    n: int
    n_events: int
    n_dropped: int
    ties: str
    conf_level: float
    likelihood_ratio: ChiSquareTest
    wald: ChiSquareTest
    score: ChiSquareTest
    iterations: int
    terms: list[str]
    assign: dict[str, list[int]]
    references: dict[str, str]
    naive_variance: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    data: RiskSetData | None = field(default=None, repr=False, compare=False)

    @property
    def events_per_variable(self) -> float:
        """Events per estimated coefficient (Peduzzi et al. 1995 suggest ≥ 10)."""
        return self.n_events / max(len(self.terms), 1)

    def to_dict(self) -> list[dict]:
        """``results.json`` rows: term, hr, ci_lower, ci_upper, p_value and the rest."""
        out = self.table.astype(object).where(self.table.notna(), None)
        return out.to_dict(orient="records")


def cox(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    entry: str | None = None,
    strata: str | None = None,
    ties: str = "efron",
    cluster: str | None = None,
    conf_level: float = 0.95,
    reference: Mapping[str, object] | None = None,
) -> CoxFit:
    """Fit a Cox proportional hazards model.

    Parameters
    ----------
    df : data, one row per subject or per (entry, time] interval.
    time, event : exit time and event indicator (1/True = event).
    covariates : columns; categorical ones become indicators against ``reference``.
    entry : entry time for counting-process data; a row is at risk on (entry, time],
        exactly as R ``Surv(entry, time, event)`` (not at its entry time itself).
    strata : column whose levels get separate baseline hazards.
    ties : "efron" (R default) or "breslow" (SPSS).
    cluster : column of cluster ids (e.g. patient or center); gives the robust
        sandwich variance used for SEs, CIs, z and Wald test.

    Notes
    -----
    Matches ``coxph(Surv(time, event) ~ covariates + strata(s), ties = ties,
    cluster = id)``: the likelihood-ratio and score tests are the model-based ones,
    the Wald test uses the reported variance. Rows with a missing covariate are
    dropped and counted in ``n_dropped``.
    """
    conf_level = check_conf_level(conf_level)
    inputs = cox_inputs(df, time, event, covariates, entry, strata, ties, cluster, reference)
    design, stop, status, start, layer = (
        inputs.design,
        inputs.stop,
        inputs.status,
        inputs.start,
        inputs.layer,
    )
    clusters = None if cluster is None else inputs.clusters

    X = design.matrix - design.matrix.mean(axis=0)  # centered, as coxph
    data = prepare(X, stop, status, start, layer, efron=(ties == "efron"))
    beta, ll0, ll, score0, info0, info, iterations = newton_raphson(data)
    variance = _invert(info, design.terms)
    naive = None
    if clusters is not None:
        naive = variance
        clusters = clusters[data.order]  # the risk-set data are sorted by time
        dfbeta = score_residuals(data, beta) @ variance
        summed = pd.DataFrame(dfbeta).groupby(clusters, sort=False).sum().to_numpy()
        variance = summed.T @ summed
    se = np.sqrt(np.diag(variance))
    zq = sps.norm.ppf(1 - (1 - conf_level) / 2)
    zval = beta / se
    table = pd.DataFrame(
        {
            "term": design.terms,
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "ci_lower": np.exp(beta - zq * se),
            "ci_upper": np.exp(beta + zq * se),
            "z": zval,
            "p_value": 2 * sps.norm.sf(np.abs(zval)),
        }
    )
    if naive is not None:
        table.insert(3, "naive_se", np.sqrt(np.diag(naive)))
    p = len(design.terms)
    conc = concordance(
        data.stop,
        data.status,
        linear_predictor(data.X, beta),
        start=data.start,
        strata=data.layer,
        cluster=clusters,
    )
    notes = _notes(design, status, p, ties, cluster)
    return CoxFit(
        table=table,
        coefficients=beta,
        variance=variance,
        loglik=(ll0, ll),
        concordance=conc.concordance,
        concordance_se=conc.std_err,
        n=len(stop),
        n_events=int(status.sum()),
        n_dropped=design.n_dropped,
        ties=ties,
        conf_level=conf_level,
        likelihood_ratio=ChiSquareTest.of(2 * (ll - ll0), p),
        wald=ChiSquareTest.of(float(beta @ np.linalg.solve(variance, beta)), p),
        score=ChiSquareTest.of(float(score0 @ np.linalg.solve(info0, score0)), p),
        iterations=iterations,
        terms=design.terms,
        assign=design.assign,
        references=design.references,
        naive_variance=naive,
        notes=notes,
        data=data,
    )


@dataclass(frozen=True)
class CoxInputs:
    """Validated arrays of a Cox model (rows with a missing covariate already dropped)."""

    design: Design
    stop: np.ndarray
    status: np.ndarray
    start: np.ndarray | None
    layer: np.ndarray  # stratum code per row
    clusters: np.ndarray  # cluster label per row (each row its own cluster if none)


def cox_inputs(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    entry: str | None,
    strata: str | None,
    ties: str,
    cluster: str | None,
    reference: Mapping[str, object] | None,
) -> CoxInputs:
    """Check the arguments and data of a Cox model once, for ``cox`` and its bootstrap."""
    check_choice("ties", ties, TIES)
    require_columns(df, (strata, cluster))
    design = build_design(df, covariates, reference)
    kept = df if design.n_dropped == 0 else df.loc[design.kept]
    stop, status, start = survival_arrays(kept, time, event, entry)
    layer = np.zeros(len(stop), dtype=int)
    if strata is not None:
        layer = pd.factorize(group_labels(kept, strata))[0]
    clusters = np.arange(len(stop)) if cluster is None else group_labels(kept, cluster).to_numpy()
    _check_events(design, status, event)
    return CoxInputs(design, stop, status, start, layer, clusters)


def _check_events(design: Design, status: np.ndarray, event: str) -> None:
    """No events, or an indicator level without events, make the MLE infinite."""
    if status.sum() == 0:
        raise DataError(
            "there are no events, so a Cox model cannot be fitted",
            column=event,
            fix="Check the event coding (1 = event, 0 = censored).",
        )
    for name, cols in design.assign.items():
        if name not in design.references:
            continue
        for j in cols:
            level = design.matrix[:, j] > 0
            if status[level].sum() == 0:
                raise DataError(
                    f"level '{design.terms[j]}' has no events, so its hazard ratio is 0 "
                    "with an infinite confidence interval",
                    column=name,
                    fix="Merge this level with another, or use it as the reference.",
                )


def newton_raphson(data: RiskSetData):
    """Newton–Raphson with step halving; convergence as ``coxph.control``."""
    p = data.X.shape[1]
    beta = np.zeros(p)
    ll0, score0, info0 = derivatives(data, beta)
    ll, score, info = ll0, score0, info0
    for iteration in range(1, _MAX_ITER + 1):
        step = _solve(info, score)
        candidate = beta + step
        new = derivatives(data, candidate)
        halvings = 0
        while not new[0] >= ll - 1e-12 * abs(ll) and halvings < _MAX_HALVING:
            candidate = (beta + candidate) / 2  # step halving, as coxph
            new = derivatives(data, candidate)
            halvings += 1
        converged = abs(1 - ll / new[0]) <= _EPS if new[0] != 0 else abs(new[0] - ll) <= _EPS
        beta = candidate
        ll, score, info = new
        if converged and np.max(np.abs(step)) <= 1e-6 * (1 + np.max(np.abs(beta))):
            return beta, ll0, ll, score0, info0, info, iteration
    raise ModelFitError(
        f"the Cox model did not converge in {_MAX_ITER} iterations; a coefficient may be "
        "infinite (a covariate that perfectly predicts the event order). Check the "
        "covariates for levels with all or no events."
    )


def _solve(info: np.ndarray, score: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(info, score)
    except np.linalg.LinAlgError as exc:
        raise ModelFitError(
            "the information matrix is singular: covariates are collinear within the risk "
            "sets. Remove redundant covariates."
        ) from exc


def _invert(info: np.ndarray, terms: list[str]) -> np.ndarray:
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise ModelFitError(
            f"the information matrix of terms {terms} is singular; remove redundant covariates."
        ) from exc


def _notes(design: Design, status: np.ndarray, p: int, ties: str, cluster: str | None) -> list:
    notes = [f"ties: {ties}"]
    epv = status.sum() / max(p, 1)
    if epv < 10:
        notes.append(f"EPV = {epv:.1f} < 10: estimates may be unstable (few events per term)")
    if design.n_dropped:
        notes.append(f"{design.n_dropped} rows dropped for missing covariates")
    if cluster is not None:
        notes.append(f"robust (sandwich) variance clustered on '{cluster}'")
    return notes


__all__ = ["Concordance", "CoxFit", "cox"]
