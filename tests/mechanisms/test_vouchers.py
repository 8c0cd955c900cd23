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
    norm = model.mechanism("budget").norm_cost(model)   # this month's users fund next month
    model.step()
    public = u.active & ~u.private & (norm > 0)
    for m in np.unique(u.muni[public]):      # public funding per norm NOK is equal within a place
        values = u.budget[public & (u.muni == m)] / norm[public & (u.muni == m)]
        assert np.allclose(values, values[0])


def test_choice_without_information_or_switching_leaves_quality_at_the_baseline():
    """No mechanism adds quality points for free: with nobody choosing, no published
    information and no entrant, only money following the user month by month moves a few
    staff between units, and quality stays within a few tenths of a point."""
    still = {"enabled": True, "information": 0.0, "review_rate": 0.0, "passive_share": 1.0,
             "entry_rate": 0.0}
    base = _means(SEEDS[:2], 3, CHOICE_SECTORS)
    vouchers = _means(SEEDS[:2], 3, CHOICE_SECTORS, vouchers=still)
    assert abs(vouchers["quality"] - base["quality"]) < 0.3
    assert vouchers["switching_pct"] == 0


def test_losing_users_presses_the_manager_and_adds_no_quality_system():
    model = make_model(seed=2, years=2, vouchers={"enabled": True, "information": 0.0})
    model.run(12)
    u, v = model.units_state, model.mechanism("vouchers")
    losers = np.flatnonzero(u.active & v.in_scheme[u.sector])[:20]
    system = u.quality_system.copy()
    v.lost[:] = 0
    v.lost[losers] = 0.1 * u.clients[losers] + 1
    v._respond(model)
    v._press(model)
    assert (u.quality_system == system).all()
    assert (u.pressure[losers] > 0.4).all()
    others = u.active & v.in_scheme[u.sector] & ~np.isin(np.arange(len(u)), losers)
    assert (u.pressure[others] == 0).all()


def _entrant_profits(price_level: float, seed: int = 1):
    """Expected profit of each market's would-be entrant, and its market's clients."""
    model = make_model(seed=seed, years=2, vouchers={"enabled": True, "price_level": price_level,
                                                     "entry_rate": 0.0})
    model.run(13)
    u, v = model.units_state, model.mechanism("vouchers")
    profit, group, _, _ = v.entry_profit(model)
    dormant = np.flatnonzero(~u.active & u.private & v.in_scheme[u.sector])
    _, first = np.unique(group[dormant], return_index=True)
    entrant = dormant[first]
    size = np.bincount(group, weights=u.clients * u.active, minlength=group.max() + 1)
    typical = model.params.world.unit_size.array()[u.sector[entrant]]
    return profit[entrant], size[group[entrant]], typical


def test_entry_rises_with_the_voucher_price():
    counts = [int((_entrant_profits(level)[0] > 0).sum()) for level in (0.9, 1.0, 1.2)]
    assert counts[0] < counts[1] < counts[2]


def test_no_firm_enters_a_market_below_a_size_threshold():
    profit, size, typical = _entrant_profits(1.2)
    assert (profit > 0).sum() >= 5
    assert not (profit[size < typical] > 0).any()     # under one unit's worth of users
    small = size < np.median(size)
    assert (profit[small] > 0).mean() < (profit[~small] > 0).mean()


def test_entries_over_years_rise_with_the_voucher_price():
    def entries(level):
        model = make_model(seed=3, years=3, vouchers={"enabled": True, "price_level": level})
        model.run()
        return model.outcomes.national().query("sector == 'all'").entries.sum() / 12
    assert entries(0.9) < entries(1.2)


def _need_gap(**vouchers):
    """Home care in year 3: mean need of private clients minus public clients, over two seeds."""
    gaps = []
    for seed in SEEDS[:2]:
        frame = run(seed, 3, vouchers={"enabled": True, **vouchers}).outcomes.national()
        last = frame[(frame.year == 3) & (frame.sector == "home_care")]
        gaps.append(float((last.need_private - last.need_public).mean()))
    return np.mean(gaps)


def test_a_flat_price_with_refusal_leaves_high_need_users_with_the_public_provider():
    flat = _need_gap(price="flat", refusal=True)
    adjusted = _need_gap(price="need_adjusted", refusal=True)
    assert flat < -0.05                     # private clients' need is lower
    assert adjusted > flat + 0.04           # the need-adjusted price shrinks the gap


def test_users_who_never_choose_have_higher_need():
    model = make_model(seed=1, years=1, vouchers={"enabled": True})
    v, c = model.mechanism("vouchers"), model.citizens_state
    assert c.need[v.passive].mean() > c.need[~v.passive].mean() + 0.1


def test_a_private_provider_paid_flat_refuses_only_users_it_would_serve_at_a_loss():
    model = make_model(seed=1, years=1, vouchers={"enabled": True, "price": "flat",
                                                  "refusal": True})
    model.run(3)
    u, v = model.units_state, model.mechanism("vouchers")
    private = np.flatnonzero(u.active & u.private & v.in_scheme[u.sector])
    public = np.flatnonzero(u.active & ~u.private & v.in_scheme[u.sector])
    low, high = np.full(len(private), 0.3), np.full(len(private), 3.0)
    assert v.accepts(model, private, low).mean() > v.accepts(model, private, high).mean()
    assert v.accepts(model, public, np.full(len(public), 3.0)).all()


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
