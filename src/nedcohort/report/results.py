"""Write results.json, manifest.json, tables/*.csv and a minimal report.html.

Computation never formats: this module only renders the result objects it is given.
results.json holds raw floats (missing values as null); rounding happens only in the
rendered tables.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from nedcohort.report.figures import draw_km
from nedcohort.report.formatting import number, p_value, ratio_ci


def _clean(value):
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.strftime("%Y-%m-%d")
    return value


def results_dict(results: dict) -> dict:
    """The results.json document (DESIGN §6 keys plus univariable models and Table 1)."""
    out = {
        "conventions": results["conventions"],
        "flow": results["flow"],
        "cohort": results["cohort"],
        "km": results["km"].to_dict(),
        "logrank": results["logrank"].to_dict(),
    }
    if "logistic" in results:
        fit = results["logistic"]
        out["logistic"] = fit.to_dict()
        out["logistic_notes"] = fit.notes
        out["logistic_univariable"] = [
            row for f in results["logistic_univariable"] for row in f.to_dict()[1:]
        ]
    if "cox" in results:
        fit = results["cox"]
        out["cox"] = fit.to_dict()
        out["cox_notes"] = fit.notes
        out["cox_univariable"] = [row for f in results["cox_univariable"] for row in f.to_dict()]
    for key in ("logistic_ml", "cox_center_cluster", "cox_center_strata"):
        if key in results:
            out[key] = results[key].to_dict()
            out[f"{key}_notes"] = results[key].notes
    if "cox" in results:
        out["events_per_variable"] = {
            "cox": results["cox"].events_per_variable,
            **(
                {"logistic": results["logistic"].events_per_variable}
                if "logistic" in results
                else {}
            ),
        }
    if "table1" in results:
        out["table1"] = results["table1"].to_dict()
    if "bias_aware" in results:
        out.update(results["bias_aware"])
    if "imputation" in results:
        out["imputation"] = results["imputation"]
    return _clean(out)


def write_outputs(folder: Path, study, flow, results: dict, manifest: dict) -> None:
    """Everything a run leaves behind, except the study database."""
    document = results_dict(results)
    (folder / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(_clean(manifest), indent=2) + "\n")
    tables = folder / "tables"
    tables.mkdir()
    flow.steps.assign(reasons=flow.steps["reasons"].map(json.dumps)).to_csv(
        tables / "flow.csv", index=False
    )
    if "table1" in results:
        results["table1"].table.to_csv(tables / "table1.csv", index=False)
    results["km"].medians.to_csv(tables / "km_medians.csv", index=False)
    if "logistic" in results:
        _model_table(results["logistic"], results["logistic_univariable"]).to_csv(
            tables / "logistic.csv", index=False
        )
    if "cox" in results:
        _model_table(results["cox"], results["cox_univariable"]).to_csv(
            tables / "cox.csv", index=False
        )
    figures = folder / "figures"
    figures.mkdir()
    is_ned = study.data.level == "records" and study.analyses.km_by == "ned"
    draw_km(
        results["km"],
        figures / "km",
        labels={"0": "No NED", "1": "NED"} if is_ned else None,
        logrank_p=results["logrank"].p_value,
        ylabel="Progression-free survival" if study.data.level == "records" else "Survival",
    )
    (folder / "report.html").write_text(_html(study, document))


def _model_table(multivariable, univariable: list) -> pd.DataFrame:
    uni = pd.concat([f.table for f in univariable], ignore_index=True)
    uni = uni[uni["term"] != "(Intercept)"].assign(model="univariable")
    multi = multivariable.table[multivariable.table["term"] != "(Intercept)"]
    return pd.concat([uni, multi.assign(model="multivariable")], ignore_index=True)


def _rows(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(study, doc: dict) -> str:
    """A minimal self-contained report (the full report is issue 7)."""
    flow = _rows(
        ["step", "before", "excluded", "after", "reasons"],
        [
            [
                s["step"],
                s["n_before"],
                s["n_excluded"],
                s["n_after"],
                "; ".join(f"{k}: {v}" for k, v in s["reasons"].items()),
            ]
            for s in doc["flow"]
        ],
    )
    km = _rows(
        ["group", "n", "events", "median PFS (months)", "95 % CI"],
        [
            [
                g["group"],
                g["n"],
                g["events"],
                number(g["median"], 1),
                f"{number(g['ci_lower'], 1)}–{number(g['ci_upper'], 1)}",
            ]
            for g in doc["km"]
        ],
    )
    sections = [
        f"<h2>Flow</h2>{flow}",
        f"<h2>Progression-free survival</h2>{km}"
        f"<p>Log-rank p = {p_value(doc['logrank']['p_value'])}</p>",
    ]
    if "logistic" in doc:
        rows = [
            [
                r["term"],
                ratio_ci(r["odds_ratio"], r["ci_lower"], r["ci_upper"]),
                p_value(r["p_value"]),
            ]
            for r in doc["logistic"]
            if r["term"] != "(Intercept)"
        ]
        sections.append(
            "<h2>Logistic regression for NED (multivariable)</h2>"
            + _rows(["term", "OR (95 % CI)", "p"], rows)
        )
    if "cox" in doc:
        rows = [
            [r["term"], ratio_ci(r["hr"], r["ci_lower"], r["ci_upper"]), p_value(r["p_value"])]
            for r in doc["cox"]
        ]
        sections.append(
            "<h2>Cox regression for PFS (multivariable)</h2>"
            + _rows(["term", "HR (95 % CI)", "p"], rows)
        )
    style = (
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse;margin:1rem 0}"
        "th,td{padding:.25rem .6rem;border-bottom:1px solid #ccc;text-align:left}"
    )
    cohort = doc["cohort"]
    ned = f", {cohort['n_ned']} with radiologic NED" if "n_ned" in cohort else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(study.name)}"
        f"</title><style>{style}</style></head><body><h1>{html.escape(study.name)}</h1>"
        f"<p>Cohort: {cohort['n']} patients{ned}. Conventions: {doc['conventions']}.</p>"
        f"{''.join(sections)}</body></html>\n"
    )
