"""Data layouts for a state reached during follow-up (radiologic NED): counting-process
splits (as R ``tmerge``/``survSplit``) and landmark datasets.

Treating a state reached during follow-up as if known at baseline credits the time before
it to the state (guarantee-time or immortal-time bias; Suissa 2008, Am J Epidemiol
167:492). Two standard answers: model the state as time-varying, in (start, stop] rows
split at the switch (Therneau & Grambsch 2000, §3.7), or fix it at a landmark and follow
only those still at risk there (Anderson, Cain & Gelber 1983, J Clin Oncol 1:710).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nedcohort.errors import ProtocolError
from nedcohort.stats.inputs import require_columns, survival_arrays, time_array


def split_at_switch(
    df: pd.DataFrame,
    time: str,
    event: str,
    switch: str,
    state: str = "state",
    entry: float | str | None = None,
) -> pd.DataFrame:
    """Counting-process rows with a 0 → 1 state that switches at ``df[switch]``.

    Each subject gives (start, stop] rows: state 0 until the switch time (missing: never),
    state 1 after; the event stays on the last row. ``entry`` (a number or a column) makes
    follow-up start later (delayed entry); subjects whose follow-up ends at or before it
    are dropped. Extra columns are carried to every row. Columns added: ``start``,
    ``stop`` and ``state`` (``time``/``event`` keep their names, ``stop`` = split time).
    """
    require_columns(df, (time, event, switch))
    stop, status, _ = survival_arrays(df, time, event)
    switch_time = df[switch].to_numpy(dtype=float, na_value=np.nan)
    if isinstance(entry, str):
        begin = time_array(df, entry, what="entry time")
    else:
        begin = np.full(len(df), 0.0 if entry is None else float(entry))
    if np.any(switch_time < 0):
        raise ProtocolError(f"'{switch}' has negative switch times.")
    keep = stop > begin
    base = df.loc[keep].reset_index(drop=True)
    stop, status, begin, switch_time = stop[keep], status[keep], begin[keep], switch_time[keep]
    # the state switches inside the follow-up window only when begin < switch < stop
    inside = np.isfinite(switch_time) & (switch_time > begin) & (switch_time < stop)
    already = np.isfinite(switch_time) & (switch_time <= begin)
    first = base.assign(
        start=begin,
        stop=np.where(inside, switch_time, stop),
        state=already.astype(int),
        **{event: np.where(inside, 0, status).astype(int)},
    )
    second = base[inside].assign(
        start=switch_time[inside], stop=stop[inside], state=1, **{event: status[inside].astype(int)}
    )
    rows = pd.concat([first, second], ignore_index=True)
    rows = rows.rename(columns={state: f"{state}_original"}) if state in df.columns else rows
    return rows.rename(columns={"state": state}).sort_values(["start"], kind="stable")


def landmark_data(
    df: pd.DataFrame, time: str, event: str, switch: str, at: float, state: str = "state"
) -> pd.DataFrame:
    """Subjects still at risk at the landmark, state fixed there, time re-originated.

    Keeps rows with ``time > at``; ``state`` = 1 if the switch happened at or before the
    landmark; the new column ``time_from_landmark`` = ``time − at``.
    """
    require_columns(df, (time, event, switch))
    stop, _, _ = survival_arrays(df, time, event)
    kept = df.loc[stop > at].copy()
    switched = kept[switch].to_numpy(dtype=float, na_value=np.nan) <= at
    kept[state] = switched.astype(int)
    kept["time_from_landmark"] = kept[time].astype(float) - at
    return kept.reset_index(drop=True)
