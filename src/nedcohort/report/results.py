"""The results.json document: result objects turned into JSON-ready numbers.

results.json holds raw floats (missing values as null); rounding happens only in the
rendered tables (``nedcohort.report.tables``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def json_ready(value):
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
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
    return json_ready(out)
