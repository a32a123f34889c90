"""Render the data model as Markdown (``docs/data-model.md`` is generated from this)."""

from __future__ import annotations

from nedcohort.schema.tables import TABLES


def render_markdown() -> str:
    """The data-model reference page."""
    lines = [
        "# Record data model",
        "",
        "Generated from `src/nedcohort/schema/tables.py` by `python -m nedcohort.schema.docs`;"
        " a test fails when this page is out of date.",
        "",
        "Files are named after their table (`patients.csv`, `patients.parquet`, a sheet",
        "`patients` in one workbook, `patients.sav`) or are tables of those names in a DuckDB",
        "file. Dates are ISO `YYYY-MM-DD`. Extra columns are allowed and kept. **Bold** columns",
        "are required.",
        "",
    ]
    for table in TABLES.values():
        lines += [f"## `{table.name}`", "", f"{table.description.capitalize()}; key: "
                  f"{', '.join(table.key)}."]  # fmt: skip
        if table.references:
            refs = ", ".join(f"`{c}` → `{t}`" for c, t in table.references.items())
            lines.append(f"References: {refs}.")
        lines += ["", "| column | type | allowed | unit | description |", "|---|---|---|---|---|"]
        for c in table.columns:
            name = f"**{c.name}**" if c.required else c.name
            if c.allowed:
                allowed = ", ".join(f"`{a}`" for a in c.allowed)
            elif c.minimum is not None or c.maximum is not None:
                low = "" if c.minimum is None else f"{c.minimum:g}"
                high = "" if c.maximum is None else f"{c.maximum:g}"
                allowed = f"{low} – {high}".strip()
            else:
                allowed = ""
            lines.append(f"| {name} | {c.type} | {allowed} | {c.unit} | {c.description} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[3] / "docs" / "data-model.md"
    target.write_text(render_markdown())
    print(f"wrote {target}")
