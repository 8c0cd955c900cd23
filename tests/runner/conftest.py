"""Small real experiments for the runner tests: workshop scale, one or two years."""

from __future__ import annotations

import pytest

from sim.experiment import Experiment
from sim.runner.plan import RunSpec, plan_runs, resolve_scenarios


def small_experiment(replications: int = 2, years: int = 1, **update) -> Experiment:
    """Two scenarios x two budget levels x ``replications``, kept yearly for every sector."""
    data = dict(name="small", scenarios=["baseline", "voucher_choice"],
                replications=replications, years=years, base_seed=99,
                parameters=[{"name": "budget.budget_level", "values": [0.95, 1.05]}],
                outputs={"resolution": "yearly",
                         "sectors": ["all", "nursing_home", "home_care", "kindergarten", "school"]})
    data.update(update)
    return Experiment(**data)


def specs_of(experiment: Experiment) -> list[RunSpec]:
    return plan_runs(experiment, resolve_scenarios(experiment, "test"))


@pytest.fixture(scope="session")
def make_experiment():
    """The factory ``small_experiment(replications=2, years=1, **update)``."""
    return small_experiment


@pytest.fixture(scope="session")
def plan():
    """``plan(experiment) -> list[RunSpec]``."""
    return specs_of


@pytest.fixture
def small_specs() -> list[RunSpec]:
    """8 runs: 2 scenarios x 2 points x 2 replications, one year each."""
    return specs_of(small_experiment())
