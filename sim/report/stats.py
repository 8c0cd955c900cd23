"""Means with 95% intervals across replications, and differences from a reference scenario.

Intervals are Student-t intervals over replications (each replication is one independent run).
Scenarios share their replication seeds (common random numbers), so the difference between a
scenario and the baseline is computed run by run on the same seed, and its interval is the
t-interval of those paired differences: narrower than comparing two independent means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

CONFIDENCE = 0.95


def mean_ci(values: np.ndarray | pd.Series, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and the two ends of its t-interval; the interval is NaN with fewer than 2 values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(x.mean())
    if len(x) < 2:
        return (mean, np.nan, np.nan)
    half = float(_st.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return (mean, mean - half, mean + half)


def final_values(results: pd.DataFrame, outcomes: list[str], sector: str = "all") -> pd.DataFrame:
    """One row per run: each outcome's mean over the run's last year (one sector).

    Works on results kept monthly or yearly (the last year's rows are averaged) and final.
    """
    rows = results[results["sector"] == sector]
    keys = ["scenario", "point", "replication", "seed"]
    if "year" in rows.columns:
        last = rows.groupby(keys, sort=False)["year"].transform("max")
        rows = rows[rows["year"] == last]
    return rows.groupby(keys, sort=False)[outcomes].mean().reset_index()


def final_values_parquet(path: str, outcomes: list[str], sector: str = "all") -> pd.DataFrame:
    """``final_values`` computed by DuckDB straight from Parquet (memory does not grow with runs)."""
    import duckdb

    keys = "scenario, point, replication, seed"
    means = ", ".join(f'avg("{o}") AS "{o}"' for o in outcomes)
    has_year = "year" in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").df()["column_name"].tolist()
    last = (f"QUALIFY year = max(year) OVER (PARTITION BY {keys})" if has_year else "")
    query = (f"WITH r AS (SELECT * FROM read_parquet('{path}') WHERE sector = '{sector}' {last}) "
             f"SELECT {keys}, {means} FROM r GROUP BY {keys} ORDER BY scenario, point, replication")
    return duckdb.sql(query).df()


def scenario_table(final: pd.DataFrame, outcomes: list[str], reference: str) -> pd.DataFrame:
    """Per scenario and outcome: mean with 95% CI, and the paired difference from ``reference``.

    Columns: scenario, outcome, runs, mean, ci_low, ci_high, diff, diff_low, diff_high.
    """
    base = final[final["scenario"] == reference].set_index("seed")
    rows = []
    for scenario, group in final.groupby("scenario", sort=False):
        paired = group.set_index("seed")
        for outcome in outcomes:
            mean, lo, hi = mean_ci(paired[outcome])
            diffs = (paired[outcome] - base[outcome]).dropna() if len(base) else pd.Series([])
            d, d_lo, d_hi = mean_ci(diffs) if scenario != reference else (0.0, np.nan, np.nan)
            rows.append({"scenario": scenario, "outcome": outcome, "runs": int(paired[outcome].notna().sum()),
                         "mean": mean, "ci_low": lo, "ci_high": hi,
                         "diff": d, "diff_low": d_lo, "diff_high": d_hi})
    return pd.DataFrame(rows)


def bands(results: pd.DataFrame, outcome: str, time: str = "month",
          sector: str = "all") -> pd.DataFrame:
    """Per scenario and time step: mean over replications and its 95% interval."""
    rows = results[results["sector"] == sector]
    agg = rows.groupby(["scenario", time], sort=False)[outcome].agg(["mean", "std", "count"])
    agg = agg.reset_index()
    n = agg["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n > 1, _st.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * agg["std"].to_numpy() / np.sqrt(n)
    agg["ci_low"] = agg["mean"] - half
    agg["ci_high"] = agg["mean"] + half
    agg = agg.drop(columns=["std", "count"])
    return agg.sort_values(["scenario", time], kind="stable", ignore_index=True)


def sector_means(results: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean over replications of each outcome's last-year value, per scenario and sector."""
    frames = []
    for sector in results["sector"].unique():
        final = final_values(results, outcomes, sector)
        means = final.groupby("scenario", sort=False)[outcomes].mean().reset_index()
        means.insert(1, "sector", sector)
        frames.append(means)
    return pd.concat(frames, ignore_index=True)
