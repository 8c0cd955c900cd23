"""Purchaser-provider contracts: tendering, award, enforcement, shading, monitoring, costs."""

from __future__ import annotations

import numpy as np

from sim.model import ReformModel
from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import run

SEEDS = (1, 2, 3)
CARE = ["nursing_home", "home_care"]
ON = {"enabled": True}
TENDER = 12          # the first tender comes a year after the model is adopted


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


def _tendered(seed: int = 2, **contracts):
    """A model one month after its first tender round."""
    model = make_model(seed=seed, years=2, contracts={**ON, **contracts})
    model.run(TENDER + 1)
    return model, model.mechanism("contracts"), model.units_state


def test_the_purchaser_provider_scenario_separates_purchaser_and_provider():
    model = ReformModel(scenario=load_scenario("purchaser_provider"), seed=1, years=2)
    assert (model.municipalities_state.org_model == 2).all()
    model.run(TENDER + 1)
    u, c = model.units_state, model.mechanism("contracts")
    care = u.active & np.isin(u.sector, [0, 1])
    assert c.contracted[care].all() and not c.contracted[u.active & ~care].any()


def test_tendering_lowers_the_cost_per_client_of_the_tendered_services():
    base, tendered = _care(SEEDS, 3), _care(SEEDS, 3, contracts=ON)
    assert tendered["cost_per_client"] < 0.99 * base["cost_per_client"]
    assert tendered["private_share"] > base["private_share"] + 10


def test_a_tender_coming_up_makes_in_house_managers_cut_slack():
    model = make_model(seed=1, years=2, contracts=ON)
    model.run(TENDER)
    u, c = model.units_state, model.mechanism("contracts")
    lots = c.lots(model)
    public = u.active & ~u.private
    others = public & ~np.isin(np.arange(len(u)), lots)
    assert u.slack[lots][~u.private[lots]].mean() < 0.7 * u.slack[others].mean()


def test_the_in_house_bid_tracks_the_units_own_cost():
    # no informal learning of practices, whose cost effects the bid does not price
    model = make_model(seed=2, years=2, contracts=ON, management={"informal_rate": 0.0})
    model.run(TENDER)
    u, c = model.units_state, model.mechanism("contracts")
    production = model.mechanism("production")
    lots = c.lots(model)
    bid = c.inhouse_bid(model, lots)
    norm = model.mechanism("budget").norm_cost(model)[lots]
    # what the unit spends per client-year, per norm NOK, for each unit of norm service it gives
    spent = u.cost_month[lots] * 12 / (norm * production.staffing_ratio(model)[lots])
    assert np.corrcoef(bid, spent)[0, 1] > 0.8
    assert np.corrcoef(bid, 1 / production.effective_productivity(u)[lots])[0, 1] > 0.95
    c.p.inhouse_margin = 0.1                          # a declared margin is added on top
    assert np.allclose(c.inhouse_bid(model, lots), bid * 1.1)


def _cuts(**contracts):
    """Cuts the bidding firms plan at the first tender (same firms for every setting)."""
    model = make_model(seed=2, years=2, contracts={**ON, **contracts})
    model.run(TENDER)
    c = model.mechanism("contracts")
    bids = c._bids(model, c.lots(model))
    return float(bids.cut[bids.valid].mean())


def test_shading_falls_as_detection_rises():
    cuts = [_cuts(monitoring=m) for m in (0.0, 0.3, 1.0)]
    assert cuts[0] > cuts[1] > cuts[2]
    assert _cuts(detection=1.0) > _cuts(detection=6.0)


def test_shading_falls_as_the_penalty_rises():
    cuts = [_cuts(sanction=s) for s in (0.0, 0.05, 0.3)]
    assert cuts[0] > cuts[1] > cuts[2]
    assert _cuts(exclusion=False) > _cuts(exclusion=True)   # the next contract at stake


def test_non_profits_shade_less_than_chains():
    model, c, u = _tendered(seed=3, monitoring=0.1)
    bids = c._bids(model, c.lots(model))
    chain, nonprofit = bids.valid & (bids.owner == 0), bids.valid & (bids.owner == 2)
    assert bids.cut[chain].mean() > bids.cut[nonprofit].mean()


def test_contractors_are_held_to_the_contracts_staffing():
    model, c, u = _tendered()
    private = c.contracted & u.active & u.private
    assert private.sum() > 10
    model.mechanism("budget")._set_targets(model)       # staff targets for today's clients
    held = np.round(model.needed_staff() * u.contract_staff)
    assert np.array_equal(u.target_staff[private], np.minimum(held, u.slot_end - u.slot_start)[private])
    staffing = model.mechanism("production").effective_productivity(u) * u.contract_staff
    assert np.allclose(staffing[private], (c.service * (1 - c.cut))[private])


def test_low_contractibility_with_weak_monitoring_lowers_quality_and_strong_monitoring_restores_it():
    loose = {**ON, "contractible_share": 0.1}
    base = _care(SEEDS[:2], 3)
    weak = _care(SEEDS[:2], 3, contracts={**loose, "monitoring": 0.0})
    strong = _care(SEEDS[:2], 3, contracts={**loose, "monitoring": 1.0})
    assert weak["quality"] < base["quality"] - 2
    assert strong["quality"] > weak["quality"] + 1


def test_a_caught_contractor_can_lose_the_service_to_the_municipality_at_once():
    model, c, u = _tendered(seed=1, take_back=True, monitoring=0.0, contractible_share=0.0)
    cutting = np.flatnonzero(c.contracted & u.active & u.private & (c.cut > 0))
    assert len(cutting) > 0
    c.p.monitoring = 1.0
    c.p.detection = 20.0
    model.step()
    caught = cutting[~u.private[cutting]]
    assert len(caught) > 0 and (c.cut[caught] == 0).all() and c.caught[caught].all()
    assert (u.contract_staff[caught] == 0).all()        # back to the municipality's own staffing


def test_tendering_and_monitoring_costs_appear_in_total_cost_and_money_adds_up():
    model = make_model(seed=2, years=2, contracts={**ON, "monitoring": 1.0})
    model.run(TENDER)
    m, u, rows = model.municipalities_state, model.units_state, []
    for _ in range(12):
        model.step()
        rows.append(u.transaction_cost_month.sum())
        assert np.isclose(m.admin_month.sum() - u.transaction_cost_month.sum(),
                          u.payment_month.sum() * model.mechanism("budget").p.admin_share
                          * model.admin_factor + m.reform_cost_month.sum())
    spent = m.spent.sum()
    recorded = model.outcomes.national().query("sector == 'all' and year == 2").cost.sum()
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
                       u.budget[private] / 12 * c.payment_ratio(model)[private])


def test_private_winners_bid_near_or_below_the_norm_price():
    model, c, u = _tendered(seed=3)
    private = c.contracted & u.active & u.private
    assert private.any()
    assert ((c.price[private] > 0.6) & (c.price[private] < 1.05)).all()


def test_staff_keep_their_jobs_when_the_provider_changes():
    model = make_model(seed=1, years=2, contracts=ON)
    model.run(TENDER)
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
    model = make_model(seed=1, years=3, contracts=ON)
    model.run(TENDER + 1)
    u = model.units_state
    tendered = model.mechanism("contracts").contracted
    early = u.insecurity[tendered].mean()
    model.run(11)
    assert 0 < u.insecurity[tendered].mean() < 0.5 * early


def test_bids_below_the_quality_floor_are_rejected_and_a_breach_of_the_floor_is_seen():
    model, c, u = _tendered(seed=2, monitoring=0.0, contractible_share=0.0)
    lots = c.lots(model)
    bids = c._bids(model, lots)
    from sim.mechanisms.contracts import _award
    assert (_award(bids, c.p.quality_weight, 100.0) == 0).all()   # nobody promises 100 points
    cutting = np.flatnonzero(c.contracted & u.active & u.private & (c.cut > 0))
    assert len(cutting) > 0
    c.p.quality_floor = 100.0                  # every contractor now breaches the floor
    model.step()
    assert c.caught[cutting].all() and (c.cut[cutting] == 0).all()
