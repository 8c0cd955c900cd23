"""Helpers shared by the reform mechanisms (not a mechanism itself): lever shares, practices.

Units' levers (``empowerment``, ``autonomy``, ``mgmt_support``, ``quality_system``,
``paperwork``, ``change_load``...) and the model's ``information`` are read by the baseline
mechanisms, and more than one reform may push the same lever (commitments and accreditation
both build quality systems). So a reform never overwrites a lever: it owns a *share* of it and
changes the lever by the difference between its new share and its old one. Reforms then add up,
and switching one off leaves the others' effects in place.
"""

from __future__ import annotations

import numpy as np


class LeverShare:
    """One reform's additive share of a unit-level lever array (same length and dtype)."""

    def __init__(self, lever: np.ndarray) -> None:
        self.lever = lever
        self.mine = np.zeros_like(lever)

    def set(self, new: np.ndarray | float) -> None:
        """Make this reform's share ``new`` (an array over units or one number for all)."""
        new = np.broadcast_to(np.asarray(new, dtype=self.lever.dtype), self.lever.shape)
        self.lever += new - self.mine
        self.mine[:] = new


class ScalarShare:
    """One reform's additive share of a model-level number (e.g. ``information``), kept in [lo, hi]."""

    def __init__(self, model: object, attribute: str, lo: float = 0.0, hi: float = 1.0) -> None:
        self.model, self.attribute, self.lo, self.hi = model, attribute, lo, hi
        self.mine = 0.0

    def set(self, new: float) -> None:
        """Make this reform's share ``new``; the sum of all shares is clipped to [lo, hi]."""
        current = float(getattr(self.model, self.attribute))
        value = min(max(current - self.mine + new, self.lo), self.hi)
        self.mine = value - (current - self.mine)
        setattr(self.model, self.attribute, value)


def change_carry(model) -> np.ndarray:
    """Per unit: the change load it can carry without overload, from its municipality's change
    capacity (0-1; 002 'Real Needs Model': competence, ownership, management): 0.5 to 1.5."""
    u, m = model.units_state, model.municipalities_state
    return 0.5 + m.change_capacity[u.muni]


def change_overload(model) -> np.ndarray:
    """Per unit: concurrent change load (all reforms and trials together) above what the unit
    can carry (0 where it copes). Reforms stack here: each adds its load to ``change_load``."""
    return np.maximum(model.units_state.change_load.astype(np.float64) - change_carry(model), 0.0)


def change_attention(model) -> np.ndarray:
    """Per unit (0-1): the share of each change its manager and staff can attend to: 1 while
    the load is within what the unit carries, ``carry / load`` beyond (stacked reforms share a
    limited capacity, so each gets less of it)."""
    load = model.units_state.change_load.astype(np.float64)
    carry = change_carry(model)
    return np.divide(carry, load, out=np.ones_like(load), where=load > carry)


def unit_mean(values: np.ndarray, group: np.ndarray, weights: np.ndarray, n: int,
              default: float) -> np.ndarray:
    """Weighted mean of ``values`` per group (``np.bincount``), ``default`` where a group is empty."""
    total = np.bincount(group, weights=values * weights, minlength=n)
    count = np.bincount(group, weights=weights, minlength=n)
    return np.divide(total, count, out=np.full(n, default, dtype=np.float64), where=count > 0)


def institutionalise(practices: np.ndarray, units: np.ndarray, rng: np.random.Generator,
                     candidates: np.ndarray | None = None) -> np.ndarray:
    """Each of ``units`` adopts one practice it lacks (from ``candidates`` rows where given).

    Returns the units that adopted one (a unit with nothing left to adopt adopts nothing).
    Vectorised: a random key per (unit, practice), the best allowed key wins.
    """
    if len(units) == 0:
        return units
    allowed = ~practices[units]
    if candidates is not None:
        allowed &= candidates
    keys = np.where(allowed, rng.random(allowed.shape), -1.0)
    choice = keys.argmax(axis=1)
    ok = keys[np.arange(len(units)), choice] >= 0
    practices[units[ok], choice[ok]] = True
    return units[ok]
