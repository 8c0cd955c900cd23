"""Staffing and practice helpers that mechanisms call: hiring, releasing, practice effects.

These sit below the mechanisms (imports run model -> mechanisms -> this module -> state), so a
mechanism never imports ``sim.model``. Each function takes the model only as the holder of the
state arrays (``employees_state``, ``units_state``, ``world``) and of the per-purpose random
streams; the model keeps thin methods of the same names for code that calls them there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state import ABSENCE_NONE

if TYPE_CHECKING:
    from sim.model import ReformModel


def hiring_rng(model: ReformModel) -> np.random.Generator:
    """The model's hiring stream (created on first use; one per model)."""
    rng = model.__dict__.get("_hiring")
    if rng is None:
        rng = model._hiring = model.stream("hiring")
    return rng


def next_person_ids(model: ReformModel, k: int) -> np.ndarray:
    """``k`` new person ids (never reused within a run)."""
    ids = np.arange(model._next_person, model._next_person + k, dtype=np.int64)
    model._next_person += k
    return ids


def hire(model: ReformModel, slots: np.ndarray) -> None:
    """New employees take the given empty slots (draws from the hiring stream)."""
    e, rng = model.employees_state, hiring_rng(model)
    k = len(slots)
    if k == 0:
        return
    e.active[slots] = True
    e.person_id[slots] = next_person_ids(model, k)
    e.competence[slots] = rng.beta(4, 5, k)
    e.motivation[slots] = rng.beta(7, 3, k)
    e.frailty[slots] = rng.lognormal(-0.18, 0.6, k)
    e.trait[slots] = rng.normal(0.0, 0.08, k)
    e.tenure[slots] = 0
    e.absence[slots] = ABSENCE_NONE
    e.absence_months[slots] = 0
    e.short_days[slots] = 0
    units = model.units_state
    units.staff += np.bincount(e.unit[slots], minlength=len(units)).astype(np.int32)


def release(model: ReformModel, slots: np.ndarray, reason: str = "turnover") -> None:
    """Employees leave their slots (quit, retire, shed or end of sickness benefit)."""
    if len(slots) == 0:
        return
    e, units = model.employees_state, model.units_state
    counts = np.bincount(e.unit[slots], minlength=len(units))
    model.unit_leavers += counts
    units.staff -= counts.astype(np.int32)
    e.active[slots] = False
    e.person_id[slots] = -1
    e.absence[slots] = ABSENCE_NONE
    e.absence_months[slots] = 0
    e.short_days[slots] = 0


def practice_effect(model: ReformModel, kind: str) -> np.ndarray:
    """Per unit, the summed effect of its kept practices on ``quality``, ``cost`` or ``demand``.

    A practice's effect in a unit is its national value plus the unit's own fit
    (``world.practice_fit``, where the world has one): the same practice helps one unit and
    not another (002: "very little can be standardised")."""
    world, units = model.world, model.units_state
    effect = getattr(world, f"practice_{kind}")
    fit = getattr(world, f"fit_{kind}", None)
    if fit is None:
        return units.practices @ effect
    return (units.practices * (effect[None, :] + fit)).sum(axis=1)
