"""Draw the documentation figures from real analyses.

Usage: .venv/bin/python docs/make_figures.py
- figures/demo_km.png: PFS by radiologic NED in the demo study (`nedcohort demo`, seed 2026)
- figures/gbsg_km.png: GBSG recurrence-free survival by hormonal therapy (real data)
Every number drawn comes from ``nedcohort.stats``; the figure is ``nedcohort.report``'s.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import nedcohort as nc
from nedcohort.pipeline import run_study
from nedcohort.protocol import load_protocol
from nedcohort.report.figures import draw_km
from nedcohort.simulate import DEFAULT_PATIENTS, DEFAULT_SEED, write_population

HERE = Path(__file__).parent
ROOT = HERE.parent


def demo_figure() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records"
        write_population(records, DEFAULT_PATIENTS, DEFAULT_SEED, "csv")
        study = load_protocol(ROOT / "src" / "nedcohort" / "protocols" / "tog-her2-ned.yaml")
        data = study.data.model_copy(update={"source": str(records)})
        run_study(study.model_copy(update={"data": data}), Path(tmp) / "out")
        shutil.copy(Path(tmp) / "out" / "figures" / "km.png", HERE / "figures" / "demo_km.png")


def gbsg_figure() -> None:
    gbsg = pd.read_csv(ROOT / "examples" / "gbsg" / "gbsg.csv")
    gbsg["months"] = gbsg["rfstime"] / 30.4375
    gbsg["therapy"] = np.where(gbsg["hormon"] == 1, "Hormonal therapy", "No hormonal therapy")
    km = nc.stats.kaplan_meier(gbsg, "months", "status", by="therapy")
    test = nc.stats.logrank(gbsg, "months", "status", "therapy")
    fit = nc.stats.cox(
        gbsg, "months", "status", ["therapy"], reference={"therapy": "No hormonal therapy"}
    )
    hr = fit.table.iloc[0]
    with tempfile.TemporaryDirectory() as tmp:
        png, _ = draw_km(
            km,
            Path(tmp) / "gbsg",
            logrank_p=test.p_value,
            annotation=f"HR {hr['hr']:.2f} (95% CI {hr['ci_lower']:.2f}–{hr['ci_upper']:.2f})",
            ylabel="Recurrence-free survival",
            xlabel="Months since surgery",
        )
        shutil.copy(png, HERE / "figures" / "gbsg_km.png")


if __name__ == "__main__":
    demo_figure()
    gbsg_figure()
