"""Learning networks: the Quality in Local Government programme (brief, mechanism 7).

A share of municipalities apply and are accepted (the programme aimed at more than half); they
sit in learning networks, edges of ``model.network`` (networkx): clusters of 5-8 neighbouring
municipalities as in the programme, or a small world, or a random graph. Every year members
benchmark their peers sector by sector and their public units adopt practices that units in
better-performing peers have institutionalised (a Bass-type rate: a little innovation, mostly
imitation of what peers already do, so adoption follows an S-curve), at a rate set by the
municipality's change capacity and the programme's support (advisers, competence development
and stimulation funding: NOK 20 million a year nationally in 2007, shared by participants).
Outside networks learning across municipal borders is rare: non-members adopt only at a small
spontaneous rate from the national pool. Participants commit to sick-leave targets and act on
the work environment (a little more ``mgmt_support``). Local projects last 2-3 years; after the
programme period the networks go on without central support. Members' own project work and the
central programme cost money.

Sources: 001 ("organised into networks", "exchange of information and experience within and
between the networks", "more than half of the country's municipalities", "commit to concrete
targets for reducing employee absences due to illness", "within the municipalities' agreed
financial limits"); 004 ("Locally the project should have duration of 2 to 3 years";
"Finance": NOK 20 million for 2007: 7 secretariat, 3 competence development, 10 stimulation
funding); 002 "MMM challenges" 6 ("Learning between organisations across municipal boundaries
is normally limited"). Effect sizes: docs/sources.md §8 (participants' sick-leave trend 0.4
points better; Rogers/Bass S-curves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, institutionalise
from sim.params import Params, param
from sim.state import N_PRACTICES
from sim.world import SCALES

if TYPE_CHECKING:
    from sim.model import ReformModel

Topology = Literal["clusters", "small_world", "random"]


class NetworksParams(Params):
    """Quality in Local Government: networks, benchmarking, adoption, sick-leave targets."""

    enabled: bool = param(False, "Switch the learning-network programme on", source="scenario switch")
    participation: float = param(0.55, "Share of municipalities taking part", ge=0, le=1,
                                 source="001 ('more than half of the country's municipalities'); "
                                        "138 of 430 took part in fact")
    topology: Topology = param("clusters", "Shape of the networks: 'clusters' of neighbouring "
                                           "municipalities, 'small_world' (Watts-Strogatz) or "
                                           "'random' (Erdos-Renyi)",
                               source="001 ('organised into networks'); scenario lever")
    cluster_max: int = param(8, "Largest network cluster (members are split into as few groups as "
                                "keep to this size, so 5-8 at the default)", ge=2, le=50,
                             unit="municipalities", source="001 (networks of a handful of "
                                                           "municipalities); estimated")
    degree: int = param(4, "Peers per member in the small-world and random graphs", ge=1, le=50,
                        unit="municipalities", source="estimated")
    rewiring: float = param(0.1, "Rewiring probability of the small-world graph", ge=0, le=1,
                            source="Watts & Strogatz 1998")
    innovation: float = param(0.005, "Yearly chance that a member unit takes up a practice on its "
                                    "own (Bass innovation coefficient)", ge=0, le=1,
                              unit="per practice-year", source="Bass 1969; estimated")
    imitation: float = param(0.2, "Yearly chance of adopting a practice that all units in better "
                                   "peers have (Bass imitation coefficient)", ge=0, le=1,
                             unit="per practice-year", source="Bass 1969; docs/sources.md §8 "
                                                          "(imitation > innovation); estimated")
    spontaneous: float = param(0.03, "Yearly chance that a unit outside the networks adopts a "
                                     "practice that all units nationally have", ge=0, le=1,
                               unit="per practice-year",
                               source="002 ('Learning ... across municipal boundaries is normally "
                                      "limited'); estimated")
    max_adoptions: int = param(2, "Most practices a unit can institutionalise in a year", ge=0,
                               le=12, unit="practices/year", source="estimated")
    national_budget_nok: float = param(20_000_000, "Central programme budget for the whole country "
                                                   "(secretariat, competence, stimulation)", ge=0,
                                       unit="NOK/year", source="004 'Finance' (2007)")
    reference_support_nok: float = param(145_000, "Central support per member at which the "
                                                  "support effect is counted once", ge=1,
                                         unit="NOK/member-year",
                                         source="004: NOK 20 million shared by 138 participants")
    support_effect: float = param(0.5, "Rise in the adoption rate at the reference support", ge=0,
                                  le=5, source="estimated")
    member_nok: float = param(250_000, "A member municipality's own cost of project work and "
                                       "network meetings", ge=0, unit="NOK/year",
                              source="001 ('drew primarily on their own resources'); estimated")
    work_environment: float = param(0.03, "Management support added in members' units (sick-leave "
                                          "targets and work-environment measures)", ge=0, le=0.5,
                                    source="001, 004 (sick leave a specific goal); calibrated to "
                                           "~0.4 points (docs/sources.md §8)")
    programme_years: int = param(3, "Years of central support (local projects last 2-3 years)",
                                 ge=1, le=50, unit="years", source="004 ('duration of 2 to 3 years')")


class Networks(Mechanism):
    """Network formation, yearly benchmarking and adoption of better peers' practices."""

    name = "networks"
    Params = NetworksParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        m = model.municipalities_state
        self.rng = model.stream("networks")
        self.members = self._select_members(m)
        m.in_network[:] = self.members
        model.network.add_edges_from(build_edges(m, self.members, self.p, self.rng))
        self.adjacency = nx.to_numpy_array(model.network, nodelist=range(len(m)), dtype=bool)
        self.mgmt_support = LeverShare(model.units_state.mgmt_support)
        self.adopted = np.zeros(len(model.units_state), dtype=np.int64)
        _label_nodes(model)

    def _select_members(self, m) -> np.ndarray:
        """Applicants with political endorsement and change capacity are likelier to take part."""
        n = len(m)
        k = round(self.p.participation * n)
        weight = m.endorsement * m.change_capacity + 1e-9
        keys = self.rng.random(n) ** (1 / weight)  # weighted sampling without replacement
        members = np.zeros(n, dtype=bool)
        members[np.argsort(-keys)[:k]] = True
        return members

    def yearly(self, model: ReformModel) -> None:
        if model.month == 0:  # the networks meet first; benchmarking needs a year's results
            self.mgmt_support.set(self.p.work_environment * self.members[model.units_state.muni])
            return
        u = model.units_state
        public = u.active & ~u.private
        in_programme = model.month < self.p.programme_years * 12
        member_unit = self.members[u.muni] & public
        chance = self.adoption_chance(model, in_programme)
        chance[~public] = 0.0
        self._adopt(u, chance)
        self.mgmt_support.set(self.p.work_environment * member_unit)
        _label_nodes(model)

    def monthly(self, model: ReformModel) -> None:
        if model.month < self.p.programme_years * 12:
            m = model.municipalities_state
            m.reform_cost_month += self.members * (self.p.member_nok + self.support_nok(model)) / 12

    def support_nok(self, model: ReformModel) -> float:
        """Central support per member (the national budget scaled to this world's size)."""
        n = len(model.municipalities_state)
        members = max(int(self.members.sum()), 1)
        return self.p.national_budget_nok * n / SCALES["norway"] / members

    def adoption_chance(self, model: ReformModel, in_programme: bool) -> np.ndarray:
        """Per unit and practice, this year's chance of adopting it (units x practices)."""
        p, u, m = self.p, model.units_state, model.municipalities_state
        shares, score = _practice_shares(model)
        support = 1 + (p.support_effect * self.support_nok(model) / p.reference_support_nok
                       if in_programme else 0.0)
        rate = (m.change_capacity / 0.5) * support
        chance = np.zeros((len(u), N_PRACTICES))
        for s in range(len(SECTORS)):
            better = self.adjacency & (score[None, :, s] > score[:, None, s])
            peers = better.sum(axis=1, keepdims=True)
            exposure = np.divide(better @ shares[:, s, :], peers, out=np.zeros((len(m), N_PRACTICES)),
                                 where=peers > 0)
            national = shares[:, s, :].mean(axis=0)
            member = self.members[:, None]
            bass = np.where(member, rate[:, None] * (p.innovation + p.imitation * exposure),
                            p.spontaneous * national[None, :])
            in_sector = u.sector == s
            chance[in_sector] = bass[u.muni[in_sector]]
        return np.clip(chance, 0, 1)

    def _adopt(self, u, chance: np.ndarray) -> None:
        wants = (self.rng.random(chance.shape) < chance) & ~u.practices
        for _ in range(self.p.max_adoptions):
            units = np.flatnonzero(wants.any(axis=1))
            adopted = institutionalise(u.practices, units, self.rng, candidates=wants[units])
            self.adopted[adopted] += 1
            wants &= ~u.practices


def build_edges(m, members: np.ndarray, p: NetworksParams,
                rng: np.random.Generator) -> list[tuple[int, int]]:
    """The networks among member municipalities, as edges between municipality indices."""
    idx = np.flatnonzero(members)
    if len(idx) < 2:
        return []
    seed = int(rng.integers(2**31))
    if p.topology == "clusters":
        return _cluster_edges(m, idx, p)
    if p.topology == "small_world":
        k = min(p.degree, len(idx) - 1)
        graph = nx.watts_strogatz_graph(len(idx), max(k, 1), p.rewiring, seed=seed)
    else:
        graph = nx.gnp_random_graph(len(idx), min(1.0, p.degree / (len(idx) - 1)), seed=seed)
    return [(int(idx[a]), int(idx[b])) for a, b in graph.edges]


def _cluster_edges(m, idx: np.ndarray, p: NetworksParams) -> list[tuple[int, int]]:
    """Complete graphs over groups of neighbours (members ordered around the map's centre), as
    few groups as keep each at most ``cluster_max`` (5-8 members each at the default)."""
    angle = np.arctan2(m.y[idx] - 0.5, m.x[idx] - 0.5)
    order = idx[np.argsort(angle)]
    groups = np.array_split(order, int(np.ceil(len(order) / max(p.cluster_max, 1))))
    return [(int(a), int(b)) for group in groups for i, a in enumerate(group) for b in group[i + 1:]]


def _practice_shares(model: ReformModel) -> tuple[np.ndarray, np.ndarray]:
    """Per municipality and sector: share of operating units with each practice, and mean quality
    (the benchmark). Shapes (municipalities, sectors, practices) and (municipalities, sectors)."""
    u = model.units_state
    n_m, n_s = len(model.municipalities_state), len(SECTORS)
    group = u.muni.astype(np.int64) * n_s + u.sector
    live = u.active.astype(np.float64)
    count = np.bincount(group, weights=live, minlength=n_m * n_s)
    have = np.stack([np.bincount(group, weights=live * u.practices[:, k], minlength=n_m * n_s)
                     for k in range(N_PRACTICES)], axis=1)
    shares = np.divide(have, count[:, None], out=np.zeros_like(have), where=count[:, None] > 0)
    quality = np.bincount(group, weights=live * u.quality, minlength=n_m * n_s)
    score = np.divide(quality, count, out=np.full(n_m * n_s, -np.inf), where=count > 0)
    return shares.reshape(n_m, n_s, N_PRACTICES), score.reshape(n_m, n_s)


def practices_per_municipality(model: ReformModel) -> np.ndarray:
    """Mean institutionalised practices per operating unit, per municipality (for colouring the
    network view; 0-12)."""
    u = model.units_state
    n = len(model.municipalities_state)
    total = np.bincount(u.muni, weights=u.practices.sum(axis=1) * u.active, minlength=n)
    units = np.bincount(u.muni, weights=u.active, minlength=n)
    return np.divide(total, units, out=np.zeros(n), where=units > 0)


def _label_nodes(model: ReformModel) -> None:
    """Node attributes the dashboard reads: ``practices`` (per unit) and ``in_network``."""
    practices = practices_per_municipality(model)
    members = model.municipalities_state.in_network
    nx.set_node_attributes(model.network, {i: float(v) for i, v in enumerate(practices)}, "practices")
    nx.set_node_attributes(model.network, {i: bool(v) for i, v in enumerate(members)}, "in_network")


MECHANISM = Networks
