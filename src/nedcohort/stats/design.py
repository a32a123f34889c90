"""Covariates -> model matrix: numeric and boolean columns as they are, categories as indicators.

A categorical column becomes one indicator per non-reference level, named
``column[level]``; the reference is the first level (pandas category order, or
sorted values as R's ``factor``) unless ``reference`` names another. Rows with a
missing covariate are dropped (R's ``na.omit``) and counted, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nedcohort.errors import DataError, ProtocolError
from nedcohort.stats.inputs import require_columns


@dataclass(frozen=True)
class Design:
    """A model matrix with its term names and the rows it kept."""

    matrix: np.ndarray  # (n_kept, n_terms) float64
    terms: list[str]
    assign: dict[str, list[int]]  # covariate -> its columns in ``matrix`` (as R's assign)
    references: dict[str, str]  # categorical covariate -> its reference level
    kept: np.ndarray  # boolean mask over the input rows
    n_dropped: int  # rows dropped for a missing covariate


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _levels(series: pd.Series) -> list[object]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    return sorted(series.dropna().unique(), key=lambda v: (str(type(v)), v))


def build_design(
    df: pd.DataFrame,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
) -> Design:
    """Expand ``covariates`` of ``df`` into a numeric model matrix (no intercept column)."""
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise ProtocolError("covariates must name at least one column.")
    require_columns(df, covariates)
    reference = dict(reference or {})
    unknown = set(reference) - set(covariates)
    if unknown:
        raise ProtocolError(
            f"reference names {sorted(unknown)} which are not among the covariates {covariates}."
        )

    kept = np.ones(len(df), dtype=bool)
    for name in covariates:  # column by column: df[covariates] would copy the frame
        kept &= df[name].notna().to_numpy()
    all_kept = bool(kept.all())
    columns: list[np.ndarray] = []
    terms: list[str] = []
    assign: dict[str, list[int]] = {}
    references: dict[str, str] = {}
    for name in covariates:
        series = df[name] if all_kept else df[name][kept]
        if _is_categorical(series) or name in reference:
            levels = _levels(series)
            ref = _reference_level(name, levels, reference.get(name, levels[0] if levels else None))
            references[name] = str(ref)
            start = len(terms)
            values = series.to_numpy()
            for level in levels:
                if level == ref:
                    continue
                columns.append(values == level)
                terms.append(f"{name}[{level}]")
            assign[name] = list(range(start, len(terms)))
        else:
            columns.append(series.to_numpy(dtype=float))
            assign[name] = [len(terms)]
            terms.append(name)
    n_kept = int(kept.sum())
    # filled column by column in Fortran order: far faster than column_stack for long data
    matrix = np.empty((n_kept, len(columns)), order="F")
    for j, column in enumerate(columns):
        matrix[:, j] = column
    design = Design(
        matrix=matrix,
        terms=terms,
        assign=assign,
        references=references,
        kept=kept,
        n_dropped=int((~kept).sum()),
    )
    check_estimable(design)
    return design


def _reference_level(name: str, levels: list[object], ref: object) -> object:
    if ref in levels:
        return ref
    matches = [lv for lv in levels if str(lv) == str(ref)]
    if not matches:
        raise ProtocolError(
            f"reference level {ref!r} of '{name}' is not among its values "
            f"{[str(lv) for lv in levels]}."
        )
    return matches[0]


def check_estimable(design: Design) -> None:
    """Raise ``DataError`` for a constant covariate or covariates that are collinear.

    A constant column is collinear with the intercept (logistic) or the baseline
    hazard (Cox); R would silently report ``NA`` for it, which hides the problem.
    """
    X = design.matrix
    if X.shape[0] == 0:
        raise DataError(
            "no rows left after dropping rows with missing covariates",
            fix="Check the covariate columns for missing values.",
        )
    for j, term in enumerate(design.terms):
        col = X[:, j]
        if np.ptp(col) == 0:
            raise DataError(
                f"covariate '{term}' is constant (every kept row is {col[0]:g})",
                column=term,
                fix="Remove it from the model, or check the coding of its categories.",
            )
    # rank of the centered columns (a combination that is constant is collinear with the
    # intercept or the baseline hazard), from their p×p correlation: O(n·p²), no n×p SVD
    mean = X.mean(axis=0)
    gram = np.zeros((X.shape[1], X.shape[1]))
    for lo in range(0, X.shape[0], 1 << 16):  # in blocks: no n×p temporary
        block = X[lo : lo + (1 << 16)] - mean
        gram += block.T @ block
    scale = np.sqrt(np.diag(gram))
    corr = gram / np.outer(scale, scale)
    if np.linalg.eigvalsh(corr).min() < 1e-10:
        redundant = _redundant_terms(corr, design.terms)
        raise DataError(
            f"covariates are collinear: {', '.join(redundant)} can be predicted exactly "
            "from the others",
            expected="linearly independent covariates",
            fix="Drop one of the collinear covariates or merge categories.",
        )


def _redundant_terms(corr: np.ndarray, terms: list[str]) -> list[str]:
    """Terms that add nothing to the ones before them (greedy, on the correlation matrix)."""
    redundant = []
    kept_cols: list[int] = []
    for j in range(corr.shape[0]):
        trial = [*kept_cols, j]
        if np.linalg.eigvalsh(corr[np.ix_(trial, trial)]).min() < 1e-10:
            redundant.append(terms[j])
        else:
            kept_cols.append(j)
    return redundant
