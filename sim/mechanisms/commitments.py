"""Commitments between council and units: Commitment Quality Management (brief, mechanism 4).

Every budget year the council and each public result unit of a participating municipality agree
a written commitment: targets for quality, cost per client and sick leave, in return for
funding and an agreed level of autonomy (the first year is measured as the baseline; rewards
follow from the second). What the commitment changes is what the unit's manager faces
(``sim.mechanisms.management`` decides): budget share at stake on the measured quality and
sick-leave targets (``units.stakes_quality``, ``units.stakes_sick``), a next target set on this
year's result where the scheme ratchets (``units.ratchet``), the accuracy with which the
municipality now sees the unit's results (``units.monitoring``: measurement), what customer
feedback tells the manager about the gap to peers (``units.benchmark``), and budget discretion
(``units.autonomy``, phased in). Measurement has a cost and a finite accuracy: the council sees
the indicator (true quality plus the manager's over-weighting of what is measured and any
gaming) with noise. Units that meet at least two targets get a larger share of next year's
budget and units that meet none a smaller one (``units.price_factor``, within the
municipality's own limit). Employees take part in writing the commitments (``empowerment``)
and carry the reporting (``paperwork``); setting the scheme up draws on change capacity.

Political support for the scheme starts at the council's endorsement, erodes every year and is
renewed by visible results (the share of units meeting their targets); where it falls below a
floor the scheme decays back towards the old system (stakes, monitoring and discretion shrink).

Source: 000, "Management by Results (MbR) and Commitment Quality Management (CQM)" ("a
specified type and level of performance, in return for specified funding and an agreed level
of autonomy, and related reporting requirements (sanctions and rewards may also be
prescribed)"; guidelines 4-9), "The purchaser's evaluation according to CQM" ("Cost effective
measurement - balancing the utility of information against its production costs. Ensuring
accuracy"), and the phases of reform ("effective political mobilization of political support is
essential. Otherwise the MbR initiatives will be absorbed by the pressure of rule-driven
administration and one will witness a slow return to the old system").
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
    ratchet: bool = param(True, "Next year's targets are set on this year's measured results "
                                "(false: on the first year's measurement throughout)",
                          source="000 ('yearly measured improvement'); Weitzman 1980")
    feedback_benchmark: float = param(0.5, "How well customer feedback lets a manager see the "
                                           "unit's gap to peers (times measurement accuracy)",
                                      ge=0, le=1, source="000 MbR guideline 9; estimated")
    setup_load: float = param(0.4, "Change load on a unit while the scheme is being set up",
                              ge=0, le=2, source="000 ('Significant management reforms take "
                                                 "time'); estimated")
    running_share: float = param(0.5, "Change load of the yearly cycle once set up, as a share of "
                                      "the set-up load", ge=0, le=1,
                                 source="000 (CQM steps 5-7: follow-up, evaluation, development "
                                        "every year); estimated")
    erosion: float = param(0.08, "Yearly loss of political support without results", ge=0,
                           le=0.5, unit="per year", source="000 (political mobilisation is "
                                                           "essential); estimated")
    mobilisation: float = param(0.3, "Political support gained per share of units meeting their "
                                     "targets above one half", ge=0, le=2,
                                source="000; estimated")
    support_floor: float = param(0.35, "Political support below which the scheme decays", ge=0,
                                 le=1, source="000 ('a slow return to the old system'); estimated")
    return_speed: float = param(0.3, "Yearly share of the scheme lost while support is below the "
                                     "floor", ge=0, le=1, unit="per year",
                                source="000 ('a slow return'); estimated")
    reporting_paperwork: float = param(0.03, "Extra share of working time on reporting", ge=0,
                                       le=0.5, unit="share of time",
                                       source="000 ('related reporting requirements'); estimated")


class Commitments(Mechanism):
    """Yearly commitment cycle: agree, measure, reward or sanction; political support."""

    name = "commitments"
    Params = CommitmentsParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        u, m = model.units_state, model.municipalities_state
        n = len(u)
        self.rng = model.stream("commitments")
        self.muni_member = self.rng.random(len(m)) < self.p.municipality_share
        self.autonomy = LeverShare(u.autonomy)
        self.empowerment = LeverShare(u.empowerment)
        self.paperwork = LeverShare(u.paperwork)
        self.stakes_quality = LeverShare(u.stakes_quality)
        self.stakes_sick = LeverShare(u.stakes_sick)
        self.ratchet = LeverShare(u.ratchet)
        self.monitoring = LeverShare(u.monitoring)
        self.benchmark = LeverShare(u.benchmark)
        self.change_load = LeverShare(u.change_load)
        self.price = np.ones(n)               # this reform's factor on units' price_factor
        self.information = ScalarShare(model, "information")
        self._sums = np.zeros((5, n))         # indicator quality, cost, clients, days lost, staff
        self.targets: np.ndarray | None = None
        self.met = np.zeros(n, dtype=np.int8)  # targets met at the last evaluation (0-3)
        self.true_met = np.zeros(n, dtype=np.int8)  # ... had they been measured exactly
        self.true: np.ndarray | None = None    # last year's true quality, cost, sick leave
        self.support = m.endorsement.astype(np.float64).copy()  # political support per municipality
        self.strength = np.ones(len(m))       # how much of the scheme is still in force

    def committed(self, model: ReformModel) -> np.ndarray:
        u = model.units_state
        return self.muni_member[u.muni] & u.active & ~u.private

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
        if model.month > 0:  # last month's production, as the indicators see it
            self._sums += ((u.quality + u.indicator_bias) * u.clients, u.cost_month, u.clients,
                           model.unit_days_lost, u.staff)
        in_scheme = self.committed(model) * self.strength[u.muni]
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
                self._political_support(model, in_scheme)
            if self.targets is None or self.p.ratchet:
                self.targets = self._set_targets(measured)
        self._sums[:] = 0
        self._delegate(model, in_scheme, year)

    def measure(self, model: ReformModel) -> np.ndarray:
        """Last year's quality indicator, cost per client and sick leave per unit, as measured
        (noisy); ``self.true`` keeps them measured exactly, ``self.true_quality`` the quality
        behind the indicator (without the manager's over-weighting of what is measured and
        gaming)."""
        from sim.mechanisms.budget import WORKDAYS_PER_MONTH

        q, cost, clients, days, staff = self._sums
        indicator = np.stack([np.divide(q, clients, out=np.zeros_like(q), where=clients > 0),
                              np.divide(12 * cost, clients, out=np.zeros_like(q), where=clients > 0),
                              100 * np.divide(days, staff * WORKDAYS_PER_MONTH, out=np.zeros_like(q),
                                              where=staff > 0)])
        u = model.units_state
        spread = _sector_spread(indicator, u.sector, u.active & (clients > 0))
        error = 2 * (1 - self.p.measurement_accuracy)  # in units of the spread between units
        noise = self.rng.normal(0, 1, indicator.shape) * error * spread[:, u.sector]
        self.true = indicator.copy()   # measured exactly (the indicator, bias included)
        self.true_quality = indicator[0] - u.indicator_bias   # this month's bias ~ the year's
        observed = np.maximum(indicator + noise, 0)
        observed[0] = np.minimum(observed[0], 100)
        return observed

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
        step = step * self.strength[u.muni]
        new = np.clip(self.price * (1 + step * in_scheme), 1 - p.max_adjustment,
                      1 + p.max_adjustment)
        u.price_factor *= new / self.price
        self.price = new

    def _political_support(self, model: ReformModel, in_scheme: np.ndarray) -> None:
        """Support erodes and is renewed by results; below the floor the scheme decays."""
        p, u, m = self.p, model.units_state, model.municipalities_state
        units = np.bincount(u.muni, weights=in_scheme, minlength=len(m))
        meeting = np.bincount(u.muni, weights=in_scheme * (self.met >= 2), minlength=len(m))
        share = np.divide(meeting, units, out=np.full(len(m), 0.5), where=units > 0)
        self.support = np.clip(self.support - p.erosion + p.mobilisation * (share - 0.5), 0, 1)
        below = self.muni_member & (self.support < p.support_floor)
        self.strength = np.where(below, self.strength * (1 - p.return_speed), self.strength)

    def _delegate(self, model: ReformModel, in_scheme: np.ndarray, year: int) -> None:
        """The commitment's side of the bargain as the manager faces it."""
        p, u = self.p, model.units_state
        force = in_scheme * self.strength[u.muni]
        phase = min(1.0, (year + 1) / p.phase_in_years)
        others = u.autonomy - self.autonomy.mine
        self.autonomy.set(force * (p.autonomy - others) * phase)
        self.empowerment.set(force * p.involvement)
        self.paperwork.set(force * p.reporting_paperwork)
        measuring = force * (year >= 1)   # stakes from the first evaluation on
        self.stakes_quality.set(measuring * p.reward)
        self.stakes_sick.set(measuring * p.reward)
        self.ratchet.set(measuring * p.ratchet)
        self.monitoring.set(force * p.measurement_accuracy)
        self.benchmark.set(force * p.feedback * p.feedback_benchmark * p.measurement_accuracy)
        running = p.setup_load * (1.0 if year < p.phase_in_years else p.running_share)
        self.change_load.set(force * running)
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
