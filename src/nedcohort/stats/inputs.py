"""Checks at the boundary of every estimator: columns exist, times and events are valid.

Input is validated once, here, and converted to plain numpy arrays, so that the
estimators themselves stay small (the scikit-survival ``check_y_survival`` idea).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from nedcohort.errors import DataError, ProtocolError


def require_columns(df: pd.DataFrame, columns: Iterable[str | None]) -> None:
    """Raise ``ProtocolError`` naming the first requested column that ``df`` lacks."""
    if not isinstance(df, pd.DataFrame):
        raise ProtocolError(f"expected a pandas DataFrame; got {type(df).__name__}.")
    for name in columns:
        if name is None:
            continue
        if name not in df.columns:
            close = difflib.get_close_matches(str(name), [str(c) for c in df.columns], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ProtocolError(
                f"column '{name}' is not in the data (columns: {', '.join(map(str, df.columns))})."
                f"{hint}"
            )


def _bad_rows(df: pd.DataFrame, mask: np.ndarray) -> list[int]:
    return [int(i) if isinstance(i, (int, np.integer)) else i for i in df.index[mask]]


def time_array(df: pd.DataFrame, column: str, *, what: str = "time") -> np.ndarray:
    """Return ``df[column]`` as finite, non-negative floats, or raise ``DataError``."""
    raw = df[column]
    if raw.dtype == bool or not pd.api.types.is_numeric_dtype(raw):
        raise DataError(
            f"{what} must be numeric",
            column=column,
            received=str(raw.dtype),
            expected="numbers (e.g. months)",
            fix="Convert the column to numbers before the analysis.",
        )
    values = raw.to_numpy(dtype=float, na_value=np.nan)
    missing = ~np.isfinite(values)
    if missing.any():
        raise DataError(
            f"{what} is missing or not finite",
            column=column,
            rows=_bad_rows(df, missing),
            expected="a finite number for every row",
            fix="Fill in the value or drop these rows explicitly.",
        )
    negative = values < 0
    if negative.any():
        raise DataError(
            f"{what} is negative",
            column=column,
            rows=_bad_rows(df, negative),
            received=float(values[negative][0]),
            expected="a number >= 0",
            fix="Check the dates the time was computed from.",
        )
    return values


def event_array(df: pd.DataFrame, column: str) -> np.ndarray:
    """Return the event indicator as 0/1 floats; accept 0/1 and True/False only."""
    raw = df[column]
    if raw.dtype == bool:
        return raw.to_numpy(dtype=float)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        first = raw[bad].iloc[0]
        raise DataError(
            "event indicator must be 0/1 or True/False",
            column=column,
            rows=_bad_rows(df, bad),
            received=None if pd.isna(first) else first,
            expected="1 (event) or 0 (censored)",
            fix="Recode the column, e.g. progression = 1 and censored = 0.",
        )
    return values


def survival_arrays(
    df: pd.DataFrame, time: str, event: str, entry: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate (entry, time, event) columns; counting-process rows need entry < time."""
    require_columns(df, (time, event, entry))
    stop = time_array(df, time)
    status = event_array(df, event)
    start = None
    if entry is not None:
        start = time_array(df, entry, what="entry time")
        bad = start >= stop
        if bad.any():
            raise DataError(
                "entry time is not before the exit time",
                column=entry,
                rows=_bad_rows(df, bad),
                expected=f"{entry} < {time} on every row (interval (entry, time])",
                fix="Drop zero-length intervals or correct the dates.",
            )
    return stop, status, start


def group_labels(df: pd.DataFrame, column: str) -> pd.Series:
    """Return the grouping column; missing group labels are an error, not a silent drop."""
    labels = df[column]
    missing = labels.isna().to_numpy()
    if missing.any():
        raise DataError(
            "group is missing",
            column=column,
            rows=_bad_rows(df, missing),
            fix="Fill in the group or drop these rows explicitly before the analysis.",
        )
    return labels


def group_codes(
    df: pd.DataFrame, column: str, *, at_least: int = 1, purpose: str = "the analysis"
) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a grouping column and the group names in display order.

    The order is the category order of a pandas Categorical, otherwise the sorted
    values (as R's ``factor``); codes avoid comparing millions of strings. Fewer than
    ``at_least`` groups is a ``DataError`` naming ``purpose``.
    """
    series = group_labels(df, column)
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.unique())
        levels = [c for c in series.cat.categories if c in present]
    else:
        levels = sorted(series.unique(), key=lambda v: (str(type(v)), v))
    if len(levels) < at_least:
        count = {2: "two", 3: "three"}.get(at_least, str(at_least))
        raise DataError(
            f"{purpose} needs at least {count} groups",
            column=column,
            received=[str(level) for level in levels],
            fix=f"Choose a grouping column with {count} or more levels.",
        )
    codes = pd.Categorical(series, categories=levels).codes.astype(np.int64)
    return codes, [str(level) for level in levels]


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Raise ``ProtocolError`` for an argument that is not one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        options = " or ".join(f'"{a}"' for a in allowed)
        raise ProtocolError(f'{name} must be {options}; got "{value}".{hint}')
    return value


def check_conf_level(conf_level: float) -> float:
    """Confidence level strictly between 0 and 1."""
    if not 0 < conf_level < 1:
        raise ProtocolError(f"conf_level must be between 0 and 1; got {conf_level}.")
    return float(conf_level)
