"""Invariants of the model core: no citizen lost or double-served, counts and money add up,
rates in range, the same seed gives the same world."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents import AgentGone, Citizen, Employee, Municipality, Unit
from sim.outcomes import BY_PROVIDER_TYPE, OUTCOMES
from tests.conftest import make_model


def test_every_citizen_has_exactly_one_active_provider_of_their_municipality_and_sector_every_month():
    model = make_model(seed=5, years=1)
    for _ in range(12):
        model.step()
        c, u = model.citizens_state, model.units_state
        assert (c.unit >= 0).all()
        assert u.active[c.unit].all()
        assert (u.muni[c.unit] == c.muni).all()
        assert (u.sector[c.unit] == c.sector).all()


def test_client_and_employee_counts_add_up(baseline_run):
    m = baseline_run
    u, c, e = m.units_state, m.citizens_state, m.employees_state
    assert u.clients.sum() == len(c)
    assert (u.clients == np.bincount(c.unit, minlength=len(u))).all()
    assert (u.staff == np.bincount(e.unit[e.active], minlength=len(u))).all()
    assert (u.staff <= u.slot_end - u.slot_start).all()
    assert (u.staff[~u.active] == 0).all()
    last = m.outcomes.national().query("month == month.max()")
    assert last.set_index("sector").loc["all", "clients"] == len(c)
    assert last.set_index("sector").loc["all", "employees"] == e.active.sum()
    assert last[last.sector != "all"].employees.sum() == e.active.sum()


def test_money_adds_up_total_cost_is_unit_costs_plus_administration():
    model = make_model(seed=2, years=1)
    recorded = []
    for _ in range(12):
        model.step()
        u, m = model.units_state, model.municipalities_state
        recorded.append(u.payment_month.sum() + m.admin_month.sum())
        public = u.active & ~u.private
        assert np.allclose(u.payment_month[public], u.cost_month[public])
        private = u.active & u.private
        assert np.allclose(u.payment_month[private],
                           u.budget[private] / 12 * u.funding_rate[private])
    national = model.outcomes.national()
    total = national[national.sector == "all"].cost.to_numpy()
    np.testing.assert_allclose(total, recorded, rtol=1e-9)
    by_sector = national[national.sector != "all"].groupby("month").cost.sum().to_numpy()
    np.testing.assert_allclose(by_sector, total, rtol=1e-9)
    local = model.outcomes.by_municipality().groupby("month").cost.sum().to_numpy()
    np.testing.assert_allclose(local, total, rtol=1e-9)


def test_all_outcomes_are_finite_and_in_range(baseline_run):
    frame = baseline_run.outcomes.national()
    assert set(OUTCOMES) <= set(frame.columns)
    values = frame[[o for o in OUTCOMES if o not in BY_PROVIDER_TYPE]]
    assert np.isfinite(values.to_numpy(dtype=float)).all()
    typed = frame[list(BY_PROVIDER_TYPE)].to_numpy(dtype=float)   # NaN only where none exists
    assert (np.isnan(typed) | (typed >= 0)).all() and np.isfinite(typed[frame.sector == "all"]).all()
    for column in ("quality", "satisfaction", "sick_leave_pct", "private_share"):
        assert frame[column].between(0, 100).all(), column
    assert (frame.turnover_pct >= 0).all() and (frame.cost_per_client > 0).all()
    assert (frame.quality_spread >= 0).all() and (frame.providers > 0).all()
    local = baseline_run.outcomes.by_municipality()
    assert np.isfinite(local[[o for o in OUTCOMES if o not in BY_PROVIDER_TYPE]]
                       .to_numpy(dtype=float)).all()
    assert local.sick_leave_pct.between(0, 100).all()


def test_baseline_sick_leave_sits_near_the_official_statistics_and_in_their_order():
    """KS/SSB (docs/sources.md §1): kindergartens ~11 %, health and care ~11 %, schools ~7 %."""
    model = make_model(seed=4, years=4)
    model.run()
    frame = model.outcomes.national()
    later = frame[frame.year >= 3].groupby("sector").sick_leave_pct.mean()
    care = (later["nursing_home"] + later["home_care"]) / 2
    assert 9 <= care <= 13
    assert 9 <= later["kindergarten"] <= 14
    assert 5 <= later["school"] <= 9
    assert later["school"] < care and later["school"] < later["kindergarten"]


def test_the_same_seed_gives_identical_tables_and_another_seed_does_not():
    def table(seed: int) -> pd.DataFrame:
        model = make_model(seed=seed, years=1)
        model.run()
        return model.outcomes.national()

    a, b, c = table(7), table(7), table(8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_all_four_agent_types_are_mesa_agents_a_user_can_select_and_inspect(baseline_run):
    m = baseline_run
    assert len(m.municipalities) == 20 and all(isinstance(a, Municipality) for a in m.municipalities)
    operating = m.units.select(lambda u: u.active)
    assert len(operating) == m.units_state.active.sum()
    unit = operating.to_list()[0]
    assert isinstance(unit, Unit) and 0 <= unit.quality <= 100 and unit.municipality.index == unit.municipality_index
    nurses = m.select_employees(m.units_state.sector[m.employees_state.unit] == 0, limit=50)
    assert len(nurses) == 50 and all(isinstance(a, Employee) for a in nurses)
    person = nurses.to_list()[0]
    assert person.unit.sector == "nursing_home" and 0 <= person.control <= 1
    citizen = m.citizen(0)
    assert isinstance(citizen, Citizen) and citizen.provider.active
    assert m.citizen(0) is citizen  # one agent per person
    assert person in m.agents


def test_an_inspected_employee_who_leaves_is_reported_gone():
    model = make_model(seed=1, years=1)
    person = model.employee(int(np.flatnonzero(model.employees_state.active)[0]))
    model.release(np.array([person.slot]))
    assert not person.present
    try:
        person.strain
    except AgentGone:
        pass
    else:  # pragma: no cover
        raise AssertionError("reading a departed employee should raise AgentGone")
