"""Nonparametric bootstrap of the Cox model: percentile CIs and optimism-corrected C-index.

Each resample draws rows (or whole clusters, e.g. patients with several rows) with
replacement and refits the partial likelihood from the prepared arrays — no
DataFrame work per resample. Resample b draws from its own random stream
(``SeedSequence(seed).spawn``), so the result is the same whether the resamples run in
one process or are spread over several (``n_jobs``, forked workers on Linux).
Resamples whose fit fails (a covariate without variation or an infinite coefficient in
that resample) are counted and reported, never silently dropped.

Optimism correction (Harrell, Lee & Mark, Stat Med 1996; Harrell, *Regression Modeling
Strategies*, 2nd ed., §5.3): optimism = mean over resamples of C(β_b on the resample) −
C(β_b on the original data); corrected C = apparent C − optimism.
References: Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13, 17.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nedcohort.errors import ModelFitError
from nedcohort.stats.concordance import concordance
from nedcohort.stats.cox import cox_inputs, newton_raphson
from nedcohort.stats.design import build_design
from nedcohort.stats.inputs import check_choice, check_conf_level, event_array
from nedcohort.stats.logistic import INTERCEPT, LogisticModel
from nedcohort.stats.risk_sets import prepare


@dataclass(frozen=True)
class CoxBootstrap:
    """Bootstrap distribution of model coefficients (Cox, or logistic with ``odds_ratio``).

    ``table``: term, hr or odds_ratio (from the full-data fit), ci_lower, ci_upper
    (percentile interval of exp(coef) over the successful resamples). ``coefficients``:
    one row per successful resample. ``concordance`` (Cox): apparent, optimism and
    corrected C-index.
    """

    table: pd.DataFrame
    coefficients: np.ndarray
    n_resamples: int
    n_failed: int
    seed: int
    conf_level: float
    concordance: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """``results.json`` entry."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {
            "n_resamples": self.n_resamples,
            "n_failed": self.n_failed,
            "seed": self.seed,
            "rows": rows.to_dict(orient="records"),
            "concordance": self.concordance,
        }


@dataclass(frozen=True)
class _Job:
    """What each resample needs; forked workers inherit it instead of unpickling it."""

    members: list[np.ndarray]  # row indices of each resampling unit
    seeds: list[np.random.SeedSequence]
    statistic: Callable[[np.ndarray], np.ndarray]  # rows -> a fixed-length vector
    width: int


_JOB: _Job | None = None
_FAILURES = (ModelFitError, np.linalg.LinAlgError, ValueError, FloatingPointError)


def _resamples(bounds: tuple[int, int]) -> np.ndarray:
    """The statistic of resamples ``bounds[0]:bounds[1]`` (a row of NaN if it failed)."""
    job = _JOB
    out = np.full((bounds[1] - bounds[0], job.width), np.nan)
    for i, b in enumerate(range(*bounds)):
        rng = np.random.default_rng(job.seeds[b])
        chosen = rng.integers(0, len(job.members), len(job.members))
        rows = np.concatenate([job.members[k] for k in chosen])
        try:
            with np.errstate(all="ignore"):
                value = job.statistic(rows)
        except _FAILURES:
            continue
        if np.all(np.isfinite(value)):
            out[i] = value
    return out


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def resample(
    units: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    width: int,
    n_resamples: int,
    seed: int,
    n_jobs: int | None = None,
) -> np.ndarray:
    """``statistic(rows)`` over ``n_resamples`` bootstrap resamples of the units.

    ``units`` labels each row's resampling unit (a patient, a cluster); rows of a unit
    are drawn together. Returns (n_resamples, width), a row of NaN for each resample
    whose statistic failed or was not finite. Identical for every ``n_jobs``.
    """
    global _JOB
    codes = pd.factorize(units)[0]
    members = pd.Series(np.arange(len(codes))).groupby(codes).apply(np.asarray).tolist()
    seeds = np.random.SeedSequence(seed).spawn(n_resamples)
    n_jobs = default_jobs() if n_jobs is None else n_jobs
    _JOB = _Job(members, seeds, statistic, width)
    try:
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        if n_jobs <= 1 or not can_fork or n_resamples < 2 * n_jobs:
            return _resamples((0, n_resamples))
        edges = np.linspace(0, n_resamples, 4 * n_jobs + 1).astype(int)
        chunks = [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]
        with ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return np.vstack(list(pool.map(_resamples, chunks)))
    finally:
        _JOB = None


def _percentile_table(
    terms: list[str], full: np.ndarray, draws: np.ndarray, ratio: str, conf_level: float
) -> pd.DataFrame:
    tail = (1 - conf_level) / 2 * 100
    lower, upper = (
        np.percentile(draws, [tail, 100 - tail], axis=0)
        if len(draws)
        else (np.full(len(terms), np.nan),) * 2
    )
    return pd.DataFrame(
        {"term": terms, ratio: np.exp(full), "ci_lower": np.exp(lower), "ci_upper": np.exp(upper)}
    )


def _notes(n_resamples: int, seed: int, failed: int) -> list[str]:
    notes = [f"{n_resamples} bootstrap resamples (seed {seed}); percentile intervals"]
    if failed:
        notes.append(f"{failed} resamples could not be fitted and were left out")
    return notes


def bootstrap_cox(
    df: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    n_resamples: int = 1000,
    seed: int = 2026,
    entry: str | None = None,
    strata: str | None = None,
    ties: str = "efron",
    cluster: str | None = None,
    conf_level: float = 0.95,
    reference: Mapping[str, object] | None = None,
    n_jobs: int | None = None,
) -> CoxBootstrap:
    """Percentile bootstrap CIs for the hazard ratios of ``cox(...)`` and the
    optimism-corrected concordance.

    With ``cluster``, whole clusters are resampled (all rows of a patient together),
    as counting-process data require. The same ``seed`` gives the same result for any
    ``n_jobs`` (default: every core this process may use).
    """
    conf_level = check_conf_level(conf_level)
    inputs = cox_inputs(df, time, event, covariates, entry, strata, ties, cluster, reference)
    X, terms, p = inputs.design.matrix, inputs.design.terms, inputs.design.matrix.shape[1]
    start = inputs.start

    def fit(rows: np.ndarray) -> np.ndarray:
        x = X[rows]
        data = prepare(
            x - x.mean(axis=0),
            inputs.stop[rows],
            inputs.status[rows],
            None if start is None else start[rows],
            inputs.layer[rows],
            ties == "efron",
        )
        return newton_raphson(data)[0]

    def c_index(rows: np.ndarray, beta: np.ndarray) -> float:
        return concordance(
            inputs.stop[rows],
            inputs.status[rows],
            X[rows] @ beta,
            None if start is None else start[rows],
            inputs.layer[rows],
        ).concordance

    everyone = np.arange(len(inputs.stop))

    def statistic(rows: np.ndarray) -> np.ndarray:
        beta = fit(rows)
        return np.concatenate([beta, [c_index(rows, beta), c_index(everyone, beta)]])

    full = fit(everyone)
    apparent = c_index(everyone, full)
    values = resample(inputs.clusters, statistic, p + 2, n_resamples, seed, n_jobs)
    ok = np.all(np.isfinite(values), axis=1)
    optimism = float(np.mean(values[ok, p] - values[ok, p + 1])) if ok.any() else np.nan
    return CoxBootstrap(
        table=_percentile_table(terms, full, values[ok, :p], "hr", conf_level),
        coefficients=values[ok, :p],
        n_resamples=n_resamples,
        n_failed=int((~ok).sum()),
        seed=seed,
        conf_level=conf_level,
        concordance={"apparent": apparent, "optimism": optimism, "corrected": apparent - optimism},
        notes=_notes(n_resamples, seed, int((~ok).sum())),
    )


def bootstrap_logistic(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    n_resamples: int = 1000,
    seed: int = 2026,
    method: str = "ml",
    conf_level: float = 0.95,
    reference: Mapping[str, object] | None = None,
    n_jobs: int | None = None,
) -> CoxBootstrap:
    """Percentile bootstrap CIs for the odds ratios of ``logistic(...)`` (ML or Firth)."""
    conf_level = check_conf_level(conf_level)
    check_choice("method", method, ("ml", "firth"))
    design = build_design(df, covariates, reference)
    kept = df if design.n_dropped == 0 else df.loc[design.kept]
    y = event_array(kept, outcome)
    X = np.column_stack([np.ones(len(y)), design.matrix])
    terms = [INTERCEPT, *design.terms]

    def statistic(rows: np.ndarray) -> np.ndarray:
        if y[rows].min() == y[rows].max():
            raise ValueError("outcome constant in this resample")
        model = LogisticModel(X[rows], y[rows], firth=method == "firth")
        return model.fit(np.zeros(X.shape[1]))

    full = statistic(np.arange(len(y)))
    values = resample(np.arange(len(y)), statistic, len(terms), n_resamples, seed, n_jobs)
    ok = np.all(np.isfinite(values), axis=1)
    return CoxBootstrap(
        table=_percentile_table(terms, full, values[ok], "odds_ratio", conf_level),
        coefficients=values[ok],
        n_resamples=n_resamples,
        n_failed=int((~ok).sum()),
        seed=seed,
        conf_level=conf_level,
        concordance={},
        notes=_notes(n_resamples, seed, int((~ok).sum())),
    )
