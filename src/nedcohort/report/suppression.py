"""Small-cell suppression for sharing tables outside the study group.

Counts from 1 to ``threshold − 1`` are shown as ``<threshold`` (primary suppression).
A suppressed cell must not be recoverable from the published totals: wherever a
row or column constraint (cells adding up to a shown total) holds exactly one
suppressed cell, the smallest other cell of that constraint is suppressed too
(complementary suppression), repeated until no constraint has a single hidden cell.
Reference: Hundepool et al., *Statistical Disclosure Control* (Wiley 2012), §5.2–5.4.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def primary(counts: np.ndarray, threshold: int | None) -> np.ndarray:
    """Cells with 0 < count < threshold."""
    counts = np.asarray(counts)
    if threshold is None:
        return np.zeros(counts.shape, dtype=bool)
    return (counts > 0) & (counts < threshold)


def complementary(
    counts: np.ndarray, hidden: np.ndarray, constraints: Sequence[Sequence[tuple[int, int]]]
) -> np.ndarray:
    """Extend ``hidden`` until no constraint (a list of cells whose sum is published)
    has exactly one hidden cell."""
    counts = np.asarray(counts, dtype=float)
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for cells in constraints:
            shown = [c for c in cells if not hidden[c]]
            if len(cells) - len(shown) == 1 and shown:
                smallest = min(shown, key=lambda c: (counts[c], c))
                hidden[smallest] = True
                changed = True
    return hidden


def table_mask(counts: np.ndarray, threshold: int | None, total_column: bool) -> np.ndarray:
    """Cells to hide in a levels × groups table whose column totals are published; with
    ``total_column`` its last column is each row's total over the other columns."""
    counts = np.asarray(counts)
    hidden = primary(counts, threshold)
    if not hidden.any():
        return hidden
    rows, cols = counts.shape
    constraints = [[(i, j) for i in range(rows)] for j in range(cols)]
    if total_column:
        constraints += [[(i, j) for j in range(cols)] for i in range(rows)]
    return complementary(counts, hidden, constraints)


CONFIDENTIAL = "x"  # a count hidden only so that a small one cannot be derived


def shown(count: int, hidden: bool, threshold: int | None) -> str:
    """The count as printed: ``<5`` for a small count, ``x`` for a complementary cell."""
    if not hidden:
        return f"{int(count)}"
    return f"<{threshold}" if 0 < count < (threshold or 0) else CONFIDENTIAL
