"""Publication tables built once from the result objects, then written as CSV, DOCX,
LaTeX and HTML — so every format shows the same strings.

Each table is a ``DisplayTable``: a title, column headers, rows of already formatted
cells (an ``indent`` flag per row for levels under a variable), and footnotes naming
the tests and abbreviations. Formatting follows journal habits (gtsummary, SPSS
users' manuscripts): ratios with 2 decimals and an en-dash CI, p-values ``<0.001`` or
3 decimals, n (%) with one decimal, median (Q1–Q3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nedcohort.protocol import COVARIATE_LABELS
from nedcohort.report import suppression
from nedcohort.report.formatting import number, p_value, ratio_ci

REFERENCE = "1 (reference)"


@dataclass(frozen=True)
class DisplayTable:
    """A rendered table: every cell already a string."""

    name: str  # file stem and HTML id
    title: str
    columns: list[str]
    rows: list[list[str]]
    indent: list[bool]
    footnotes: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame of strings (what the CSV holds)."""
        return pd.DataFrame(self.rows, columns=self.columns)

    @classmethod
    def flat(
        cls, name: str, title: str, columns: list[str], rows: list[list[str]], notes: list[str]
    ) -> DisplayTable:
        """A table without indented rows."""
        return cls(name, title, columns, rows, [False] * len(rows), notes)


@dataclass(frozen=True)
class Labels:
    """How variables and groups are named in tables."""

    variables: dict[str, tuple[str, str | None, str | None]]  # name -> label, ref, level
    groups: dict[str, str]  # group code -> name

    def of(self, name: str) -> str:
        return self.variables.get(name, (name, None, None))[0]


def labels_for(study) -> Labels:
    """Records level: the covariate catalog; patients level: the column names."""
    if study.data.level == "records":
        variables = dict(COVARIATE_LABELS)
        groups = {"0": "No NED", "1": "NED"} if study.analyses.km_by == "ned" else {}
    else:
        variables, groups = {}, {}
    return Labels(variables, groups)


# ---- flow -----------------------------------------------------------------------------


def shown_reasons(step: dict, threshold: int | None) -> list[str]:
    """``reason: count`` of one flow step, small counts suppressed (with the complementary
    cells: the reasons add up to the step's excluded count) — for the table and figure."""
    reasons = list(step["reasons"].items())
    counts = np.array([[k] for _, k in reasons]) if reasons else np.zeros((0, 1))
    hidden = suppression.table_mask(counts, threshold, total_column=False)
    return [
        f"{reason}: {suppression.shown(k, hidden[i, 0], threshold)}"
        for i, (reason, k) in enumerate(reasons)
    ]


def flow_table(flow: list[dict], threshold: int | None) -> DisplayTable:
    """One row per eligibility step; reasons with small counts suppressed if asked."""
    rows = []
    for step in flow:
        text = "; ".join(shown_reasons(step, threshold))
        rows.append(
            [
                step["step"],
                str(step["n_before"]),
                str(step["n_excluded"]),
                str(step["n_after"]),
                text,
            ]
        )
    notes = ["Each patient is excluded by the first step it fails; counts add up."]
    if threshold:
        notes.append(_suppression_note(threshold))
    return DisplayTable.flat(
        "flow",
        "Patient flow",
        ["Eligibility step", "Before", "Excluded", "Remaining", "Reasons for exclusion"],
        rows,
        notes,
    )


def _suppression_note(threshold: int) -> str:
    return (
        f"<{threshold}: a count from 1 to {threshold - 1}, suppressed; x: suppressed so that "
        "a small count cannot be derived from the totals."
    )


# ---- Table 1 --------------------------------------------------------------------------

TEST_ABBREVIATIONS = {
    "Pearson chi-square": "Pearson's χ² test",
    "Fisher": "Fisher's exact test",
    "Mann-Whitney": "Mann–Whitney U test",
    "Kruskal": "Kruskal–Wallis test",
    "Welch": "Welch's t test",
    "Student": "Student's t test",
}


def test_name(test: str) -> str:
    for key, name in TEST_ABBREVIATIONS.items():
        if test.startswith(key):
            return name
    return test


def table1(comparison, labels: Labels, threshold: int | None) -> DisplayTable:
    """Characteristics by group with tests (gtsummary-like layout)."""
    t = comparison.table
    groups = [*comparison.groups, "Overall"]
    first = t[t["variable"] == t["variable"].iloc[0]].drop_duplicates("group").set_index("group")
    sizes = {g: int(first.loc[g, "denominator"] + first.loc[g, "missing"]) for g in groups}
    header = [
        "Characteristic",
        f"Overall (N = {sizes['Overall']})",
        *[f"{labels.groups.get(g, g)} (N = {sizes[g]})" for g in comparison.groups],
        "p-value",
    ]
    order = ["Overall", *comparison.groups]
    letters: dict[str, str] = {}
    rows: list[list[str]] = []
    indent: list[bool] = []
    for variable, part in t.groupby("variable", sort=False):
        test = test_name(str(part["test"].iloc[0]))
        mark = letters.setdefault(test, "abcdefgh"[len(letters)])
        p = f"{p_value(part['p_value'].iloc[0])}{mark}"
        label = labels.of(variable)
        if part["kind"].iloc[0] == "continuous":
            cells = []
            for g in order:
                r = part[part["group"] == g].iloc[0]
                cells.append(
                    f"{number(r['median'], 1)} ({number(r['q1'], 1)}–{number(r['q3'], 1)})"
                )
            rows.append([label, *cells, p])
            indent.append(False)
            missing = [int(part[part["group"] == g].iloc[0]["missing"]) for g in order]
            if any(missing):
                rows.append(["Unknown", *[str(m) for m in missing], ""])
                indent.append(True)
            continue
        rows.append([label, *[""] * len(order), p])
        indent.append(False)
        levels = list(dict.fromkeys(part["level"]))
        counts = np.array(
            [
                [
                    int(part[(part["level"] == lv) & (part["group"] == g)]["n"].iloc[0])
                    for g in order
                ]
                for lv in levels
            ]
        )
        denominators = [
            float(part[(part["level"] == levels[0]) & (part["group"] == g)]["denominator"].iloc[0])
            for g in order
        ]
        missing = np.array([int(part[part["group"] == g]["missing"].iloc[0]) for g in order])
        full = np.vstack([counts, missing[None, :]]) if missing.any() else counts
        # columns: Overall first, then groups; the total column for the constraint is Overall
        hidden = suppression.table_mask(full[:, [*range(1, len(order)), 0]], threshold, True)
        hidden = hidden[:, [len(order) - 1, *range(len(order) - 1)]]
        names = _level_names(variable, levels, labels)
        for i, level in enumerate(levels):
            cells = []
            for j in range(len(order)):
                k = counts[i, j]
                shown = suppression.shown(k, hidden[i, j], threshold)
                pct = 100 * k / denominators[j] if denominators[j] else np.nan
                cells.append(shown if hidden[i, j] else f"{shown} ({number(pct, 1)})")
            rows.append([names[level], *cells, ""])
            indent.append(True)
        if missing.any():
            rows.append(
                [
                    "Unknown",
                    *[
                        suppression.shown(m, hidden[-1, j], threshold)
                        for j, m in enumerate(missing)
                    ],
                    "",
                ]
            )
            indent.append(True)
    notes = [
        "n (%) of patients with a known value; median (Q1–Q3) for continuous variables.",
        *[f"{letter} {test}" for test, letter in letters.items()],
    ]
    if threshold:
        notes.append(_suppression_note(threshold))
    return DisplayTable("table1", "Table 1. Patient characteristics", header, rows, indent, notes)


def _level_names(variable: str, levels: list, labels: Labels) -> dict:
    _, reference, level = labels.variables.get(variable, (variable, None, None))
    names = {lv: str(lv) for lv in levels}
    if reference is not None:
        for lv in levels:
            if str(lv) in ("0", "0.0", "False"):
                names[lv] = reference
            elif str(lv) in ("1", "1.0", "True"):
                names[lv] = level
    return names


# ---- regression tables ----------------------------------------------------------------


def _term_rows(fit, ratio: str) -> dict[str, dict]:
    table = fit.table[fit.table["term"] != "(Intercept)"]
    return {r["term"]: r for r in table.to_dict(orient="records")}


Row = tuple[str, str, bool, str]  # label, term (REFERENCE, or "" for a header), indent, variable


def _structure(variables: list[str], fits: list, labels: Labels) -> list[Row]:
    """The rows of a regression table for ``variables``: a continuous covariate or an
    unlabelled indicator is one row; a labelled indicator or a categorical covariate is
    a header, its reference level and each level against it."""
    out: list[Row] = []
    terms = {t for f in fits for t in f.terms}
    references = {k: v for f in fits for k, v in f.references.items()}
    for variable in variables:
        label, reference, level = labels.variables.get(variable, (variable, None, None))
        if variable in terms and reference is None:
            out.append((label, variable, False, variable))
        elif variable in terms:
            out += [
                (label, "", False, variable),
                (reference, REFERENCE, True, variable),
                (level, variable, True, variable),
            ]
        else:
            own = sorted(t for t in terms if t.startswith(f"{variable}["))
            out += [
                (label, "", False, variable),
                (str(references.get(variable, "reference")), REFERENCE, True, variable),
                *[(t[len(variable) + 1 : -1], t, True, variable) for t in own],
            ]
    return out


def model_table(
    name: str,
    title: str,
    multivariable,
    univariable: list,
    ratio: str,
    abbreviation: str,
    labels: Labels,
    notes: list[str],
) -> DisplayTable:
    """Univariable and multivariable ratios side by side, reference rows shown."""
    variables = list(
        dict.fromkeys(
            [v for f in univariable for v in f.assign]
            + (list(multivariable.assign) if multivariable is not None else [])
        )
    )
    uni = {t: r for f in univariable for t, r in _term_rows(f, ratio).items()}
    multi = _term_rows(multivariable, ratio) if multivariable is not None else {}
    in_model = (
        {v for f in univariable for v in f.assign},
        set(multivariable.assign) if multivariable is not None else set(),
    )
    fits = [*univariable, *([multivariable] if multivariable is not None else [])]
    rows, indent = [], []
    for label, term, indented, variable in _structure(variables, fits, labels):
        cells = []
        for source, variables_in in zip((uni, multi), in_model, strict=True):
            if term == REFERENCE and variable in variables_in:
                cells += [REFERENCE, ""]
            elif term in source:
                r = source[term]
                cells += [ratio_ci(r[ratio], r["ci_lower"], r["ci_upper"]), p_value(r["p_value"])]
            else:
                cells += ["", ""]
        rows.append([label, *cells])
        indent.append(indented)
    columns = [
        "Characteristic",
        f"Univariable {abbreviation} (95% CI)",
        "p",
        f"Multivariable {abbreviation} (95% CI)",
        "p",
    ]
    return DisplayTable(name, title, columns, rows, indent, notes)


def ratio_rows_for_forest(fit, ratio: str, labels: Labels) -> list[dict]:
    """Forest-plot rows of a multivariable model: one per term, named "variable: level vs
    reference" (or the variable's label for a continuous covariate)."""
    rows, header, reference = [], "", ""
    terms = _term_rows(fit, ratio)
    for label, term, indented, _ in _structure(list(fit.assign), [fit], labels):
        if term == "":
            header = label
        elif term == REFERENCE:
            reference = label
        else:
            r = terms[term]
            name = f"{header}: {label} vs {reference}" if indented else label
            rows.append(
                {
                    "label": name,
                    ratio: r[ratio],
                    "ci_lower": r["ci_lower"],
                    "ci_upper": r["ci_upper"],
                }
            )
    return rows


# ---- survival and bias-aware tables ------------------------------------------------------


def km_table(km, labels: Labels, logrank_p: float, spss: bool) -> DisplayTable:
    rows = []
    for r in km.medians.to_dict(orient="records"):
        ci = f"{number(r['ci_lower'], 1)}–{number(r['ci_upper'], 1)}"
        rows.append(
            [
                labels.groups.get(r["group"], r["group"]),
                str(r["n"]),
                str(r["events"]),
                number(r["median"], 1),
                ci,
            ]
        )
    method = "symmetric (SPSS)" if spss else "log transformation (R survival)"
    return DisplayTable.flat(
        "km_medians",
        "Median progression-free survival (Kaplan–Meier)",
        ["Group", "n", "Events", "Median (months)", "95% CI"],
        rows,
        [f"Log-rank p = {p_value(logrank_p)}. CI of the median: {method}; — not reached."],
    )


HR_COLUMNS = ["Analysis", "HR (95% CI)", "p", "n", "Events", "EPV"]


def bias_table(rows: list[dict]) -> DisplayTable:
    return DisplayTable.flat(
        "bias_aware",
        "Radiologic NED and PFS: the naive analysis and the bias-aware ones",
        HR_COLUMNS,
        [_hr_row(r["method"], r) for r in rows],
        [
            "HR: hazard ratio of progression or death for NED vs no NED. EPV: events per "
            "variable. The naive analysis counts NED from first-line start, crediting the "
            "time before NED to the NED group (guarantee-time bias).",
        ],
    )


def landmark_table(rows: list[dict]) -> DisplayTable:
    body = [[*_hr_row(f"{r['landmark']:g} months", r), p_value(r["logrank_p"])] for r in rows]
    return DisplayTable.flat(
        "landmarks",
        "Landmark analyses: NED fixed at the landmark, PFS from the landmark",
        ["Landmark", *HR_COLUMNS[1:], "Log-rank p"],
        body,
        ["Patients still progression-free at the landmark; NED reached by the landmark."],
    )


def _hr_row(label: str, r: dict) -> list[str]:
    return [
        label,
        ratio_ci(r["hr"], r["ci_lower"], r["ci_upper"]),
        p_value(r["p_value"]),
        str(r["n"]),
        str(r["events"]),
        number(r["events_per_variable"], 1),
    ]


def imputation_table(
    complete: list[dict], pooled: list[dict], labels: Labels, m: int
) -> DisplayTable:
    pooled_by = {r["term"]: r for r in pooled}
    rows = []
    for r in complete:
        if r["term"] == "(Intercept)":
            continue
        q = pooled_by[r["term"]]
        ratio = "hr" if "hr" in r else "odds_ratio"
        rows.append(
            [
                labels.of(r["term"]),
                ratio_ci(r[ratio], r["ci_lower"], r["ci_upper"]),
                p_value(r["p_value"]),
                ratio_ci(q[ratio], q["ci_lower"], q["ci_upper"]),
                p_value(q["p_value"]),
                number(q["fmi"], 2),
            ]
        )
    return DisplayTable.flat(
        "imputation",
        "Multivariable Cox model: complete cases and multiple imputation",
        [
            "Characteristic",
            "Complete-case HR (95% CI)",
            "p",
            f"MI HR (95% CI), m = {m}",
            "p",
            "FMI",
        ],
        rows,
        [
            "MI: multiple imputation by chained equations, pooled by Rubin's rules. FMI: fraction "
            "of missing information. Comparisons as in the Cox table (level coded 1 vs reference)."
        ],
    )
