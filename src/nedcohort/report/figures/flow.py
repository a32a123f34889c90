"""The flow diagram (STROBE/CONSORT style), drawn from the eligibility steps themselves.

A main column of boxes — the source population, then the patients remaining after each
step, ending with the analysed cohort — with an exclusion box beside each arrow giving
the step's criterion, its excluded count and the reasons. Every count comes from the
flow rows of ``results.json``; nothing is typed in.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from nedcohort.report.figures.save import STYLE, save

BOX = {"boxstyle": "round,pad=0.02,rounding_size=0.01", "fc": "white", "ec": "#333", "lw": 0.8}


def _box(ax, x: float, y: float, w: float, h: float, text: str, gid: str) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, **BOX))
    ax.text(x, y, text, ha="center", va="center", fontsize=8, wrap=True, gid=gid)


def draw_flow(
    steps: list[dict],
    path_stem: str | Path,
    *,
    source_label: str = "Patients in the source records",
    final_label: str = "Analysed cohort",
    reasons: list[list[str]] | None = None,
) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` of the flow; ``steps`` are results.json rows
    (step, n_before, n_excluded, n_after, reasons). ``reasons``: the exclusion lines of
    each step as the tables print them (e.g. with small-cell suppression); default: every
    reason with its count."""
    shown = reasons or [[f"{r}: {k}" for r, k in step["reasons"].items()] for step in steps]
    n = len(steps)
    height = 1.1 * (n + 1)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.5, 0.95 * (n + 1) + 0.3))
    ax.set_xlim(0, 12)
    ax.set_ylim(-0.6, height)
    ax.axis("off")
    y = height - 0.6
    _box(ax, 2.2, y, 3.8, 0.6, f"{source_label}\nn = {steps[0]['n_before']}", "flow|source")
    for i, step in enumerate(steps):
        y_next = y - 1.1
        ax.annotate(
            "", (2.2, y_next + 0.3), (2.2, y - 0.3), arrowprops={"arrowstyle": "-|>", "lw": 0.8}
        )
        lines = [f"Excluded: {step['n_excluded']} (criterion: {step['step']})"]
        lines += shown[i]
        ax.plot([2.2, 4.6], [y - 0.55, y - 0.55], color="#333", lw=0.8)
        _box(
            ax, 8.2, y - 0.55, 7.2, 0.2 + 0.17 * len(lines), "\n".join(lines), f"flow|excluded|{i}"
        )
        label = final_label if i == n - 1 else "Remaining"
        _box(ax, 2.2, y_next, 3.8, 0.6, f"{label}\nn = {step['n_after']}", f"flow|after|{i}")
        y = y_next
    return save(fig, path_stem)
