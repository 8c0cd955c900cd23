"""Learning networks: the Quality in Local Government programme (brief, mechanism 7).

A share of municipalities apply and are accepted (the programme aimed at more than half); they
sit in learning networks, edges of ``model.network`` (networkx): clusters of 5-8 member
municipalities of similar size and region as in the programme, or a small world, or a random
graph. Members also see the municipalities they are informally tied to (the same ties along
which every unit learns informally, ``management.informal_contact``). The network changes: every
year a member drops a tie to a peer that does no better than itself and ties up with the most
similar member it is not yet linked to.

Through the programme, practices spread by *complex contagion*: a member's unit starts a trial
of a practice when at least ``threshold`` of the places it sees (its own municipality, its
network peers and informal ties) have it established in that sector (at least ``established``
of their units keep it), at a yearly rate set by the municipality's change capacity, the
manager's development time and, while the programme runs, the programme's support (advisers,
competence development); besides, a member's unit now and then tries one on its own
(innovation). Non-members' units get nothing from the programme: they learn by informal contact
only, which is slow. A trial is kept or dropped by the unit's manager (``management``), and a
practice dropped is not tried again: practices differ in value and fit, so as the members'
units run out of practices they have not yet tried, adoption levels off below all units
(Rogers' S-curve: slow start while few places have a practice established, acceleration as
the threshold is met in more places, a plateau as the pool of units that could still adopt
empties).

Participants commit to concrete targets for reducing sick leave during their projects: the
target puts a (reputational) stake on sick leave that moves managers' time towards staff
support (``units.stakes_sick``), for the project period only. Benchmarking in the networks lets
managers see their gap to peers (``units.benchmark``). The state pays the central programme
(secretariat, competence development and stimulation funding); the stimulation funding goes to
the members and offsets part of their own project costs.

Sources: 001 ("organised into networks", "exchange of information and experience within and
between the networks", "more than half of the country's municipalities", "commit to concrete
targets for reducing employee absences due to illness"); 004 ("Locally the project should have
duration of 2 to 3 years"; "Finance": NOK 20 million for 2007: 7 secretariat, 3 competence
development, 10 stimulation funding, from the state); 002 "MMM challenges" 6 ("Learning between
organisations across municipal boundaries is normally limited"), "MMM results" ("very little
that can be standardised"). Complex contagion: Centola & Macy 2007; S-curves: Rogers 2003
(docs/sources.md §8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.management import established as _established
from sim.mechanisms.management import informal_ties, similarity_distance
from sim.mechanisms.shared import LeverShare, change_attention
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
    innovation: float = param(0.01, "Yearly chance that a unit tries a practice it lacks on its "
                                    "own (per practice)", ge=0, le=0.1,
                              unit="per practice-year", source="Bass 1969; estimated")
    imitation: float = param(0.9, "Yearly chance of trying a practice that at least "
                                  "``threshold`` peers have established (per practice, at "
                                  "average change capacity)", ge=0, le=1,
                             unit="per practice-year", source="Bass 1969; docs/sources.md §8 "
                                                          "(imitation > innovation); estimated")
    threshold: int = param(2, "Places (own municipality and peers) that must have a practice "
                              "established before a member's unit tries it (complex contagion)",
                           ge=1, le=8, unit="places",
                           source="Centola & Macy 2007 (complex contagion; their threshold of "
                                  "two); docs/sources.md §8 [estimate]")
    established: float = param(0.3, "Share of a peer's units of the sector that must keep a "
                                     "practice for it to count as established there", ge=0.1,
                               le=1, source="estimated (institutionalised: kept by about a third "
                                            "of the units, well above the 10 % that hold a "
                                            "practice at the start)")
    tie_change: float = param(0.3, "Yearly chance that a member replaces a tie to a peer doing no "
                                 "better than itself", ge=0, le=1, unit="per year",
                            source="estimated (networks that form and change)")
    max_adoptions: int = param(3, "Most practices a unit starts trying in a year", ge=0,
                               le=12, unit="practices/year", source="estimated")
    national_budget_nok: float = param(20_000_000, "Central programme budget for the whole country "
                                                   "(secretariat, competence, stimulation), paid "
                                                   "by the state", ge=0, unit="NOK/year",
                                       source="004 'Finance' (2007)")
    stimulation_share: float = param(0.5, "Share of the central budget paid out to members as "
                                          "stimulation funding", ge=0, le=1,
                                     source="004 'Finance': NOK 10 of 20 million")
    reference_support_nok: float = param(145_000, "Central support per member at which the "
                                                  "support effect is counted once", ge=1,
                                         unit="NOK/member-year",
                                         source="004: NOK 20 million shared by 138 participants")
    support_effect: float = param(0.5, "Rise in the trial rate at the reference support", ge=0,
                                  le=5, source="estimated")
    member_nok: float = param(250_000, "A member municipality's own cost of project work and "
                                       "network meetings", ge=0, unit="NOK/year",
                              source="001 ('drew primarily on their own resources'); estimated")
    sick_leave_stakes: float = param(0.03, "Stake a member's sick-leave target puts on its units' "
                                           "sick leave during the project (reputation, not "
                                           "money)", ge=0, le=0.1, unit="budget-share equivalent",
                                     source="001, 004 (sick leave a specific goal with concrete "
                                            "targets); estimated")
    network_benchmark: float = param(0.5, "How well members' managers see their gap to peers "
                                          "through the networks' benchmarking", ge=0, le=1,
                                     source="001 ('exchange of information and experience'); "
                                            "estimated")
    project_load: float = param(0.05, "Change load on members' units during the projects", ge=0,
                                le=1, source="002 (overload); estimated")
    programme_years: int = param(3, "Years of central support (local projects last 2-3 years)",
                                 ge=1, le=50, unit="years", source="004 ('duration of 2 to 3 years')")


class Networks(Mechanism):
    """Network formation and change, complex contagion of practices, sick-leave targets."""

    name = "networks"
    Params = NetworksParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        m, u = model.municipalities_state, model.units_state
        self.rng = model.stream("networks")
        self.members = self._select_members(m)
        m.in_network[:] = self.members
        model.network.add_edges_from(build_edges(m, self.members, self.p, self.rng))
        self.informal = informal_ties(m, model.mechanism("management").p)  # as management's
        self.stakes_sick = LeverShare(u.stakes_sick)
        self.benchmark = LeverShare(u.benchmark)
        self.change_load = LeverShare(u.change_load)
        self.tried = np.zeros(len(u), dtype=np.int64)
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

    def in_programme(self, model: ReformModel) -> bool:
        return model.month < self.p.programme_years * 12

    def yearly(self, model: ReformModel) -> None:
        u = model.units_state
        member_unit = self.members[u.muni] & u.active & ~u.private
        project = member_unit * self.in_programme(model)
        self.stakes_sick.set(project * self.p.sick_leave_stakes)
        self.benchmark.set(member_unit * self.p.network_benchmark)
        self.change_load.set(project * self.p.project_load)
        if model.month > 0:  # ties change once the peers' results of a year are known
            self._rewire(model)
        self._try_practices(model)

    def monthly(self, model: ReformModel) -> None:
        """Members pay their own project work, less the state's stimulation funding; the
        network view shows this month's practices."""
        _label_nodes(model)
        if self.in_programme(model):
            m = model.municipalities_state
            own = max(self.p.member_nok - self.stimulation_nok(model), 0.0)
            m.reform_cost_month += self.members * own / 12

    def support_nok(self, model: ReformModel) -> float:
        """Central support per member (the national budget scaled to this world's size)."""
        n = len(model.municipalities_state)
        members = max(int(self.members.sum()), 1)
        return self.p.national_budget_nok * n / SCALES["norway"] / members

    def stimulation_nok(self, model: ReformModel) -> float:
        """Stimulation funding the state pays each member per year."""
        return self.support_nok(model) * self.p.stimulation_share

    def peers(self, model: ReformModel) -> np.ndarray:
        """Municipality x municipality: network ties and informal ties (bool; no self-ties)."""
        n = len(model.municipalities_state)
        ties = nx.to_numpy_array(model.network, nodelist=range(n), dtype=bool)
        return ties | self.informal

    def sources(self, model: ReformModel) -> np.ndarray:
        """Where a member's unit sees a practice at work through the programme: its peers and
        its own municipality's other units (``peers`` plus the diagonal). Rows of non-members
        are empty: they learn only by informal contact (``management.informal_contact``)."""
        seen = self.peers(model) | np.eye(len(model.municipalities_state), dtype=bool)
        return seen & self.members[:, None]

    def trial_chance(self, model: ReformModel) -> np.ndarray:
        """Per unit and practice, this year's chance of starting a trial (units x practices)."""
        p, u, m = self.p, model.units_state, model.municipalities_state
        established = _established(model, p.established)      # munis x sectors x practices
        sources = self.sources(model).astype(np.float64)
        exposure = np.einsum("ij,jsk->isk", sources, established)  # places with it established
        contagion = exposure >= p.threshold
        support = 1 + (p.support_effect * self.support_nok(model) / p.reference_support_nok
                       if self.in_programme(model) else 0.0)
        rate = (m.change_capacity / 0.5) * support * self.members   # the programme's channel
        per_muni = np.clip(rate[:, None, None] * (p.innovation + p.imitation * contagion), 0, 1)
        attention = change_attention(model)   # stacked changes leave less room for trials
        chance = per_muni[u.muni, u.sector] * (np.clip(1 + u.development, 0, 3)
                                                * attention)[:, None]
        chance[~(u.active & ~u.private)] = 0.0
        return np.clip(chance, 0, 1)

    def _try_practices(self, model: ReformModel) -> None:
        u = model.units_state
        rejected = model.mechanism("management").rejected   # tried here before and dropped
        wants = ((self.rng.random((len(u), N_PRACTICES)) < self.trial_chance(model))
                 & ~u.practices & ~rejected)
        keys = np.where(wants, self.rng.random(wants.shape), -1.0)
        order = np.argsort(-keys, axis=1)[:, : self.p.max_adoptions]
        rows = np.repeat(np.arange(len(u)), order.shape[1])
        cols = order.ravel()
        take = keys[rows, cols] >= 0
        model.mechanism("management").start_trials(model, rows[take], cols[take])
        np.add.at(self.tried, rows[take], 1)

    def _rewire(self, model: ReformModel) -> None:
        """Members drop a tie to a peer doing no better and tie up with the most similar member
        they are not linked to (one change per member and year at most)."""
        m = model.municipalities_state
        score = _municipal_quality(model)
        distance = similarity_distance(m, model.mechanism("management").p)
        graph = model.network
        linked = self.peers(model)
        for i in np.flatnonzero(self.members & (self.rng.random(len(m)) < self.p.tie_change)):
            worse = [j for j in graph.neighbors(int(i)) if score[j] <= score[i]]
            if not worse:
                continue
            candidates = self.members & ~linked[i]
            candidates[i] = False
            if not candidates.any():
                continue
            new = int(np.flatnonzero(candidates)[np.argmin(distance[i, candidates])])
            old = int(self.rng.choice(worse))
            graph.remove_edge(int(i), old)
            graph.add_edge(int(i), new)
            linked[i, old] = linked[old, i] = bool(self.informal[i, old])
            linked[i, new] = linked[new, i] = True


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


def _municipal_quality(model: ReformModel) -> np.ndarray:
    """Mean quality of each municipality's operating units, weighted by clients."""
    u = model.units_state
    n = len(model.municipalities_state)
    w = u.clients * u.active
    total = np.bincount(u.muni, weights=u.quality * w, minlength=n)
    return np.divide(total, np.bincount(u.muni, weights=w, minlength=n), out=np.zeros(n),
                     where=np.bincount(u.muni, weights=w, minlength=n) > 0)


def practices_per_municipality(model: ReformModel) -> np.ndarray:
    """Mean institutionalised practices per operating unit, per municipality (for colouring the
    network view; 0-12)."""
    u = model.units_state
    n = len(model.municipalities_state)
    kept = (u.practices & ~u.trying).sum(axis=1)   # institutionalised, not on trial
    total = np.bincount(u.muni, weights=kept * u.active, minlength=n)
    units = np.bincount(u.muni, weights=u.active, minlength=n)
    return np.divide(total, units, out=np.zeros(n), where=units > 0)


def _label_nodes(model: ReformModel) -> None:
    """Node attributes the dashboard reads: ``practices`` (per unit) and ``in_network``."""
    practices = practices_per_municipality(model)
    members = model.municipalities_state.in_network
    nx.set_node_attributes(model.network, {i: float(v) for i, v in enumerate(practices)}, "practices")
    nx.set_node_attributes(model.network, {i: bool(v) for i, v in enumerate(members)}, "in_network")


MECHANISM = Networks
