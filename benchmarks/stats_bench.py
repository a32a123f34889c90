"""Timing of the statistical core against lifelines, statsmodels and R, in the same run.

Usage:  .venv/bin/python benchmarks/stats_bench.py [--quick] [--no-r]
(``make bench`` installs lifelines and statsmodels first.)

Each task runs on identical data in every tool; a tool's time is the best of
``--repeat`` runs after one warm-up run (R: ``system.time`` around the fit only, data
already loaded). Printed: seconds per tool and the ratio nedcohort / other. Nothing
here is asserted; see docs/performance.md for the recorded results.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import nedcohort as nc


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cox_data(n: int, p: int, seed: int = 1) -> pd.DataFrame:
    """Exponential times in integer days (many ties), ~30 % censored."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = np.linspace(-0.5, 0.5, p)
    t = np.ceil(rng.exponential(np.exp(-X @ beta)) * 365)
    c = np.ceil(rng.exponential(2.0, n) * 365)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(p)])
    df["time"] = np.minimum(t, c)
    df["event"] = (t <= c).astype(int)
    df["group"] = rng.integers(0, 2, n)
    return df


def run_r(script: str, data: pd.DataFrame) -> dict:
    """Run an R snippet on ``data`` (as ``d``); the snippet prints JSON timings."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        data.to_csv(path, index=False)
        code = f'suppressMessages(library(survival)); d <- read.csv("{path}")\n{script}'
        out = subprocess.run(
            ["Rscript", "-e", code], capture_output=True, text=True, check=True
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


R_COX = """
covs <- grep("^x", names(d), value = TRUE)
f <- as.formula(paste("Surv(time, event) ~", paste(covs, collapse = "+")))
best <- function(ties) { coxph(f, d, ties = ties)
  min(sapply(1:REPEAT, function(i) system.time(coxph(f, d, ties = ties))[["elapsed"]])) }
fit <- coxph(f, d)
cat(jsonlite::toJSON(list(efron = best("efron"), breslow = best("breslow"),
    coef = unname(coef(fit))), digits = NA, auto_unbox = TRUE), "\\n")
"""

R_KM = """
best <- function(expr) min(sapply(1:REPEAT, function(i) system.time(eval(expr))[["elapsed"]]))
cat(jsonlite::toJSON(list(km = best(quote(survfit(Surv(time, event) ~ group, d))),
    logrank = best(quote(survdiff(Surv(time, event) ~ group, d)))), auto_unbox = TRUE), "\\n")
"""

R_BOOT = """
covs <- grep("^x", names(d), value = TRUE)
f <- as.formula(paste("Surv(time, event) ~", paste(covs, collapse = "+")))
set.seed(1)
t <- system.time(for (i in 1:1000) coxph(f, d[sample(nrow(d), replace = TRUE), ]))[["elapsed"]]
cat(jsonlite::toJSON(list(boot = t), auto_unbox = TRUE), "\\n")
"""


def report(task: str, ours: float, others: dict[str, float | None]) -> None:
    cells = [f"nedcohort {ours:8.3f} s"]
    for name, value in others.items():
        if value is None:
            cells.append(f"{name} —")
        else:
            cells.append(f"{name} {value:8.3f} s (ratio {ours / value:5.2f})")
    print(f"{task:34s} " + " | ".join(cells), flush=True)


def bench_cox(n: int, p: int, repeat: int, use_r: bool) -> None:
    from lifelines import CoxPHFitter
    from statsmodels.duration.hazard_regression import PHReg

    df = cox_data(n, p)
    covs = [f"x{i}" for i in range(p)]
    frame = df[[*covs, "time", "event"]]
    results = {}
    for ties in ("efron", "breslow"):
        results[ties] = best_of(
            lambda t=ties: nc.stats.cox(df, "time", "event", covs, ties=t), repeat
        )
    ours = nc.stats.cox(df, "time", "event", covs).coefficients
    exog, endog, status = df[covs].to_numpy(), df["time"].to_numpy(), df["event"].to_numpy()
    sm = {
        t: best_of(lambda t=t: PHReg(endog, exog, status=status, ties=t).fit(), repeat)
        for t in ("efron", "breslow")
    }

    def lifelines_fit() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            CoxPHFitter().fit(frame, "time", "event")

    ll = best_of(lifelines_fit, repeat)
    r = run_r(R_COX.replace("REPEAT", str(repeat)), frame) if use_r else {}
    if r:
        rel = np.max(np.abs(ours - np.array(r["coef"])) / np.abs(r["coef"]))
        print(f"  n={n:.0e}: max relative difference of coefficients vs R: {rel:.1e}")
    report(
        f"Cox Efron n={n:.0e} p={p}",
        results["efron"],
        {"R": r.get("efron"), "lifelines": ll, "statsmodels": sm["efron"]},
    )
    report(
        f"Cox Breslow n={n:.0e} p={p}",
        results["breslow"],
        {"R": r.get("breslow"), "statsmodels": sm["breslow"]},
    )


def bench_km(n: int, repeat: int, use_r: bool) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    df = cox_data(n, 1, seed=2)[["time", "event", "group"]]
    km = best_of(lambda: nc.stats.kaplan_meier(df, "time", "event", by="group"), repeat)
    lr = best_of(lambda: nc.stats.logrank(df, "time", "event", "group"), repeat)
    a, b = df[df.group == 0], df[df.group == 1]

    def lifelines_km() -> None:
        for part in (a, b):
            KaplanMeierFitter().fit(part["time"], part["event"])

    ll_km = best_of(lifelines_km, repeat)
    ll_lr = best_of(lambda: logrank_test(a.time, b.time, a.event, b.event), repeat)
    r = run_r(R_KM.replace("REPEAT", str(repeat)), df) if use_r else {}
    report(f"Kaplan-Meier, 2 groups, n={n:.0e}", km, {"R": r.get("km"), "lifelines": ll_km})
    report(f"log-rank, 2 groups, n={n:.0e}", lr, {"R": r.get("logrank"), "lifelines": ll_lr})


def bench_bootstrap(use_r: bool) -> None:
    from lifelines import CoxPHFitter

    df = cox_data(118, 8, seed=3)
    covs = [f"x{i}" for i in range(8)]
    ours = best_of(lambda: nc.stats.bootstrap_cox(df, "time", "event", covs, n_resamples=1000), 1)
    rng = np.random.default_rng(1)
    frame = df[[*covs, "time", "event"]]

    def lifelines_boot() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(1000):
                sample = frame.iloc[rng.integers(0, len(frame), len(frame))]
                CoxPHFitter().fit(sample, "time", "event")

    start = time.perf_counter()
    lifelines_boot()
    ll = time.perf_counter() - start
    r = run_r(R_BOOT, frame) if use_r else {}
    report("1000 bootstrap Cox fits n=118 p=8", ours, {"R": r.get("boot"), "lifelines": ll})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--no-r", action="store_true", help="skip R even if Rscript exists")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    use_r = not args.no_r and shutil.which("Rscript") is not None
    cox_sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    km_sizes = [100_000] if args.quick else [1_000_000, 10_000_000]
    print(f"R: {'yes' if use_r else 'no'}; best of {args.repeat} after a warm-up")
    for n in cox_sizes:
        bench_cox(n, 10, args.repeat, use_r)
    for n in km_sizes:
        bench_km(n, args.repeat, use_r)
    bench_bootstrap(use_r)


if __name__ == "__main__":
    main()
