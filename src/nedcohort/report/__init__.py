"""Rendering of result objects: results.json, publication tables (CSV, DOCX, LaTeX),
figures (PNG and SVG) and the self-contained HTML report. Nothing here computes."""
