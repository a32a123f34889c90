"""Number formatting for rendered tables, in one place (results.json keeps raw floats)."""

from __future__ import annotations

import math


def p_value(p: float | None) -> str:
    """``<0.001`` below 0.001, else three decimals."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_phrase(p: float | None) -> str:
    """``= 0.012`` or ``<0.001``: the p-value as it follows a "p" in running text."""
    shown = p_value(p)
    return shown if shown.startswith("<") else f"= {shown}"


def number(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}f}"


def ratio_ci(estimate: float, low: float, high: float) -> str:
    """``4.79 (1.11–20.60)``."""
    return f"{number(estimate)} ({number(low)}–{number(high)})"
