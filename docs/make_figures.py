"""Draw the README figure from a real analysis: GBSG recurrence-free survival by hormonal therapy.

Usage: .venv/bin/python docs/make_figures.py   (needs matplotlib: pip install '.[docs]')
Every number drawn comes from ``nedcohort.stats``; the numbers at risk are ``KaplanMeier.at``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import nedcohort as nc

HERE = Path(__file__).parent
DATA = HERE.parent / "tests" / "reference" / "data" / "gbsg.csv"


def main() -> None:
    gbsg = pd.read_csv(DATA)
    gbsg["months"] = gbsg["rfstime"] / 30.4375
    gbsg["therapy"] = np.where(gbsg["hormon"] == 1, "Hormonal therapy", "No hormonal therapy")
    km = nc.stats.kaplan_meier(gbsg, "months", "status", by="therapy")
    test = nc.stats.logrank(gbsg, "months", "status", "therapy")
    reference = {"therapy": "No hormonal therapy"}
    fit = nc.stats.cox(gbsg, "months", "status", ["therapy"], reference=reference)
    ticks = np.arange(0, 90, 12)
    at_risk = km.at(ticks)

    fig, (ax, table) = plt.subplots(
        2, 1, figsize=(7, 5), gridspec_kw={"height_ratios": [4, 1]}, sharex=True
    )
    colors = {"Hormonal therapy": "#1b6ca8", "No hormonal therapy": "#c0392b"}
    for group in km.groups:
        rows = km.table[km.table["group"] == group]
        t = np.concatenate([[0.0], rows["time"]])
        s = np.concatenate([[1.0], rows["survival"]])
        ax.step(t, s, where="post", color=colors[group], label=group)
        low = np.concatenate([[1.0], rows["ci_lower"]])
        high = np.concatenate([[1.0], rows["ci_upper"]])
        ax.fill_between(t, low, high, step="post", color=colors[group], alpha=0.12, lw=0)
        censored = rows[rows["n_censor"] > 0]
        ax.plot(censored["time"], censored["survival"], "|", color=colors[group], ms=6)
    hr = fit.table.iloc[0]
    label = (
        f"log-rank p = {test.p_value:.3f}\n"
        f"HR {hr['hr']:.2f} (95% CI {hr['ci_lower']:.2f}–{hr['ci_upper']:.2f})"
    )
    ax.text(2, 0.08, label, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Recurrence-free survival")
    ax.legend(frameon=False, loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    rows_from_top = list(reversed(km.groups))  # first group on the top line, as the legend
    for row, group in enumerate(rows_from_top):
        counts = at_risk[at_risk["group"] == group]
        for tick, n in zip(counts["time"], counts["n_risk"], strict=True):
            table.text(tick, row, str(n), ha="center", va="center", color=colors[group], fontsize=9)
    table.set_yticks(range(len(km.groups)), rows_from_top, fontsize=8)
    table.set_ylim(-0.6, len(km.groups) - 0.4)
    table.set_title("Number at risk", fontsize=9, loc="left")
    table.set_xticks(ticks)
    table.set_xlabel("Months since surgery")
    table.tick_params(left=False)
    table.spines[["top", "right", "left"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(HERE / "figures" / "gbsg_km.png", dpi=150)


if __name__ == "__main__":
    main()
