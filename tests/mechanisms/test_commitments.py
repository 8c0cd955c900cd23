"""Commitments (CQM / management by results): targets for funding and autonomy, measurement,
customer feedback, rewards and sanctions."""

from __future__ import annotations

import numpy as np

from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import national_means, run

ON = {"enabled": True}


def _committed(model) -> np.ndarray:
    return model.mechanism("commitments").committed(model)


def test_commitments_raise_autonomy_and_job_control():
    base, cqm = run(2, 2), run(2, 2, commitments=ON)
    inside = _committed(cqm)
    assert np.allclose(cqm.units_state.autonomy[inside], cqm.mechanism("commitments").p.autonomy)
    assert np.allclose(cqm.units_state.autonomy[~inside], 0.3)
    e, b = cqm.employees_state, base.employees_state
    mask = inside[e.unit] & e.active
    assert e.control[mask].mean() > b.control[inside[b.unit] & b.active].mean() + 0.02


def test_commitments_raise_quality_a_little_and_move_sick_leave_by_under_a_point():
    """Through managers: the decentralisation gain and copying from peers raise quality; the
    sick-leave target (staff support) and the paperwork and change of the scheme roughly
    offset on sick leave."""
    seeds = (1, 2, 3)
    base = national_means(seeds, 4, from_year=2)
    cqm = national_means(seeds, 4, from_year=2, commitments=ON)
    assert abs(cqm.sick_leave_pct - base.sick_leave_pct) < 1.0
    assert base.quality < cqm.quality < base.quality + 3


def test_measurement_costs_appear_in_total_cost():
    """In the first year nothing but the money differs: the extra cost is exactly the
    measurement and feedback bill."""
    free = {**ON, "measurement_nok": 0.0, "feedback_nok": 0.0}
    paid, unpaid = make_model(seed=1, years=1, commitments=ON), make_model(seed=1, years=1,
                                                                           commitments=free)
    paid.run(), unpaid.run()
    u = paid.units_state
    inside = _committed(paid)
    p = paid.mechanism("commitments").p
    expected_month = (inside * (p.measurement_nok + p.feedback_nok * u.clients)).sum() / 12
    cost = lambda m: m.outcomes.national().query("sector == 'all'").cost
    extra = (cost(paid) - cost(unpaid)).to_numpy()
    assert np.all(extra > 0)
    assert abs(extra[-1] / expected_month - 1) < 0.02


def test_targets_are_set_from_measured_performance_and_ask_for_improvement():
    model = run(3, 2, commitments=ON)
    mech = model.mechanism("commitments")
    assert mech.targets is not None
    quality_target, cost_target, sick_target = mech.targets
    inside = _committed(model) & (model.units_state.clients > 0)
    assert np.nanmean(quality_target[inside]) > 60
    assert np.all(cost_target[inside] > 0)
    assert 3 < np.nanmean(sick_target[inside]) < 15


def test_exact_measurement_judges_units_rightly_and_noisy_measurement_does_not():
    def agreement(accuracy: float) -> float:
        model = run(4, 3, commitments={**ON, "measurement_accuracy": accuracy})
        mech = model.mechanism("commitments")
        inside = _committed(model)
        return float((mech.met[inside] == mech.true_met[inside]).mean())
    assert agreement(1.0) == 1.0
    assert agreement(0.0) < 0.8


def test_rewards_and_sanctions_move_next_years_budget_within_the_municipality():
    model = run(5, 4, commitments={**ON, "reward": 0.05, "max_adjustment": 0.2})
    mech, u = model.mechanism("commitments"), model.units_state
    inside = _committed(model)
    assert mech.price[inside & (mech.met >= 2)].mean() > mech.price[inside & (mech.met == 0)].mean()
    assert np.all(np.abs(mech.price - 1) <= 0.2 + 1e-9)
    # the council shares the same municipal service budget: unit budgets still add up to it
    budget = model.mechanism("budget")
    model.mechanism("budget").yearly(model)
    service = model.municipalities_state.budget / (1 + budget.p.admin_share)
    assert np.allclose(np.bincount(u.muni, weights=u.budget, minlength=len(service)), service)


def test_a_sick_leave_target_moves_managers_time_to_staff_support():
    model = run(6, 3, commitments=ON)
    inside = _committed(model)
    u = model.units_state
    assert u.mgmt_support[inside].mean() > u.mgmt_support[~inside].mean() + 0.005


def test_political_support_erodes_without_results_and_the_scheme_decays():
    """000: without political mobilisation 'a slow return to the old system'."""
    fading = run(7, 5, commitments={**ON, "erosion": 0.3, "mobilisation": 0.0})
    lasting = run(7, 5, commitments={**ON, "erosion": 0.0, "support_floor": 0.0})
    mech = fading.mechanism("commitments")
    assert mech.strength[mech.muni_member].max() < 0.9
    assert np.all(lasting.mechanism("commitments").strength == 1.0)
    inside = _committed(fading)
    assert fading.units_state.autonomy[inside].mean() < lasting.units_state.autonomy[inside].mean()
    assert fading.units_state.stakes_quality[inside].mean() < \
        lasting.units_state.stakes_quality[inside].mean()


def test_customer_feedback_raises_public_information():
    with_feedback = run(1, 1, commitments=ON)
    without = run(1, 1, commitments={**ON, "feedback": False})
    assert with_feedback.information > without.information
    assert with_feedback.information == with_feedback.mechanism("commitments").p.feedback_information


def test_reporting_requirements_add_paperwork():
    model = run(1, 1, commitments=ON)
    inside = _committed(model)
    assert model.units_state.paperwork[inside].mean() > model.units_state.paperwork[~inside].mean()


def test_the_cqm_scenario_switches_commitments_on():
    assert load_scenario("cqm_commitments").commitments.enabled
