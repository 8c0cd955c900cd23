"""Municipal budget cycle and staffing (brief, mechanism 9).

Each year the council sets a budget for the modelled services within the municipality's
financial limit: need-weighted clients times a norm cost per client, scaled by the
municipality's income level, the scenario's budget level and real growth, minus a share of last
year's overspending (municipalities must balance their books). Units get their share; what a
unit can pay for is its staff target, so budget pressure shows up as staffing. Vacancies are
filled with delay (recruitment is slow, slowest in care); overstaffing is shed by attrition and
reassignment.

Where information levers measure units (``units.monitoring``: commitments' measurement, the
Danish surveys, indicators and audits), the council uses last year's measured quality in the
budget round: it moves a small share of next year's budget toward public units whose measured
quality lags their sector's mean and away from those that lead, in proportion to the accuracy of
what it sees (an inaccurate picture moves money by noise; no information, no move). The
municipality's total is unchanged.

Source: 001 (Quality in Local Government: "work within the municipality's own financial
limits"); 000 ("Management by Results", the MbR budget cycle: result units with their own
budgets; "The purchaser's evaluation according to CQM": the purchaser/politicians "assess, and
implement, measures to improve standards"; the cycle's "Evaluation of final outcome ... Take
measures (if needed)"). Wages and staffing: docs/sources.md §2-3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import staffing
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import unit_mean
from sim.params import Params, SectorAmount, SectorShare, param, per_sector

if TYPE_CHECKING:
    from sim.model import ReformModel

WORKDAYS_PER_MONTH = 21.7


class BudgetParams(Params):
    """Money and staffing."""

    wage: SectorAmount = per_sector(620_000, 576_000, 520_000, 700_000, "Annual wage per full-time "
                              "equivalent", unit="NOK/FTE-year", ge=0,
                              source="KS 2023 annual earnings: nurse 661,000, health-care worker "
                                     "575,800, assistant 466,600; teachers estimated")
    fte_share: SectorShare = per_sector(0.78, 0.76, 0.86, 0.88, "Average contract share of an employee",
                                   unit="FTE/employee", ge=0, le=1,
                                   source="SSB 2016: 82.5 % across the municipal sector; split "
                                          "by sector estimated")
    payroll_overhead: float = param(0.30, "Employer's social security and pension on top of "
                                          "wages", ge=0, le=1, unit="share of wage",
                                    source="arbeidsgiveravgift 14.1 % + pension ~15 % (estimated)")
    overhead_per_client: SectorAmount = per_sector(
        300_000, 30_000, 40_000, 25_000, "Non-staff cost per client: buildings, food, materials",
        unit="NOK/client-year", ge=0, source="estimated to match KOSTRA totals per client")
    substitute_coverage: SectorShare = per_sector(0.85, 0.80, 0.60, 0.50, "Share of absent days "
                                             "covered by substitutes", ge=0, le=1,
                                             source="estimated")
    substitute_premium: float = param(1.15, "Cost of a substitute day relative to a regular day",
                                      ge=1, le=3, source="estimated (overtime, agencies)")
    nav_refund_share: float = param(0.85, "Share of the wages of long-spell absentees refunded by "
                                          "the state (sickness benefit after 16 days, capped at 6G)",
                                    ge=0, le=1, source="Folketrygdloven ch. 8; cap effect estimated")
    absence_allowance: float = param(0.03, "Expected net absence cost allowed for in the norm cost",
                                     ge=0, le=0.5, unit="share of wage cost", source="estimated")
    admin_share: float = param(0.07, "Central administration cost relative to service cost",
                               ge=0, le=0.5, source="estimated (KOSTRA: administration ~7-8 %)")
    budget_level: float = param(1.0, "Budget relative to the norm cost of services (0.9 = a 10 % "
                                     "cut)", ge=0.5, le=1.5, source="scenario lever")
    real_growth_pct: float = param(0.0, "Real budget growth per year", ge=-10, le=10,
                                   unit="% per year", source="scenario lever")
    deficit_recovery: float = param(0.5, "Share of last year's overspending taken from this "
                                         "year's budget", ge=0, le=1,
                                    source="Kommuneloven §14-10 (deficits covered within two "
                                           "years); estimated")
    lag_support: float = param(0.03, "Share of next year's budget the council moves toward a "
                                     "public unit per 10 points by which its measured quality "
                                     "lagged its sector's mean last year (away from one that "
                                     "led), times the accuracy of the information on the unit "
                                     "(0 = the council ignores the information)", ge=0, le=0.1,
                               unit="share of budget per 10 points",
                               source="000 'The purchaser's evaluation according to CQM' (the "
                                      "purchaser/politicians 'assess, and implement, measures to "
                                      "improve standards'); the MbR cycle ('Evaluation of final "
                                      "outcome ... Take measures (if needed)'); estimated")
    max_steer: float = param(0.05, "Largest share of a unit's budget moved on its measured "
                                   "quality", ge=0, le=0.2, unit="share of budget",
                             source="estimated (a council keeps most of a unit's budget on need)")
    hire_rate: SectorShare = per_sector(0.35, 0.35, 0.5, 0.5, "Monthly chance that a vacancy is "
                                   "filled", unit="per month", ge=0, le=1,
                                   source="estimated (shortage of nurses)")
    shed_rate: float = param(0.15, "Monthly share of excess staff shed by reassignment", ge=0,
                             le=1, unit="per month", source="estimated")
    private_labour_cost: float = param(0.95, "Wage and pension cost per employee of a private "
                                             "provider relative to the municipality", ge=0.5,
                                       le=1.5, source="estimated (private kindergartens' and "
                                                      "contractors' lower pension costs than "
                                                      "the municipal KLP schemes)")
    private_margin: float = param(0.03, "Share of a small private firm's revenue kept as "
                                        "margin (chains and non-profits: below)",
                                  ge=0, le=0.5, source="estimated")
    chain_share: float = param(0.2, "Share of private providers that belong to a for-profit "
                                    "chain", ge=0, le=1,
                               source="Dagbladet 5 June 2019: four large chains ran about 600 "
                                      "of Norway's ~3,000 private kindergartens; care estimated "
                                      "alike")
    nonprofit_share: float = param(0.3, "Share of private providers that are non-profit "
                                        "(parent-owned, ideelle organisations)", ge=0, le=1,
                                   source="estimated (parent-owned kindergartens and ideelle "
                                          "care providers); the rest are small firms")
    chain_productivity: float = param(1.04, "Productivity of a chain's unit relative to a "
                                            "public unit's (standardised routines, purchasing)",
                                      ge=0.5, le=1.5, source="estimated")
    small_productivity: float = param(1.0, "Productivity of a small firm's unit relative to a "
                                           "public unit's", ge=0.5, le=1.5, source="estimated")
    nonprofit_productivity: float = param(0.98, "Productivity of a non-profit's unit relative to "
                                                "a public unit's", ge=0.5, le=1.5,
                                          source="estimated")
    chain_margin: float = param(0.06, "Share of a chain's revenue kept as margin", ge=0,
                                le=0.5, source="estimated (owners' return on capital)")
    nonprofit_margin: float = param(0.0, "Share of a non-profit's revenue kept as margin "
                                         "(surpluses stay in the service)", ge=0, le=0.5,
                                    source="estimated")


class Budget(Mechanism):
    """Yearly budgets, monthly unit funding, hiring and shedding of staff, and cost accounting."""

    name = "budget"
    Params = BudgetParams

    def setup(self, model: ReformModel) -> None:
        p = self.p
        self.emp_month = (p.wage.array() * p.fte_share.array() * (1 + p.payroll_overhead) / 12)
        spc = model.params.world.staff_per_client.array()
        self.norm_per_client = (spc * self.emp_month * 12 * (1 + p.absence_allowance)
                                + p.overhead_per_client.array())
        self.rng = model.stream("budget")
        self.information_rng = model.stream("budget_information")
        n = len(model.units_state)
        self._quality_sum = np.zeros(n)       # measured indicator, summed over this year's months
        self._months = 0
        self.measured = np.full(n, np.nan)    # last year's measured quality (NaN: not measured)
        self.accuracy = np.zeros(n)           # accuracy of that measurement (0-1)
        self.steer = np.ones(n)               # this mechanism's factor on units' price_factor

    def yearly(self, model: ReformModel) -> None:
        m, u = model.municipalities_state, model.units_state
        year = model.month // 12
        if model.month > 0:
            self._observe(u)
            self._measure(model)
            self._steer(model)
        need = np.bincount(u.muni, weights=self.norm_cost(model), minlength=len(m))
        growth = (1 + self.p.real_growth_pct / 100) ** year
        recovery = self.p.deficit_recovery * np.maximum(m.deficit, 0)
        base = need * m.budget_level * self.p.budget_level * growth * (1 + self.p.admin_share)
        m.budget[:] = np.maximum(base - recovery, 0.5 * base)
        m.spent[:] = 0.0
        self.fund_units(model)

    def monthly(self, model: ReformModel) -> None:
        if model.month % 12:   # last month's results (the budget round adds December's)
            self._observe(model.units_state)
        if model.money_follows_client:
            self.fund_units(model)
        self._set_targets(model)
        self._hire_and_shed(model)

    # --- information in the budget round (000: the purchaser's evaluation) -------------------
    def _observe(self, u) -> None:
        """Add the last month's quality indicator (true quality plus the manager's indicator bias)."""
        self._quality_sum += u.quality + u.indicator_bias
        self._months += 1

    def _measure(self, model: ReformModel) -> None:
        """Last year's quality indicator per unit as the council sees it: measured where the
        information levers measure the unit (``units.monitoring``, 0-1), with an error of twice
        (1 - accuracy) times the spread between the sector's units; NaN where not measured.
        Draws come from this purpose's own stream, and only where something is measured."""
        u = model.units_state
        year = self._quality_sum / max(self._months, 1)
        self._quality_sum[:] = 0.0
        self._months = 0
        accuracy = np.clip(u.monitoring.astype(np.float64), 0.0, 1.0) * u.active
        self.accuracy = accuracy
        measured = accuracy > 0
        if not measured.any():
            self.measured = np.full(len(u), np.nan)
            return
        spread = np.zeros(4)
        for sector in range(4):
            peers = measured & (u.sector == sector)
            spread[sector] = year[peers].std() if peers.sum() > 1 else 0.0
        error = 2 * (1 - accuracy) * spread[u.sector]
        seen = year + self.information_rng.normal(0.0, 1.0, len(u)) * error
        self.measured = np.where(measured, np.clip(seen, 0, 100), np.nan)

    def _steer(self, model: ReformModel) -> None:
        """The council moves part of next year's budget toward public units whose measured
        quality lags their sector's mean and away from those that lead, in proportion to how
        accurately it sees them (no information: no move). The municipality's total is kept:
        ``fund_units`` shares it by need-weighted clients times units' price factors."""
        p, u = self.p, model.units_state
        seen = ~np.isnan(self.measured)
        mean = unit_mean(np.where(seen, self.measured, 0), u.sector, u.clients * seen, 4, 0.0)
        gap = np.where(seen, mean[u.sector] - np.nan_to_num(self.measured), 0.0)
        shift = np.clip(p.lag_support * self.accuracy * gap / 10, -p.max_steer, p.max_steer)
        steer = np.where(seen & u.active & ~u.private, 1 + shift, 1.0)
        u.price_factor *= steer / self.steer
        self.steer = steer

    def norm_cost(self, model: ReformModel) -> np.ndarray:
        """Yearly norm cost of each unit's clients, NOK: staff for their need, non-staff cost per
        client. A unit paid a flat price (vouchers) is funded as if its clients had the mean need
        of its municipality and sector. Labour saved by welfare technology is saved money."""
        u = model.units_state
        p = self.p
        spc = model.params.world.staff_per_client.array()[u.sector] * (1 - u.labour_saving)
        staff = spc * self.emp_month[u.sector] * 12 * (1 + p.absence_allowance)
        need = u.weighted_clients
        if u.flat_price.any():
            group = u.muni.astype(np.int64) * 4 + u.sector
            total = np.bincount(group, weights=u.weighted_clients, minlength=group.max() + 1)
            count = np.bincount(group, weights=u.clients, minlength=group.max() + 1)
            mean = np.divide(total, count, out=np.ones_like(total), where=count > 0)
            need = np.where(u.flat_price, u.clients * mean[group], u.weighted_clients)
        return need * staff + u.clients * p.overhead_per_client.array()[u.sector]

    def margin(self, u) -> np.ndarray:
        """Share of revenue each provider keeps as margin (by ownership type; public units 0)."""
        by_type = np.array([self.p.chain_margin, self.p.private_margin, self.p.nonprofit_margin])
        return np.where(u.private, by_type[u.owner], 0.0)

    def fund_units(self, model: ReformModel) -> None:
        """Units' yearly budget: the municipality's service budget shared by need-weighted clients
        at the norm cost (times each unit's price factor); with money following the citizen this
        is redone monthly from the current clients."""
        m, u = model.municipalities_state, model.units_state
        norm = self.norm_cost(model) * u.price_factor
        total = np.bincount(u.muni, weights=norm, minlength=len(m))
        service_budget = m.budget / (1 + self.p.admin_share)
        scale = np.divide(service_budget, total, out=np.zeros_like(total), where=total > 0)
        u.budget[:] = np.where(u.active, norm * scale[u.muni], 0.0)

    def _set_targets(self, model: ReformModel) -> None:
        u = model.units_state
        u.labour_cost[:] = np.where(u.private, self.p.private_labour_cost, 1.0)
        overhead_factor = model.mechanism("production").overhead_factor(u)
        overhead = (self.p.overhead_per_client.array()[u.sector] / 12 * u.clients
                    * overhead_factor)
        margin = self.margin(u)
        # a provider plans its staff on its funding at the norm; vacancies and refunded sick pay
        # then leave it (like the municipality's own units) spending less than that
        revenue = np.where(u.private, u.budget * u.payment_factor, u.budget)
        pay = revenue / 12 * (1 - margin) - overhead
        per_emp = self.emp_month[u.sector] * u.labour_cost * (1 + self.p.absence_allowance)
        target = np.floor(np.maximum(pay, 0) / per_emp)
        # a contract holds its operator to a staffing per need-weighted client (contracts)
        held = u.contract_staff > 0
        target = np.where(held, np.round(model.needed_staff() * u.contract_staff), target)
        room = (u.slot_end - u.slot_start)
        u.target_staff[:] = np.where(u.active, np.minimum(target, room), 0).astype(np.int32)

    def _hire_and_shed(self, model: ReformModel) -> None:
        u, e = model.units_state, model.employees_state
        gap = u.target_staff - u.staff
        hires = self.rng.binomial(np.maximum(gap, 0), self.p.hire_rate.array()[u.sector])
        hire_slots = _first_k_inactive(e.active, e.unit, u.slot_start, hires, u.slot_end)
        staffing.hire(model, hire_slots)
        excess = np.maximum(-gap, 0)
        shed_p = np.where(u.staff > 0, np.minimum(1, excess * np.where(u.active, self.p.shed_rate,
                                                                        1.0) / np.maximum(u.staff, 1)), 0)
        shed_p = np.where(u.active, shed_p, 1.0)  # a closed unit has no staff
        # One draw per slot keeps the stream; only the slots of units that shed are compared.
        draw = self.rng.random(len(e))
        slots = _slots_of(np.flatnonzero((shed_p > 0) & (u.staff > 0)), u.slot_start, u.slot_end)
        leaving = slots[e.active[slots] & (draw[slots] < shed_p[e.unit[slots]])]
        staffing.release(model, leaving, reason="shed")


def _slots_of(units: np.ndarray, slot_start: np.ndarray, slot_end: np.ndarray) -> np.ndarray:
    """All employee slots of the given units (ascending units give ascending slots)."""
    size = slot_end[units] - slot_start[units]
    offset = np.repeat(slot_start[units] - (np.cumsum(size) - size), size)
    return offset + np.arange(size.sum())


def _first_k_inactive(active: np.ndarray, unit: np.ndarray, slot_start: np.ndarray,
                      k: np.ndarray, slot_end: np.ndarray) -> np.ndarray:
    """Slots to fill: for each unit, its first ``k[unit]`` inactive slots (vectorised; only the
    slot blocks of units that hire are searched)."""
    free = _slots_of(np.flatnonzero(k > 0), slot_start, slot_end)
    free = free[~active[free]]
    if len(free) == 0 or not k.any():
        return free[:0]
    owner = unit[free]
    first = np.searchsorted(owner, np.arange(len(slot_start)))  # free slots are sorted by unit
    rank = np.arange(len(free)) - first[owner]
    return free[rank < k[owner]]


MECHANISM = Budget
