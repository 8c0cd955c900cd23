"""Run one scenario once: the function every command and the runner call.

A run's result depends only on the scenario's parameters, the seed, the horizon and the scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from sim.model import ReformModel


@dataclass(frozen=True)
class RunResult:
    """The outcome tables of one run.

    ``national``: one row per month and sector (``"all"`` plus the four sectors).
    ``by_municipality``: one row per month, municipality and sector.
    """

    scenario: str
    seed: int
    years: int
    scale: str
    national: pd.DataFrame
    by_municipality: pd.DataFrame


def simulate(scenario: BaseModel, seed: int, *, years: int | None = None,
             scale: str = "workshop", progress: Callable[[int], object] | None = None,
             by_municipality: bool = True, world: Any = None) -> RunResult:
    """Build the model, run it for its horizon and return its tables.

    ``world``: a municipalities file (``sim.worldfile``) used instead of the synthetic world;
    ``by_municipality`` then names each municipality (column ``municipality_name``).
    """
    model = ReformModel(scenario=scenario, seed=seed, scale=scale, years=years, world=world)
    model.run(progress=progress)
    national = model.outcomes.national()
    national.insert(0, "seed", seed)
    national.insert(0, "scenario", scenario.name)
    local = model.outcomes.by_municipality() if by_municipality else pd.DataFrame()
    if by_municipality:
        names = np.asarray(model.municipality_names, dtype=object)
        local.insert(local.columns.get_loc("municipality") + 1, "municipality_name",
                     names[local["municipality"].to_numpy()])
        local.insert(0, "seed", seed)
        local.insert(0, "scenario", scenario.name)
    return RunResult(scenario.name, seed, model.years, scale, national, local)
