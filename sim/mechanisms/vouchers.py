"""Voucher choice: money follows the citizen, who chooses among authorised providers (mechanism 5).

Under a voucher (free-choice) scheme the municipality funds individuals, not institutions: each
unit's budget follows its current clients month by month (``model.money_follows_client``).
Every month a share of the users in the scheme's sectors reviews their provider, and last
month's newcomers make their first choice. A user compares the providers of their municipality
and sector that have a free place: their own provider as they experience it, the others by
reputation seen through noise (the noise falls as public information on quality rises: the
scheme's own provider comparisons plus surveys, KPIs and customer feedback from other reforms),
less the cost of travelling and, for a change, a switching cost. A share of users never chooses
actively and stays with the default. A unit that fills up takes no more users.

Providers respond: units that lose users by choice tighten their quality systems; private
providers enter (a dormant private unit opens with start-up staff) in markets large enough where
places are short or quality is poor, and leave after a year of low occupancy or losses. The users
of a leaving provider are all placed at once at the nearest unit with a free place, so no
citizen is ever without an active provider of their own municipality and sector.

Source: 000, 'Customer choice' ("a service cheque/money grant/voucher ... valid as a means of
payment"; "Producers are obliged to compete for customers, which increases quality") and
'Market mechanisms' (funds that "go together with the child/patient/pupil"). Calibration:
docs/sources.md §6 (Danish free choice in home care: ~40 % of users unaware of their choice;
a few % switch per year; private share 10-45 % depending on the service).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, ScalarShare
from sim.params import Params, SectorAmount, param, per_sector

if TYPE_CHECKING:
    from sim.model import ReformModel

Sector = Literal["nursing_home", "home_care", "kindergarten", "school"]


class VouchersParams(Params):
    """Free choice of provider with money following the user."""

    enabled: bool = param(False, "Switch on voucher choice", source="000, 'Customer choice'")
    sectors: list[Sector] = Field(
        default_factory=lambda: ["nursing_home", "home_care", "kindergarten"],
        description="Sectors in the voucher scheme. Default: care and kindergartens, where Nordic "
                    "free-choice schemes operate (Danish frit valg in home care and nursing homes "
                    "since 2002-03, Swedish LOV, Norwegian per-child kindergarten funding); "
                    "schools are left out because Norwegian pupils attend their local school "
                    "(opplæringslova §8-1) and private schools need state approval. "
                    "Source: 000, 'Customer choice'; docs/sources.md §6")
    review_rate: float = param(0.1, "Monthly chance that an active chooser reviews their "
                                     "provider", ge=0, le=1, unit="per month",
                               source="estimated; calibrated to a few % switching per year "
                                      "(docs/sources.md §6)")
    passive_share: float = param(0.35, "Share of users who never choose actively (they keep "
                                       "the default provider)", ge=0, le=1,
                                 source="docs/sources.md §6: ~40 % of Danish home-care users "
                                        "do not know they may choose")
    information: float = param(0.3, "Public information on providers' quality from the scheme "
                                    "itself (provider lists, comparison pages); other reforms "
                                    "add to it", ge=0, le=1, unit="0-1",
                               source="000, 'Customer choice' (providers must seek feedback); "
                                      "estimated")
    consideration_set: int = param(15, "Other providers a user considers: the nearest ones to "
                                       "their own", ge=1, le=100, unit="providers",
                                   source="estimated (users weigh a handful of nearby options)")
    noise: float = param(8.0, "Spread of a user's impression of another provider's quality "
                              "when no information is published", ge=0, le=50,
                         unit="quality points (sd)", source="estimated")
    uncertainty_aversion: float = param(2.0, "Utility a user gives up per point of uncertainty "
                                               "(sd) about another provider's quality", ge=0,
                                         le=5, source="estimated (risk-averse choice: with "
                                                      "little information users stay put)")
    switching_cost: float = param(3.0, "Cost of changing provider, in quality points", ge=0,
                                  le=50, unit="points", source="estimated")
    distance_cost: SectorAmount = per_sector(
        6.0, 0.0, 12.0, 15.0, "Cost of distance, per width of the municipality", unit="points",
        ge=0, source="estimated (home care comes to the user's home)")
    reputation_speed: float = param(0.15, "Monthly adjustment of a provider's reputation to its "
                                          "quality", ge=0, le=1, unit="per month",
                                    source="estimated")
    competition_response: float = param(2.0, "Rise of a unit's quality system per share of its "
                                             "users lost by choice in a year", ge=0, le=5,
                                        source="000, 'Customer choice' (competition for "
                                               "customers increases quality); estimated")
    intake_slack: float = param(0.1, "Users a provider takes beyond what its present staff serve "
                                     "at the norm", ge=0, le=2, unit="share",
                                source="estimated (providers take no more users than they can "
                                       "staff; new staff follow the money)")
    expansion: float = param(0.1, "Yearly growth of capacity of a provider that is full, up to "
                                  "the room of its premises and staff", ge=0, le=1,
                             unit="per year", source="estimated")
    entry_rate: float = param(0.5, "Yearly chance that an attractive market gets a new private "
                                   "provider", ge=0, le=1, unit="per year", source="estimated")
    entry_occupancy: float = param(0.9, "Occupancy of a market above which places are short",
                                   ge=0, le=2, source="estimated")
    entry_quality_gap: float = param(2.0, "Quality below the national sector mean that invites "
                                          "entry", ge=0, le=50, unit="points",
                                     source="estimated")
    min_market: float = param(1.5, "Smallest market a private provider enters, in typical units "
                                   "of clients (and each provider must keep half a typical unit)", ge=0, le=20, unit="unit sizes",
                              source="estimated (docs/sources.md §6: Swedish LOV municipalities "
                                     "without private providers)")
    startup_staff: float = param(0.3, "Staff a new provider starts with, as a share of the staff "
                                      "its capacity needs", ge=0, le=1, source="estimated")
    exit_occupancy: float = param(0.4, "Occupancy (12-month average) below which a private "
                                       "provider leaves", ge=0, le=1, source="estimated")
    exit_loss: float = param(0.05, "Operating loss (12-month average, share of revenue) above "
                                   "which a private provider leaves", ge=0, le=1,
                             source="estimated")


class Vouchers(Mechanism):
    """Monthly choice of provider, and yearly entry and exit of private providers."""

    name = "vouchers"
    Params = VouchersParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u, c = model.units_state, model.citizens_state
        model.money_follows_client = True
        self.rng = model.stream("vouchers")
        self.in_scheme = np.array([s in self.p.sectors for s in SECTORS])
        self.passive = self.rng.random(len(c)) < self.p.passive_share
        self.reputation = u.quality.astype(np.float64)
        self.occupancy = _occupancy(u)
        self.result = np.zeros(len(u))        # 12-month average operating result, share of revenue
        self.opened = np.full(len(u), -999)   # month a provider entered
        self.lost = np.zeros(len(u))          # users lost by choice this year, net of those won
        self.quality_system = LeverShare(u.quality_system)
        self._considered: np.ndarray | None = None
        self._live = np.zeros(0, dtype=bool)
        self.info = ScalarShare(model, "information")
        self.info.set(self.p.information)

    # --- yearly: providers respond, leave and enter ------------------------------------------
    def yearly(self, model: ReformModel) -> None:
        if model.month == 0:
            return
        self._respond(model)
        self._exit(model)
        self._enter(model)

    def _respond(self, model: ReformModel) -> None:
        """Units that lost users by choice (net of those they won) tighten their quality systems;
        full units grow within the room of their premises and staff slots."""
        u = model.units_state
        lost_share = np.maximum(self.lost, 0) / np.maximum(u.clients + self.lost, 1)
        room = 1.0 - u.quality_system
        step = self.p.competition_response * lost_share * room * u.active
        self.quality_system.set(self.quality_system.mine + step)
        self.lost[:] = 0
        spc = model.params.world.staff_per_client.array()[u.sector]
        room = np.floor((u.slot_end - u.slot_start) / spc)
        full = u.active & self.in_scheme[u.sector] & (self.occupancy > self.p.entry_occupancy)
        grown = np.ceil(u.capacity * (1 + self.p.expansion))
        u.capacity[:] = np.where(full, np.maximum(u.capacity, np.minimum(grown, room)),
                                 u.capacity).astype(np.int32)

    def _exit(self, model: ReformModel) -> None:
        """Private providers with a year of low occupancy or losses close; users move at once."""
        u, e, c = model.units_state, model.employees_state, model.citizens_state
        weak = (self.occupancy < self.p.exit_occupancy) | (self.result < -self.p.exit_loss)
        leaving = (u.active & u.private & self.in_scheme[u.sector] & weak
                   & (model.month - self.opened >= 12))
        leaving &= _not_last(u, leaving)
        if not leaving.any():
            return
        u.active[leaving] = False
        model.release(np.flatnonzero(e.active & leaving[e.unit]), reason="exit")
        moved = np.flatnonzero(leaving[c.unit])
        c.unit[moved] = place_nearest(model, moved)
        c.months_with_provider[moved] = 0
        model.refresh_clients()

    def _enter(self, model: ReformModel) -> None:
        """A dormant private unit opens where the market can carry one more provider and places
        are short, quality is poor or no private provider competes yet; it hires start-up staff
        (paid by its users' vouchers once they come)."""
        u, p = model.units_state, self.p
        n_groups = len(model.municipalities_state) * len(SECTORS)
        group = u.muni.astype(np.int64) * len(SECTORS) + u.sector
        live = u.active & self.in_scheme[u.sector]
        count = lambda w: np.bincount(group, weights=w * live, minlength=n_groups)
        clients, capacity = count(u.clients), count(u.capacity)
        q_sum = count(u.quality * u.clients)
        q_group = np.divide(q_sum, clients, out=np.zeros(n_groups), where=clients > 0)
        sector = np.arange(n_groups) % len(SECTORS)
        q_national = (np.bincount(sector, weights=q_sum, minlength=4)
                      / np.maximum(np.bincount(sector, weights=clients, minlength=4), 1))
        size = model.params.world.unit_size.array()[sector]
        viable = ((clients >= p.min_market * size)
                  & (clients / (count(np.ones(len(u))) + 1) >= 0.5 * size))
        short = clients > p.entry_occupancy * np.maximum(capacity, 1)
        poor = q_group < q_national[sector] - p.entry_quality_gap
        monopoly = count(u.private.astype(float)) == 0
        attractive = viable & (short | poor | monopoly) & self.in_scheme[sector]
        attractive &= self.rng.random(n_groups) < p.entry_rate
        dormant = np.flatnonzero(~u.active & u.private & attractive[group])
        _, first = np.unique(group[dormant], return_index=True)
        self.open_units(model, dormant[first], q_group[group[dormant[first]]])

    def open_units(self, model: ReformModel, units: np.ndarray, reputation: np.ndarray) -> None:
        """Open dormant private units with start-up staff and the market's reputation."""
        u, e = model.units_state, model.employees_state
        if len(units) == 0:
            return
        u.active[units] = True
        u.private[units] = True
        self.opened[units] = model.month
        self.reputation[units] = reputation
        self.occupancy[units] = 1.0
        self.result[units] = 0.0
        spc = model.params.world.staff_per_client.array()[u.sector[units]]
        k = np.ceil(self.p.startup_staff * u.capacity[units] * spc).astype(np.int64)
        k = np.minimum(k, u.slot_end[units] - u.slot_start[units])
        slots = np.repeat(u.slot_start[units], k) + _ranks(k)
        model.hire(slots[~e.active[slots]])

    # --- monthly: providers' standing, users' choices ----------------------------------------
    def monthly(self, model: ReformModel) -> None:
        self._track_providers(model)
        self.info.set(self.p.information)
        self._choose(model)

    def _track_providers(self, model: ReformModel) -> None:
        u = model.units_state
        a = self.p.reputation_speed
        self.reputation += a * (u.quality - self.reputation)
        self.occupancy += (_occupancy(u) - self.occupancy) / 12
        revenue = u.budget / 12
        result = np.divide(revenue - u.cost_month, revenue, out=np.zeros(len(u)), where=revenue > 0)
        self.result += (np.where(u.active, result, 0.0) - self.result) / 12

    def _choose(self, model: ReformModel) -> None:
        """Reviewing users and newcomers choose; full units turn away the surplus at random."""
        c, u = model.citizens_state, model.units_state
        newcomers = model.newcomers
        self.passive[newcomers] = self.rng.random(len(newcomers)) < self.p.passive_share
        eligible = self.in_scheme[c.sector] & ~self.passive
        new = np.zeros(len(c), dtype=bool)
        new[newcomers] = True
        review = eligible & (new | (self.rng.random(len(c)) < self.p.review_rate))
        who = np.flatnonzero(review)
        old = c.unit[who]
        wanted = self._best(model, who, new[who])
        movers = wanted != old
        who, old, wanted, first = who[movers], old[movers], wanted[movers], new[who][movers]
        ok = ration(wanted, self.free_places(model), self.rng)
        who, old, wanted, first = who[ok], old[ok], wanted[ok], first[ok]
        c.unit[who] = wanted
        c.switched[who[~first]] = True
        c.months_with_provider[who] = 0
        c.match[who] = self.rng.normal(0.0, 5.0, len(who)).astype(np.float32)  # fit is new
        self.lost += np.bincount(old[~first], minlength=len(u))
        self.lost -= np.bincount(wanted[~first], minlength=len(u))
        model.refresh_clients()

    def _best(self, model: ReformModel, who: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Each chooser's best provider among those they consider (one padded matrix)."""
        c, u, p = model.citizens_state, model.units_state, self.p
        cand = self.considered(model)[c.unit[who]]
        valid = cand >= 0
        cand = np.where(valid, cand, 0)
        current = cand == c.unit[who][:, None]
        new = first[:, None]
        sd = p.noise * (1.0 - model.information)
        noise = self.rng.standard_normal(cand.shape, dtype=np.float32)
        seen = self.reputation[cand] + noise * sd - p.uncertainty_aversion * sd
        util = np.where(current & ~new, c.experienced[who][:, None], seen)
        dist = np.hypot(u.x[cand] - c.x[who][:, None], u.y[cand] - c.y[who][:, None])
        util -= p.distance_cost.array()[c.sector[who]][:, None] * dist
        util -= p.switching_cost * (~current & ~new)
        full = self.free_places(model)[cand] <= 0
        util[~valid | (full & ~current)] = -np.inf
        return cand[np.arange(len(who)), util.argmax(axis=1)]

    def considered(self, model: ReformModel) -> np.ndarray:
        """Per unit, the providers its users consider: itself and the ``consideration_set``
        nearest other active units of its municipality and sector (-1 pads). Rebuilt when
        providers open or close."""
        u = model.units_state
        live = u.active & self.in_scheme[u.sector]
        if self._considered is not None and np.array_equal(live, self._live):
            return self._considered
        k = self.p.consideration_set + 1
        out = np.full((len(u), k), -1, dtype=np.int64)
        units = np.flatnonzero(live)
        table = CandidateTable(model, live)
        for rows, cand, valid in table.buckets(u.muni[units], u.sector[units], all_widths=True):
            dist = np.hypot(u.x[cand] - u.x[units[rows]][:, None],
                            u.y[cand] - u.y[units[rows]][:, None])
            order = np.argsort(np.where(valid, dist, np.inf), axis=1)[:, :k]
            near = np.take_along_axis(cand, order, 1)
            ok = np.take_along_axis(valid, order, 1)
            out[units[rows], : near.shape[1]] = np.where(ok, near, -1)
        self._considered, self._live = out, live
        return out

    def free_places(self, model: ReformModel) -> np.ndarray:
        """Places a provider offers now: within its capacity, and no more users than its
        present staff serve at the norm plus a slack (it hires as the money comes)."""
        u = model.units_state
        spc = model.params.world.staff_per_client.array()[u.sector]
        staffed = np.floor(u.present / spc * (1 + self.p.intake_slack))
        places = np.minimum(u.capacity, np.maximum(staffed, 1))
        return np.where(u.active, np.maximum(places - u.clients, 0), 0)


class CandidateTable:
    """The eligible units of every (municipality, sector) group, for padded candidate matrices.

    Choosers are bucketed by the power of two at or above their group's number of units, so a
    bucket is one dense matrix (choosers x width) and the work stays near the number of real
    (chooser, unit) pairs even where one group has hundreds of units.
    """

    def __init__(self, model: ReformModel, eligible: np.ndarray) -> None:
        u = model.units_state
        n_groups = len(model.municipalities_state) * len(SECTORS)
        units = np.flatnonzero(eligible)
        group = u.muni[units].astype(np.int64) * len(SECTORS) + u.sector[units]
        order = np.argsort(group, kind="stable")
        self.units = units[order]
        self.count = np.bincount(group, minlength=n_groups)
        self.start = np.cumsum(self.count) - self.count

    def buckets(self, muni: np.ndarray, sector: np.ndarray, all_widths: bool = False):
        """Yield (rows of the choosers, candidate units, valid mask) per width bucket; groups
        with a single unit are skipped unless ``all_widths`` (there is nothing to choose)."""
        g = muni.astype(np.int64) * len(SECTORS) + sector
        count = self.count[g]
        width = np.where(count > 0, 2 ** np.ceil(np.log2(np.maximum(count, 1))), 0).astype(int)
        for w in np.unique(width):
            if w == 0 or (w == 1 and not all_widths):
                continue
            rows = np.flatnonzero(width == w)
            cols = np.arange(w)
            valid = cols[None, :] < count[rows][:, None]
            idx = np.where(valid, self.start[g[rows]][:, None] + cols[None, :], 0)
            yield rows, self.units[idx], valid


def place_nearest(model: ReformModel, who: np.ndarray) -> np.ndarray:
    """A new provider for each of ``who``: the nearest active unit of their municipality and
    sector with a free place, in rounds (nearest first); if none has room, the nearest one,
    which must take them (its capacity grows). Every citizen gets an active provider."""
    c, u = model.citizens_state, model.units_state
    out = np.full(len(who), -1, dtype=np.int32)
    model.refresh_clients()
    free = np.maximum(u.capacity - u.clients, 0)
    free[~u.active] = 0
    rng = model.stream(f"placement-{model.month}")
    table = CandidateTable(model, u.active)
    for rows, cand, valid in table.buckets(c.muni[who], c.sector[who], all_widths=True):
        people = who[rows]
        dist = np.hypot(u.x[cand] - c.x[people][:, None], u.y[cand] - c.y[people][:, None])
        ranked = np.take_along_axis(cand, np.argsort(np.where(valid, dist, np.inf), axis=1), 1)
        n_valid = valid.sum(axis=1)
        waiting = np.arange(len(rows))
        for k in range(cand.shape[1]):
            waiting = waiting[k < n_valid[waiting]]
            if len(waiting) == 0:
                break
            choice = ranked[waiting, k]
            ok = ration(choice, free, rng)
            out[rows[waiting[ok]]] = choice[ok]
            free -= np.bincount(choice[ok], minlength=len(free))
            waiting = waiting[~ok]
        left = np.flatnonzero(out[rows] < 0)
        out[rows[left]] = ranked[left, 0]
    counts = np.bincount(out, minlength=len(u)) + u.clients
    grow = u.active & (counts > u.capacity)
    u.capacity[grow] = counts[grow]
    return out


def ration(wanted: np.ndarray, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which requests for places are granted: at most ``free[unit]`` per unit, in random order."""
    if len(wanted) == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((rng.random(len(wanted)), wanted))
    sorted_units = wanted[order]
    first = np.searchsorted(sorted_units, sorted_units)
    rank = np.empty(len(wanted), dtype=np.int64)
    rank[order] = np.arange(len(wanted)) - first
    return rank < free[wanted]


def _occupancy(u) -> np.ndarray:
    return np.divide(u.clients, u.capacity, out=np.zeros(len(u)), where=(u.capacity > 0) & u.active)


def _not_last(u, leaving: np.ndarray) -> np.ndarray:
    """Leaving units that may go: each group keeps at least one active unit."""
    group = u.muni.astype(np.int64) * len(SECTORS) + u.sector
    n = int(group.max()) + 1
    active = np.bincount(group, weights=u.active, minlength=n)
    stay = np.bincount(group, weights=u.active & ~leaving, minlength=n)
    idx = np.flatnonzero(leaving)
    rank = _group_rank(group[idx])
    # where nobody would stay, the first leaver of the group is kept open
    keep = (stay[group[idx]] == 0) & (rank == 0) & (active[group[idx]] > 0)
    ok = leaving.copy()
    ok[idx[keep]] = False
    return ok


def _group_rank(group: np.ndarray) -> np.ndarray:
    order = np.argsort(group, kind="stable")
    sorted_g = group[order]
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - np.searchsorted(sorted_g, sorted_g)
    return rank


def _ranks(k: np.ndarray) -> np.ndarray:
    """0..k[i]-1 for every i, concatenated."""
    return np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)


MECHANISM = Vouchers
