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


def _pressed(seed: int = 2, months: int = 24):
    """Half the public units under full pressure (as if users left or a tender were due)."""
    from sim.mechanisms.shared import LeverShare

    model = make_model(seed=seed, years=3, management={"informal_rate": 0.0})  # no trials' load
    u = model.units_state
    public = np.flatnonzero(u.active & ~u.private)
    pressed = public[::2]
    share = LeverShare(u.pressure)
    share.set(np.isin(np.arange(len(u)), pressed).astype(np.float32))
    start = u.slack.copy()
    strain = []
    for _ in range(months):
        model.step()
        strain.append(u.change_load[pressed].mean())
    return model, public, pressed, start, strain


def test_public_slack_falls_under_pressure_and_the_cut_strains_staff():
    model, public, pressed, start, strain = _pressed()
    u = model.units_state
    calm = np.setdiff1d(public, pressed)
    assert np.allclose(u.slack[calm], start[calm])          # no pressure: slack stays put
    assert (u.slack[pressed] < 0.5 * start[pressed]).all()  # pressure: the manager cuts it
    assert strain[0] > 0 and strain[-1] < strain[0]         # cutting fast strains staff, then less
    assert (u.change_load[calm] == 0).all()


def test_quality_comes_from_effective_staff_hours_not_from_pressure_itself():
    model = make_model(seed=3, years=1)
    model.step()
    prod, u = model.mechanism("production"), model.units_state
    prod.quality(model)
    before = u.quality.copy()
    u.pressure[:] = 1.0                       # pressure alone changes nothing this month
    prod.quality(model)
    assert np.array_equal(u.quality, before)
    u.slack[:] = 0.0                          # less slack: more output per paid hour
    prod.quality(model)
    served = u.active & (before > 1) & (before < 95)
    assert (u.quality[served] >= before[served]).all()
    assert (u.quality[served] > before[served]).mean() > 0.5


def test_providers_differ_in_productivity_and_overhead_from_their_own_stream():
    a, b = make_model(seed=5, years=1), make_model(seed=5, years=1, vouchers={"enabled": True})
    ua = a.units_state
    assert 0.04 < np.log(ua.productivity[ua.active & ~ua.private]).std() < 0.12
    assert 0.05 < np.log(ua.overhead).std() < 0.15
    assert np.array_equal(ua.productivity, b.units_state.productivity)
    assert np.array_equal(a.employees_state.competence, b.employees_state.competence)
