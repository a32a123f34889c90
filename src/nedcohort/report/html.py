"""The self-contained HTML report: one file, inline SVG figures and CSS, no script.

Nothing is fetched when the file is opened (no fonts, scripts or images from anywhere),
so it can be mailed, archived and opened offline. Sections follow a manuscript: methods,
flow, Table 1, the models with forest plots, survival, the bias-aware analyses,
imputation, then a data-quality appendix and the run's manifest.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from nedcohort.report.formatting import number, p_phrase
from nedcohort.report.tables import DisplayTable

CSS = """
body{font-family:Georgia,'DejaVu Serif',serif;max-width:62rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:1px solid #ccc;padding-bottom:.2rem}h3{font-size:1.05rem}
table.journal{border-collapse:collapse;margin:.6rem 0 .2rem;font-size:.86rem;
font-family:'DejaVu Sans',Arial,sans-serif}
table.journal caption{text-align:left;font-weight:bold;padding-bottom:.4rem}
table.journal thead th{border-top:2px solid #000;border-bottom:1px solid #000;
padding:.3rem .6rem;text-align:center}
table.journal thead th:first-child,table.journal td:first-child{text-align:left}
table.journal td{padding:.18rem .6rem;text-align:center}
table.journal tbody tr:last-child td{border-bottom:2px solid #000}
td.indent{padding-left:1.6rem !important}
p.note{font-size:.78rem;margin:.1rem 0;font-family:'DejaVu Sans',Arial,sans-serif}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444}
.summary{color:#444}
pre{font-size:.75rem;background:#f6f6f6;padding:.6rem;overflow-x:auto}
"""


def table_html(table: DisplayTable) -> str:
    """A journal-style table with its caption and footnotes."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for row, indent in zip(table.rows, table.indent, strict=True):
        cells = [
            ("<td class='indent'>" if indent and j == 0 else "<td>") + f"{html.escape(c)}</td>"
            for j, c in enumerate(row)
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in table.footnotes)
    return (
        f"<table class='journal' id='{table.name}'><caption>{html.escape(table.title)}"
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}"
    )


def inline_svg(path: Path, element_id: str, caption: str) -> str:
    """The SVG file's markup inside a <figure> (XML prolog and DOCTYPE removed)."""
    svg = path.read_text()
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg, flags=re.S)
    return (
        f"<figure id='{element_id}'>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{html.escape(t)}</p>" for t in texts)


def render(
    title: str,
    summary: str,
    sections: list[tuple[str, str, str]],
) -> str:
    """The document: ``sections`` are (id, heading, inner HTML)."""
    body = "".join(
        f"<section id='{sid}'><h2>{html.escape(heading)}</h2>{inner}</section>"
        for sid, heading, inner in sections
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='summary'>{html.escape(summary)}</p>"
        f"{body}</body></html>\n"
    )


def bias_explanation(rows: list[dict]) -> str:
    """Why the naive and bias-aware hazard ratios differ, in plain words, with numbers."""
    naive = rows[0]
    dependent = next((r for r in rows if r["method"].startswith("time-dependent")), None)
    text = (
        "The naive analysis treats NED as known from first-line start, although a patient "
        "can only be in the NED group after reaching NED. The months before NED — when "
        "the patient had to be alive and progression-free to reach NED at all — are "
        "credited to the NED group, which makes NED look more protective than it is "
        "(guarantee-time or immortal-time bias; Suissa 2008)."
    )
    if dependent is not None:
        text += (
            f" Here the naive hazard ratio is {number(naive['hr'])}; counting each patient "
            f"in the NED group only from the NED date, it is {number(dependent['hr'])} "
            f"(p {p_phrase(dependent['p_value'])}). Landmark analyses answer the same question "
            "for patients still progression-free at a fixed time."
        )
    return f"<p>{html.escape(text)}</p>"


def manifest_html(manifest: dict) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in manifest["packages"].items() if v)
    inputs = "".join(
        f"<tr><td>{html.escape(name)}</td><td><code>{digest[:16]}…</code></td></tr>"
        for name, digest in manifest["inputs"].items()
    )
    protocol = html.escape(json.dumps(manifest["protocol"], indent=2))
    return (
        f"<p>Seed {manifest['seed']}; packages: {html.escape(packages)}.</p>"
        f"<table class='journal' id='inputs'><caption>Input files (SHA-256)</caption>"
        f"<thead><tr><th>file</th><th>hash</th></tr></thead><tbody>{inputs}</tbody></table>"
        f"<details><summary>Protocol as run</summary><pre>{protocol}</pre></details>"
    )
