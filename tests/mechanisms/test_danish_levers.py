"""Danish Quality Reform levers, each switched on alone: what it moves and what it costs."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.danish_levers import ACCREDITED, CARE
from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import national_means, run

LEVERS = ("quality_contracts", "surveys", "kpis", "comparison_pages", "accreditation",
          "welfare_technology", "training", "shared_services", "deregulation")


def only(lever: str, **extra) -> dict:
    """The reform with one lever on and the others off."""
    return {"enabled": True, **{name: name == lever for name in LEVERS}, **extra}


def test_shared_service_centres_lower_administration_cost():
    base, shared = run(1, 3), run(1, 3, danish_levers=only("shared_services"))
    assert shared.admin_factor == 1 - shared.mechanism("danish_levers").p.admin_saving
    assert shared.municipalities_state.admin_month.sum() < base.municipalities_state.admin_month.sum()
    late = lambda m: m.outcomes.national().query("sector == 'all' and year == 3").cost_per_client.mean()
    assert late(shared) < late(base)


def test_shared_service_centres_cost_money_while_being_set_up():
    model = make_model(seed=1, years=1, danish_levers=only("shared_services"))
    model.step()
    assert model.municipalities_state.reform_cost_month.sum() > 0
    assert 1 - model.mechanism("danish_levers").p.admin_saving < model.admin_factor < 1


def test_welfare_technology_lowers_needed_staff_in_care():
    base, tech = run(2, 3), run(2, 3, danish_levers=only("welfare_technology"))
    care = CARE[tech.units_state.sector] & tech.units_state.active
    need = lambda m: m.needed_staff()[care].sum() / m.units_state.weighted_clients[care].sum()
    saving = tech.mechanism("danish_levers").p.labour_saving
    assert np.isclose(need(tech), need(base) * (1 - saving), rtol=1e-3)
    others = ~CARE[tech.units_state.sector]
    assert np.all(tech.units_state.labour_saving[others] == 0)


def test_welfare_technology_investment_shows_in_cost_before_it_pays():
    first = lambda **s: national_means((1,), 1, **s).cost_per_client
    assert first(danish_levers=only("welfare_technology")) > first()


def test_surveys_produce_information_as_accurate_as_the_surveys():
    base, surveyed = run(1, 1), run(1, 1, danish_levers=only("surveys"))
    p = surveyed.mechanism("danish_levers").p
    assert base.information == 0
    assert np.isclose(surveyed.information, 0.5 * p.survey_accuracy)   # not on comparison pages
    published = run(1, 1, danish_levers={**only("surveys"), "comparison_pages": True})
    assert np.isclose(published.information, p.survey_accuracy)


def test_kpis_cost_paperwork_and_improve_monitoring_but_add_no_quality_points():
    base, kpi = run(1, 1), run(1, 1, danish_levers=only("kpis"))
    u = kpi.units_state
    assert kpi.information > base.information
    assert np.all(u.monitoring[u.active] > 0) and np.all(base.units_state.monitoring == 0)
    assert u.paperwork[u.active].mean() > base.units_state.paperwork[u.active].mean()
    assert np.all(u.effort_quality == 0)


def test_comparison_pages_let_managers_copy_practices_from_better_units():
    """003: 'identify and learn from best practice'. Managers who see their gap try what
    better units keep; without the pages nobody starts a trial."""
    on = {**only("kpis"), "comparison_pages": True}
    quiet = {"informal_rate": 0.0}   # no trials from informal contact between units
    seen = run(2, 3, danish_levers=on, management=quiet)
    blind = run(2, 3, danish_levers=only("kpis"), management=quiet)
    assert seen.mechanism("management").kept.sum() + seen.mechanism("management").dropped.sum() > 0
    assert blind.mechanism("management").kept.sum() + blind.mechanism("management").dropped.sum() == 0


def test_quality_contracts_publish_targets_that_raise_expectations():
    base, contracts = run(3, 2), run(3, 2, danish_levers=only("quality_contracts"))
    targets = contracts.targets_quality
    assert base.targets_quality is None and targets.shape == (4,)
    u = contracts.units_state
    mean_quality = np.bincount(u.sector, weights=u.quality * u.clients) / np.bincount(u.sector, weights=u.clients)
    assert np.all(targets > mean_quality)
    assert contracts.citizens_state.expectation.mean() > base.citizens_state.expectation.mean()


def test_accreditation_audits_drop_practices_that_do_not_work_where_they_are_used():
    model = make_model(seed=4, years=4, danish_levers=only("accreditation"))
    base = run(4, 4)
    model.run()
    u, w = model.units_state, model.world
    value = w.practice_quality[None, :] + w.fit_quality
    accredited = ACCREDITED[u.sector] & u.active
    assert model.mechanism("danish_levers").reviewed[accredited].sum() > 0
    assert model.mechanism("danish_levers").reviewed[~accredited].sum() == 0
    harmful = value < 0
    assert (u.practices & harmful)[accredited].sum() < (base.units_state.practices & harmful)[accredited].sum()
    assert np.array_equal(u.practices[~accredited], base.units_state.practices[~accredited])


def test_training_raises_competence_at_a_cost():
    base = national_means((1, 2), 3, from_year=3)
    trained = national_means((1, 2), 3, from_year=3, danish_levers=only("training"))
    assert trained.quality > base.quality
    assert trained.cost_per_client > base.cost_per_client
    b, t = run(1, 3), run(1, 3, danish_levers=only("training"))
    assert t.employees_state.competence[t.employees_state.active].mean() > \
        b.employees_state.competence[b.employees_state.active].mean()


def test_deregulation_lowers_paperwork_and_sick_leave():
    base = national_means((1, 2), 3, from_year=2)
    freed = national_means((1, 2), 3, from_year=2, danish_levers=only("deregulation"))
    assert freed.sick_leave_pct < base.sick_leave_pct
    model = run(1, 1, danish_levers=only("deregulation"))
    assert np.allclose(model.units_state.paperwork, 0.15 - model.mechanism("danish_levers").p.paperwork_cut)


def test_all_levers_together_raise_quality():
    base = national_means((1, 2), 4, from_year=3)
    reform = national_means((1, 2), 4, from_year=3, danish_levers={"enabled": True})
    assert reform.quality > base.quality + 0.5   # through training, audits, copying; no fixed points
    # eight levers introduced at once load units with change: sick leave does not fall
    assert base.sick_leave_pct - 0.3 < reform.sick_leave_pct < base.sick_leave_pct + 1.0


def test_the_danish_scenario_switches_every_lever_on():
    scenario = load_scenario("danish_quality_reform")
    assert scenario.danish_levers.enabled
    assert all(getattr(scenario.danish_levers, lever) for lever in LEVERS)
