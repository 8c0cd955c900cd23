"""The scenario catalogue against the baseline (issue 4's bar): 6 years, 4 replications, common
random numbers. Each difference comes from its mechanism, tested in isolation in
tests/mechanisms/."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.scenario import list_scenarios, load_scenario
from sim.simulate import simulate

SEEDS = (11, 12, 13, 14)
CATALOGUE = ("baseline", "cqm_commitments", "voucher_choice", "purchaser_provider",
             "model_municipality", "quality_network", "danish_quality_reform", "combined")


def test_all_eight_built_in_scenarios_are_listed_with_a_description_and_source():
    listed = dict(list_scenarios())
    for name in CATALOGUE:
        assert listed.get(name), name
        scenario = load_scenario(name)
        assert scenario.source and scenario.description and scenario.years >= 1


@pytest.fixture(scope="module")
def six_years() -> pd.DataFrame:
    rows = []
    for name in ("baseline", "voucher_choice", "purchaser_provider", "model_municipality",
                 "quality_network"):
        for seed in SEEDS:
            national = simulate(load_scenario(name), seed, years=6, by_municipality=False).national
            rows.append(national[(national.sector == "all") & (national.year == 6)]
                        .mean(numeric_only=True).rename(name))
    return pd.DataFrame(rows).groupby(level=0).mean()


def test_model_municipality_has_lower_sick_leave_than_baseline(six_years):
    assert six_years.loc["model_municipality", "sick_leave_pct"] < \
        six_years.loc["baseline", "sick_leave_pct"] - 0.5


def test_voucher_choice_has_a_larger_private_share_than_baseline(six_years):
    assert six_years.loc["voucher_choice", "private_share"] > \
        six_years.loc["baseline", "private_share"]
    assert six_years.loc["voucher_choice", "switching_pct"] > 0


def test_purchaser_provider_has_a_different_cost_per_client(six_years):
    base = six_years.loc["baseline", "cost_per_client"]
    assert abs(six_years.loc["purchaser_provider", "cost_per_client"] - base) > 0.005 * base


def test_quality_network_adopts_more_practices(six_years):
    assert six_years.loc["quality_network", "practices_adopted"] > \
        six_years.loc["baseline", "practices_adopted"] + 0.5
