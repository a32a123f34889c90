"""Forest plots of odds or hazard ratios with their confidence intervals (log scale)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from nedcohort.report.figures.save import STYLE, save

TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def draw_forest(
    rows: list[dict],
    path_stem: str | Path,
    *,
    xlabel: str,
    ratio: str = "hr",
) -> list[Path]:
    """``rows``: label, ``ratio``, ci_lower, ci_upper (``ratio`` None: a reference row,
    drawn as a hollow marker at 1). Written as ``<stem>.png`` and ``<stem>.svg``."""
    n = len(rows)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.5, 0.32 * n + 1.0))
    y = np.arange(n)[::-1]
    finite = []
    for yi, row in zip(y, rows, strict=True):
        est = row.get(ratio)
        if est is None:
            ax.plot(1, yi, "o", mfc="white", mec="#555", ms=4)
            continue
        low, high = row["ci_lower"], row["ci_upper"]
        ax.plot([low, high], [yi, yi], color="#1b6ca8", lw=1.2)
        ax.plot(est, yi, "s", color="#1b6ca8", ms=4.5, gid=f"forest|{row['label']}")
        finite += [low, high]
    ax.axvline(1, color="#555", lw=0.8, ls="--")
    ax.set_xscale("log")
    if finite:
        lo, hi = min(min(finite), 0.5) / 1.3, max(max(finite), 2.0) * 1.3
        ax.set_xlim(lo, hi)
        ticks = [t for t in TICKS if lo <= t <= hi]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_yticks(y, [row["label"] for row in rows])
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(left=False)
    fig.tight_layout()
    return save(fig, path_stem)
