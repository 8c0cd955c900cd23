"""Purchaser-provider contracts: tendering, award, shading, monitoring and their costs."""

from __future__ import annotations

import numpy as np

from sim.model import ReformModel
from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import run

SEEDS = (1, 2, 3)
CARE = ["nursing_home", "home_care"]
ON = {"enabled": True}


def _care(seeds, years, **sections):
    """Care outcomes of the last year (client-weighted over nursing homes and home care)."""
    rows = []
    for seed in seeds:
        frame = run(seed, years, **sections).outcomes.national()
        last = frame[(frame.year == years) & frame.sector.isin(CARE)]
        w = last.clients
        rows.append({k: float((last[k] * w).sum() / w.sum())
                     for k in ("quality", "cost_per_client", "private_share")})
    return {k: np.mean([r[k] for r in rows]) for k in rows[0]}


def test_the_purchaser_provider_scenario_separates_purchaser_and_provider():
    model = ReformModel(scenario=load_scenario("purchaser_provider"), seed=1, years=1)
    assert (model.municipalities_state.org_model == 2).all()
    model.run()
    u, c = model.units_state, model.mechanism("contracts")
    care = u.active & np.isin(u.sector, [0, 1])
    assert c.contracted[care].all() and not c.contracted[u.active & ~care].any()


def test_tendering_lowers_the_cost_per_client_of_the_tendered_services():
    base, tendered = _care(SEEDS, 2), _care(SEEDS, 2, contracts=ON)
    assert tendered["cost_per_client"] < 0.99 * base["cost_per_client"]
    assert tendered["private_share"] > base["private_share"] + 10


def test_low_contractibility_with_weak_monitoring_lowers_quality_and_strong_monitoring_restores_it():
    loose = {**ON, "contractible_share": 0.1, "opportunism": 1.0}
    base = _care(SEEDS[:2], 2)
    weak = _care(SEEDS[:2], 2, contracts={**loose, "monitoring": 0.0})
    strong = _care(SEEDS[:2], 2, contracts={**loose, "monitoring": 1.0})
    assert weak["quality"] < base["quality"] - 3
    assert strong["quality"] > weak["quality"] + 3
    assert strong["quality"] > base["quality"] - 2.5


def test_tendering_and_monitoring_costs_appear_in_total_cost_and_money_adds_up():
    model = make_model(seed=2, years=1, contracts={**ON, "monitoring": 1.0})
    m, u, rows = model.municipalities_state, model.units_state, []
    for _ in range(12):
        model.step()
        rows.append(u.transaction_cost_month.sum())
        assert np.isclose(m.admin_month.sum() - u.transaction_cost_month.sum(),
                          u.payment_month.sum() * model.mechanism("budget").p.admin_share
                          * model.admin_factor + m.reform_cost_month.sum())
    spent = m.spent.sum()
    recorded = model.outcomes.national().query("sector == 'all'").cost.sum()
    assert np.isclose(spent, recorded, rtol=1e-9)
    c = model.mechanism("contracts")
    value = (c._payment_month(model) * (c.contracted & model.units_state.active)).sum()
    p = c.p
    expected = value * (p.monitoring_cost * p.monitoring) + c.tender_cost_month.sum()
    assert np.isclose(rows[-1], expected, rtol=1e-6)
    assert c.tender_cost_month.sum() > 0
    # the municipality pays contractors the contract price, not their own operating cost
    private = c.contracted & u.active & u.private
    assert np.allclose(u.payment_month[private],
                       u.budget[private] / 12 * u.funding_rate[private] * c.payment_ratio(model)[private])


def test_private_winners_bid_near_or_below_the_norm_price():
    model = make_model(seed=3, years=1, contracts=ON)
    model.run(2)
    u, c = model.units_state, model.mechanism("contracts")
    private = c.contracted & u.active & u.private
    assert private.any()
    # the month's cost is the unit's production cost scaled to the contract price
    ratio = c.payment_ratio(model)[private]
    assert ((ratio > 0.5) & (ratio < 1.2)).all()
    assert (c.price[private] < 1.05).all()


def test_staff_keep_their_jobs_when_the_provider_changes():
    model = make_model(seed=1, years=1, contracts=ON)
    e, u = model.employees_state, model.units_state
    people = e.person_id.copy()
    leavers = model.unit_leavers.copy()
    contracts = model.mechanism("contracts")
    contracts.tender(model)
    moved = contracts.changed_operator
    assert len(moved) > 0
    slots = np.isin(e.unit, moved)
    assert (e.person_id[slots] == people[slots]).all()
    assert (model.unit_leavers == leavers).all()
    assert (u.insecurity[moved] > 0.5).all()


def test_insecurity_from_a_tender_fades_after_the_award():
    model = make_model(seed=1, years=2, contracts=ON)
    model.step()
    u = model.units_state
    tendered = model.mechanism("contracts").contracted
    early = u.insecurity[tendered].mean()
    model.run(11)
    assert 0 < u.insecurity[tendered].mean() < 0.5 * early
