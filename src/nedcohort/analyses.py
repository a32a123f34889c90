"""The protocol's analyses of the assembled cohort: Table 1, logistic regression for NED,
Kaplan–Meier and log-rank, Cox for PFS, and — for NED, a state reached during follow-up —
the bias-aware analyses, bootstrap safeguards and multiple imputation.

Computation only: result objects and numbers go to ``nedcohort.report`` for rendering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nedcohort import stats
from nedcohort.protocol import CONTINUOUS, COVARIATES, Study

TIME, EVENT = "pfs_months", "pfs_event"  # the outcome columns the analyses read


def analyze(study: Study, flow) -> dict:
    """Table 1, logistic regression for NED, Kaplan–Meier and log-rank, Cox for PFS."""
    cohort = flow.cohort
    spss = study.conventions == "spss"
    a = study.analyses
    reference = study.patients.reference if study.patients else {}
    group = a.km_by
    results: dict = {
        "conventions": study.conventions,
        "flow": flow.to_dict(),
        "cohort": {"n": len(cohort)},
    }
    if study.data.level == "records":
        results["cohort"]["n_ned"] = int(cohort["ned"].sum())
        kinds_of = {v: ("continuous" if v in CONTINUOUS else "categorical") for v in COVARIATES}
    else:
        kinds_of = dict(study.patients.variables)
    variables = list(dict.fromkeys(a.table1 + a.table1_fisher))
    if variables:
        results["table1"] = stats.compare_groups(
            cohort,
            group,
            variables,
            conventions=study.conventions,
            kinds={v: kinds_of[v] for v in variables},
            tests=dict.fromkeys(a.table1_fisher, "fisher"),
        )
    if a.logistic is not None:
        outcome, covs = a.logistic.outcome, a.logistic.covariates
        fit = stats.logistic(cohort, outcome, covs, reference=_ref(reference, covs))
        if fit.method == "ml" and fit.events_per_variable < 10:
            # few events per variable: Firth's penalized likelihood is reported (DESIGN §4),
            # the ML fit is kept beside it for comparison with published numbers
            results["logistic_ml"] = fit
            fit = stats.logistic(
                cohort, outcome, covs, method="firth", reference=_ref(reference, covs)
            )
            fit.notes.insert(
                0,
                f"EPV = {results['logistic_ml'].events_per_variable:.1f} < 10:"
                " Firth's penalized likelihood used instead of ML",
            )
        results["logistic"] = fit
        results["logistic_univariable"] = [
            stats.logistic(cohort, outcome, [name], reference=_ref(reference, [name]))
            for name in a.logistic.univariable
        ]
    results["km"] = stats.kaplan_meier(
        cohort, TIME, EVENT, by=group, conf_type="spss" if spss else "log"
    )
    results["logrank"] = stats.logrank(cohort, TIME, EVENT, group)
    if study.data.level == "records" and a.bias_aware is not None and a.km_by == "ned":
        results["bias_aware"] = bias_aware(cohort, a.bias_aware, spss)
        results["simon_makuch_km"] = results["bias_aware"].pop("simon_makuch_km")
        results["bias_aware"].update(bootstraps(study, cohort, results.get("logistic")))
    if a.imputation is not None and (a.cox is not None or a.logistic is not None):
        results["imputation"] = imputation(study, cohort, results.get("logistic"))
    ties = _ties(spss)
    if a.cox is not None:
        covs = a.cox.covariates
        results["cox"] = stats.cox(
            cohort, TIME, EVENT, covs, ties=ties, reference=_ref(reference, covs)
        )
        results["cox_univariable"] = [
            stats.cox(cohort, TIME, EVENT, [name], ties=ties, reference=_ref(reference, [name]))
            for name in a.cox.univariable
        ]
        if "center" in cohort.columns and cohort["center"].nunique() > 1:
            # inter-center variability, as the study's limitations ask: robust SEs clustered
            # on center, and a model with a baseline hazard per center
            ref = _ref(reference, covs)
            results["cox_center_cluster"] = stats.cox(
                cohort, TIME, EVENT, covs, ties=ties, cluster="center", reference=ref
            )
            results["cox_center_strata"] = stats.cox(
                cohort, TIME, EVENT, covs, ties=ties, strata="center", reference=ref
            )
    return results


def bias_aware(cohort: pd.DataFrame, spec, spss: bool) -> dict:
    """NED as a state reached during follow-up: landmark, time-dependent Cox with delayed
    entry, Simon–Makuch curves, Mantel–Byar test, left truncation, and the comparison
    with the naive analysis (NED as if known at first-line start)."""
    ties = _ties(spss)
    data = cohort.assign(ned_months=cohort["months_to_ned"].where(cohort["ned"] == 1))

    def hr_row(method: str, fit, term: str = "ned") -> dict:
        row = fit.table.set_index("term").loc[term]
        return {
            "method": method,
            "hr": row["hr"],
            "ci_lower": row["ci_lower"],
            "ci_upper": row["ci_upper"],
            "p_value": row["p_value"],
            "n": fit.n,
            "events": fit.n_events,
            "events_per_variable": fit.events_per_variable,
        }

    naive = stats.cox(data, TIME, EVENT, ["ned"], ties=ties)
    entry = spec.entry_months
    truncated = data[data[TIME] > entry].assign(entry=entry)
    left = stats.cox(truncated, TIME, EVENT, ["ned"], entry="entry", ties=ties)
    split = stats.split_at_switch(data, TIME, EVENT, "ned_months", "ned_now", entry=entry)
    td = stats.cox(split, "stop", EVENT, ["ned_now"], entry="start", ties=ties)
    landmarks = []
    for at in spec.landmarks:
        sub = stats.landmark_data(data, TIME, EVENT, "ned_months", at, "ned_at_landmark")
        if sub[EVENT].sum() == 0 or sub["ned_at_landmark"].nunique() < 2:
            continue
        fit = stats.cox(sub, "time_from_landmark", EVENT, ["ned_at_landmark"], ties=ties)
        test = stats.logrank(sub, "time_from_landmark", EVENT, "ned_at_landmark")
        landmarks.append(
            {
                **hr_row(f"landmark {at:g} months", fit, "ned_at_landmark"),
                "landmark": at,
                "logrank_p": test.p_value,
            }
        )
    simon_makuch = stats.kaplan_meier(split, "stop", EVENT, by="ned_now", entry="start")
    ticks = np.arange(entry, float(data[TIME].max()) + 12, 12)
    comparison = [
        hr_row("naive: NED as known at first-line start", naive),
        hr_row(f"left-truncated at {entry:g} months (delayed entry)", left),
        hr_row(f"time-dependent NED, delayed entry at {entry:g} months", td, "ned_now"),
        *[
            {k: v for k, v in row.items() if k not in ("landmark", "logrank_p")}
            for row in landmarks[:1]
        ],
    ]
    return {
        "simon_makuch_km": simon_makuch,
        "naive_vs_bias_aware": comparison,
        "landmark": landmarks,
        "time_dependent_cox": [hr_row("time-dependent", td, "ned_now")],
        "mantel_byar": {
            "statistic": td.score.statistic,
            "df": td.score.df,
            "p_value": td.score.p_value,
        },
        "left_truncated": {
            "cox": [hr_row("left-truncated", left)],
            "km": stats.kaplan_meier(truncated, TIME, EVENT, by="ned", entry="entry").to_dict(),
        },
        "simon_makuch": {
            "medians": simon_makuch.to_dict(),
            "at_risk": simon_makuch.at(ticks).to_dict(orient="records"),
        },
    }


def bootstraps(study: Study, cohort: pd.DataFrame, logistic_fit) -> dict:
    """Small-sample safeguards: percentile CIs of the multivariable HRs (and ORs) and the
    optimism-corrected C-index of the Cox model, from seeded resamples over all cores."""
    a = study.analyses
    n, seed = a.bias_aware.bootstrap_resamples, study.seed
    ties = _ties(study.conventions == "spss")
    covs = a.cox.covariates if a.cox is not None else ["ned"]
    boot = stats.bootstrap_cox(cohort, TIME, EVENT, covs, n_resamples=n, seed=seed, ties=ties)
    out = {"bootstrap": {**boot.to_dict(), "notes": boot.notes}}
    if logistic_fit is not None:
        method = "firth" if logistic_fit.method == "firth" else "ml"
        lboot = stats.bootstrap_logistic(
            cohort, a.logistic.outcome, a.logistic.covariates, n, seed, method=method
        )
        out["bootstrap_logistic"] = {**lboot.to_dict(), "notes": lboot.notes}
    return out


def imputation(study: Study, cohort: pd.DataFrame, logistic_fit) -> dict:
    """Multiple imputation of the models' incomplete covariates (chained equations, Rubin's
    rules) beside the complete-case fits; the outcomes and the Nelson–Aalen cumulative
    hazard of PFS are predictors in the imputation model (White & Royston 2009)."""
    a, spec = study.analyses, study.analyses.imputation
    ties = _ties(study.conventions == "spss")
    models, covariates = {}, []
    if a.cox is not None:
        cox_covs = a.cox.covariates
        covariates += cox_covs
        models["cox"] = (lambda d: stats.cox(d, TIME, EVENT, cox_covs, ties=ties), "hr")
    if a.logistic is not None:
        outcome, log_covs = a.logistic.outcome, a.logistic.covariates
        method = "firth" if logistic_fit is not None and logistic_fit.method == "firth" else "ml"
        covariates += log_covs
        models["logistic"] = (
            lambda d: stats.logistic(d, outcome, log_covs, method=method, ci="wald"),
            "odds_ratio",
        )
    auxiliary = [EVENT, "nelson_aalen"]
    if a.logistic is not None and a.logistic.outcome not in covariates:
        auxiliary.append(a.logistic.outcome)
    data = cohort.assign(
        nelson_aalen=stats.nelson_aalen(cohort[TIME].to_numpy(), cohort[EVENT].to_numpy())
    )
    covariates = list(dict.fromkeys(covariates))
    if not data[covariates].isna().any().any():
        return {"note": "no model covariate has missing values; nothing to impute"}
    pooled = stats.multiple_imputation(
        data, models, covariates, auxiliary, spec.m, spec.iterations, study.seed
    )
    first = next(iter(pooled.values()))
    return {
        "m": first.m,
        "n": first.n,
        "imputed": first.imputed,
        "notes": first.notes,
        **{name: fit.to_dict() for name, fit in pooled.items()},
    }


def _ties(spss: bool) -> str:
    """Tied event times as SPSS handles them (Breslow) or as R does (Efron)."""
    return "breslow" if spss else "efron"


def _ref(reference: dict[str, str], covariates: list[str]) -> dict[str, str] | None:
    """The reference levels of the covariates in this model."""
    chosen = {k: v for k, v in reference.items() if k in covariates}
    return chosen or None
