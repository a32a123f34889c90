"""Rendering of result objects: results.json, tables (CSV), the HTML report."""
