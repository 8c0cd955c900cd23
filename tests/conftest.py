"""Shared fixtures: small, fast worlds (workshop scale, a few simulated years)."""

from __future__ import annotations

import pytest

from sim.model import ReformModel
from sim.scenario import Scenario, load_scenario


def make_model(seed: int = 3, years: int = 2, **sections) -> ReformModel:
    """A workshop-scale model; ``sections`` override scenario tables, e.g. budget={...}."""
    scenario = Scenario(name="test", **sections) if sections else load_scenario("baseline")
    return ReformModel(scenario=scenario, seed=seed, years=years)


@pytest.fixture(scope="session")
def baseline_run() -> ReformModel:
    """The baseline over three years, run once for the invariant tests."""
    model = make_model(seed=11, years=3)
    model.run()
    return model
