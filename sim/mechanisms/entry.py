"""Entry and exit of private providers under voucher choice (the yearly half of mechanism 5).

A firm opens a dormant private unit where its expected profit is positive: the clients it
expects (the market's active choosers shared among one more provider, more where incumbents are
poorly reputed or places are short) times the voucher price less its cost per client at its own
productivity, less its yearly entry cost. A private provider leaves after a year of low
occupancy or losses; its users are all placed at once at the nearest unit with a free place, so
no citizen is ever without an active provider. ``sim.mechanisms.vouchers`` describes the scheme
and its sources; this module holds the providers' side of it, as methods of the voucher
mechanism (``ProviderEntry`` is one of its bases and reads its parameters and state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import SECTORS
from sim import staffing
from sim.mechanisms import market
from sim.mechanisms.placement import place_nearest

if TYPE_CHECKING:
    from sim.model import ReformModel


class ProviderEntry:
    """Private providers' yearly decisions to leave a market or enter one (a base of
    ``Vouchers``, whose parameters ``p``, stream ``rng`` and provider state it uses)."""

    def _exit(self, model: ReformModel) -> None:
        """Private providers with a year of low occupancy or losses close; users move at once."""
        u, e, c = model.units_state, model.employees_state, model.citizens_state
        weak = (self.occupancy < self.p.exit_occupancy) | (self.result < -self.p.exit_loss)
        grown = model.month - self.opened >= max(12, 12 * self.p.ramp_up_years)
        leaving = u.active & u.private & self.in_scheme[u.sector] & weak & grown
        leaving &= _not_last(u, leaving)
        if not leaving.any():
            return
        u.active[leaving] = False
        self.exits[leaving] += 1
        staffing.release(model, np.flatnonzero(e.active & leaving[e.unit]), reason="exit")
        moved = np.flatnonzero(leaving[c.unit])
        c.unit[moved] = place_nearest(model, moved)
        c.months_with_provider[moved] = 0
        model.refresh_clients()

    def _enter(self, model: ReformModel) -> None:
        """A firm opens the first dormant private unit of a market where it expects a profit,
        with a yearly chance of acting on it; it hires start-up staff (paid by its users'
        vouchers once they come)."""
        u = model.units_state
        profit, group, q_group, expected = self.entry_profit(model)
        candidates = np.flatnonzero(~u.active & u.private & self.in_scheme[u.sector])
        _, first = np.unique(group[candidates], return_index=True)
        entrant = candidates[first]
        acts = self.rng.random(len(u))[entrant] < self.p.entry_rate
        opening = entrant[acts & (profit[entrant] > 0)]
        # the firm sizes its premises to the users it expects (at least a quarter unit)
        typical = model.params.world.unit_size.array()[u.sector[opening]]
        size = np.maximum(np.ceil(expected[opening]), np.ceil(0.25 * typical))
        u.capacity[opening] = np.minimum(size, u.capacity[opening]).astype(np.int32)
        self.open_units(model, opening, q_group[group[opening]])
        self.entries[opening] += 1

    def entry_profit(self, model: ReformModel) -> tuple[np.ndarray, ...]:
        """Per unit, the yearly profit a firm expects if it opened it now (NOK; meaningful for
        dormant private units), each unit's market, each market's mean reputation, and the
        clients the firm expects.

        Expected clients: the users who move to a new provider in the market in a year,
        accumulated over the payback years (at most all its active choosers), times the
        entrant's share (attraction / (providers + 1), the attraction rising with the quality
        its productivity buys against the incumbents' reputation), plus any shortfall of places;
        at most its capacity.
        Profit: clients × (voucher price × (1 − owner's margin) − cost per client at the
        entrant's productivity) − entry cost / payback years."""
        u, c, p = model.units_state, model.citizens_state, self.p
        n_groups = len(model.municipalities_state) * len(SECTORS)
        group = u.muni.astype(np.int64) * len(SECTORS) + u.sector
        live = u.active & self.in_scheme[u.sector]
        count = lambda w: np.bincount(group, weights=w * live, minlength=n_groups)
        clients, capacity, providers = count(u.clients), count(u.capacity), count(np.ones(len(u)))
        reputation = np.divide(count(self.reputation * u.clients), clients,
                               out=np.zeros(n_groups), where=clients > 0)
        cgroup = c.muni.astype(np.int64) * len(SECTORS) + c.sector
        active = np.bincount(cgroup, weights=~self.passive, minlength=n_groups)
        production = model.mechanism("production")
        eff = production.effective_productivity(u)
        log_eff = np.divide(count(np.log(eff) * u.clients), clients, out=np.zeros(n_groups),
                            where=clients > 0)
        staffing_effect = production.p.staffing_effect
        edge = staffing_effect * (np.log(eff) - log_eff[group])     # quality the entrant adds, points
        national = self._national(clients, reputation)
        attraction = np.exp(np.clip(national[group] + edge - reputation[group], -50, 50)
                            / p.attraction_scale)
        # users who move to a new provider in a year: the entrant's share of them accumulates
        # over the payback years, up to its share of all active choosers
        moves = count(self.moves)
        share = attraction / (providers[group] + 1)
        gained = np.minimum(active[group], moves[group] * (p.payback_years + 1) / 2) * share
        shortfall = np.maximum(clients - p.entry_occupancy * capacity, 0)
        expected = np.minimum(gained + shortfall[group], u.capacity)
        need = market.group_mean_need(model)
        labour = np.full(len(u), model.mechanism("budget").p.private_labour_cost)
        price = self._market_price(model, group, n_groups)
        margin = model.mechanism("budget").margin(u)
        cost = market.cost_per_client(model, np.arange(len(u)), need, labour)
        yearly_entry = p.entry_cost.array()[u.sector] / p.payback_years
        profit = expected * (price * (1 - margin) - cost) - yearly_entry
        return np.where(self.in_scheme[u.sector], profit, -np.inf), group, reputation, expected

    @staticmethod
    def _national(clients: np.ndarray, reputation: np.ndarray) -> np.ndarray:
        """Per market: its sector's national client-weighted reputation, the yardstick an entrant
        expects to meet (poorly reputed incumbents leave room, well reputed ones do not)."""
        sector = np.arange(len(clients)) % len(SECTORS)
        total = np.bincount(sector, weights=reputation * clients, minlength=4)
        weight = np.bincount(sector, weights=clients, minlength=4)
        return np.divide(total, weight, out=np.zeros(4), where=weight > 0)[sector]

    def _market_price(self, model, group, n_groups) -> np.ndarray:
        """Per unit: the voucher price per client paid in its market, NOK per year."""
        u = model.units_state
        paid = np.where(u.private, u.budget * u.funding_rate * u.payment_factor, u.budget)
        live = u.active & self.in_scheme[u.sector]
        total = np.bincount(group, weights=paid * live, minlength=n_groups)
        clients = np.bincount(group, weights=u.clients * live, minlength=n_groups)
        per_client = np.divide(total, clients, out=np.zeros(n_groups), where=clients > 0)
        return per_client[group]

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
        staffing.hire(model, slots[~e.active[slots]])


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
