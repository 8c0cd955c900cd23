"""Comparing a reform with the baseline on common seeds (helpers for the reform tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import make_model


def run(seed: int, years: int, **sections):
    """A workshop model run to its horizon."""
    model = make_model(seed=seed, years=years, **sections)
    model.run()
    return model


def national_means(seeds: tuple[int, ...], years: int, from_year: int = 1,
                   **sections) -> pd.Series:
    """National outcomes (all sectors) averaged over ``from_year``..``years`` and over seeds."""
    rows = []
    for seed in seeds:
        frame = run(seed, years, **sections).outcomes.national()
        rows.append(frame[(frame.sector == "all") & (frame.year >= from_year)]
                    .mean(numeric_only=True))
    return pd.concat(rows, axis=1).mean(axis=1)


def mean_of(values: np.ndarray, mask: np.ndarray) -> float:
    return float(values[mask].mean())
