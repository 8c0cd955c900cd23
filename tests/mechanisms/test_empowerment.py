"""Employee empowerment (MMM): involvement, ideas, experiments, practice, overload, fading."""

from __future__ import annotations

import numpy as np

from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import national_means, run

ON = {"enabled": True}
SEEDS = (1, 2, 3)


def _members(model) -> np.ndarray:
    u = model.units_state
    return model.mechanism("empowerment").member & u.active & ~u.private


def test_empowerment_lowers_sick_leave_and_turnover_and_raises_quality():
    base = national_means(SEEDS, 4, from_year=2)
    mmm = national_means(SEEDS, 4, from_year=2, empowerment=ON)
    assert mmm.sick_leave_pct < base.sick_leave_pct - 0.3
    assert mmm.sick_leave_pct > base.sick_leave_pct - 2.0  # plausible: under ~2 points
    assert mmm.turnover_pct < base.turnover_pct
    assert mmm.quality > base.quality + 0.5


def test_empowerment_raises_job_control_and_support_of_participants():
    base, mmm = run(4, 2), run(4, 2, empowerment=ON)
    e = mmm.employees_state
    inside = _members(mmm)[e.unit] & e.active
    assert mmm.units_state.empowerment[_members(mmm)].mean() > 0.05
    assert e.control[inside].mean() > base.employees_state.control[inside & base.employees_state.active].mean() + 0.02
    assert e.support[inside].mean() > base.employees_state.support[inside & base.employees_state.active].mean()


def test_more_empowerment_has_no_built_in_curve():
    """The lever is proportional to intensity; whatever bends the outcome comes from the
    ideas, experiments and change load more involvement brings (issue 12)."""
    mech = make_model(empowerment=ON).mechanism("empowerment")
    steps = [mech.target_empowerment(x) for x in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert np.allclose(np.diff(steps), steps[1])


def test_more_empowerment_has_no_increasing_returns():
    """Not a cited pattern (the experiment's 'diminishing returns' check was dropped for want of
    a source) but a guard against a convex lever: on this model the sick-leave gain at intensity
    0.5 is a little over half the gain at 1.0 (seeds 1-8: 0.552 / 1.026 points, ratio 0.54; before
    the hazards were refitted to the posterior the ratio was 0.48), so it holds, narrowly."""
    base = national_means(SEEDS, 3, from_year=2).sick_leave_pct
    gain = {i: base - national_means(SEEDS, 3, from_year=2,
                                     empowerment={**ON, "intensity": i}).sick_leave_pct
            for i in (0.5, 1.0)}
    assert 0 < gain[0.5] < gain[1.0]
    assert gain[0.5] > 0.5 * gain[1.0]


def test_too_many_concurrent_changes_raise_demands_and_sick_leave():
    """Units that start every idea at once (no prioritising) are overloaded."""
    paced = run(1, 2, empowerment={**ON, "max_load": 1.0})
    rushed = run(1, 2, empowerment={**ON, "max_load": 100.0, "idea_rate": 0.3,
                                    "base_conversion": 1.0})
    for model in (paced, rushed):
        model.inside = _members(model)
    assert rushed.units_state.change_load[rushed.inside].mean() > 1.0
    assert paced.units_state.change_load[paced.inside].mean() < 0.2
    e_r, e_p = rushed.employees_state, paced.employees_state
    assert e_r.demands[rushed.inside[e_r.unit] & e_r.active].mean() > \
        e_p.demands[paced.inside[e_p.unit] & e_p.active].mean() + 0.1
    late = lambda m: m.outcomes.national().query("sector == 'all' and year == 2").sick_leave_pct.mean()
    assert late(rushed) > late(paced) + 1


def test_the_effect_on_sick_leave_passes_through_the_health_model():
    """With the health model's empowerment (and competence) channels shut, no ideas and no
    programme cost, empowerment leaves sick leave exactly where it was: no shortcut."""
    shut = {"empowerment_control": 0.0, "empowerment_support": 0.0, "competence_control": 0.0}
    quiet = {**ON, "idea_rate": 0.0, "project_manager_nok": 0.0, "adviser_nok": 0.0,
             "involvement_nok": 0.0}
    base = national_means((1, 2), 3, health=shut)
    mmm = national_means((1, 2), 3, health=shut, empowerment=quiet)
    assert abs(mmm.sick_leave_pct - base.sick_leave_pct) < 0.02
    assert abs(mmm.turnover_pct - base.turnover_pct) < 0.05


def test_development_advisers_turn_more_ideas_into_institutionalised_practice():
    def adopted(units_per_adviser: float) -> float:
        model = run(2, 3, empowerment={**ON, "units_per_adviser": units_per_adviser})
        return model.mechanism("empowerment").institutionalised[_members(model)].mean()
    assert adopted(5.0) > adopted(0.0) * 1.5


def test_institutionalised_practices_are_units_practices():
    # without informal contact between units, so every practice gained is the programme's
    model = make_model(seed=5, years=3, empowerment=ON, management={"informal_rate": 0.0})
    before = model.units_state.practices.sum(axis=1)
    model.run()
    mech = model.mechanism("empowerment")
    gained = model.units_state.practices.sum(axis=1) - before
    assert mech.institutionalised.sum() > 0
    assert np.array_equal(gained, mech.institutionalised)
    assert gained[~mech.member].sum() == 0


def test_enthusiasm_fades_without_visible_results():
    with_results = run(3, 3, empowerment=ON)
    without = run(3, 3, empowerment={**ON, "success": 0.0, "readiness_effect": 0.0,
                                     "adviser_success": 0.0})
    inside = _members(with_results)
    e_with = with_results.mechanism("empowerment").enthusiasm[inside].mean()
    e_without = without.mechanism("empowerment").enthusiasm[inside].mean()
    assert e_without < e_with - 0.05
    p = without.mechanism("empowerment").p
    pure_fade = np.exp(-36 / (p.fade_months * (1 + p.collaboration)))
    assert abs(e_without - pure_fade) < 0.05
    assert without.units_state.empowerment[inside].mean() < \
        with_results.units_state.empowerment[inside].mean()


def test_multi_party_collaboration_strengthens_ownership_and_keeps_enthusiasm():
    alone = make_model(seed=3, years=2, empowerment={**ON, "collaboration": 0.0})
    together = make_model(seed=3, years=2, empowerment={**ON, "collaboration": 1.0})
    alone.run(), together.run()
    inside = _members(together)
    assert together.mechanism("empowerment").readiness(together)[inside].mean() > \
        alone.mechanism("empowerment").readiness(alone)[inside].mean()
    assert together.mechanism("empowerment").enthusiasm[inside].mean() > \
        alone.mechanism("empowerment").enthusiasm[inside].mean()


def test_the_programme_costs_money_during_the_period():
    model = make_model(seed=1, years=1, empowerment=ON)
    model.step()
    assert model.municipalities_state.reform_cost_month.sum() > 0
    base = national_means((1,), 1)
    mmm = national_means((1,), 1, empowerment=ON)
    assert mmm.cost_per_client > base.cost_per_client


def test_non_participating_units_are_untouched():
    model = run(6, 2, empowerment={**ON, "municipality_share": 0.5},
                management={"informal_rate": 0.0})   # no informal trials load anyone
    mech = model.mechanism("empowerment")
    out = ~mech.muni_member[model.units_state.muni]
    assert out.any()
    assert np.all(model.units_state.empowerment[out] == 0)
    assert np.all(model.units_state.change_load[out] == 0)


def test_the_model_municipality_scenario_switches_the_programme_on():
    scenario = load_scenario("model_municipality")
    assert scenario.empowerment.enabled
    assert scenario.source.startswith("002")
