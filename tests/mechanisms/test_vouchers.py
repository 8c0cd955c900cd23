"""Voucher choice: money follows the user, users choose, private providers enter and leave."""

from __future__ import annotations

import numpy as np

from sim.model import ReformModel
from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import run

SEEDS = (1, 2, 3)
CHOICE_SECTORS = ["nursing_home", "home_care", "kindergarten"]


def _means(seeds, years, sectors, **sections):
    """Outcomes of the last year, over the given sectors (client-weighted) and seeds."""
    rows = []
    for seed in seeds:
        frame = run(seed, years, **sections).outcomes.national()
        last = frame[(frame.year == years) & frame.sector.isin(sectors)]
        w = last.clients
        rows.append({k: float((last[k] * w).sum() / w.sum())
                     for k in ("quality", "private_share", "switching_pct")})
    return {k: np.mean([r[k] for r in rows]) for k in rows[0]}


def _assert_everyone_has_an_active_provider(model) -> None:
    c, u = model.citizens_state, model.units_state
    assert u.active[c.unit].all()
    assert (u.muni[c.unit] == c.muni).all()
    assert (u.sector[c.unit] == c.sector).all()


def test_the_voucher_scenario_switches_vouchers_on_and_money_follows_the_user():
    scenario = load_scenario("voucher_choice")
    assert scenario.vouchers.enabled
    model = ReformModel(scenario=scenario, seed=1, years=1)
    assert model.money_follows_client
    model.run(6)
    u = model.units_state
    clients = u.weighted_clients.copy()      # this month's users fund next month's budgets
    model.step()
    norm = model.mechanism("budget").norm_per_client[u.sector] * clients
    public = u.active & ~u.private & (clients > 0)
    for m in np.unique(u.muni[public]):      # public funding per need is equal within a place
        values = u.budget[public & (u.muni == m)] / norm[public & (u.muni == m)]
        assert np.allclose(values, values[0])


def test_no_citizen_is_ever_without_an_active_provider_of_their_municipality_and_sector():
    """Checked every month, with providers entering and leaving often."""
    churn = {"enabled": True, "exit_occupancy": 0.8, "entry_rate": 1.0, "information": 1.0}
    model = make_model(seed=4, years=3, vouchers=churn)
    u = model.units_state
    opened_or_closed = 0
    before = u.active.copy()
    for _ in range(36):
        model.step()
        _assert_everyone_has_an_active_provider(model)
        opened_or_closed += int((before != u.active).sum())
        before = u.active.copy()
    assert opened_or_closed > 0


def test_an_exiting_providers_clients_are_all_placed_at_once():
    model = make_model(seed=2, years=2, vouchers={"enabled": True})
    model.run(12)
    u, c, v = model.units_state, model.citizens_state, model.mechanism("vouchers")
    group = u.muni.astype(np.int64) * 4 + u.sector
    live = u.active & v.in_scheme[u.sector]
    crowded = np.bincount(group[live], minlength=group.max() + 1) > 1
    target = np.flatnonzero(live & u.private & crowded[group] & (u.clients > 0))[0]
    clients = np.flatnonzero(c.unit == target)
    v.occupancy[target] = 0.0          # a year of empty places
    v.opened[target] = -999
    v._exit(model)
    assert not u.active[target]
    assert not (c.unit == target).any()
    assert u.staff[target] == 0
    moved = c.unit[clients]
    assert u.active[moved].all() and (group[moved] == group[target]).all()
    assert not c.switched[clients].any()   # moved by closure, not by choice
    _assert_everyone_has_an_active_provider(model)


def test_switching_rate_is_positive_and_lower_with_higher_switching_cost():
    cheap = _means(SEEDS[:2], 2, CHOICE_SECTORS, vouchers={"enabled": True, "switching_cost": 1.0})
    dear = _means(SEEDS[:2], 2, CHOICE_SECTORS, vouchers={"enabled": True, "switching_cost": 10.0})
    assert cheap["switching_pct"] > dear["switching_pct"] > 0
    default = _means(SEEDS[:2], 2, CHOICE_SECTORS, vouchers={"enabled": True})
    assert 1.0 < default["switching_pct"] < 8.0   # a few % a year (docs/sources.md §6)


def test_vouchers_with_good_information_raise_mean_quality_relative_to_poor_information():
    poor = _means(SEEDS, 4, CHOICE_SECTORS, vouchers={"enabled": True, "information": 0.0})
    good = _means(SEEDS, 4, CHOICE_SECTORS, vouchers={"enabled": True, "information": 1.0})
    assert good["quality"] > poor["quality"]


def test_vouchers_raise_quality_and_the_private_share_of_care():
    care = ["nursing_home", "home_care"]
    base = _means(SEEDS, 4, care)
    vouchers = _means(SEEDS, 4, care, vouchers={"enabled": True})
    assert vouchers["private_share"] > base["private_share"]
    assert vouchers["quality"] > base["quality"]
