"""Table 1: baseline characteristics by group, with the test chosen per variable.

Counts are n (%) of the non-missing values in each group, missing counted apart;
continuous variables are summarized by median [Q1–Q3] and range. The test follows
the protocol's conventions (DESIGN §4):

* categorical: Pearson χ² without continuity correction; Fisher's exact test when an
  expected count is < 5 (2×2: exact, as R ``fisher.test``; larger tables: the
  Fisher–Freeman–Halton statistic with a seeded Monte Carlo p-value, 100 000 tables).
* continuous, two groups: Mann–Whitney U. ``r``: as ``wilcox.test`` (exact when both
  groups have < 50 values and there are no ties, else normal approximation with
  continuity correction). ``spss``: normal approximation with tie correction and no
  continuity correction. Three or more groups: Kruskal–Wallis.
* quartiles: type 7 (``r``, R's default) or type 6 (``spss``, HAVERAGE)
  (Hyndman & Fan 1996).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from nedcohort.errors import DataError
from nedcohort.stats.inputs import check_choice, group_codes, require_columns

CONVENTIONS = ("r", "spss")
KINDS = ("categorical", "continuous")
TEST_CHOICES = ("auto", "chisq", "fisher")
QUANTILE_METHOD = {"r": "linear", "spss": "weibull"}  # Hyndman–Fan type 7 / type 6
OVERALL = "Overall"
_MONTE_CARLO_TABLES = 100_000
_MONTE_CARLO_SEED = 20_260  # fixed: the same table gives the same p-value every run


@dataclass(frozen=True)
class GroupComparison:
    """Table 1 as numbers.

    ``table``: one row per (variable, level, group) — columns variable, kind, level,
    group, n, denominator, percent, median, q1, q3, minimum, maximum, missing, test,
    p_value (the variable's p-value on each of its rows). ``tests``: one row per
    variable — variable, test, statistic, df, p_value.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    groups: list[str]
    by: str
    conventions: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> list[dict]:
        """Per-variable tests as ``results.json`` rows."""
        out = self.tests.astype(object).where(self.tests.notna(), None)
        return out.to_dict(orient="records")


def compare_groups(
    df: pd.DataFrame,
    by: str,
    variables: Sequence[str],
    conventions: str = "r",
    kinds: Mapping[str, str] | None = None,
    tests: Mapping[str, str] | None = None,
) -> GroupComparison:
    """Summarize ``variables`` by the groups of ``by`` and test each for a difference.

    ``kinds`` overrides the automatic choice (numeric -> continuous, otherwise
    categorical), e.g. ``{"ecog": "categorical"}``. ``tests`` forces the test of a
    categorical variable: "chisq" or "fisher" instead of "auto" — to reproduce a
    publication whose authors read Fisher's p-value from SPSS's 2×2 output.
    """
    check_choice("conventions", conventions, CONVENTIONS)
    variables = [variables] if isinstance(variables, str) else list(variables)
    require_columns(df, [by, *variables])
    kinds = dict(kinds or {})
    for name, kind in kinds.items():
        check_choice(f"kind of '{name}'", kind, KINDS)
    tests = dict(tests or {})
    for name, choice in tests.items():
        check_choice(f"test of '{name}'", choice, TEST_CHOICES)
    codes, groups = group_codes(df, by, at_least=2, purpose="a group comparison")
    rows: list[dict] = []
    results: list[dict] = []
    for name in variables:
        series = df[name]
        kind = kinds.get(name) or (
            "continuous"
            if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            else "categorical"
        )
        if kind == "continuous":
            summary, test = _continuous(name, series, codes, groups, conventions)
        else:
            summary, test = _categorical(name, series, codes, groups, tests.get(name, "auto"))
        for row in summary:
            row.update(test=test["test"], p_value=test["p_value"])
        rows.extend(summary)
        results.append(test)
    columns = [
        "variable", "kind", "level", "group", "n", "denominator", "percent",
        "median", "q1", "q3", "minimum", "maximum", "missing", "test", "p_value",
    ]  # fmt: skip
    return GroupComparison(
        table=pd.DataFrame(rows).reindex(columns=columns),
        tests=pd.DataFrame(results, columns=["variable", "test", "statistic", "df", "p_value"]),
        groups=groups,
        by=by,
        conventions=conventions,
    )


def _continuous(name, series, codes, groups, conventions):
    values = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & values.isna()
    if bad.any():
        raise DataError(
            "continuous variable has values that are not numbers",
            column=name,
            rows=list(series.index[bad]),
            received=series[bad].iloc[0],
            fix="Clean the column or declare it categorical in kinds=.",
        )
    method = QUANTILE_METHOD[conventions]
    rows, samples = [], []
    for code, group in enumerate([*groups, OVERALL]):
        x = values if group == OVERALL else values[codes == code]
        present = x.dropna().to_numpy(dtype=float)
        if group != OVERALL:
            samples.append(present)
        q = np.quantile(present, [0.25, 0.5, 0.75], method=method) if present.size else [np.nan] * 3
        rows.append(
            {
                "variable": name,
                "kind": "continuous",
                "level": None,
                "group": group,
                "n": int(present.size),
                "denominator": int(x.size),
                "median": float(q[1]),
                "q1": float(q[0]),
                "q3": float(q[2]),
                "minimum": float(present.min()) if present.size else np.nan,
                "maximum": float(present.max()) if present.size else np.nan,
                "missing": int(x.isna().sum()),
            }
        )
    usable = [s for s in samples if s.size]
    if len(usable) < 2:
        test = _test_row(name, None, np.nan, np.nan)
    elif len(samples) == 2:
        test = _mann_whitney(name, samples[0], samples[1], conventions)
    else:
        result = sps.kruskal(*usable)
        test = _test_row(name, "Kruskal-Wallis", result.statistic, result.pvalue, len(usable) - 1)
    return rows, test


def _mann_whitney(name, x, y, conventions):
    pooled = np.concatenate([x, y])
    ties = np.unique(pooled).size < pooled.size
    if conventions == "r" and not ties and x.size < 50 and y.size < 50:
        method, label = "exact", "Mann-Whitney U (exact)"
    else:
        method = "asymptotic"
        label = (
            "Mann-Whitney U (normal approximation, continuity correction)"
            if conventions == "r"
            else "Mann-Whitney U (normal approximation)"
        )
    result = sps.mannwhitneyu(x, y, method=method, use_continuity=(conventions == "r"))
    return _test_row(name, label, result.statistic, result.pvalue)


def _categorical(name, series, codes, groups, choice):
    present = series.notna().to_numpy()
    level_code, levels = group_codes(series[present].to_frame(), series.name)
    counts = np.zeros((len(levels), len(groups)), dtype=np.int64)
    np.add.at(counts, (level_code, codes[present]), 1)
    rows = []
    for group_index, group in enumerate([*groups, OVERALL]):
        in_group = np.ones(len(series), bool) if group == OVERALL else codes == group_index
        column = counts.sum(axis=1) if group == OVERALL else counts[:, group_index]
        denominator = int(column.sum())
        for level, count in zip(levels, column, strict=True):
            rows.append(
                {
                    "variable": name,
                    "kind": "categorical",
                    "level": level,
                    "group": group,
                    "n": int(count),
                    "denominator": denominator,
                    "percent": 100.0 * count / denominator if denominator else np.nan,
                    "missing": int(np.sum(in_group & ~present)),
                }
            )
    return rows, _contingency_test(name, counts, choice)


def _contingency_test(name: str, counts: np.ndarray, choice: str = "auto") -> dict:
    table = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return _test_row(name, None, np.nan, np.nan)
    expected = sps.contingency.expected_freq(table)
    if choice == "chisq" or (choice == "auto" and (expected >= 5).all()):
        chi2, p, dof, _ = sps.chi2_contingency(table, correction=False)
        return _test_row(name, "Pearson chi-square", chi2, p, int(dof))
    if table.shape == (2, 2):
        result = sps.fisher_exact(table)
        label = "Fisher's exact"
    else:
        method = sps.MonteCarloMethod(
            n_resamples=_MONTE_CARLO_TABLES, rng=np.random.default_rng(_MONTE_CARLO_SEED)
        )
        result = sps.fisher_exact(table, method=method)
        label = "Fisher-Freeman-Halton (Monte Carlo, 100000 tables)"
    return _test_row(name, label, result.statistic, result.pvalue)


def _test_row(name: str, test: str | None, statistic: float, p_value: float, df=None) -> dict:
    """One row of ``GroupComparison.tests``."""
    return {
        "variable": name,
        "test": test,
        "statistic": float(statistic),
        "df": df,
        "p_value": float(p_value),
    }
