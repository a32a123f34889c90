"""Figures drawn from result objects (matplotlib, no state kept between figures)."""

from nedcohort.report.figures.km import draw_km

__all__ = ["draw_km"]
