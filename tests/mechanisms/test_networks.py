"""Learning networks (Quality in Local Government): membership, topology, benchmarking and
adoption of better peers' practices, sick-leave targets."""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.mechanisms.networks import practices_per_municipality
from sim.scenario import load_scenario
from tests.conftest import make_model
from tests.mechanisms.compare import run

ON = {"enabled": True}


def _gain_per_unit(model, before: np.ndarray, mask: np.ndarray) -> float:
    u = model.units_state
    return float((u.practices.sum(axis=1) - before)[mask].mean())


def _practices_run(seed: int, years: int, **networks):
    model = make_model(seed=seed, years=years, networks={**ON, **networks})
    before = model.units_state.practices.sum(axis=1)
    model.run()
    return model, before


def test_more_than_half_of_municipalities_join_and_sit_in_clusters_of_five_to_eight():
    model = make_model(seed=1, years=1, networks=ON)
    m = model.municipalities_state
    assert m.in_network.mean() == model.mechanism("networks").p.participation == 0.55
    graph = model.network
    assert all(m.in_network[a] and m.in_network[b] for a, b in graph.edges)
    clusters = [c for c in nx.connected_components(graph) if len(c) > 1]
    assert sum(len(c) for c in clusters) == m.in_network.sum()
    assert all(5 <= len(c) <= 8 for c in clusters)
    for c in clusters:  # complete graphs
        assert graph.subgraph(c).number_of_edges() == len(c) * (len(c) - 1) // 2


def test_small_world_and_random_networks_join_members_only():
    for topology in ("small_world", "random"):
        model = make_model(seed=2, years=1, networks={**ON, "topology": topology})
        m = model.municipalities_state
        assert model.network.number_of_edges() > 0
        assert all(m.in_network[a] and m.in_network[b] for a, b in model.network.edges)


def test_network_members_adopt_more_practices_than_non_members():
    gains = []
    for seed in (1, 2):
        model, before = _practices_run(seed, 6)
        u = model.units_state
        public = u.active & ~u.private
        member = model.municipalities_state.in_network[u.muni]
        gains.append((_gain_per_unit(model, before, public & member),
                      _gain_per_unit(model, before, public & ~member)))
    inside, outside = np.mean(gains, axis=0)
    assert inside > 1.0
    assert inside > 2.5 * outside   # outsiders learn within their municipality and by informal ties


def test_without_networks_diffusion_is_slow():
    def gain(participation: float) -> float:
        model, before = _practices_run(3, 6, participation=participation)
        u = model.units_state
        return _gain_per_unit(model, before, u.active & ~u.private)
    assert gain(0.0) < 0.5
    assert gain(0.55) > 2 * gain(0.0)


def test_adoption_with_a_programme_is_s_shaped_and_plateaus_below_all_units():
    """Members' share of (unit, beneficial practice) pairs kept: a slow first year (trials take
    a year), faster growth while the programme runs, then a slowing towards a plateau well below
    every unit (a practice that does not fit is dropped)."""
    curves = []
    for seed in (1, 2, 3):
        model = make_model(seed=seed, years=12, networks=ON)
        u, good = model.units_state, model.world.practice_quality > 0
        members = model.municipalities_state.in_network[u.muni] & u.active & ~u.private
        series = [(u.practices & ~u.trying)[members][:, good].mean()]
        for _ in range(12):
            model.run(12)
            series.append((u.practices & ~u.trying)[members][:, good].mean())
        curves.append(series)
    curve = np.mean(curves, axis=0)
    steps = np.diff(curve)
    peak = steps[3:9].max()
    assert steps[:3].mean() < 0.6 * peak              # slow start
    assert peak > 0.04                                # acceleration
    assert steps[-3:].mean() < 0.7 * peak             # slowing towards a plateau
    assert curve[-1] < 0.85                           # below all units
    assert np.all(steps > -0.01)


def _kept_beneficial(model, units: np.ndarray) -> float:
    u, good = model.units_state, model.world.practice_quality > 0
    return float((u.practices & ~u.trying)[units][:, good].mean())


def test_without_a_programme_practices_spread_slowly_not_at_all_or_fast():
    """Informal contact (colleagues in the municipality, tied neighbours) carries practices in
    the baseline: the share of (unit, beneficial practice) pairs kept rises over 10 years, but
    far less than among the programme's members in the same world (seed 1, measured on
    branch net: baseline 0.096 -> 0.112, members with the programme 0.095 -> 0.597)."""
    rises = {}
    for label, sections in (("baseline", {}), ("programme", {"networks": ON})):
        model = make_model(seed=1, years=10, **sections)
        u = model.units_state
        units = u.active & ~u.private
        if sections:
            units &= model.municipalities_state.in_network[u.muni]
        before = _kept_beneficial(model, units)
        model.run()
        rises[label] = _kept_beneficial(model, units) - before
    assert rises["baseline"] > 0.005, rises
    assert rises["programme"] > 5 * rises["baseline"], rises


def test_informal_contact_is_complex_contagion():
    """A unit tries a practice through informal contact only where at least
    ``informal_threshold`` contacts (colleague units keeping it, tied neighbours where it is
    established) have it."""
    from sim.mechanisms.management import established

    model = make_model(seed=4, years=3)
    model.run(24)
    mech, u, n_s = model.mechanism("management"), model.units_state, 4
    live = u.active & ~u.private
    kept = u.practices & ~u.trying & live[:, None]
    group = u.muni.astype(np.int64) * n_s + u.sector
    colleagues = np.array([[kept[(group == group[i]) & (np.arange(len(u)) != i), k].sum()
                            for k in range(kept.shape[1])] for i in range(len(u))])
    est = established(model, mech.p.informal_established)
    neighbours = np.einsum("ij,jsk->isk", mech.informal.astype(float), est)[u.muni, u.sector]
    contacts = colleagues + neighbours
    chance = mech.informal_chance(model)
    assert np.all(chance[live][contacts[live] < mech.p.informal_threshold] == 0)
    assert np.all(chance[live][contacts[live] >= mech.p.informal_threshold] > 0)
    assert chance[live].max() <= mech.p.informal_rate * 2 * 3   # slow: a few % a year at most


def test_switching_the_programme_on_does_not_shift_the_informal_draws_or_judgements():
    """Informal contact and the judgement of trials draw a fixed block a year from streams of
    their own, however many trials the programme adds."""
    states = []
    for sections in ({}, {"networks": ON}):
        model = make_model(seed=2, years=3, **sections)
        model.run()
        mech = model.mechanism("management")
        states.append((mech.informal_rng.bit_generator.state, mech.rng.bit_generator.state,
                       int(mech.kept.sum() + mech.dropped.sum())))
    assert states[0][:2] == states[1][:2]
    assert states[1][2] > states[0][2]      # the programme did add trials


def test_complex_contagion_needs_several_places_where_a_practice_is_established():
    model = make_model(seed=4, years=3, networks={**ON, "innovation": 0.0})
    mech = model.mechanism("networks")
    model.run(12)
    from sim.mechanisms.networks import _established
    chance = mech.trial_chance(model)
    est = _established(model, mech.p.established)
    exposure = np.einsum("ij,jsk->isk", mech.sources(model).astype(float), est)
    u = model.units_state
    seen = exposure[u.muni, u.sector]
    live = u.active & ~u.private
    assert np.all(chance[live][seen[live] < mech.p.threshold] == 0)
    assert np.all(chance[live][(seen[live] >= mech.p.threshold)] > 0)


def test_the_network_changes_towards_better_similar_peers():
    model = make_model(seed=5, years=4, networks={**ON, "tie_change": 1.0})
    before = set(map(frozenset, model.network.edges))
    model.run()
    after = set(map(frozenset, model.network.edges))
    assert before != after
    m = model.municipalities_state
    assert all(m.in_network[a] and m.in_network[b] for a, b in model.network.edges)


def _sick_leave_of(model, member: np.ndarray) -> float:
    """Sick leave of the member municipalities in years 2 and later (% of contracted days)."""
    f = model.outcomes.by_municipality()
    f = f[member[f.municipality] & (f.year >= 2)]
    return (f.sick_leave_pct * f.employees).sum() / f.employees.sum()


def test_sick_leave_targets_are_targets_for_the_project_period_only():
    """Members' sick-leave targets put a stake on sick leave while the projects run: managers
    give more time to staff support then, and not after (no permanent bump)."""
    model = make_model(seed=1, years=4, networks={**ON, "programme_years": 2})
    u = model.units_state
    model.run(12)
    member = model.municipalities_state.in_network[u.muni] & u.active & ~u.private
    p = model.mechanism("networks").p
    assert np.allclose(u.stakes_sick[member], p.sick_leave_stakes)
    during = u.mgmt_support[member].mean()
    assert during > u.mgmt_support[~member & u.active & ~u.private].mean()
    model.run(24)
    assert np.all(u.stakes_sick == 0)
    assert u.mgmt_support[member].mean() < during


def test_programme_costs_stop_after_the_programme_period():
    """Members pay their own project work less the state's stimulation funding; the state pays
    the central programme."""
    model = make_model(seed=1, years=5, networks={**ON, "programme_years": 2})
    mech = model.mechanism("networks")
    model.run(1)
    own = mech.p.member_nok - mech.stimulation_nok(model)
    cost = model.municipalities_state.reform_cost_month
    assert np.allclose(cost[mech.members], own / 12)
    assert cost[~mech.members].max() == 0
    model.run(24)
    assert model.municipalities_state.reform_cost_month.sum() == 0


def test_support_is_the_national_budget_shared_by_participants():
    model = make_model(seed=1, years=1, networks=ON)
    mech = model.mechanism("networks")
    n = len(model.municipalities_state)
    assert np.isclose(mech.support_nok(model) * mech.members.sum(), 20e6 * n / 356)


def test_the_network_view_can_be_coloured_by_adopted_practices():
    model = run(2, 2, networks=ON)
    per_muni = practices_per_municipality(model)
    assert per_muni.shape == (len(model.municipalities_state),)
    assert np.all((per_muni >= 0) & (per_muni <= 12))
    attrs = nx.get_node_attributes(model.network, "practices")
    assert np.allclose([attrs[i] for i in range(len(per_muni))], per_muni)
    national = model.outcomes.national().query("sector == 'all'").practices_adopted.iloc[-1]
    u = model.units_state
    assert np.isclose((u.practices & ~u.trying)[u.active].sum(axis=1).mean(), national)


def test_the_quality_network_scenario_switches_networks_on():
    scenario = load_scenario("quality_network")
    assert scenario.networks.enabled and scenario.networks.topology == "clusters"
