"""Logistic regression: maximum likelihood (as R ``glm``) and Firth's penalized likelihood
(as R ``logistf``), with Wald or profile-likelihood confidence intervals.

Why hand-written: statsmodels fits ML logistic models but has neither Firth's
penalty nor profile-likelihood intervals, and neither exists in scipy; both are a
small Newton iteration on the same design matrix, written once here for both.

* ML: Newton–Raphson (= IRLS) on ℓ(β) = Σ y log π + (1 − y) log(1 − π).
* Firth (1993) Biometrika 80:27; Heinze & Schemper (2002) Stat Med 21:2409:
  ℓ*(β) = ℓ(β) + ½ log|I(β)|, whose gradient is the modified score
  Σ (y − π + h (½ − π)) x with h the diagonal of the hat matrix. Profile
  penalized-likelihood CIs and penalized likelihood-ratio p-values keep the full
  model's penalty while a coefficient is held fixed, as ``logistf``.
* Profile CIs solve 2 (ℓ(β̂) − max ℓ | β_j = b) = χ²₁(level) for b (Venzon &
  Moolgavkar 1988), here by bracketing and Brent's root finder.
* Separation (a covariate combination that predicts the outcome perfectly) is
  detected exactly with a linear program (Konis 2007); ML estimates then do not
  exist and ``method="ml"`` switches to Firth with a ``SeparationWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps
from scipy.special import expit

from nedcohort.errors import DataError, ModelFitError, SeparationWarning
from nedcohort.stats.chisq import ChiSquareTest
from nedcohort.stats.design import build_design
from nedcohort.stats.inputs import check_choice, check_conf_level, event_array, require_columns

METHODS = ("ml", "firth")
CI_METHODS = ("wald", "profile")
INTERCEPT = "(Intercept)"
_MAX_ITER = 100
_TOL = 1e-10


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic model.

    ``table`` columns: term, coef, se, odds_ratio, ci_lower, ci_upper, z, p_value
    (first row "(Intercept)"). For Firth fits the p-values are penalized
    likelihood-ratio tests and the CIs profile penalized likelihood, as ``logistf``.
    """

    table: pd.DataFrame
    coefficients: np.ndarray
    variance: np.ndarray
    loglik: tuple[float, float]  # (intercept-only, model); penalized for Firth
    method: str
    ci_method: str
    n: int
    n_events: int
    n_dropped: int
    conf_level: float
    likelihood_ratio: ChiSquareTest
    separation: bool
    references: dict[str, str]
    terms: list[str] = field(default_factory=list)  # non-intercept terms, as CoxFit
    assign: dict[str, list[int]] = field(default_factory=dict)  # covariate -> its terms
    notes: list[str] = field(default_factory=list)

    @property
    def events_per_variable(self) -> float:
        """Events (the rarer outcome) per non-intercept coefficient."""
        fewer = min(self.n_events, self.n - self.n_events)
        return fewer / max(len(self.table) - 1, 1)

    def to_dict(self) -> list[dict]:
        """``results.json`` rows."""
        out = self.table.astype(object).where(self.table.notna(), None)
        return out.to_dict(orient="records")


def _weights(eta: np.ndarray) -> np.ndarray:
    """π(1 − π) without the cancellation of 1 − π when π is near 1."""
    return expit(eta) * expit(-eta)


@dataclass(frozen=True)
class LogisticModel:
    """Design and outcome; ``firth`` selects the penalized likelihood."""

    X: np.ndarray
    y: np.ndarray
    firth: bool

    def loglik(self, beta: np.ndarray) -> float:
        eta = self.X @ beta
        # log π = −log(1 + e^−η), log(1 − π) = −log(1 + e^η), computed stably
        ll = float(-(self.y * np.logaddexp(0, -eta) + (1 - self.y) * np.logaddexp(0, eta)).sum())
        if self.firth:
            info = (self.X * _weights(eta)[:, None]).T @ self.X
            sign, logdet = np.linalg.slogdet(info)
            ll += 0.5 * logdet if sign > 0 else -np.inf
        return ll

    def score_info(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta = self.X @ beta
        pi = expit(eta)
        w = _weights(eta)
        info = (self.X * w[:, None]).T @ self.X
        resid = self.y - pi
        if self.firth:
            # hat diagonal h_i = w_i x_iᵀ I⁻¹ x_i
            h = w * np.einsum("ij,ij->i", self.X @ np.linalg.pinv(info), self.X)
            resid = resid + h * (0.5 - pi)
        return self.X.T @ resid, info

    def _curvature(self, beta: np.ndarray, free: np.ndarray, fisher: np.ndarray) -> np.ndarray:
        """Minus the Hessian of ℓ* over the free coefficients.

        For ML the Fisher information is the exact Hessian. For Firth it is not, and
        near separation Fisher scoring then converges only linearly (oscillating), so
        the Hessian is taken by central differences of the exact modified score; the
        Fisher information is kept if that is not positive definite.
        """
        if not self.firth:
            return fisher
        hessian = np.empty((free.size, free.size))
        for col, j in enumerate(free):
            h = 1e-6 * (1 + abs(beta[j]))
            up, down = beta.copy(), beta.copy()
            up[j] += h
            down[j] -= h
            hessian[:, col] = (self.score_info(up)[0][free] - self.score_info(down)[0][free]) / (
                2 * h
            )
        curvature = -(hessian + hessian.T) / 2
        try:
            np.linalg.cholesky(curvature)
        except np.linalg.LinAlgError:
            return fisher
        return curvature

    def fit(self, start: np.ndarray, fixed: dict[int, float] | None = None) -> np.ndarray:
        """Maximize (penalized) ℓ with some coefficients held fixed; Newton + halving."""
        beta = start.copy()
        fixed = fixed or {}
        for j, value in fixed.items():
            beta[j] = value
        free = np.array([j for j in range(beta.size) if j not in fixed], dtype=int)
        if free.size == 0:
            return beta
        ll = self.loglik(beta)
        for _ in range(_MAX_ITER):
            score, info = self.score_info(beta)
            curvature = self._curvature(beta, free, info[np.ix_(free, free)])
            step = np.linalg.lstsq(curvature, score[free], rcond=None)[0]
            largest = np.max(np.abs(step))
            if largest > 5:  # logistf's maxstep: keep early steps sane
                step *= 5 / largest
            candidate = beta.copy()
            candidate[free] += step
            new_ll = self.loglik(candidate)
            for _ in range(30):
                if new_ll >= ll - 1e-12 * abs(ll):
                    break
                step /= 2
                candidate[free] = beta[free] + step
                new_ll = self.loglik(candidate)
            change = abs(new_ll - ll)
            beta, ll = candidate, new_ll
            if np.max(np.abs(step)) < _TOL or (
                change <= 1e-13 * max(1.0, abs(ll)) and np.max(np.abs(step)) < 1e-7
            ):
                return beta
        raise ModelFitError(
            "logistic regression did not converge; the outcome may be (nearly) perfectly "
            "predicted by the covariates. Use method='firth'."
        )


def logistic(
    df: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    method: str = "ml",
    conf_level: float = 0.95,
    ci: str | None = None,
    reference: Mapping[str, object] | None = None,
) -> LogisticFit:
    """Fit a logistic regression of a 0/1 outcome on covariates.

    Parameters
    ----------
    outcome : 0/1 or boolean column.
    covariates : columns; categorical ones become indicators against ``reference``.
    method : "ml" (R ``glm(family = binomial)``) or "firth" (R ``logistf``).
    ci : "wald" (default for ML) or "profile" (default for Firth, as ``logistf``).

    Notes
    -----
    With ``method="ml"`` and separated data the ML estimate does not exist: the fit
    switches to Firth, warns with ``SeparationWarning`` and says so in ``notes``.
    """
    check_choice("method", method, METHODS)
    conf_level = check_conf_level(conf_level)
    require_columns(df, (outcome,))
    design = build_design(df, covariates, reference)
    kept = df if design.n_dropped == 0 else df.loc[design.kept]
    y = event_array(kept, outcome)
    if y.min() == y.max():
        raise DataError(
            "outcome has only one value, so its odds cannot be modelled",
            column=outcome,
            received=float(y[0]),
            fix="Check the outcome coding (1 = outcome present, 0 = absent).",
        )
    X = np.column_stack([np.ones(len(y)), design.matrix])
    terms = [INTERCEPT, *design.terms]
    notes: list[str] = []
    separated = _separated(X, y)
    if separated and method == "ml":
        message = (
            f"outcome '{outcome}' is perfectly predicted (separation); maximum-likelihood "
            "estimates do not exist, so Firth's penalized likelihood is used instead"
        )
        warnings.warn(message, SeparationWarning, stacklevel=2)
        notes.append(message)
        method = "firth"
    ci = ci or ("profile" if method == "firth" else "wald")
    check_choice("ci", ci, CI_METHODS)
    model = LogisticModel(X, y, firth=(method == "firth"))
    beta = model.fit(np.zeros(X.shape[1]))
    _, info = model.score_info(beta)
    variance = np.linalg.inv(info)
    se = np.sqrt(np.diag(variance))
    ll = model.loglik(beta)
    null = model.fit(np.zeros(X.shape[1]), dict.fromkeys(range(1, X.shape[1]), 0.0))
    ll0 = model.loglik(null)
    q = sps.chi2.ppf(conf_level, 1)
    zq = sps.norm.ppf(1 - (1 - conf_level) / 2)
    if ci == "wald":
        lower, upper = beta - zq * se, beta + zq * se
    else:
        bounds = [_profile_bounds(model, beta, se, j, ll, q) for j in range(beta.size)]
        lower, upper = np.array(bounds).T
    z = beta / se
    if method == "firth":
        # penalized likelihood-ratio test of β_j = 0 with the other coefficients refitted
        lr = [2 * (ll - model.loglik(model.fit(beta, {j: 0.0}))) for j in range(beta.size)]
        p_value = sps.chi2.sf(np.maximum(lr, 0.0), 1)
        notes.append("Firth's penalized likelihood; p-values from penalized likelihood ratios")
    else:
        p_value = 2 * sps.norm.sf(np.abs(z))
    if ci == "profile":
        notes.append("confidence intervals from the profile (penalized) likelihood")
    table = pd.DataFrame(
        {
            "term": terms,
            "coef": beta,
            "se": se,
            "odds_ratio": np.exp(beta),
            "ci_lower": np.exp(lower),
            "ci_upper": np.exp(upper),
            "z": z,
            "p_value": p_value,
        }
    )
    fit = LogisticFit(
        table=table,
        coefficients=beta,
        variance=variance,
        loglik=(ll0, ll),
        method=method,
        ci_method=ci,
        n=len(y),
        n_events=int(y.sum()),
        n_dropped=design.n_dropped,
        conf_level=conf_level,
        likelihood_ratio=ChiSquareTest.of(2 * (ll - ll0), X.shape[1] - 1),
        separation=separated,
        references=design.references,
        terms=design.terms,
        assign=design.assign,
        notes=notes,
    )
    epv = fit.events_per_variable
    if epv < 10:
        notes.append(f"EPV = {epv:.1f} < 10: estimates may be unstable (few events per term)")
    if design.n_dropped:
        notes.append(f"{design.n_dropped} rows dropped for missing covariates")
    return fit


def _separated(X: np.ndarray, y: np.ndarray) -> bool:
    """True when some β ≠ 0 has (2y − 1)·xᵀβ ≥ 0 for every row (Konis 2007 LP)."""
    sign = (2 * y - 1)[:, None] * X
    result = optimize.linprog(
        c=-sign.sum(axis=0),
        A_ub=-sign,
        b_ub=np.zeros(len(y)),
        bounds=[(-1, 1)] * X.shape[1],
        method="highs",
    )
    return bool(result.status == 0 and -result.fun > 1e-7 * max(1.0, np.abs(X).max()))


def _profile_bounds(
    model: LogisticModel, beta: np.ndarray, se: np.ndarray, j: int, ll: float, q: float
) -> tuple[float, float]:
    """Both ends of the profile-likelihood interval for coefficient ``j``."""
    bounds = []
    for direction in (-1.0, 1.0):
        warm = [beta]  # each restricted fit starts from the nearest one found so far

        def excess(b: float, warm: list[np.ndarray] = warm) -> float:
            restricted = model.fit(warm[-1], {j: b})
            warm.append(restricted)
            return 2 * (ll - model.loglik(restricted)) - q

        near, far = beta[j], beta[j] + direction * se[j]
        for _ in range(200):
            if excess(far) > 0:
                break
            near, far = far, far + direction * se[j] * 0.5 * (1 + abs(far - beta[j]) / se[j])
        else:
            bounds.append(direction * np.inf)
            continue
        warm.append(warm[-2])
        bounds.append(optimize.brentq(excess, near, far, xtol=1e-12, rtol=1e-12))
    return bounds[0], bounds[1]
