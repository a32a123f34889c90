"""Tables as LaTeX (booktabs: \\toprule, \\midrule, \\bottomrule), for journals that take it."""

from __future__ import annotations

from nedcohort.report.tables import DisplayTable

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "χ": r"$\chi$",
    "²": r"$^2$",
    "–": "--",
}


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def to_latex(table: DisplayTable) -> str:
    """A ``table`` environment with a booktabs tabular and the footnotes below."""
    spec = "l" + "c" * (len(table.columns) - 1)
    lines = [
        r"\begin{table}[ht]",
        r"\centering",
        rf"\caption{{{escape(table.title)}}}",
        rf"\label{{tab:{table.name}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(escape(c) for c in table.columns) + r" \\",
        r"\midrule",
    ]
    for row, indent in zip(table.rows, table.indent, strict=True):
        cells = [escape(c) for c in row]
        if indent:
            cells[0] = r"\quad " + cells[0]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += [rf"\par\footnotesize {escape(note)}" for note in table.footnotes]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
