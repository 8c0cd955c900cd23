"""Means with 95% intervals, and differences from the baseline paired by seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sim.report.stats import bands, final_values, mean_ci, scenario_table


def test_the_interval_is_the_student_t_interval_of_the_mean():
    mean, lo, hi = mean_ci([1.0, 2.0, 3.0])
    half = st.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert (mean, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert np.isnan(mean_ci([5.0])[1])


def _final(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"scenario": s, "point": 0, "replication": r, "seed": 100 + r, "quality": v}
            for s, vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows)


def test_differences_are_paired_by_seed_so_shared_noise_cancels():
    # Replications differ a lot; the reform adds exactly 1.0 on every seed.
    final = _final({"baseline": [50.0, 60.0, 70.0], "reform": [51.0, 61.0, 71.0]})
    table = scenario_table(final, ["quality"], "baseline").set_index("scenario")
    assert table.loc["reform", "diff"] == pytest.approx(1.0)
    assert table.loc["reform", "diff_low"] == pytest.approx(1.0)   # no spread in the pairs
    assert table.loc["reform", "ci_low"] < 55                        # wide interval of the mean
    assert table.loc["baseline", "diff"] == 0.0 and table.loc["reform", "runs"] == 3


def test_final_values_average_the_last_year_of_each_run():
    monthly = pd.DataFrame({
        "scenario": "a", "point": 0, "replication": 0, "seed": 1, "sector": "all",
        "year": [1] * 12 + [2] * 12, "month": range(1, 25), "quality": [0.0] * 12 + [10.0] * 12})
    final = final_values(monthly, ["quality"])
    assert final["quality"].tolist() == [10.0]


def test_bands_give_a_mean_and_interval_per_month():
    rows = pd.DataFrame({"scenario": "a", "sector": "all", "month": [1, 1, 2, 2],
                         "quality": [1.0, 3.0, 2.0, 2.0]})
    band = bands(rows, "quality")
    assert band["mean"].tolist() == [2.0, 2.0]
    assert band["ci_low"].iloc[0] < 2.0 < band["ci_high"].iloc[0]
    assert band["ci_low"].iloc[1] == band["ci_high"].iloc[1] == 2.0
