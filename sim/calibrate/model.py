"""One particle: simulate the calibration's scenario with the particle's parameters, and reduce
the run to the targets' summary statistics."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pandas as pd

from sim.calibrate.config import Calibration, Target

STAFF_OUTCOMES = ("sick_leave_pct", "turnover_pct")
"""Outcomes about employees: a group of sectors is weighted by employees (as in the official
statistics); other outcomes by clients."""


def key(name: str) -> str:
    """pyabc's name for a dotted parameter (dots are not safe there)."""
    return name.replace(".", "__")


def particle_seed(base: int, overrides: dict[str, float]) -> int:
    """A run seed fixed by the calibration's seed and the particle's values (reproducible)."""
    text = json.dumps([base, sorted(overrides.items())], separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def group_value(national: pd.DataFrame, outcome: str, sectors: list[str]) -> float:
    """The outcome over a group of sectors: the mean over months, weighted by employees (staff
    outcomes) or clients."""
    rows = national[national["sector"].isin(sectors)]
    weight = rows["employees" if outcome in STAFF_OUTCOMES else "clients"].astype(float)
    total = float(weight.sum())
    return float((rows[outcome] * weight).sum() / total) if total > 0 else math.nan


def statistic(national: pd.DataFrame, target: Target) -> float:
    value = group_value(national, target.outcome, list(target.sectors))
    if target.minus:
        value -= group_value(national, target.outcome, list(target.minus))
    return value


def statistics(national: pd.DataFrame, calibration: Calibration) -> dict[str, float]:
    """Every target's statistic over the years after the burn-in."""
    kept = national[national["year"] > calibration.burn_in]
    return {t.name: statistic(kept, t) for t in calibration.targets}


class ParticleModel:
    """The pyabc model: parameters in, summary statistics out (picklable plain data)."""

    def __init__(self, calibration: Calibration, scenario_data: dict[str, Any]) -> None:
        self.calibration = calibration
        self.scenario_data = scenario_data
        self.names = [p.name for p in calibration.parameters]

    def overrides(self, parameters: Any) -> dict[str, float]:
        return {name: float(parameters[key(name)]) for name in self.names}

    def simulate(self, overrides: dict[str, float], seed: int) -> pd.DataFrame:
        from sim.scenario import validate, with_overrides
        from sim.simulate import simulate

        scenario = with_overrides(validate(self.scenario_data, origin="calibration"), overrides,
                                  origin="calibration")
        c = self.calibration
        return simulate(scenario, seed, years=c.years, scale=c.scale,
                        by_municipality=False).national

    def __call__(self, parameters: Any) -> dict[str, float]:
        overrides = self.overrides(parameters)
        national = self.simulate(overrides, particle_seed(self.calibration.seed, overrides))
        return statistics(national, self.calibration)


class Distance:
    """Root of the sum of squared deviations, each in units of its target's uncertainty."""

    def __init__(self, scales: dict[str, float]) -> None:
        self.scales = scales

    def __call__(self, x: dict, x_0: dict) -> float:
        total = 0.0
        for name, scale in self.scales.items():
            value = float(x[name])
            if not math.isfinite(value):
                return math.inf
            total += ((value - float(x_0[name])) / scale) ** 2
        return math.sqrt(total)
