"""Purchaser-provider contracts: the municipality tenders its services (brief, mechanism 6).

In a purchaser-provider municipality the council buys services instead of running them. Every
contract period it tenders each unit of the tendered sectors as a service area: the in-house
organisation bids to keep it (norm staffing, its own cost level) and private firms bid price and
quality. A firm's price comes from real sources: the staffing per client it chooses to win
(down to the contract's staffing floor; less staff, lower promised quality), its lower wage
and pension cost, its cost level, its margin, and, for an opportunistic firm, the quality it
plans to cut where the contract cannot see (``units.shading``). The award goes to the best
weighted score of price (cheapest bid = 100) and promised quality (quality floor = 0, best
bid = 100). Staff stay with their unit whoever runs it (``units.private`` is the operator),
but a tender and, more so, a transfer make their jobs insecure (``units.insecurity``), which
fades after the award.

Money: the contracted unit is funded for the staffing of the winning bid (``units.price_factor``
within the budget mechanism), and the municipality's cost for it is the contract price. The
municipality keeps the difference to the norm (its service budget shrinks accordingly), and
pays for tendering (a share of the contract value, Brown et al. 2019) and for monitoring (a
share per unit of monitoring intensity). Monitoring detects shading with a probability that rises
with its intensity; a caught contractor restores quality, is fined, and cuts no more in that
contract. So quality falls where contractibility is low and monitoring weak (Hart, Shleifer &
Vishny 1997), although the seed notes that contractors "rarely do this".

Source: 000, 'Organization of Local Government' (purchaser-provider models), 'Market
mechanisms' ("competitive tendering procedures"; "contractors are able to cut costs by lowering
the quality ... without the purchaser being able to detect or correct the deterioration"; "It
should be emphasized, however, that contractors rarely do this") and the purchaser role
("Efficient tendering procedures"). Magnitudes: docs/sources.md §7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import ReformModel

Sector = Literal["nursing_home", "home_care", "kindergarten", "school"]
STAFFING_GRID = np.linspace(0.0, 1.0, 6)   # bidders' staffing choices, from the floor (0) to the norm (1)
MAX_BIDDERS = 6


class ContractsParams(Params):
    """Tendering, award, shading and monitoring."""

    enabled: bool = param(False, "Switch on purchaser-provider contracts",
                          source="000, 'Organization of Local Government'")
    adoption: float = param(1.0, "Share of municipalities that adopt the purchaser-provider "
                                 "model", ge=0, le=1, source="scenario lever")
    sectors: list[Sector] = Field(
        default_factory=lambda: ["nursing_home", "home_care"],
        description="Sectors tendered. Default: care for the elderly, where Nordic municipalities "
                    "tender (docs/sources.md §7). Source: 000, 'Market mechanisms'")
    period: int = param(4, "Length of a contract; services are re-tendered every period",
                        ge=1, le=20, unit="years", source="estimated (care contracts of 2+1+1 "
                                                          "or 4 years)")
    bidders: float = param(2.0, "Mean number of private bidders per service area", ge=0,
                           le=MAX_BIDDERS, unit="bidders", source="estimated")
    quality_weight: float = param(0.5, "Weight of promised quality in the award (0 = the "
                                       "cheapest bid wins, 1 = the best quality wins)", ge=0,
                                  le=1, source="estimated (Norwegian care tenders weigh price "
                                               "40-70 %)")
    quality_floor: float = param(50.0, "Lowest acceptable quality; quality scores run from it "
                                       "(0) to the best bid (100)", ge=0, le=100,
                                 unit="points", source="estimated")
    staffing_floor: float = param(0.85, "Lowest staffing per client the contract allows, "
                                        "relative to the norm", ge=0.3, le=1,
                                  source="estimated (contract specification)")
    cost_spread: float = param(0.05, "Spread of bidders' cost levels (sd of log)", ge=0, le=1,
                               source="estimated")
    contractible_share: float = param(0.6, "Share of quality the contract can specify and "
                                           "verify", ge=0, le=1,
                                      source="Hart, Shleifer & Vishny 1997; estimated for care")
    max_shading: float = param(10.0, "Quality a contractor could cut if nothing were "
                                     "contractible", ge=0, le=50, unit="points",
                               source="estimated")
    shading_saving: float = param(0.01, "Cost saved per quality point cut", ge=0, le=0.1,
                                  unit="share of cost per point", source="estimated")
    opportunism: float = param(0.3, "Share of private contractors that cut unseen quality",
                               ge=0, le=1, source="000, 'Market mechanisms' (\"contractors "
                                                  "rarely do this\"); estimated")
    shading_speed: float = param(0.1, "Monthly approach of shading to the contractor's plan",
                                 ge=0, le=1, unit="per month", source="estimated")
    monitoring: float = param(0.3, "Monitoring intensity of the purchaser", ge=0, le=1,
                              unit="0-1", source="scenario lever")
    detection: float = param(3.0, "Yearly detection hazard of shading per unit of monitoring "
                                  "(chance per year = 1 - exp(-detection x monitoring))", ge=0,
                             le=20, source="estimated")
    sanction: float = param(0.05, "Fine on a caught contractor, share of a year's payment",
                            ge=0, le=1, source="estimated")
    tendering_cost: float = param(0.027, "Cost of a tender round, share of a year's contract "
                                         "value", ge=0, le=0.5,
                                  source="Brown, Potoski, Baekkeskov & Petersen 2019: ex ante "
                                         "transaction costs 2.7 % of contract value "
                                         "(docs/sources.md §7)")
    monitoring_cost: float = param(0.04, "Cost of monitoring at full intensity, share of "
                                         "contract value per year", ge=0, le=0.5,
                                   source="docs/sources.md §7: ex post costs 1-5 % (estimate)")
    tender_insecurity: float = param(0.3, "Job insecurity in a tendered unit after the award",
                                     ge=0, le=1, source="000 (staff transfer); estimated")
    transfer_insecurity: float = param(0.6, "Job insecurity in a unit whose operator changes",
                                       ge=0, le=1, source="estimated")
    insecurity_decay: float = param(0.1, "Monthly fading of job insecurity after an award",
                                    ge=0, le=1, unit="per month", source="estimated")


class Contracts(Mechanism):
    """Tender rounds every contract period; monthly shading, monitoring and contract costs."""

    name = "contracts"
    Params = ContractsParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u, m = model.units_state, model.municipalities_state
        n = len(u)
        self.rng = model.stream("contracts")
        self.adopts = self.rng.random(len(m)) < self.p.adoption
        m.org_model[self.adopts] = 2
        self.tendered = np.array([s in self.p.sectors for s in SECTORS])
        self.contracted = np.zeros(n, dtype=bool)
        self.staffing = np.ones(n)        # contracted staffing per client, relative to the norm
        self.price = np.ones(n)           # contract price per client, relative to the norm cost
        self.opportunist = np.zeros(n, dtype=bool)
        self.caught = np.zeros(n, dtype=bool)
        self.fined_until = np.full(n, -1)
        self.funding = np.ones(n)         # this reform's factor on units' price_factor
        self.tender_cost_month = np.zeros(n)   # NOK per unit and month, in a tender year
        self.changed_operator = np.zeros(0, dtype=np.int64)   # units that changed hands last round
        self.shading = LeverShare(u.shading)
        self.insecurity = LeverShare(u.insecurity)
        budget = model.mechanism("budget")
        spc = model.params.world.staff_per_client.array()
        labour = spc * budget.emp_month * 12 * (1 + budget.p.absence_allowance)
        self.labour_share = labour / (labour + budget.p.overhead_per_client.array())

    # --- yearly: budget and tender rounds -----------------------------------------------------
    def yearly(self, model: ReformModel) -> None:
        year = model.month // 12
        self.tender_cost_month[:] = 0
        if year % self.p.period == 0:
            self.tender(model)
        self._fund(model)

    def tender(self, model: ReformModel) -> None:
        """Award every service area of the tendered sectors in adopting municipalities."""
        u, p = model.units_state, self.p
        lots = np.flatnonzero(u.active & self.adopts[u.muni] & self.tendered[u.sector])
        if len(lots) == 0:
            return
        bids = self._bids(model, lots)
        winner = _award(bids, p.quality_weight, p.quality_floor)
        was_private = u.private[lots].copy()
        private_wins = winner > 0
        pick = np.maximum(winner - 1, 0)
        rows = np.arange(len(lots))
        keeps = was_private & (winner == 1) & bids.incumbent   # the private incumbent won again
        changed = was_private != private_wins
        changed |= was_private & private_wins & ~keeps
        u.private[lots] = private_wins
        self.contracted[lots] = True
        self.staffing[lots] = np.where(private_wins, bids.staffing[rows, pick], 1.0)
        self.price[lots] = np.where(private_wins, bids.price[rows, pick], bids.inhouse_price)
        self.opportunist[lots] = private_wins & bids.opportunist[rows, pick]
        self.caught[lots] = False
        self.shading.mine[lots[changed]] = 0.0
        self.shading.set(self.shading.mine)
        insecure = np.where(changed, p.transfer_insecurity, p.tender_insecurity)
        new = self.insecurity.mine.copy()
        new[lots] = np.maximum(new[lots], insecure)
        self.insecurity.set(new)
        value = self._payment_month(model) * 12
        self.tender_cost_month[lots] += p.tendering_cost * value[lots] / 12
        self.changed_operator = lots[changed]

    def _bids(self, model: ReformModel, lots: np.ndarray) -> Bids:
        """In-house and private bids per lot; each firm picks its staffing to beat the in-house
        bid by the widest margin of score."""
        u, p, rng = model.units_state, self.p, self.rng
        n_lots = len(lots)
        ls = self.labour_share[u.sector[lots]][:, None, None]
        staffing = (p.staffing_floor + (1 - p.staffing_floor) * STAFFING_GRID)[None, None, :]
        n_bid = np.minimum(rng.poisson(p.bidders, n_lots), MAX_BIDDERS)
        incumbent = u.private[lots] & self.contracted[lots]
        n_bid = np.where(incumbent, np.maximum(n_bid, 1), n_bid)
        valid = np.arange(MAX_BIDDERS)[None, :] < n_bid[:, None]
        level = np.exp(rng.normal(0, p.cost_spread, (n_lots, MAX_BIDDERS)))
        opportunist = rng.random((n_lots, MAX_BIDDERS)) < p.opportunism
        opportunist[:, 0] = np.where(incumbent, self.opportunist[lots], opportunist[:, 0])
        shade = opportunist * self.planned_shading()
        budget_p = model.mechanism("budget").p
        margin = budget_p.private_margin
        price = ((staffing * ls * budget_p.private_labour_cost + (1 - ls)) * (1 + margin)
                 * level[:, :, None] - (shade * p.shading_saving)[:, :, None])
        effect = model.mechanism("production").p.staffing_effect
        base = (u.quality[lots] + u.shading[lots]).astype(np.float64)
        quality = np.broadcast_to(base[:, None, None] + effect * np.log(staffing), price.shape)
        inhouse_price = np.exp(rng.normal(0, p.cost_spread, n_lots))
        margin_vs_inhouse = _score_gap(price, quality, inhouse_price, base, p)
        choice = margin_vs_inhouse.argmax(axis=2)
        take = lambda a: np.take_along_axis(a, choice[:, :, None], 2)[:, :, 0]
        return Bids(price=take(price), quality=take(quality),
                    staffing=take(np.broadcast_to(staffing, price.shape)), valid=valid,
                    opportunist=opportunist, inhouse_price=inhouse_price,
                    inhouse_quality=base, incumbent=incumbent)

    def planned_shading(self) -> float:
        """Quality points an opportunist plans to cut: the room the contract leaves, discounted
        by the chance of being caught in a year."""
        room = self.p.max_shading * (1 - self.p.contractible_share)
        return room * (1 - self.detection_year())

    def detection_year(self) -> float:
        return 1.0 - float(np.exp(-self.p.detection * self.p.monitoring))

    def _fund(self, model: ReformModel) -> None:
        """Fund contracted units for their staffing and shrink the municipalities' service
        budgets by what the contracts save on the norm (the council keeps the savings)."""
        u, m = model.units_state, model.municipalities_state
        budget = model.mechanism("budget")
        ls = self.labour_share[u.sector]
        margin = np.where(u.private, budget.p.private_margin, 0.0)
        funding = np.where(self.contracted & u.active,
                           (self.staffing * ls + (1 - ls)) / (1 - margin), 1.0)
        # the norm cost with other reforms' price factors but without this one's
        norm = budget.norm_cost(model) * u.price_factor / self.funding
        before = np.bincount(u.muni, weights=norm * u.active, minlength=len(m))
        after = np.bincount(u.muni, weights=norm * funding * u.active, minlength=len(m))
        u.price_factor *= funding / self.funding
        self.funding = funding
        ratio = np.divide(after, before, out=np.ones(len(m)), where=before > 0)
        m.budget *= np.where(self.adopts, ratio, 1.0)
        budget.fund_units(model)

    # --- monthly: shading, monitoring, insecurity, costs --------------------------------------
    def monthly(self, model: ReformModel) -> None:
        u, p = model.units_state, self.p
        live = self.contracted & u.active
        self._shade_and_monitor(model, live)
        self.insecurity.set(self.insecurity.mine * (1 - p.insecurity_decay))
        monitoring = p.monitoring_cost * p.monitoring * self._payment_month(model) * live
        u.transaction_cost_month += self.tender_cost_month + monitoring
        # the municipality pays a private contractor the contract price (with any fine)
        u.payment_factor[:] = np.where(live & u.private, self.payment_ratio(model), 1.0)

    def _shade_and_monitor(self, model: ReformModel, live: np.ndarray) -> None:
        p = self.p
        cheating = live & self.opportunist & ~self.caught & model.units_state.private
        target = np.where(cheating, self.planned_shading(), 0.0)
        shading = self.shading.mine + p.shading_speed * (target - self.shading.mine)
        monthly_detection = 1 - (1 - self.detection_year()) ** (1 / 12)
        caught = (shading > 0.5) & (self.rng.random(len(shading)) < monthly_detection)
        self.caught |= caught
        self.fined_until[caught] = model.month + 12
        shading[caught] = 0.0
        self.shading.set(shading)

    def _payment_month(self, model: ReformModel) -> np.ndarray:
        """This month's contract payment per unit, NOK: the funding at the contract price."""
        u = model.units_state
        return u.budget / 12 * self.payment_ratio(model)

    def payment_ratio(self, model: ReformModel) -> np.ndarray:
        """Contract price over the unit's funding (1 where not contracted); a private unit's
        funding includes the provider's margin, which the price already holds."""
        u = model.units_state
        ls = self.labour_share[u.sector]
        margin = np.where(u.private, model.mechanism("budget").p.private_margin, 0.0)
        funded_cost = (self.staffing * ls + (1 - ls)) / (1 - margin)
        ratio = np.where(self.contracted, self.price / funded_cost, 1.0)
        fined = model.month < self.fined_until
        return ratio * np.where(fined, 1 - self.p.sanction, 1.0)


@dataclass
class Bids:
    """The bids of one tender round: per lot, the in-house bid and up to MAX_BIDDERS firms."""

    price: np.ndarray            # lots x firms: price per client relative to the norm cost
    quality: np.ndarray          # lots x firms: promised (contractible) quality, points
    staffing: np.ndarray         # lots x firms: staffing per client relative to the norm
    valid: np.ndarray            # lots x firms: the firm bids
    opportunist: np.ndarray      # lots x firms: the firm plans to cut unseen quality
    inhouse_price: np.ndarray    # lots
    inhouse_quality: np.ndarray  # lots
    incumbent: np.ndarray        # lots: firm 0 is the private incumbent


def score(price: np.ndarray, quality: np.ndarray, best_price: np.ndarray,
          best_quality: np.ndarray, weight: float, floor: float) -> np.ndarray:
    """Award score 0-100: cheapest bid gets 100 on price; quality from the floor (0) to the best
    bid (100); weighted by ``weight`` on quality."""
    q = np.clip((quality - floor) / np.maximum(best_quality - floor, 1e-9), 0, 1)
    return 100 * (weight * q + (1 - weight) * best_price / price)


def _score_gap(price, quality, inhouse_price, inhouse_quality, p) -> np.ndarray:
    """A firm's score minus the in-house bid's, with the two of them as the field."""
    ip, iq = inhouse_price[:, None, None], inhouse_quality[:, None, None]
    best_p, best_q = np.minimum(price, ip), np.maximum(quality, iq)
    own = score(price, quality, best_p, best_q, p.quality_weight, p.quality_floor)
    theirs = score(ip, iq, best_p, best_q, p.quality_weight, p.quality_floor)
    return own - theirs


def _award(bids: Bids, weight: float, floor: float) -> np.ndarray:
    """Winner per lot: 0 the in-house bid, k the k-th firm (1-based)."""
    price = np.concatenate([bids.inhouse_price[:, None], np.where(bids.valid, bids.price, np.inf)],
                           axis=1)
    quality = np.concatenate([bids.inhouse_quality[:, None],
                              np.where(bids.valid, bids.quality, -np.inf)], axis=1)
    best_p = price.min(axis=1, keepdims=True)
    best_q = quality.max(axis=1, keepdims=True)
    s = np.where(np.isfinite(price), score(price, quality, best_p, best_q, weight, floor), -np.inf)
    return s.argmax(axis=1)


MECHANISM = Contracts
