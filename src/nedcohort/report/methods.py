"""The methods paragraph, written from the protocol and the conventions actually used.

Only what the run did is stated: the eligibility steps as applied, the tests Table 1
used, how the logistic model was fitted (ML or Firth, and why), the CI of the median,
ties handling, the bias-aware and imputation analyses when present, and the versions
of the software.
"""

from __future__ import annotations

from nedcohort.protocol import COVARIATE_LABELS
from nedcohort.report.tables import test_name


def methods_paragraphs(study, results: dict, doc: dict, versions: dict[str, str | None]) -> list:
    """Plain-text paragraphs for the report's Methods section."""
    spss = study.conventions == "spss"
    a = study.analyses
    out = []
    steps = "; ".join(step["step"] for step in doc["flow"])
    if study.data.level == "records":
        out.append(
            "Patients were selected from the source records by these steps, in order: "
            f"{steps}. Tumour response was assessed at every imaging exam by RECIST 1.1 "
            "(Eisenhauer et al. 2009); radiologic no evidence of disease (NED) was complete "
            "response of measurable disease or, for bone-only or non-measurable disease, all "
            "lesions absent or inactive (sclerotic without FDG uptake), reached before "
            "progression. Progression-free survival (PFS) ran from the start of first-line "
            "therapy to progression or death, censored at the last follow-up."
        )
    else:
        out.append(f"All {doc['cohort']['n']} patients of the analysis sheet were included.")
    if "table1" in results:
        used = sorted({test_name(t) for t in results["table1"].tests["test"]})
        out.append(
            "Characteristics were compared between groups with "
            + ", ".join(used)
            + "; categorical variables are given as n (%) and continuous ones as median "
            "(interquartile range)."
        )
    if "logistic" in results:
        fit = results["logistic"]
        how = (
            "Firth's penalized likelihood (Heinze & Schemper 2002), because events per "
            f"variable were {results['logistic_ml'].events_per_variable:.1f} (< 10), with "
            "profile penalized-likelihood CIs and likelihood-ratio p-values"
            if fit.method == "firth" and "logistic_ml" in results
            else "maximum likelihood with Wald 95% CIs"
        )
        out.append(
            f"Factors associated with {_label(a.logistic.outcome)} were studied by logistic "
            f"regression, univariable and multivariable ({how})."
        )
    median_ci = (
        "symmetric CIs of the median (as SPSS)"
        if spss
        else "CIs of the median from log-transformed survival (Brookmeyer–Crowley, as R)"
    )
    ties = "Breslow (as SPSS)" if spss else "Efron (as R)"
    out.append(
        f"Survival was estimated by the Kaplan–Meier method with {median_ci} and compared "
        f"with the log-rank test. Hazard ratios came from Cox proportional-hazards models "
        f"with {ties} handling of tied times; robust standard errors clustered on center and "
        "a center-stratified model were sensitivity analyses."
    )
    if "bias_aware" in results:
        spec = a.bias_aware
        out.append(
            "Because NED is reached during follow-up, it was also analysed without crediting "
            "the time before NED to the NED group: as a time-dependent covariate in a Cox model "
            f"with delayed entry at {spec.entry_months:g} months (Mantel–Byar score test, "
            "Simon–Makuch plot), by landmark analyses at "
            + ", ".join(f"{x:g}" for x in spec.landmarks)
            + " months, and with left truncation at the cohort's entry condition. Percentile "
            f"bootstrap CIs ({spec.bootstrap_resamples} seeded resamples) and the "
            "optimism-corrected C-index (Harrell) assessed small-sample stability."
        )
    if "imputation" in doc and "m" in doc["imputation"]:
        mi = doc["imputation"]
        out.append(
            f"Missing covariate values ({', '.join(mi['imputed'])}) were multiply imputed by "
            f"chained equations (m = {mi['m']}, predictive mean matching, outcome and "
            "Nelson–Aalen cumulative hazard in the imputation model) and pooled by Rubin's "
            "rules; complete-case results are shown beside them."
        )
    shown = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    out.append(
        f"Analyses used nedcohort with {shown}; statistical results are checked against R "
        "(survival 3.5). Two-sided p < 0.05 was considered significant."
    )
    return out


def _label(name: str) -> str:
    return (
        COVARIATE_LABELS.get(name, (name,))[0].lower().replace("radiologic ned", "radiologic NED")
    )
