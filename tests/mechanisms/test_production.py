"""Service production: staffing, competence and practices make quality; staff make cost."""

from __future__ import annotations

import numpy as np

from tests.conftest import make_model


def test_more_present_staff_per_client_raises_quality_and_cost_of_a_unit():
    model = make_model(seed=3, years=1)
    model.step()
    prod = model.mechanism("production")
    u = model.units_state
    days = model.mechanism("health").unit_absence_days(model)
    prod.present_staff(model, days)
    prod.quality(model)
    prod.cost(model, days)
    q0, c0 = u.quality.copy(), u.cost_month.copy()
    hire = np.flatnonzero(~model.employees_state.active)
    model.hire(hire[: len(hire) // 2])   # more staff for the same clients
    days = model.mechanism("health").unit_absence_days(model)
    prod.present_staff(model, days)
    prod.quality(model)
    prod.cost(model, days)
    grew = u.active & (u.staff > 0) & (np.bincount(model.employees_state.unit[hire[: len(hire) // 2]],
                                                   minlength=len(u)) > 0)
    assert grew.sum() > 10
    assert (u.quality[grew] >= q0[grew]).all() and (u.quality[grew] > q0[grew]).mean() > 0.9
    assert (u.cost_month[grew] > c0[grew]).all()


def test_a_bigger_budget_buys_staff_that_raise_quality_and_cost_per_client():
    def last_year(level: float):
        model = make_model(seed=9, years=3, budget={"budget_level": level})
        model.run()
        frame = model.outcomes.national()
        return frame[(frame.year == 3) & (frame.sector == "all")].mean(numeric_only=True)

    lean, rich = last_year(0.95), last_year(1.10)
    assert rich.employees > lean.employees * 1.08
    assert rich.quality > lean.quality + 1
    assert rich.cost_per_client > lean.cost_per_client * 1.05


def test_institutionalised_practices_raise_quality():
    """Practices that help in a unit (their value plus the unit's fit is positive; some harm,
    issue 12) raise its quality when adopted."""
    model = make_model(seed=3, years=1)
    model.step()
    prod, u = model.mechanism("production"), model.units_state
    prod.quality(model)
    before = u.quality.copy()
    helpful = model.world.practice_quality[None, :] + model.world.fit_quality > 0
    gains = (helpful & ~u.practices).any(axis=1)
    u.practices[:] |= helpful
    prod.quality(model)
    operating = u.active & (before > 0) & (before < 95) & gains
    assert operating.sum() > 100
    assert (u.quality[operating] > before[operating]).all()
