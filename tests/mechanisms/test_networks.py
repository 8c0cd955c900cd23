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
    assert inside > 4 * outside


def test_without_networks_diffusion_is_slow():
    def gain(participation: float) -> float:
        model, before = _practices_run(3, 6, participation=participation)
        u = model.units_state
        return _gain_per_unit(model, before, u.active & ~u.private)
    assert gain(0.0) < 0.5
    assert gain(0.55) > 3 * gain(0.0)


def test_adoption_follows_an_s_curve():
    """Yearly adoption by members first rises (peers take practices up and others imitate them),
    then falls as units run out of practices to adopt."""
    increments = []
    for seed in (1, 2):
        model = make_model(seed=seed, years=24, networks={**ON, "programme_years": 50})
        u = model.units_state
        members = model.municipalities_state.in_network[u.muni] & u.active & ~u.private
        series = [u.practices[members].sum(axis=1).mean()]
        for _ in range(24):
            model.run(12)
            series.append(u.practices[members].sum(axis=1).mean())
        increments.append(np.diff(series))
    inc = np.mean(increments, axis=0)
    early, middle, late = inc[1:4].mean(), inc[6:11].mean(), inc[19:].mean()
    assert middle > early + 0.03
    assert late < middle - 0.15


def test_better_peers_are_the_source_of_practices():
    """A member that is best in its network in every sector can only innovate, not imitate."""
    model = make_model(seed=4, years=2, networks={**ON, "innovation": 0.0})
    mech = model.mechanism("networks")
    model.run(12)
    chance = mech.adoption_chance(model, in_programme=True)
    u = model.units_state
    from sim.mechanisms.networks import _practice_shares
    _, score = _practice_shares(model)
    for s in range(4):
        for i in np.flatnonzero(model.municipalities_state.in_network):
            peers = list(model.network.neighbors(i))
            if peers and np.all(score[peers, s] < score[i, s]):
                rows = (u.muni == i) & (u.sector == s)
                assert np.all(chance[rows] == 0)


def _sick_leave_of(model, member: np.ndarray) -> float:
    """Sick leave of the member municipalities in years 2 and later (% of contracted days)."""
    f = model.outcomes.by_municipality()
    f = f[member[f.municipality] & (f.year >= 2)]
    return (f.sick_leave_pct * f.employees).sum() / f.employees.sum()


def test_participants_commit_to_sick_leave_targets_and_take_less_sick_leave():
    diffs = []
    for seed in (1, 2, 3):
        base, net = run(seed, 3), run(seed, 3, networks=ON)
        member = net.municipalities_state.in_network
        diffs.append(_sick_leave_of(net, member) - _sick_leave_of(base, member))
    assert -1.5 < np.mean(diffs) < -0.1
    u = net.units_state
    inside = member[u.muni] & u.active & ~u.private
    assert np.allclose(u.mgmt_support[inside], 0.5 + net.mechanism("networks").p.work_environment)


def test_programme_costs_stop_after_the_programme_period():
    model = make_model(seed=1, years=5, networks={**ON, "programme_years": 2})
    mech = model.mechanism("networks")
    model.run(1)
    assert model.municipalities_state.reform_cost_month[mech.members].min() > 0
    assert model.municipalities_state.reform_cost_month[~mech.members].max() == 0
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
    assert np.isclose(u.practices[u.active].sum(axis=1).mean(), national)


def test_the_quality_network_scenario_switches_networks_on():
    scenario = load_scenario("quality_network")
    assert scenario.networks.enabled and scenario.networks.topology == "clusters"
