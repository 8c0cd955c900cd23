"""The model's defaults of the calibrated parameters are the committed posterior's summary
(issue 13: "the default parameters of the model become the posterior's summary"), so a refit
that is not carried into the defaults -- or a default edited by hand -- fails here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.config import load_calibration
from sim.calibrate.posterior import parameters, summary
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _default(name: str) -> float:
    node = load_scenario("baseline").model_dump()
    for part in name.split("."):
        node = node[part]
    return float(node)


def test_every_calibrated_default_is_the_posterior_median_to_three_significant_digits():
    posterior = pd.read_parquet(ROOT / "calibration" / "posterior.parquet")
    calibration, _ = load_calibration(ROOT / "calibration" / "default.toml")
    assert sorted(parameters(posterior)) == sorted(p.name for p in calibration.parameters)
    for name, median in summary(posterior).items():
        assert _default(name) == pytest.approx(float(f"{median:.3g}"), rel=1e-9), (
            f"{name}: default {_default(name)} is not the posterior's weighted median "
            f"{median:.3g} (docs/calibration.md, 'After a model change')")
