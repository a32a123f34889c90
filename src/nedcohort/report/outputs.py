"""Everything a study run leaves behind (except the study database).

results.json and manifest.json (numbers), ``data/*.csv`` (unrounded tables for
traceability), ``tables/`` (the publication tables as CSV, one DOCX and LaTeX — the
same strings in each), ``figures/`` (PNG 300 dpi and SVG) and ``report.html`` (one
self-contained file). Nothing here computes a statistic; it renders result objects.
No patient identifier or date from the input is written: tables and figures hold
aggregates only (checked by a test that scans every output file).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nedcohort.protocol import COVARIATE_LABELS
from nedcohort.report import html, tables
from nedcohort.report.docx import write_docx
from nedcohort.report.figures import draw_flow, draw_forest, draw_km
from nedcohort.report.formatting import number, p_phrase
from nedcohort.report.latex import to_latex
from nedcohort.report.methods import methods_paragraphs
from nedcohort.report.results import json_ready, results_dict


def write_outputs(
    folder: Path, study, flow, results: dict, manifest: dict, warnings: list | None = None
) -> None:
    """Write every output of a run into ``folder`` (which the caller commits atomically)."""
    document = results_dict(results)
    (folder / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(json_ready(manifest), indent=2) + "\n")
    _write_data(folder / "data", flow, results)
    labels = tables.labels_for(study)
    threshold = study.report.suppress_below
    display = _display_tables(study, results, document, labels, threshold)
    out = folder / "tables"
    out.mkdir()
    for table in display.values():
        table.frame().to_csv(out / f"{table.name}.csv", index=False)
        (out / f"{table.name}.tex").write_text(to_latex(table))
    write_docx(list(display.values()), out / "tables.docx")
    figures = _draw_figures(folder / "figures", study, results, document, labels, threshold)
    page = _report_html(
        study, flow.cohort, results, document, display, figures, manifest, warnings or []
    )
    (folder / "report.html").write_text(page)


def _write_data(folder: Path, flow, results: dict) -> None:
    """Unrounded numbers behind the tables, for anyone re-checking a value."""
    folder.mkdir()
    flow.steps.assign(reasons=flow.steps["reasons"].map(json.dumps)).to_csv(
        folder / "flow.csv", index=False
    )
    if "table1" in results:
        results["table1"].table.to_csv(folder / "table1.csv", index=False)
    results["km"].medians.to_csv(folder / "km_medians.csv", index=False)
    for key in ("logistic", "cox"):
        if key in results:
            uni = [f.table.assign(model="univariable") for f in results[f"{key}_univariable"]]
            multi = results[key].table.assign(model="multivariable")
            frame = pd.concat([*uni, multi], ignore_index=True)
            frame[frame["term"] != "(Intercept)"].to_csv(folder / f"{key}.csv", index=False)


def _display_tables(study, results, document, labels, threshold) -> dict:
    out = {"flow": tables.flow_table(document["flow"], threshold)}
    if "table1" in results:
        out["table1"] = tables.table1(results["table1"], labels, threshold)
    if "logistic" in results:
        outcome = study.analyses.logistic.outcome
        out["logistic"] = tables.model_table(
            "logistic",
            f"Table 2. Logistic regression for {labels.of(outcome).lower()}",
            results["logistic"],
            results["logistic_univariable"],
            "odds_ratio",
            "OR",
            labels,
            ["OR: odds ratio; CI: confidence interval.", *results["logistic"].notes],
        )
    if "cox" in results:
        out["cox"] = tables.model_table(
            "cox",
            "Table 3. Cox regression for progression-free survival"
            if study.data.level == "records"
            else "Table 3. Cox regression",
            results["cox"],
            results["cox_univariable"],
            "hr",
            "HR",
            labels,
            ["HR: hazard ratio; CI: confidence interval.", *results["cox"].notes],
        )
    out["km_medians"] = tables.km_table(
        results["km"], labels, results["logrank"].p_value, study.conventions == "spss"
    )
    if "naive_vs_bias_aware" in document:
        out["bias_aware"] = tables.bias_table(document["naive_vs_bias_aware"])
        if document["landmark"]:
            out["landmarks"] = tables.landmark_table(document["landmark"])
    imputation = document.get("imputation", {})
    if "cox" in imputation:
        out["imputation"] = tables.imputation_table(
            document["cox"], imputation["cox"], labels, imputation["m"]
        )
    return out


def _draw_figures(folder: Path, study, results, document, labels, threshold) -> dict:
    """Draw every figure; returns id -> (svg path, caption)."""
    folder.mkdir()
    figures = {}
    reasons = [tables.shown_reasons(step, threshold) for step in document["flow"]]
    draw_flow(document["flow"], folder / "flow", reasons=reasons)
    figures["flow-figure"] = (folder / "flow.svg", "Figure 1. Flow of patients.")
    records = study.data.level == "records"
    draw_km(
        results["km"],
        folder / "km",
        labels=labels.groups or None,
        logrank_p=results["logrank"].p_value,
        ylabel="Progression-free survival" if records else "Survival",
    )
    figures["km-figure"] = (
        folder / "km.svg",
        "Figure 2. Kaplan–Meier curves"
        + (" of progression-free survival by radiologic NED" if labels.groups else "")
        + ", with censor marks, medians and numbers at risk.",
    )
    for key, ratio, name in (("logistic", "odds_ratio", "OR"), ("cox", "hr", "HR")):
        if key in results:
            rows = tables.ratio_rows_for_forest(results[key], ratio, labels)
            draw_forest(rows, folder / f"forest_{key}", xlabel=f"{name} (95% CI)", ratio=ratio)
            figures[f"forest-{key}"] = (
                folder / f"forest_{key}.svg",
                f"Multivariable {name}s with 95% confidence intervals (log scale).",
            )
    if "simon_makuch_km" in results:
        draw_km(
            results["simon_makuch_km"],
            folder / "simon_makuch",
            labels={"0": "Not (yet) NED", "1": "NED"},
            ylabel="Progression-free survival",
            origin=study.analyses.bias_aware.entry_months,
            annotation=f"Mantel–Byar p {p_phrase(document['mantel_byar']['p_value'])}",
        )
        figures["simon-makuch-figure"] = (
            folder / "simon_makuch.svg",
            "Simon–Makuch plot: patients move to the NED curve on the date they reach NED "
            f"(follow-up from {study.analyses.bias_aware.entry_months:g} months); numbers at "
            "risk per state over time.",
        )
    return figures


def _report_html(study, cohort, results, document, display, figures, manifest, warnings) -> str:
    def fig(key: str) -> str:
        if key not in figures:
            return ""
        path, caption = figures[key]
        return html.inline_svg(path, key, caption)

    sections = [
        (
            "methods",
            "Methods",
            html.paragraphs(methods_paragraphs(study, results, document, manifest["packages"])),
        ),
        ("flow", "Patient flow", fig("flow-figure") + html.table_html(display["flow"])),
    ]
    if "table1" in display:
        table1 = html.table_html(display["table1"])
        sections.append(("characteristics", "Patient characteristics", table1))
    if "logistic" in display:
        sections.append(
            (
                "logistic-section",
                display["logistic"].title.split(". ", 1)[-1],
                html.table_html(display["logistic"]) + fig("forest-logistic"),
            )
        )
    sections.append(
        ("survival", "Survival", fig("km-figure") + html.table_html(display["km_medians"]))
    )
    if "cox" in display:
        sections.append(
            (
                "cox-section",
                display["cox"].title.split(". ", 1)[-1],
                html.table_html(display["cox"]) + fig("forest-cox") + _center_note(results),
            )
        )
    if "bias_aware" in display:
        bias = _bias_section(document, display, fig)
        sections.append(("bias-aware", "NED as a state reached during follow-up", bias))
    if "imputation" in display:
        notes = html.paragraphs(document["imputation"]["notes"])
        imputed = notes + html.table_html(display["imputation"])
        sections.append(("imputation-section", "Missing covariates: multiple imputation", imputed))
    quality = _quality(study, cohort, document["flow"], warnings)
    sections.append(("data-quality", "Appendix: data quality", quality))
    sections.append(("manifest", "Appendix: the run", html.manifest_html(manifest)))
    cohort = document["cohort"]
    ned = f", {cohort['n_ned']} with radiologic NED" if "n_ned" in cohort else ""
    summary = (
        f"Cohort: {cohort['n']} patients{ned}. Conventions: {study.conventions}. "
        "Generated by nedcohort; every number is in results.json."
    )
    return html.render(study.name, summary, sections)


def _center_note(results) -> str:
    if "cox_center_cluster" not in results:
        return ""
    parts = []
    for key, what in (
        ("cox_center_cluster", "robust SEs clustered on center"),
        ("cox_center_strata", "stratified by center"),
    ):
        row = results[key].table.iloc[0]
        parts.append(
            f"{what}: {row['term']} HR {number(row['hr'])} "
            f"({number(row['ci_lower'])}–{number(row['ci_upper'])}), "
            f"p {p_phrase(row['p_value'])}"
        )
    return html.paragraphs(["Sensitivity to center — " + "; ".join(parts) + "."])


def _bias_section(document, display, fig) -> str:
    boot = document.get("bootstrap", {})
    c = boot.get("concordance", {})
    parts = [
        html.table_html(display["bias_aware"]),
        html.bias_explanation(document["naive_vs_bias_aware"]),
        fig("simon-makuch-figure"),
    ]
    if "landmarks" in display:
        parts.append(html.table_html(display["landmarks"]))
    if c:
        parts.append(
            html.paragraphs(
                [
                    f"Bootstrap ({boot['n_resamples']} resamples, seed {boot['seed']}, "
                    f"{boot['n_failed']} failed): C-index of the multivariable Cox model "
                    f"{number(c['apparent'], 3)} apparent, {number(c['corrected'], 3)} "
                    f"optimism-corrected (optimism {number(c['optimism'], 3)}). Mantel–Byar "
                    f"test p {p_phrase(document['mantel_byar']['p_value'])}."
                ]
            )
        )
    return "".join(parts)


def _quality(study, cohort: pd.DataFrame, flow: list[dict], warnings: list) -> str:
    """Validation warnings by file and column (counts only: messages can hold values),
    missing values per analysed variable, and the exclusions."""
    if warnings:
        counts = (
            pd.DataFrame(
                [
                    {"file": w.file, "column": w.column or "", "severity": w.severity}
                    for w in warnings
                ]
            )
            .value_counts()
            .reset_index(name="n")
        )
        rows = [[r["file"], r["column"], r["severity"], str(r["n"])] for _, r in counts.iterrows()]
        listed = tables.DisplayTable.flat(
            "warnings",
            "Validation warnings",
            ["File", "Column", "Severity", "Rows"],
            rows,
            ["Run `nedcohort validate` on the records for the row-by-row list with fixes."],
        )
        warned = html.table_html(listed)
    else:
        warned = "<p>Validation found no warnings.</p>"
    variables = _analysed(study)
    present = [v for v in variables if v in cohort.columns]
    rows = [
        [
            COVARIATE_LABELS.get(v, (v,))[0],
            str(int(cohort[v].isna().sum())),
            number(100 * cohort[v].isna().mean(), 1),
        ]
        for v in present
    ]
    missing = tables.DisplayTable.flat(
        "missing",
        "Missing values in the analysed cohort",
        ["Variable", "Missing", "%"],
        rows,
        ["Models use complete cases unless imputation is on."],
    )
    excluded = "".join(f"<li>{step['step']}: {step['n_excluded']} excluded</li>" for step in flow)
    return warned + html.table_html(missing) + f"<h3>Exclusions</h3><ul>{excluded}</ul>"


def _analysed(study) -> list[str]:
    a = study.analyses
    names = [*a.table1, *a.table1_fisher]
    for model in (a.logistic, a.cox):
        if model is not None:
            names += [*model.covariates, *model.univariable]
    return list(dict.fromkeys(names))
