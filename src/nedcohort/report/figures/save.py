"""Writing a figure: PNG at 300 dpi and an SVG whose text stays text.

SVG text is kept as ``<text>`` (``svg.fonttype = none``) so that the report can be
searched and checked (the numbers at risk and the flow counts are read back in tests),
and a fixed hash salt with no date keeps the file identical from run to run.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "nedcohort",
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


def save(fig: plt.Figure, path_stem: str | Path) -> list[Path]:
    """Write ``<stem>.png`` (300 dpi) and ``<stem>.svg``, close the figure, return paths."""
    stem = Path(path_stem)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    with plt.rc_context(STYLE):
        fig.savefig(paths[0], dpi=300)
        fig.savefig(paths[1], metadata={"Date": None})
    plt.close(fig)
    return paths
