"""Test of proportional hazards (Grambsch & Therneau 1994), as R survival ≥ 3 ``cox.zph``.

For each term the fitted model is extended by x·g(t), with g a transform of time
centered at its mean over the deaths, and the score test for the added coefficients
is computed at (β̂, 0) with the full information matrix of the extended model — the
exact score test that ``cox.zph`` has used since survival 3.0, not the older
approximation from scaled Schoenfeld residuals. Reference: Grambsch & Therneau (1994)
Biometrika 81:515–526; Therneau & Grambsch (2000) §6.2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.stats import rankdata

from nedcohort.errors import ProtocolError
from nedcohort.stats.cox import CoxFit
from nedcohort.stats.inputs import check_choice
from nedcohort.stats.kaplan_meier import _curve
from nedcohort.stats.risk_sets import RiskSetData, derivatives

TRANSFORMS = ("km", "identity", "rank", "log")


def _time_transform(data: RiskSetData, transform: str) -> np.ndarray:
    """g(t) for every row's exit time, before centering (as ``cox.zph``)."""
    times = data.stop
    if transform == "identity":
        return times.astype(float)
    if transform == "log":
        return np.log(times)
    if transform == "rank":
        return rankdata(times)  # average ranks over all rows, as R rank()
    # km: 1 − Ŝ(t−), Ŝ the Kaplan–Meier of all rows pooled over strata
    curve = _curve(times, data.status, data.start)
    previous = np.searchsorted(curve["time"].to_numpy(), times, side="left") - 1
    surv = np.concatenate([[1.0], curve["survival"].to_numpy()])
    return 1.0 - surv[previous + 1]


def ph_test(fit: CoxFit, transform: str = "km") -> pd.DataFrame:
    """Per-term and global tests of proportional hazards.

    Returns a DataFrame[term, chisq, df, p_value] with one row per covariate (a
    categorical covariate is one term with several df) and a last row "GLOBAL".
    Matches ``cox.zph(fit, transform = transform)``.
    """
    check_choice("transform", transform, TRANSFORMS)
    if fit.data is None:
        raise ProtocolError("ph_test needs a CoxFit returned by nedcohort.stats.cox.")
    data = fit.data
    beta = fit.coefficients
    p = beta.size
    g_all = _time_transform(data, transform)
    g_all = g_all - g_all[data.status > 0].mean()
    # one g per event time of each stratum, in the order the risk-set code visits them
    g = np.concatenate([g_all[st.deaths[st.block_start]] for st in data.strata])
    _, _, i_xx = derivatives(data, beta)
    _, u_z, i_xz = derivatives(data, beta, weight=g)
    _, _, i_zz = derivatives(data, beta, weight=g**2)
    imat = np.block([[i_xx, i_xz], [i_xz.T, i_zz]])
    u = np.concatenate([np.zeros(p), u_z])
    rows = []
    for term, cols in fit.assign.items():
        keep = np.concatenate([np.arange(p), p + np.asarray(cols)])
        sub_u = u[keep]
        chisq = float(sub_u @ np.linalg.solve(imat[np.ix_(keep, keep)], sub_u))
        rows.append((term, chisq, len(cols)))
    rows.append(("GLOBAL", float(u @ np.linalg.solve(imat, u)), p))
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    table["p_value"] = sps.chi2.sf(table["chisq"], table["df"])
    return table
