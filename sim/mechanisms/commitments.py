"""Commitments between council and units: Commitment Quality Management (brief, mechanism 4).

Every budget year the council and each public result unit of a participating municipality agree
a written commitment: targets for quality, cost per client and sick leave, in return for
funding and an agreed level of autonomy (the first year is measured as the baseline; rewards
follow from the second). Autonomy (``units.autonomy``) rises to the agreed
level over the first years, which the health model turns into job control; employees take part
in writing the commitments (a little ``empowerment``); the unit builds a quality system
(``quality_system``) and carries the reporting (``paperwork``). At the next budget round
performance is measured with finite accuracy (noise) and at a cost. Units that meet their
targets get a larger share of next year's budget and units that miss them a smaller one
(``units.price_factor``: the council redistributes within the municipality's own financial
limit); a unit that misses its sick-leave target gets management follow-up (``mgmt_support``).
Systematic customer feedback raises public information on providers (``model.information``)
and tells units where they stand: those below their municipality's satisfaction take measures
on their quality system.

Source: 000, "Management by Results (MbR) and Commitment Quality Management (CQM)" ("a
specified type and level of performance, in return for specified funding and an agreed level
of autonomy, and related reporting requirements (sanctions and rewards may also be
prescribed)"; guidelines 4-9: result units with commitments, results linked to resource
allocation, monitoring and incentives, "systematic customer/citizen quality feedback"), "The
purchaser's evaluation according to CQM" ("Cost effective measurement - balancing the utility
of information against its production costs. Ensuring accuracy").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, ScalarShare
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import ReformModel


class CommitmentsParams(Params):
    """Yearly commitments: targets, autonomy, measurement, feedback, rewards and sanctions."""

    enabled: bool = param(False, "Switch commitments (CQM / management by results) on",
                          source="scenario switch")
    municipality_share: float = param(1.0, "Share of municipalities that manage by commitments",
                                      ge=0, le=1, source="scenario lever")
    autonomy: float = param(0.35, "Autonomy agreed in the commitment (baseline units: 0.3)", ge=0,
                            le=1, source="000 ('an agreed level of autonomy'); estimated")
    phase_in_years: int = param(2, "Years until the agreed autonomy is fully delegated", ge=1,
                                le=10, unit="years", source="000 ('Significant management reforms "
                                                            "take time'); estimated")
    involvement: float = param(0.03, "Empowerment from employees taking part in the commitments",
                               ge=0, le=1, source="000 CQM highlight C ('participation from every "
                                                  "employee'); estimated")
    quality_target_gain: float = param(1.0, "Quality target above last year's measured quality",
                                       ge=-20, le=20, unit="points",
                                       source="000 ('yearly measured improvement'); estimated")
    cost_target_cut: float = param(0.01, "Cost-per-client target below last year's measured cost",
                                   ge=-0.5, le=0.5, unit="share", source="estimated")
    sick_leave_target_cut: float = param(0.05, "Sick-leave target below last year's measured sick "
                                               "leave", ge=-1, le=1, unit="share",
                                         source="001 (concrete targets for sick leave); estimated")
    measurement_accuracy: float = param(0.75, "Accuracy of performance measurement: 1 = exact, 0 = "
                                              "errors twice the spread between a sector's units",
                                        ge=0, le=1, source="000 ('Ensuring accuracy'); estimated")
    measurement_nok: float = param(40_000, "Cost of performance measurement and reporting per unit",
                                   ge=0, unit="NOK/unit-year",
                                   source="000 ('Cost effective measurement'); estimated")
    feedback: bool = param(True, "Systematic customer feedback (surveys of clients)",
                           source="000 MbR guideline 9")
    feedback_nok: float = param(100, "Cost of customer feedback per client", ge=0,
                                unit="NOK/client-year", source="estimated (survey per client)")
    feedback_information: float = param(0.1, "Rise in public information on providers from "
                                             "customer feedback", ge=0, le=1,
                                        source="000; estimated")
    reward: float = param(0.02, "Budget share gained next year by a unit meeting at least two of "
                                "its three targets (lost by one meeting none)", ge=0, le=0.5,
                          unit="share of budget", source="000 ('sanctions and rewards'); estimated")
    max_adjustment: float = param(0.08, "Largest cumulative budget adjustment of a unit", ge=0,
                                  le=0.5, unit="share of budget", source="estimated")
    follow_up_support: float = param(0.05, "Management support added for a year where the "
                                           "sick-leave target was missed", ge=0, le=0.5,
                                     source="000 ('Take measures (if needed)'); estimated")
    quality_system_growth: float = param(0.04, "Yearly growth of the unit's quality system", ge=0,
                                         le=0.5, unit="per year",
                                         source="000 CQM steps 3-7; estimated")
    quality_system_gain: float = param(0.2, "Largest total rise of the quality system", ge=0,
                                       le=0.8, source="estimated")
    reporting_paperwork: float = param(0.03, "Extra share of working time on reporting", ge=0,
                                       le=0.5, unit="share of time",
                                       source="000 ('related reporting requirements'); estimated")


class Commitments(Mechanism):
    """Yearly commitment cycle: agree, measure, reward or sanction, follow up."""

    name = "commitments"
    Params = CommitmentsParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u = model.units_state
        n = len(u)
        self.rng = model.stream("commitments")
        self.muni_member = self.rng.random(len(model.municipalities_state)) < self.p.municipality_share
        self.autonomy = LeverShare(u.autonomy)
        self.empowerment = LeverShare(u.empowerment)
        self.quality_system = LeverShare(u.quality_system)
        self.paperwork = LeverShare(u.paperwork)
        self.mgmt_support = LeverShare(u.mgmt_support)
        self.price = np.ones(n)               # this reform's factor on units' price_factor
        self.information = ScalarShare(model, "information")
        self._sums = np.zeros((5, n))         # quality, cost, clients, days lost, staff
        self.targets: np.ndarray | None = None
        self.met = np.zeros(n, dtype=np.int8)  # targets met at the last evaluation (0-3)
        self.true_met = np.zeros(n, dtype=np.int8)  # ... had they been measured exactly
        self._below = np.zeros(n, dtype=bool)  # customer feedback below the municipal mean
        self.true: np.ndarray | None = None    # last year's true quality, cost, sick leave

    def committed(self, model: ReformModel) -> np.ndarray:
        u = model.units_state
        return self.muni_member[u.muni] & u.active & ~u.private

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
        if model.month > 0:  # last month's production
            self._sums += (u.quality * u.clients, u.cost_month, u.clients, model.unit_days_lost,
                           u.staff)
        in_scheme = self.committed(model)
        p = self.p
        yearly_nok = in_scheme * (p.measurement_nok + p.feedback * p.feedback_nok * u.clients)
        m = model.municipalities_state
        m.reform_cost_month += np.bincount(u.muni, weights=yearly_nok / 12, minlength=len(m))

    def yearly(self, model: ReformModel) -> None:
        in_scheme = self.committed(model)
        year = model.month // 12
        if self._sums[2].sum() > 0:  # a year has been measured (the first is the baseline)
            measured = self.measure(model)
            if self.targets is not None:
                self.met = self._evaluate(measured) * in_scheme
                self.true_met = self._evaluate(self.true) * in_scheme
                self._reward(model, in_scheme)
                self._follow_up(model, measured, in_scheme)
            self.targets = self._set_targets(measured)
        self._sums[:] = 0
        self._delegate(model, in_scheme, year)

    def measure(self, model: ReformModel) -> np.ndarray:
        """Last year's quality, cost per client and sick leave per unit, as measured (noisy),
        and clients' satisfaction (customer feedback)."""
        from sim.mechanisms.budget import WORKDAYS_PER_MONTH

        q, cost, clients, days, staff = self._sums
        true = np.stack([np.divide(q, clients, out=np.zeros_like(q), where=clients > 0),
                         np.divide(12 * cost, clients, out=np.zeros_like(q), where=clients > 0),
                         100 * np.divide(days, staff * WORKDAYS_PER_MONTH, out=np.zeros_like(q),
                                         where=staff > 0)])
        u = model.units_state
        spread = _sector_spread(true, u.sector, u.active & (clients > 0))
        error = 2 * (1 - self.p.measurement_accuracy)  # in units of the spread between units
        noise = self.rng.normal(0, 1, true.shape) * error * spread[:, u.sector]
        self.true = true
        observed = np.maximum(true + noise, 0)
        observed[0] = np.minimum(observed[0], 100)
        c = model.citizens_state
        sat = np.bincount(c.unit, weights=c.satisfaction, minlength=len(u))
        sat = np.divide(sat, u.clients, out=np.zeros(len(u)), where=u.clients > 0)
        return np.vstack([observed, sat[None, :]])

    def _set_targets(self, measured: np.ndarray) -> np.ndarray:
        p = self.p
        return np.stack([measured[0] + p.quality_target_gain, measured[1] * (1 - p.cost_target_cut),
                         measured[2] * (1 - p.sick_leave_target_cut)])

    def _evaluate(self, measured: np.ndarray) -> np.ndarray:
        t = self.targets
        met = (measured[0] >= t[0]).astype(np.int8) + (measured[1] <= t[1]) + (measured[2] <= t[2])
        return met.astype(np.int8)

    def _reward(self, model: ReformModel, in_scheme: np.ndarray) -> None:
        """Rewards and sanctions as next year's budget share (the council's total is unchanged:
        ``budget`` shares the municipality's service budget by price-weighted clients)."""
        p, u = self.p, model.units_state
        step = np.where(self.met >= 2, p.reward, np.where(self.met == 0, -p.reward, 0.0))
        new = np.clip(self.price * (1 + step * in_scheme), 1 - p.max_adjustment,
                      1 + p.max_adjustment)
        u.price_factor *= new / self.price
        self.price = new

    def _follow_up(self, model: ReformModel, measured: np.ndarray, in_scheme: np.ndarray) -> None:
        """Management follows up missed sick-leave targets; feedback below the municipal mean
        prompts work on the quality system."""
        u = model.units_state
        missed_sick = in_scheme & (measured[2] > self.targets[2])
        self.mgmt_support.set(self.p.follow_up_support * missed_sick)
        if self.p.feedback:
            sat = measured[3]
            mean = np.divide(np.bincount(u.muni, weights=sat * u.clients * in_scheme),
                             np.maximum(np.bincount(u.muni, weights=u.clients * in_scheme), 1))
            self._below = in_scheme & (sat < mean[u.muni])
        else:
            self._below[:] = False

    def _delegate(self, model: ReformModel, in_scheme: np.ndarray, year: int) -> None:
        """The commitment's side of the bargain: autonomy, involvement, quality system, reporting."""
        p, u = self.p, model.units_state
        phase = min(1.0, (year + 1) / p.phase_in_years)
        others = u.autonomy - self.autonomy.mine
        self.autonomy.set(in_scheme * (p.autonomy - others) * phase)
        self.empowerment.set(in_scheme * p.involvement)
        extra = self._below * p.quality_system_growth
        grown = np.minimum(self.quality_system.mine + in_scheme * p.quality_system_growth + extra,
                           p.quality_system_gain)
        self.quality_system.set(grown * in_scheme)
        self.paperwork.set(in_scheme * p.reporting_paperwork)
        self.information.set(p.feedback_information if p.feedback and in_scheme.any() else 0.0)


def _sector_spread(values: np.ndarray, sector: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Standard deviation of each indicator (rows) between live units of each sector."""
    n_s = int(sector.max(initial=0)) + 1
    count = np.maximum(np.bincount(sector, weights=live, minlength=n_s), 1)
    mean = np.stack([np.bincount(sector, weights=row * live, minlength=n_s) for row in values]) / count
    square = np.stack([np.bincount(sector, weights=row**2 * live, minlength=n_s)
                       for row in values]) / count
    return np.sqrt(np.maximum(square - mean**2, 0))


MECHANISM = Commitments
