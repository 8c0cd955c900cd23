"""Service production: quality and cost of every unit (brief, mechanism 1).

Quality (professional quality, 0-100) rises with the logarithm of effective staffing (present
staff, plus substitutes at reduced effectiveness, per need-weighted client against the sector
norm: diminishing returns), with the competence and motivation of present staff, with
institutionalised practices and with the maturity of the quality system. Effective staffing
counts staff hours at the unit's productivity (output per hour) less its slack: providers differ
in productivity and overhead (drawn at world creation from their own random stream), public
units drift to slack when nobody presses and their managers cut it under pressure (users lost by
choice, a tender coming up, a published comparison: ``units.pressure``), at a cost in strain on
staff when the cut is fast (``units.change_load``, read by employee health). No quality comes
from pressure itself: only from more or better staff hours, practices or less slack. Cost is wages of employed staff (the state
refunds most of the wages of long-spell absentees), substitutes for absent days at a premium,
non-staff cost per client, and the cost effect of practices. The municipality pays a public
unit's cost and a private provider its funding (per client or the contract price), and adds
central administration and the month's transaction costs of reforms.

Sources: 000 (result units produce services within their budget; "quality ... cannot be
inspected"; 'Market mechanisms': one organisation as purchaser, contractor and evaluator "has a
natural tendency towards inefficiency", and competition is an "extremely powerful" control); 003 (KPIs and accreditation: quality systems); 002 (institutionalised practice).
Staffing norms: docs/sources.md §3. The quality scale is the model's own (estimated).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import staffing
from sim.mechanisms import Mechanism
from sim.mechanisms.budget import WORKDAYS_PER_MONTH
from sim.mechanisms.shared import LeverShare
from sim.params import Params, SectorPoints, param, per_sector
from sim.state import ABSENCE_LONG

if TYPE_CHECKING:
    from sim.model import ReformModel


class ProductionParams(Params):
    """How staff, competence and practices become quality, and what it costs."""

    base_quality: SectorPoints = per_sector(72, 70, 74, 72, "Quality at norm staffing and average "
                                      "competence and motivation", unit="points (0-100)", ge=0,
                                      le=100, source="estimated")
    staffing_effect: float = param(25.0, "Quality points per unit of log effective staffing",
                                   ge=0, le=100, unit="points", source="estimated (10 % "
                                   "understaffing costs ~2.6 points)")
    competence_effect: float = param(30.0, "Quality points per unit of mean competence above 0.6",
                                     ge=0, le=100, unit="points", source="estimated")
    motivation_effect: float = param(20.0, "Quality points per unit of mean motivation above 0.7",
                                     ge=0, le=100, unit="points", source="estimated")
    quality_system_effect: float = param(10.0, "Quality points per unit of quality-system "
                                               "maturity above 0.2", ge=0, le=100, unit="points",
                                         source="003 (accreditation); estimated")
    substitute_effectiveness: float = param(0.7, "A substitute's contribution relative to a "
                                                 "regular employee", ge=0, le=1,
                                            source="estimated")
    productivity_spread: float = param(0.08, "Spread of units' productivity (output per staff "
                                             "hour; sd of log, median 1) drawn at world "
                                             "creation", ge=0, le=1,
                                       source="estimated (providers differ in how they organise "
                                              "work; 000, 'Market mechanisms')")
    overhead_spread: float = param(0.10, "Spread of units' non-staff cost per client (sd of log, "
                                         "median 1) drawn at world creation", ge=0, le=1,
                                   source="estimated (premises and purchasing differ)")
    slack_ceiling: float = param(0.08, "Share of paid hours lost to slack that a unit drifts to "
                                       "under no competitive pressure; slack also raises "
                                       "non-staff cost by the same share", ge=0, le=0.5,
                                 unit="share of hours",
                                 source="000, 'Market mechanisms' (one organisation as "
                                        "purchaser, contractor and evaluator \"has a natural "
                                        "tendency towards inefficiency\"); size estimated")
    slack_drift: float = param(0.2, "Yearly drift of slack toward the ceiling (share of the "
                                    "distance) when nobody presses", ge=0, le=1, unit="per year",
                               source="estimated")
    slack_cut: float = param(0.6, "Share of its slack a manager under full pressure cuts in a "
                                  "year", ge=0, le=1, unit="per year",
                             source="000, 'Market mechanisms' (competition as a \"powerful "
                                    "control device\"); estimated")
    owner_pressure: float = param(0.5, "Pressure a private owner's profit motive puts on its "
                                       "unit's manager, whatever the reform", ge=0, le=1,
                                  unit="0-1", source="estimated")
    cut_strain: float = param(3.0, "Change load on staff per share of paid hours cut from "
                                   "slack in a year (read by employee health as demands)",
                              ge=0, le=20, unit="change load per (share/year)",
                              source="estimated (a 5 % cut in one year loads staff like 0.15 of "
                                     "a unit's carrying capacity for change)")


class Production(Mechanism):
    """Monthly quality and cost of every unit, and administration cost per municipality."""

    name = "production"
    Params = ProductionParams

    def setup(self, model: ReformModel) -> None:
        self.budget = model.mechanism("budget").p
        self.emp_month = model.mechanism("budget").emp_month
        self._draw_providers(model)
        self.strain = LeverShare(model.units_state.change_load)
        days = model.mechanism("health").unit_absence_days(model)
        model.units_state.absence_share[:] = self.present_staff(model, days)
        self.quality(model)

    # --- providers: productivity, overhead and slack ------------------------------------------
    def _draw_providers(self, model: ReformModel) -> None:
        """Each unit's productivity, overhead and ownership type, from their own random stream
        (a world property: no reform shifts it). Units start at the slack their pressure holds
        them to, and the staffing norm is the average unit as it is (mean log effective
        productivity 0 per sector), so the baseline is stationary."""
        u, p = model.units_state, self.p
        rng = model.stream("providers")
        n = len(u)
        b = self.budget
        shares = np.array([b.chain_share, 1 - b.chain_share - b.nonprofit_share, b.nonprofit_share])
        u.owner[:] = np.minimum(np.searchsorted(np.cumsum(shares), rng.random(n), side="right"), 2)
        type_productivity = np.array([b.chain_productivity, b.small_productivity,
                                      b.nonprofit_productivity])
        u.productivity[:] = (np.exp(rng.normal(0.0, p.productivity_spread, n))
                             * np.where(u.private, type_productivity[u.owner], 1.0))
        u.overhead[:] = np.exp(rng.normal(0.0, p.overhead_spread, n))
        u.slack[:] = self.resting_slack(u)
        live = u.active
        log_eff = np.log(u.productivity * (1 - u.slack))
        self.norm_log = np.array([log_eff[live & (u.sector == s)].mean()
                                  if (live & (u.sector == s)).any() else 0.0 for s in range(4)])
        self.norm_productivity = np.exp([np.log(u.productivity[live & (u.sector == s)]).mean()
                                         if (live & (u.sector == s)).any() else 0.0
                                         for s in range(4)])
        self.norm_slack = np.array([u.slack[live & (u.sector == s)].mean()
                                    if (live & (u.sector == s)).any() else 0.0 for s in range(4)])

    def pressure(self, u, reforms: bool = True) -> np.ndarray:
        """Pressure on each unit's manager: reforms' shares (users lost, tender due, published
        comparison) plus a private owner's profit motive, at most 1."""
        owner = np.where(u.private, self.p.owner_pressure, 0.0)
        return np.clip(u.pressure.astype(np.float64) * reforms + owner, 0.0, 1.0)

    def resting_slack(self, u) -> np.ndarray:
        """The slack where drift and cuts balance without reforms (the world's starting point)."""
        p = self.p
        cut = p.slack_cut * self.pressure(u, reforms=False)
        return p.slack_ceiling * p.slack_drift / np.maximum(p.slack_drift + cut, 1e-12)

    def update_slack(self, model: ReformModel) -> None:
        """Slack drifts up toward the ceiling when nobody presses; pressure makes the manager
        cut it, and a fast cut strains staff (``units.change_load``). Monthly, at yearly rates."""
        u, p = model.units_state, self.p
        drift = p.slack_drift * (p.slack_ceiling - u.slack)
        cut = p.slack_cut * self.pressure(u) * u.slack
        new = np.clip(u.slack + (drift - cut) / 12, 0.0, p.slack_ceiling)
        speed = np.maximum(u.slack - new, 0.0) * 12        # share of hours cut, per year
        u.slack[:] = np.where(u.active, new, u.slack)
        self.strain.set(np.where(u.active, p.cut_strain * speed, 0.0))

    def effective_productivity(self, u) -> np.ndarray:
        """Output per paid staff hour relative to the norm: productivity less slack."""
        return self.efficiency(u.productivity, u.slack, u.sector)

    def efficiency(self, productivity, slack, sector) -> np.ndarray:
        """Output per paid staff hour relative to the sector norm, for any organisation."""
        return productivity * (1 - slack) / np.exp(self.norm_log[sector])

    def overhead_factor(self, u) -> np.ndarray:
        """Non-staff cost per client relative to the norm: the unit's overhead, raised by slack."""
        return u.overhead * (1 + u.slack) / (1 + self.norm_slack[u.sector])

    def staffing_ratio(self, model: ReformModel) -> np.ndarray:
        """Effective staff hours present (at the unit's productivity) per hour needed at the
        norm, as quality sees it (bounded 0.05-2)."""
        u = model.units_state
        hours = np.maximum(u.present, 0.05) * self.effective_productivity(u)
        return np.clip(hours / np.maximum(self.needed_present(model), 1e-9), 0.05, 2.0)

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
        self.update_slack(model)
        model.unit_days_lost[:] = model.mechanism("health").unit_absence_days(model)
        absent_share = self.present_staff(model, model.unit_days_lost)
        self.quality(model)
        self.cost(model, model.unit_days_lost)
        u.absence_share[:] = absent_share

    def present_staff(self, model: ReformModel, unit_days: np.ndarray) -> np.ndarray:
        """Set present staff and workload per unit from the working days each unit lost this
        month; return each unit's absence share."""
        u = model.units_state
        n = len(u)
        lost = unit_days / WORKDAYS_PER_MONTH
        staff = u.staff.astype(np.float64)
        cover = self.budget.substitute_coverage.array()[u.sector]
        u.present[:] = staff - lost + lost * cover * self.p.substitute_effectiveness
        needed = self.needed_present(model)
        # a better organised provider (productivity) needs fewer hours for the same work; slack
        # is breathing room, so where its cut lets the budget pay fewer staff for the same work
        # the rest carry more, and where staff stay the cut strains them only while it lasts
        capacity = u.present * u.productivity / self.norm_productivity[u.sector]
        u.workload[:] = np.where(u.present > 0, needed / np.maximum(capacity, 1e-9),
                                 np.where(needed > 0, 3.0, 1.0)).clip(0, 3)
        return np.divide(lost, staff, out=np.zeros(n), where=staff > 0).astype(np.float32)

    def needed_present(self, model: ReformModel) -> np.ndarray:
        """Staff that must be present (substitutes counted) at the norm, per unit: the norm head
        count less the absence that the norm already allows for."""
        ref = model.mechanism("health").p.reference_absence
        cover = self.budget.substitute_coverage.array()[model.units_state.sector]
        return model.needed_staff() * (1 - ref * (1 - cover * self.p.substitute_effectiveness))

    def quality(self, model: ReformModel) -> None:
        p, u, e = self.p, model.units_state, model.employees_state
        n = len(u)
        # Only staff at work are summed: leaving out the zero terms changes no sum.
        at_work = np.flatnonzero(e.active & (e.absence != ABSENCE_LONG))
        unit = e.unit[at_work]
        count = np.bincount(unit, minlength=n).astype(np.float64)
        comp = _mean(np.bincount(unit, weights=e.competence[at_work], minlength=n), count, 0.6)
        motiv = _mean(np.bincount(unit, weights=e.motivation[at_work], minlength=n), count, 0.7)
        q = (p.base_quality.array()[u.sector] + p.staffing_effect * np.log(self.staffing_ratio(model))
             + p.competence_effect * (comp - 0.6) + p.motivation_effect * (motiv - 0.7)
             + p.quality_system_effect * (u.quality_system - 0.2)
             + staffing.practice_effect(model, "quality")
             + u.effort_quality)  # the manager's allocation (sim.mechanisms.management)
        u.quality[:] = np.where(u.active, np.clip(q, 0, 100), 0)

    def cost(self, model: ReformModel, unit_days: np.ndarray) -> None:
        """Unit costs and municipal administration for the month, in NOK, from the working
        days each unit lost this month."""
        b, u, e, m = self.budget, model.units_state, model.employees_state, model.municipalities_state
        n = len(u)
        wage = self.emp_month[u.sector] * u.labour_cost
        on_long = e.active & (e.absence == ABSENCE_LONG)
        long_share = np.bincount(e.unit[on_long], minlength=n).astype(np.float64)
        refund = long_share * b.nav_refund_share
        lost = unit_days / WORKDAYS_PER_MONTH
        substitutes = lost * b.substitute_coverage.array()[u.sector] * b.substitute_premium
        staff_cost = (u.staff - refund + substitutes) * wage
        other = b.overhead_per_client.array()[u.sector] / 12 * u.clients * self.overhead_factor(u)
        practice = 1 + staffing.practice_effect(model, "cost")
        u.cost_month[:] = np.where(u.active, (staff_cost + other) * practice, 0.0)
        # The municipality pays a public unit's cost, and a private provider what its own units
        # cost per client (the funding rule for private kindergartens) times the contract price
        # where there is one: a private margin or cut is the provider's, not the municipality's.
        u.funding_rate[:] = self._public_cost_rate(model)
        # (a contractor held to a contract's staffing is paid the contract price itself)
        rate = np.where(u.contract_staff > 0, 1.0, u.funding_rate)
        payment = np.where(u.private, u.budget / 12 * rate * u.payment_factor, u.cost_month)
        u.payment_month[:] = np.where(u.active, payment, 0.0)
        service = np.bincount(u.muni, weights=u.payment_month, minlength=len(m))
        transaction = np.bincount(u.muni, weights=u.transaction_cost_month, minlength=len(m))
        m.admin_month[:] = (service * b.admin_share * model.admin_factor + m.reform_cost_month
                            + transaction)
        m.spent += service + m.admin_month


    def _public_cost_rate(self, model: ReformModel) -> np.ndarray:
        """Per unit: what public units of its municipality and sector spend per NOK of budget
        (smoothed over about a year; the sector's national rate where there is no public unit)."""
        u = model.units_state
        group = u.muni.astype(np.int64) * 4 + u.sector
        public = u.active & ~u.private
        n = len(model.municipalities_state) * 4
        cost = np.bincount(group[public], weights=u.cost_month[public], minlength=n)
        budget = np.bincount(group[public], weights=u.budget[public] / 12, minlength=n)
        sector_rate = (np.bincount(np.arange(n) % 4, weights=cost, minlength=4)
                       / np.maximum(np.bincount(np.arange(n) % 4, weights=budget, minlength=4), 1))
        rate = np.where(budget > 0, cost / np.maximum(budget, 1e-9), sector_rate[np.arange(n) % 4])
        if getattr(self, "_rate", None) is None:
            self._rate = rate
        else:
            self._rate = self._rate + (rate - self._rate) / 12
        return self._rate[group]


def _mean(total: np.ndarray, count: np.ndarray, default: float) -> np.ndarray:
    return np.divide(total, count, out=np.full(len(total), default), where=count > 0)


MECHANISM = Production
