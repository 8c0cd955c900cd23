"""Using a posterior: parameter draws for ``compare``/``sweep --posterior``, and the posterior's
summary as a defaults file.

Draws: ``D`` particles drawn by weight with a generator seeded from the base seed (a fixed
stream, apart from the run seeds). Replication ``r`` uses draw ``r mod D``: every scenario and
every parameter point gets the same draw for the same replication (common random numbers extend
to the parameters), and each draw runs with ``R / D`` different seeds, so the spread splits into
a stochastic part (within a draw) and a parameter part (between draws).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

_DRAW_STREAM = 0xAB


class PosteriorError(ValueError):
    """A posterior file that cannot be used; the message is meant for the user."""


def load_posterior(path: str | Path) -> pd.DataFrame:
    """A posterior table (``posterior.parquet``): one column per parameter and ``weight``."""
    from sim.calibrate.config import CalibrationError, declared_range

    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except FileNotFoundError:
        raise PosteriorError(f"{path}: no such posterior file") from None
    except Exception as err:  # noqa: BLE001 - pyarrow raises several kinds
        raise PosteriorError(f"{path}: not a Parquet posterior: {err}") from None
    if "weight" not in frame.columns or len(frame) == 0:
        raise PosteriorError(f"{path}: a posterior needs a 'weight' column and at least one "
                             f"particle; found columns {list(frame.columns)}, {len(frame)} rows")
    for name in parameters(frame):
        try:
            declared_range(name)
        except CalibrationError as err:
            raise PosteriorError(f"{path}: column {name!r}: {err}") from None
    weights = frame["weight"].to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise PosteriorError(f"{path}: weights must be non-negative and not all zero")
    return frame


def parameters(posterior: pd.DataFrame) -> list[str]:
    return [c for c in posterior.columns if c != "weight"]


def draw_overrides(posterior: pd.DataFrame, n: int, base_seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn by weight (with replacement), reproducibly from the seed."""
    rng = np.random.default_rng(np.random.SeedSequence([base_seed, _DRAW_STREAM]))
    weights = posterior["weight"].to_numpy(dtype=float)
    index = rng.choice(len(posterior), size=n, replace=True, p=weights / weights.sum())
    names = parameters(posterior)
    return [{name: float(posterior.iloc[i][name]) for name in names} for i in index]


def summary(posterior: pd.DataFrame) -> dict[str, float]:
    """The posterior's summary: each parameter's weighted median."""
    from sim.calibrate.report import weighted_quantile

    w = posterior["weight"].to_numpy(dtype=float)
    return {name: weighted_quantile(posterior[name].to_numpy(), w, 0.5)
            for name in parameters(posterior)}


def defaults_toml(posterior: pd.DataFrame, source: str) -> str:
    """The posterior's medians as a scenario-style TOML (one table per mechanism)."""
    tables: dict[str, list[str]] = {}
    for name, value in summary(posterior).items():
        section, _, rest = name.partition(".")
        tables.setdefault(section, []).append(f"{rest} = {value:.6g}")
    lines = [f"# The posterior's summary (weighted medians) of {source}.",
             "# Written by `reformsim calibrate ... --write-defaults`; see docs/calibration.md.", ""]
    for section, items in tables.items():
        lines += [f"[{section}]", *items, ""]
    return "\n".join(lines)
