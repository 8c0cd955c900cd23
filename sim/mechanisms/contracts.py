"""Purchaser-provider contracts: the municipality tenders its services (brief, mechanism 6).

In a purchaser-provider municipality the council buys services instead of running them. It
announces the model, and a year later, then every contract period, tenders each unit of the
tendered sectors as a service area. A tender coming up presses the in-house manager to cut slack
(``units.pressure``, ``sim/mechanisms/production.py``). The in-house organisation bids its own
expected cost of the norm service level (its productivity less slack, its overhead) plus a
declared margin. Private firms bid too: each has an ownership type (chain, small firm,
non-profit) with its productivity, overhead and margin, picks the service level (staffing per
client, down to the contract's floor) that beats the in-house bid by the widest margin of score,
and prices its expected cost over one minus its margin, less what it expects to save by cutting
staffing where the contract cannot see. The award goes to the best weighted score of price
(cheapest bid = 100) and promised quality (quality floor = 0, best bid = 100); where information
levers measure the unit, a private incumbent's promise at a re-tender is weighed against its
measured quality of last year (``track_record``), in proportion to the information's accuracy.

The contract fixes the price, the service level (the staffing per need-weighted client the
operator is held to: ``units.contract_staff``) and so the promised quality. A firm decides once,
when it bids, whether and how far to cut the staffing the contract cannot see: it weighs the
saving (less the share its owner's values count against it) against the expected fine and, when
caught contractors are excluded, the profit of the next contract it would lose. The purchaser
monitors; detection rises with monitoring and with the size of the cut, and a contractor whose
quality falls below the contract's quality floor is seen at once. A caught contractor
restores staffing, is fined for a year and (where the scenario says so) is excluded from the
next tender or has its service taken back in-house at once. Every period the service is
re-tendered; a unit whose private operator loses returns to the municipality's organisation.
Quality falls through the staff hours cut (``sim/mechanisms/production.py``), once.

Staff stay with their unit whoever runs it (``units.private`` is the operator), but a tender and,
more so, a transfer make their jobs insecure (``units.insecurity``), which fades after the award.
The municipality pays a contractor the contract price (its service budget changes by what the
contracts cost against the norm) and pays for tendering (a share of the contract value, Brown et
al. 2019) and monitoring (a share per unit of monitoring intensity).

Source: 000, 'Organization of Local Government' (purchaser-provider models; the purchaser's
"efficient tendering procedures"; the producer's "ability to compete"), 'Market mechanisms'
("competitive tendering procedures"; one organisation as purchaser, contractor and evaluator "has
a natural tendency towards inefficiency"; "contractors are able to cut costs by lowering the
quality ... without the purchaser being able to detect or correct the deterioration"; "It should
be emphasized, however, that contractors rarely do this"). Hart, Shleifer & Vishny 1997
(incomplete contracts; non-profits' weaker incentive to cut). Magnitudes: docs/sources.md §7.
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
SERVICE_GRID = np.linspace(0.0, 1.0, 6)   # bidders' service levels, from the floor (0) to the norm (1)
CUT_GRID = np.linspace(0.0, 1.0, 6)       # share of the hidden room a contractor may cut
MAX_BIDDERS = 6


class ContractsParams(Params):
    """Tendering, award, contract enforcement and monitoring."""

    enabled: bool = param(False, "Switch on purchaser-provider contracts",
                          source="000, 'Organization of Local Government'")
    adoption: float = param(1.0, "Share of municipalities that adopt the purchaser-provider "
                                 "model", ge=0, le=1, source="scenario lever")
    sectors: list[Sector] = Field(
        default_factory=lambda: ["nursing_home", "home_care"],
        description="Sectors tendered. Default: care for the elderly, where Nordic municipalities "
                    "tender (docs/sources.md §7). Source: 000, 'Market mechanisms'")
    period: int = param(4, "Length of a contract; services are re-tendered every period (the "
                           "first tender comes a year after the model is adopted)",
                        ge=1, le=20, unit="years", source="estimated (care contracts of 2+1+1 "
                                                          "or 4 years)")
    bidders: float = param(2.0, "Mean number of private bidders per service area", ge=0,
                           le=MAX_BIDDERS, unit="bidders", source="estimated")
    quality_weight: float = param(0.5, "Weight of promised quality in the award (0 = the "
                                       "cheapest bid wins, 1 = the best quality wins)", ge=0,
                                  le=1, source="estimated (Norwegian care tenders weigh price "
                                               "40-70 %)")
    quality_floor: float = param(50.0, "Lowest acceptable quality: bids promising less are "
                                       "rejected, quality scores run from it (0) to the best "
                                       "bid (100), and a contractor whose quality falls below it "
                                       "is seen cutting", ge=0, le=100,
                                 unit="points", source="estimated")
    staffing_floor: float = param(0.85, "Lowest service level (staffing per need-weighted client "
                                        "at norm productivity) the contract allows, relative "
                                        "to the norm", ge=0.3, le=1,
                                  source="estimated (contract specification)")
    firm_spread: float = param(0.08, "Spread of bidding firms' productivity around their "
                                     "ownership type's (sd of log)", ge=0, le=1,
                               source="estimated (as units' productivity_spread)")
    inhouse_margin: float = param(0.0, "Margin the in-house organisation declares on top of its "
                                       "expected cost", ge=-0.2, le=0.5, unit="share of cost",
                                  source="000, 'Organization of Local Government' (the "
                                         "producer's commercial approach); scenario lever")
    contractible_share: float = param(0.6, "Share of the service the contract can specify and "
                                           "verify; the rest of the staffing can be cut unseen",
                                      ge=0, le=1,
                                      source="Hart, Shleifer & Vishny 1997; estimated for care")
    max_shading: float = param(0.25, "Share of contracted staffing a contractor could cut unseen "
                                     "if nothing were contractible", ge=0, le=1,
                               unit="share of staffing", source="estimated")
    monitoring: float = param(0.3, "Monitoring intensity of the purchaser", ge=0, le=1,
                              unit="0-1", source="scenario lever")
    detection: float = param(3.0, "Yearly detection hazard of a contractor who cuts all the "
                                  "staffing the contract cannot see, per unit of monitoring "
                                  "(chance per year = 1 - exp(-detection x monitoring x cut / "
                                  "room))", ge=0, le=20, source="estimated")
    sanction: float = param(0.05, "Fine on a caught contractor, share of a year's payment",
                            ge=0, le=1, source="estimated")
    exclusion: bool = param(True, "A caught contractor may not bid in the service area's next "
                                  "tender (so it risks its next contract's profit)",
                            source="scenario choice (exclusion for grave professional "
                                   "misconduct, EU procurement directive 2014/24 art. 57(4))")
    renewal_chance: float = param(0.5, "Chance a contractor expects of winning the next tender "
                                       "when not caught", ge=0, le=1, source="estimated")
    take_back: bool = param(False, "A caught contractor's service is taken back in-house at once "
                                   "(until the next tender)", source="scenario choice")
    chain_scruple: float = param(0.0, "Share of the saving from a cut that a chain counts as a "
                                      "cost of its own (values, reputation)", ge=0, le=1,
                                 source="estimated")
    small_scruple: float = param(0.2, "... for a small firm (owner-managers close to the "
                                      "service)", ge=0, le=1, source="estimated")
    nonprofit_scruple: float = param(0.6, "... for a non-profit (its mission is the service)",
                                     ge=0, le=1, source="Hart, Shleifer & Vishny 1997 (weaker "
                                                        "incentives of non-profits to cut "
                                                        "quality); estimated")
    tender_pressure: float = param(1.0, "Pressure on an in-house manager in the year before a "
                                        "tender", ge=0, le=1, unit="0-1",
                                   source="000, 'Market mechanisms' (competition as a control "
                                          "device); estimated")
    tender_load: float = param(0.2, "Change load on an in-house unit preparing its bid in the "
                                    "year before a tender (specifying the service, costing it, "
                                    "reorganising to compete)", ge=0, le=1,
                               source="000, 'Organization of Local Government' (the producer's "
                                      "'ability to compete'); estimated")
    record_weight: float = param(1.0, "Weight the purchaser gives a private incumbent's measured "
                                      "quality of last year against its promised quality when "
                                      "the contract is re-tendered, at fully accurate "
                                      "information (times the accuracy; 0 = promises only)",
                                 ge=0, le=1,
                                 source="000, 'The purchaser's evaluation according to CQM' "
                                        "('Performance Reviews'; 'Ensuring accuracy'); "
                                        "estimated")
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
    """Tender rounds every contract period; monthly enforcement, monitoring and contract costs."""

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
        self.service = np.ones(n)          # contracted service level, relative to the norm
        self.price = np.ones(n)            # contract price per client, relative to the norm cost
        self.cut = np.zeros(n)             # share of contracted staffing the operator cuts unseen
        self.caught = np.zeros(n, dtype=bool)
        self.excluded = np.zeros(n, dtype=bool)   # caught: barred from the area's next tender
        self.fined_until = np.full(n, -1)
        self.funding = np.ones(n)          # this reform's factor on units' price_factor
        self.tender_cost_month = np.zeros(n)   # NOK per unit and month, in a tender year
        self.changed_operator = np.zeros(0, dtype=np.int64)   # units that changed hands last round
        self.public_productivity: np.ndarray | None = None   # the municipality's own organisation
        self.insecurity = LeverShare(u.insecurity)
        self.pressure = LeverShare(u.pressure)
        self.change_load = LeverShare(u.change_load)
        budget = model.mechanism("budget")
        spc = model.params.world.staff_per_client.array()
        labour = spc * budget.emp_month * 12 * (1 + budget.p.absence_allowance)
        self.labour_share = labour / (labour + budget.p.overhead_per_client.array())

    # --- yearly: pressure, tender rounds, budget ----------------------------------------------
    def yearly(self, model: ReformModel) -> None:
        u = model.units_state
        if self.public_productivity is None:
            self.public_productivity = u.productivity.copy()
        year = model.month // 12
        self.tender_cost_month[:] = 0
        if year >= 1 and (year - 1) % self.p.period == 0:
            self.tender(model)
        self._press(model, tender_next_year=year % self.p.period == 0)
        self._fund(model)

    def lots(self, model: ReformModel) -> np.ndarray:
        """The service areas tendered: active units of the tendered sectors in adopting places."""
        u = model.units_state
        return np.flatnonzero(u.active & self.adopts[u.muni] & self.tendered[u.sector])

    def _press(self, model: ReformModel, tender_next_year: bool) -> None:
        """A tender coming up presses the in-house managers of the service areas to cut slack,
        and preparing the bid takes their change capacity."""
        u = model.units_state
        bidding = np.zeros(len(u), dtype=bool)   # in-house units that will bid
        if tender_next_year:
            lots = self.lots(model)
            bidding[lots] = ~u.private[lots]
        self.pressure.set((bidding * self.p.tender_pressure).astype(np.float32))
        self.change_load.set(bidding * self.p.tender_load)

    def tender(self, model: ReformModel) -> None:
        """Award every service area of the tendered sectors in adopting municipalities."""
        u, p = model.units_state, self.p
        lots = self.lots(model)
        if len(lots) == 0:
            return
        bids = self._bids(model, lots)
        bids.quality[:, 0] = np.where(bids.incumbent,
                                      self.track_record(model, lots, bids.quality[:, 0]),
                                      bids.quality[:, 0])
        winner = _award(bids, p.quality_weight, p.quality_floor)
        was_private = u.private[lots].copy()
        private_wins = winner > 0
        pick = np.maximum(winner - 1, 0)
        rows = np.arange(len(lots))
        keeps = was_private & (winner == 1) & bids.incumbent   # the private incumbent won again
        changed = (was_private != private_wins) | (was_private & private_wins & ~keeps)
        u.private[lots] = private_wins
        self.contracted[lots] = True
        self.service[lots] = np.where(private_wins, bids.service[rows, pick], 1.0)
        self.price[lots] = np.where(private_wins, bids.price[rows, pick], bids.inhouse_price)
        self.cut[lots] = np.where(private_wins, bids.cut[rows, pick], 0.0)
        self.caught[lots] = False
        self.excluded[lots] = False
        self._hand_over(model, lots[private_wins & ~keeps], bids, rows[private_wins & ~keeps],
                        pick[private_wins & ~keeps], lots[was_private & ~private_wins])
        insecure = np.where(changed, p.transfer_insecurity, p.tender_insecurity)
        new = self.insecurity.mine.copy()
        new[lots] = np.maximum(new[lots], insecure)
        self.insecurity.set(new)
        value = self._payment_month(model) * 12
        self.tender_cost_month[lots] += p.tendering_cost * value[lots] / 12
        self.changed_operator = lots[changed]
        self._hold(model)

    def track_record(self, model: ReformModel, lots: np.ndarray,
                     promised: np.ndarray) -> np.ndarray:
        """The quality the purchaser credits a private incumbent with at re-tender: its promise,
        moved toward its measured quality of last year by ``record_weight`` times the accuracy
        of the information on the unit (``budget.measured``; without information, the promise)."""
        budget = model.mechanism("budget")
        weight = self.p.record_weight * budget.accuracy[lots]
        measured = budget.measured[lots]
        return np.where(np.isnan(measured), promised,
                        (1 - weight) * promised + weight * np.nan_to_num(measured))

    def _hand_over(self, model: ReformModel, to_firm: np.ndarray, bids: Bids, rows: np.ndarray,
                   pick: np.ndarray, to_public: np.ndarray) -> None:
        """A new operator brings its organisation (productivity, overhead, ownership, slack);
        a service taken back in-house gets the municipality's organisation back."""
        u = model.units_state
        production = model.mechanism("production")
        u.productivity[to_firm] = bids.productivity[rows, pick]
        u.overhead[to_firm] = bids.overhead[rows, pick]
        u.owner[to_firm] = bids.owner[rows, pick]
        u.slack[to_firm] = production.resting_slack(u)[to_firm]
        u.productivity[to_public] = self.public_productivity[to_public]

    def _bids(self, model: ReformModel, lots: np.ndarray) -> Bids:
        """The in-house bid and up to MAX_BIDDERS firms' bids per lot."""
        u, p, rng = model.units_state, self.p, self.rng
        n_lots = len(lots)
        n_bid = np.minimum(rng.poisson(p.bidders, n_lots), MAX_BIDDERS)
        incumbent = u.private[lots] & self.contracted[lots] & ~self.excluded[lots]
        n_bid = np.where(incumbent, np.maximum(n_bid, 1), n_bid)
        valid = np.arange(MAX_BIDDERS)[None, :] < n_bid[:, None]
        firms = self._firms(model, lots, incumbent)
        ls = self.labour_share[u.sector[lots]][:, None, None]
        service = (p.staffing_floor + (1 - p.staffing_floor) * SERVICE_GRID)[None, None, :]
        labour = model.mechanism("budget").p.private_labour_cost
        staff_cost = ls * service * labour / firms["efficiency"][:, :, None]
        cost = staff_cost + (1 - ls) * firms["overhead_factor"][:, :, None]
        margin = firms["margin"][:, :, None]
        cut, gain = self.cut_plan(staff_cost, cost / (1 - margin), margin,
                                  firms["scruple"][:, :, None])
        price = (cost - gain) / (1 - margin)
        effect = model.mechanism("production").p.staffing_effect
        reference = self.reference_quality(model, lots)
        quality = np.broadcast_to(reference[:, None, None] + effect * np.log(service), price.shape)
        inhouse_price = self.inhouse_bid(model, lots)
        choice = _score_gap(price, quality, inhouse_price, reference, p).argmax(axis=2)
        take = lambda a: np.take_along_axis(np.broadcast_to(a, price.shape),
                                            choice[:, :, None], 2)[:, :, 0]
        return Bids(price=take(price), quality=take(quality), service=take(service),
                    cut=take(cut), valid=valid, productivity=firms["productivity"],
                    overhead=firms["overhead"], owner=firms["owner"],
                    inhouse_price=inhouse_price, inhouse_quality=reference, incumbent=incumbent)

    def _firms(self, model: ReformModel, lots: np.ndarray, incumbent: np.ndarray) -> dict:
        """The bidding firms of each lot (firm 0 is the incumbent where there is one): ownership
        type, productivity, overhead, margin and scruple, and their efficiency (productivity
        less the slack their owners let them keep, against the sector norm)."""
        u, p, rng = model.units_state, self.p, self.rng
        b = model.mechanism("budget")
        production = model.mechanism("production")
        shape = (len(lots), MAX_BIDDERS)
        shares = np.cumsum([b.p.chain_share, 1 - b.p.chain_share - b.p.nonprofit_share])
        owner = np.searchsorted(shares, rng.random(shape), side="right").clip(0, 2)
        productivity = (np.array([b.p.chain_productivity, b.p.small_productivity,
                                  b.p.nonprofit_productivity])[owner]
                        * np.exp(rng.normal(0.0, p.firm_spread, shape)))
        overhead = np.exp(rng.normal(0.0, production.p.overhead_spread, shape))
        inc = incumbent[:, None] & (np.arange(MAX_BIDDERS)[None, :] == 0)
        owner = np.where(inc, u.owner[lots][:, None], owner)
        productivity = np.where(inc, u.productivity[lots][:, None], productivity)
        overhead = np.where(inc, u.overhead[lots][:, None], overhead)
        pp = production.p
        slack = pp.slack_ceiling * pp.slack_drift / (pp.slack_drift
                                                     + pp.slack_cut * pp.owner_pressure)
        sector = u.sector[lots][:, None]
        efficiency = productivity * (1 - slack) / np.exp(production.norm_log[sector])
        overhead_factor = overhead * (1 + slack) / (1 + production.norm_slack[sector])
        margin = np.array([b.p.chain_margin, b.p.private_margin, b.p.nonprofit_margin])[owner]
        scruple = np.array([p.chain_scruple, p.small_scruple, p.nonprofit_scruple])[owner]
        return {"owner": owner.astype(np.int8), "productivity": productivity,
                "overhead": overhead, "efficiency": efficiency,
                "overhead_factor": overhead_factor, "margin": margin, "scruple": scruple}

    def inhouse_bid(self, model: ReformModel, lots: np.ndarray) -> np.ndarray:
        """The in-house organisation's price per client relative to the norm cost: its own
        expected cost of the norm service level (staff hours at its productivity less slack, its
        overhead) plus the declared margin."""
        u = model.units_state
        production = model.mechanism("production")
        own = np.where(u.private[lots], self.public_productivity[lots], u.productivity[lots])
        efficiency = production.efficiency(own, u.slack[lots], u.sector[lots])
        overhead = production.overhead_factor(u)[lots]
        ls = self.labour_share[u.sector[lots]]
        return (ls / efficiency + (1 - ls) * overhead) * (1 + self.p.inhouse_margin)

    def reference_quality(self, model: ReformModel, lots: np.ndarray) -> np.ndarray:
        """Per lot, the quality of the norm service level with the unit's present staff's
        competence, motivation and practices (its quality less its staffing term)."""
        u = model.units_state
        production = model.mechanism("production")
        ratio = production.staffing_ratio(model)[lots]
        return u.quality[lots] - production.p.staffing_effect * np.log(ratio)

    def cut_plan(self, staff_cost: np.ndarray, value: np.ndarray, margin: np.ndarray,
                 scruple: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each firm's cut of contracted staffing and the money it expects to save (relative to
        the norm cost, per year). The firm picks the cut that maximises its saving (less what
        its values count against it) minus the chance of being caught in a year times the
        fine and, under exclusion, the next contract's expected profit."""
        p = self.p
        room = p.max_shading * (1 - p.contractible_share)
        cut = room * CUT_GRID                                        # candidate cuts
        caught = self.detection_year(cut)
        saving = staff_cost[..., None] * cut
        future = p.exclusion * p.renewal_chance * margin * value * p.period
        penalty = caught * (p.sanction * value + future)[..., None]
        best = (saving * (1 - scruple[..., None]) - penalty).argmax(axis=-1)
        chosen = cut[best]
        gain = staff_cost * chosen - self.detection_year(chosen) * p.sanction * value
        return chosen, gain

    def detection_year(self, cut: np.ndarray | float) -> np.ndarray:
        """Chance per year that the purchaser catches a cut of the given size."""
        room = self.p.max_shading * (1 - self.p.contractible_share)
        share = np.divide(cut, room, out=np.zeros_like(np.asarray(cut, dtype=float)),
                          where=room > 0)
        return 1.0 - np.exp(-self.p.detection * self.p.monitoring * share)

    def _fund(self, model: ReformModel) -> None:
        """Fund contracted units at their contract price and change the municipalities' service
        budgets by what the contracts cost against the norm."""
        u, m = model.units_state, model.municipalities_state
        budget = model.mechanism("budget")
        funding = np.where(self.contracted & u.active, self.price, 1.0)
        # the norm cost with other reforms' price factors but without this one's
        norm = budget.norm_cost(model) * u.price_factor / self.funding
        before = np.bincount(u.muni, weights=norm * u.active, minlength=len(m))
        after = np.bincount(u.muni, weights=norm * funding * u.active, minlength=len(m))
        u.price_factor *= funding / self.funding
        self.funding = funding
        ratio = np.divide(after, before, out=np.ones(len(m)), where=before > 0)
        m.budget *= np.where(self.adopts, ratio, 1.0)
        budget.fund_units(model)

    # --- monthly: monitoring, contract staffing, insecurity, costs ----------------------------
    def monthly(self, model: ReformModel) -> None:
        u, p = model.units_state, self.p
        live = self.contracted & u.active
        self._monitor(model, live)
        self._hold(model)
        self.insecurity.set(self.insecurity.mine * (1 - p.insecurity_decay))
        monitoring = p.monitoring_cost * p.monitoring * self._payment_month(model) * live
        u.transaction_cost_month += self.tender_cost_month + monitoring
        # the municipality pays a private contractor the contract price (with any fine)
        u.payment_factor[:] = np.where(live & u.private, self.payment_ratio(model), 1.0)

    def _monitor(self, model: ReformModel, live: np.ndarray) -> None:
        """The purchaser may catch a contractor's cut: it is restored, fined for a year, the
        contractor barred from the next tender and, where so decided, the service taken back."""
        u, p = model.units_state, self.p
        cutting = live & u.private & (self.cut > 0)
        monthly = 1 - (1 - self.detection_year(self.cut)) ** (1 / 12)
        caught = cutting & (self.rng.random(len(u)) < monthly)
        caught |= cutting & (u.quality < p.quality_floor)      # a breach of the floor is seen
        self.cut[caught] = 0.0
        self.caught |= caught
        self.excluded |= caught & p.exclusion
        self.fined_until[caught] = model.month + 12
        u.detected[:] = caught
        if p.take_back and caught.any():
            back = np.flatnonzero(caught)
            u.private[back] = False
            u.productivity[back] = self.public_productivity[back]
            self.price[back] = self.inhouse_bid(model, back)
            self.service[back] = 1.0
        u.shaded[:] = live & u.private & (self.cut > 0)

    def _hold(self, model: ReformModel) -> None:
        """Private operators are held to the contract's staffing: the hours the service level
        needs at their productivity, less any unseen cut."""
        u = model.units_state
        efficiency = model.mechanism("production").effective_productivity(u)
        held = self.contracted & u.active & u.private
        u.contract_staff[:] = np.where(held, self.service / efficiency * (1 - self.cut), 0.0)

    def _payment_month(self, model: ReformModel) -> np.ndarray:
        """This month's contract payment per unit, NOK: the funding at the contract price."""
        u = model.units_state
        return u.budget / 12 * self.payment_ratio(model)

    def payment_ratio(self, model: ReformModel) -> np.ndarray:
        """Payment over the unit's funding at the contract price: less the fine while fined."""
        fined = model.month < self.fined_until
        return np.where(fined, 1 - self.p.sanction, 1.0)


@dataclass
class Bids:
    """The bids of one tender round: per lot, the in-house bid and up to MAX_BIDDERS firms."""

    price: np.ndarray            # lots x firms: price per client relative to the norm cost
    quality: np.ndarray          # lots x firms: promised quality, points
    service: np.ndarray          # lots x firms: service level relative to the norm
    cut: np.ndarray              # lots x firms: share of contracted staffing the firm will cut
    valid: np.ndarray            # lots x firms: the firm bids
    productivity: np.ndarray     # lots x firms: the firm's productivity
    overhead: np.ndarray         # lots x firms: the firm's overhead
    owner: np.ndarray            # lots x firms: ownership type (0 chain, 1 small, 2 non-profit)
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
    acceptable = bids.valid & (bids.quality >= floor)    # the floor is the lowest acceptable
    price = np.concatenate([bids.inhouse_price[:, None], np.where(acceptable, bids.price, np.inf)],
                           axis=1)
    quality = np.concatenate([bids.inhouse_quality[:, None],
                              np.where(bids.valid, bids.quality, -np.inf)], axis=1)
    best_p = price.min(axis=1, keepdims=True)
    best_q = quality.max(axis=1, keepdims=True)
    s = np.where(np.isfinite(price), score(price, quality, best_p, best_q, weight, floor), -np.inf)
    return s.argmax(axis=1)


MECHANISM = Contracts
