"""Kaplan–Meier figure with censor marks, confidence bands and numbers at risk (survminer style).

Every number drawn comes from the ``KaplanMeier`` object; the numbers at risk are
``KaplanMeier.at(ticks)``, so the table under the plot equals the estimator's counts.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nedcohort.report.figures.save import STYLE, save
from nedcohort.report.formatting import p_phrase
from nedcohort.stats import KaplanMeier

COLORS = ("#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400")


def draw_km(
    km: KaplanMeier,
    path_stem: str | Path,
    *,
    labels: dict[str, str] | None = None,
    logrank_p: float | None = None,
    annotation: str | None = None,
    ylabel: str = "Survival",
    xlabel: str = "Months",
    tick_step: float | None = None,
    origin: float = 0.0,
) -> list[Path]:
    """Write ``<stem>.png`` (300 dpi) and ``<stem>.svg``; return the paths.

    ``origin``: where follow-up starts on the time axis (the delayed-entry time of a
    Simon–Makuch plot); curves, ticks and numbers at risk start there.
    """
    labels = labels or {}
    end = float(km.table["time"].max())
    step = tick_step or (12.0 if end > 48 else 6.0)
    ticks = np.arange(origin, end + step, step)
    at_risk = km.at(ticks)
    with plt.rc_context(STYLE):
        fig, (ax, table) = plt.subplots(
            2, 1, figsize=(7, 5), gridspec_kw={"height_ratios": [4, 1]}, sharex=True
        )
    for index, group in enumerate(km.groups):
        color = COLORS[index % len(COLORS)]
        rows = km.table[km.table["group"] == group]
        t = np.concatenate([[origin], rows["time"]])
        s = np.concatenate([[1.0], rows["survival"]])
        ax.step(t, s, where="post", color=color, label=labels.get(group, group))
        low = np.concatenate([[1.0], rows["ci_lower"].fillna(0)])
        high = np.concatenate([[1.0], rows["ci_upper"].fillna(1)])
        ax.fill_between(t, low, high, step="post", color=color, alpha=0.12, lw=0)
        censored = rows[rows["n_censor"] > 0]
        ax.plot(censored["time"], censored["survival"], "|", color=color, ms=6)
        median = km.medians.set_index("group").loc[group, "median"]
        if np.isfinite(median):  # the median: dashed guide from the 0.5 line down to the axis
            ax.plot([origin, median, median], [0.5, 0.5, 0], ls="--", lw=0.7, color=color)
    text = [] if logrank_p is None else [f"log-rank p {p_phrase(logrank_p)}"]
    if annotation:
        text.append(annotation)
    if text:
        ax.text(0.02, 0.05, "\n".join(text), transform=ax.transAxes, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(origin - step * 0.02, ticks[-1] + step * 0.02)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    order = list(reversed(km.groups))  # the first group on the top line, as in the legend
    for row, group in enumerate(order):
        color = COLORS[km.groups.index(group) % len(COLORS)]
        counts = at_risk[at_risk["group"] == group]
        for tick, n in zip(counts["time"], counts["n_risk"], strict=True):
            table.text(
                tick,
                row,
                str(n),
                ha="center",
                va="center",
                color=color,
                fontsize=9,
                gid=f"at-risk|{group}|{tick:g}",
            )
    table.set_yticks(range(len(order)), [labels.get(g, g) for g in order], fontsize=8)
    table.set_ylim(-0.6, len(order) - 0.4)
    table.set_title("Number at risk", fontsize=9, loc="left")
    table.set_xticks(ticks)
    table.set_xlabel(xlabel)
    table.tick_params(left=False)
    table.spines[["top", "right", "left"]].set_visible(False)
    fig.tight_layout()
    return save(fig, path_stem)
