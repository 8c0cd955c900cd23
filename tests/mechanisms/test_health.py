"""Employee health: demand-control-support drives sickness absence and turnover."""

from __future__ import annotations

import numpy as np

from tests.conftest import make_model


def _sick_leave(model, months: int) -> float:
    model.run(months)
    frame = model.outcomes.national()
    return frame[(frame.sector == "all") & (frame.month > 2)].sick_leave_pct.mean()


def test_higher_workload_raises_sick_leave():
    """Twenty per cent more care need for the same staff (the budget is set before) raises
    demands, strain and so sickness absence."""
    normal, heavy = make_model(seed=6, years=1), make_model(seed=6, years=1)
    normal.step()
    heavy.step()
    heavy.citizens_state.need *= 1.2
    heavy.refresh_clients()
    assert _sick_leave(heavy, 11) > _sick_leave(normal, 11) + 0.5
    assert heavy.employees_state.demands[heavy.employees_state.active].mean() > \
        normal.employees_state.demands[normal.employees_state.active].mean()


def test_more_job_control_lowers_strain_and_sick_leave():
    calm, tight = make_model(seed=6, years=1), make_model(seed=6, years=1)
    calm.units_state.autonomy[:] = 0.8
    assert _sick_leave(calm, 12) < _sick_leave(tight, 12) - 0.5
    assert calm.employees_state.control[calm.employees_state.active].mean() > \
        tight.employees_state.control[tight.employees_state.active].mean()


def test_strain_raises_long_spells_and_turnover():
    """More paperwork (a demand) for everyone: more strain, more sick leave, more leavers."""
    def outcomes(paperwork: float):
        model = make_model(seed=8, years=2)
        model.units_state.paperwork[:] = paperwork
        model.run()
        e = model.employees_state
        frame = model.outcomes.national()
        later = frame[(frame.sector == "all") & (frame.month > 6)].mean(numeric_only=True)
        return later, e.strain[e.active].mean()

    (calm, calm_strain), (busy, busy_strain) = outcomes(0.15), outcomes(0.40)
    assert busy_strain > calm_strain + 0.05
    assert busy.sick_leave_pct > calm.sick_leave_pct + 1
    assert busy.turnover_pct > calm.turnover_pct + 1


def test_a_long_spell_past_the_sickness_benefit_limit_ends_employment():
    model = make_model(seed=2, years=1)
    e = model.employees_state
    slot = int(np.flatnonzero(e.active)[0])
    e.absence[slot] = 2
    e.absence_months[slot] = model.mechanism("health").p.max_spell_months + 5
    model.step()
    assert not e.active[slot] or e.absence_months[slot] <= 1  # left, or slot refilled by a hire
