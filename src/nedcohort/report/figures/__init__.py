"""Figures drawn from result objects (matplotlib, no state kept between figures)."""

from nedcohort.report.figures.flow import draw_flow
from nedcohort.report.figures.forest import draw_forest
from nedcohort.report.figures.km import draw_km

__all__ = ["draw_flow", "draw_forest", "draw_km"]
