"""Service production: quality and cost of every unit (brief, mechanism 1).

Quality (professional quality, 0-100) rises with the logarithm of effective staffing (present
staff, plus substitutes at reduced effectiveness, per need-weighted client against the sector
norm: diminishing returns), with the competence and motivation of present staff, with
institutionalised practices and with the maturity of the quality system; a contractor's
unobserved quality cuts (``shading``) lower it. Cost is wages of employed staff (the state
refunds most of the wages of long-spell absentees), substitutes for absent days at a premium,
non-staff cost per client, and the cost effect of practices. The municipality pays a public
unit's cost and a private provider its funding (per client or the contract price), and adds
central administration and the month's transaction costs of reforms.

Sources: 000 (result units produce services within their budget; "quality ... cannot be
inspected"); 003 (KPIs and accreditation: quality systems); 002 (institutionalised practice).
Staffing norms: docs/sources.md §3. The quality scale is the model's own (estimated).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import staffing
from sim.mechanisms import Mechanism
from sim.mechanisms.budget import WORKDAYS_PER_MONTH
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


class Production(Mechanism):
    """Monthly quality and cost of every unit, and administration cost per municipality."""

    name = "production"
    Params = ProductionParams

    def setup(self, model: ReformModel) -> None:
        self.budget = model.mechanism("budget").p
        self.emp_month = model.mechanism("budget").emp_month
        days = model.mechanism("health").unit_absence_days(model)
        model.units_state.absence_share[:] = self.present_staff(model, days)
        self.quality(model)

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
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
        u.workload[:] = np.where(u.present > 0, needed / np.maximum(u.present, 1e-9),
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
        ratio = np.maximum(u.present, 0.05) / np.maximum(self.needed_present(model), 1e-9)
        q = (p.base_quality.array()[u.sector] + p.staffing_effect * np.log(np.clip(ratio, 0.05, 2.0))
             + p.competence_effect * (comp - 0.6) + p.motivation_effect * (motiv - 0.7)
             + p.quality_system_effect * (u.quality_system - 0.2)
             + staffing.practice_effect(model, "quality") - u.shading
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
        other = b.overhead_per_client.array()[u.sector] / 12 * u.clients
        practice = 1 + staffing.practice_effect(model, "cost")
        u.cost_month[:] = np.where(u.active, (staff_cost + other) * practice, 0.0)
        # The municipality pays a public unit's cost, and a private provider what its own units
        # cost per client (the funding rule for private kindergartens) times the contract price
        # where there is one: a private margin or cut is the provider's, not the municipality's.
        u.funding_rate[:] = self._public_cost_rate(model)
        payment = np.where(u.private, u.budget / 12 * u.funding_rate * u.payment_factor,
                           u.cost_month)
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
