"""Employee empowerment: the Model Municipality Methodology (brief, mechanism 3).

In a model municipality the parties (politicians, administration and unions) run a programme
that involves the employees of its public units. Involvement raises the units' ``empowerment``
towards a level proportional to the programme's intensity, and the health
model turns empowerment into job control, support and competence (so less sick leave and
turnover, and better quality through motivation and competence; no shortcut here). Employees
generate ideas at a rate set by empowerment and their motivation; development advisers turn
ideas into experiments; an experiment either fails or becomes institutionalised practice (a
``units.practices`` bit), with a chance set by the Real Needs Model: a felt need (a quality
gap), competence, ownership (empowerment, stronger under multi-party collaboration) and
management; a practice that came through is kept only if the unit's manager judges that it
works there (``management.judge``: practices differ in value and fit). Experiments beyond what
a unit can carry overload it (``units.change_load``, added to the load of every other reform:
overload raises demands, spoils the judgement of new practices and lowers an experiment's chance
of success: an overloaded unit implements less well). Enthusiasm fades without visible results and returns with them. The model period
normally lasts three years; afterwards the advisers return to their jobs and involvement goes
on at a reduced level. The programme (project manager, advisers, employees' time) costs money.

Source: 002, IMTEC "Model Municipality Methodology": "Multi-party collaboration",
"Involvement of employees", "Development advice", "Local mobilisation" (the ten empowerment
factors: "Reduction in absence due to illness and turnover ... Better service quality"; "Idea
development"; the "Real Needs Model"), "Process and results" (enthusiasm that declines;
"overloaded"), "Experimental and development work" (implementation vs institutionalisation;
"Prevent overload ... some good ideas may have to wait"), "Framework conditions" (project
manager and advisers released from their positions; a period of normally three years).
Effect sizes: docs/sources.md §8 and the health model (low job control, OR ~1.28).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, change_overload, institutionalise, unit_mean
from sim.params import Params, param
from sim.state import ABSENCE_LONG

if TYPE_CHECKING:
    from sim.model import ReformModel


class EmpowermentParams(Params):
    """Model Municipality Methodology: involvement, ideas, advisers, experiments, overload."""

    enabled: bool = param(False, "Switch the empowerment programme on", source="scenario switch")
    municipality_share: float = param(1.0, "Share of municipalities that are model municipalities",
                                      ge=0, le=1, source="scenario lever (002: a handful of "
                                                         "model municipalities since 1997)")
    unit_share: float = param(0.8, "Share of a model municipality's public units that take part",
                              ge=0, le=1, source="002 (a period 'in principle encompassed all "
                                                 "the business areas'); estimated")
    intensity: float = param(0.6, "Intensity of involvement: how much of the ten empowerment "
                                  "factors the programme puts in place", ge=0, le=1,
                             source="002 'Local mobilisation'; scenario lever")
    empowerment_ceiling: float = param(0.3, "Empowerment a unit reaches at full intensity and full "
                                            "enthusiasm (share of the ten empowerment factors in "
                                            "place)", ge=0.1, le=0.6,
                                       source="002 'Local mobilisation' (the ten empowerment "
                                              "factors; 'the small steps approach'): about three "
                                              "of ten in a three-year period; set a priori, not "
                                              "fitted to an outcome")
    build_up: float = param(0.08, "Monthly approach of empowerment to its target", ge=0, le=1,
                            unit="per month", source="estimated (things 'have taken time', 002)")
    idea_rate: float = param(0.03, "Ideas per employee at work per month, at empowerment 1 and "
                                   "motivation 1", ge=0, le=1, unit="ideas/employee-month",
                             source="estimated")
    idea_lifetime: float = param(6.0, "Mean months an idea waits before it is dropped", ge=0.5,
                                 le=120, unit="months", source="estimated")
    base_conversion: float = param(0.03, "Monthly chance that a waiting idea becomes an "
                                         "experiment without advisers", ge=0, le=1,
                                   unit="per month", source="002 ('We needed help to get "
                                                            "started'); estimated")
    units_per_adviser: float = param(10.0, "Participating units per development adviser (0 = no "
                                           "advisers)", ge=0, le=1000, unit="units/adviser",
                                     source="002 'Development advice': a team of advisers in "
                                            "every model municipality; estimated")
    adviser_capacity: float = param(0.6, "Experiments an adviser can start and accompany per month",
                                    ge=0, le=10, unit="experiments/adviser-month",
                                    source="estimated")
    experiment_months: float = param(12.0, "Mean duration of an experiment (trial and error)",
                                     ge=1, le=60, unit="months",
                                     source="002 ('allow time for implementation'); estimated")
    success: float = param(0.4, "Chance that an experiment is institutionalised at average "
                                "readiness", ge=0, le=1,
                           source="002 (implementation vs institutionalisation); estimated")
    readiness_effect: float = param(0.6, "Change in the success chance per unit of readiness "
                                         "above 0.5 (Real Needs Model)", ge=0, le=2,
                                    source="002 'Real Needs Model' (Dalin 1987); estimated")
    adviser_success: float = param(0.1, "Extra success chance where advisers accompany "
                                        "experiments", ge=0, le=1,
                                   source="002 ('help for self-help'); estimated")
    collaboration: float = param(1.0, "Strength of multi-party collaboration (politicians, "
                                      "administration, unions as equals)", ge=0, le=1,
                                 source="002 'Multi-party collaboration'; scenario lever")
    carry_per_staff: float = param(0.05, "Concurrent experiments a unit can carry per employee, "
                                         "at average change capacity", ge=0.001, le=1,
                                   unit="experiments/employee", source="estimated")
    max_load: float = param(1.5, "Units start no new experiment beyond this multiple of what "
                                 "they can carry ('some good ideas may have to wait')", ge=0,
                            le=100, source="002 'Prevent overload'; estimated")
    overload_success: float = param(0.2, "Fall in an experiment's success chance per unit of "
                                         "change load (all reforms and trials) above what the "
                                         "unit can carry", ge=0, le=1,
                                    source="002 'Prevent overload' ('Too many initiatives "
                                           "without any real opportunity to execute them'; 'the "
                                           "ability to assign priority and execute'); estimated")
    change_effort: float = param(0.1, "Change load per experiment, as a share of what the unit "
                                      "can carry, even without overload", ge=0, le=1,
                                 source="002 ('strenuous periods cannot be avoided'); estimated")
    fade_months: float = param(24.0, "Months for enthusiasm to fall to 1/e without visible results",
                               ge=1, le=600, unit="months",
                               source="002 'Process and results'; estimated")
    result_boost: float = param(0.25, "Enthusiasm regained per institutionalised practice",
                                ge=0, le=1, source="002 ('a tailwind'); estimated")
    fade_weight: float = param(0.5, "Share of empowerment lost when enthusiasm is gone", ge=0,
                               le=1, source="estimated")
    period_years: int = param(3, "Length of the model municipality period", ge=1, le=50,
                              unit="years", source="002 ('A model municipality period has "
                                                   "normally been three years')")
    continued_share: float = param(0.5, "Share of the involvement that goes on after the period",
                                   ge=0, le=1, source="002 'MMM results' (understanding of MMM "
                                                      "remains); estimated")
    project_manager_nok: float = param(900_000, "Cost of the project manager per model "
                                                "municipality, during the period", ge=0,
                                       unit="NOK/year", source="002 (full-time project manager); "
                                                               "KS wage statistics")
    adviser_nok: float = param(850_000, "Cost of a development adviser released from their "
                                        "position, during the period", ge=0, unit="NOK/year",
                               source="KS 2023 wages incl. social costs; estimated")
    involvement_nok: float = param(2_500, "Cost of employees' time in dialogue and idea work, per "
                                          "participating employee", ge=0,
                                   unit="NOK/employee-year",
                                   source="estimated (about five paid hours a year)")


class Empowerment(Mechanism):
    """Involvement, ideas, experiments, institutionalised practice, overload and fading."""

    name = "empowerment"
    Params = EmpowermentParams
    reform = True

    def setup(self, model: ReformModel) -> None:
        p, u = self.p, model.units_state
        n_m = len(model.municipalities_state)
        self.rng = model.stream("empowerment")
        self.muni_member = self.rng.random(n_m) < p.municipality_share
        self.member = self.muni_member[u.muni] & (self.rng.random(len(u)) < p.unit_share)
        self.ideas = np.zeros(len(u), dtype=np.int64)
        self.experiments = np.zeros(len(u), dtype=np.int64)
        self.enthusiasm = np.where(self.member, 1.0, 0.0)
        self.institutionalised = np.zeros(len(u), dtype=np.int64)
        self.empowerment = LeverShare(u.empowerment)
        self.change_load = LeverShare(u.change_load)

    def yearly(self, model: ReformModel) -> None:
        e = model.employees_state
        self._competence = unit_mean(e.competence, e.unit, e.active, len(model.units_state), 0.6)

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
        taking_part = self.member & u.active & ~u.private
        in_period = model.month < self.p.period_years * 12
        self._involve(u, taking_part, in_period)
        self._generate_ideas(model, taking_part)
        advisers = self._advisers(model, taking_part) if in_period else \
            np.zeros(len(model.municipalities_state))
        self._start_experiments(model, taking_part, advisers)
        self._end_experiments(model, advisers)
        self._load(model, taking_part)
        self._cost(model, taking_part, advisers, in_period)

    def target_empowerment(self, intensity: float) -> float:
        """Empowerment reached at a given intensity and full enthusiasm (proportional: any
        diminishing return comes from the ideas, experiments and change load that more
        involvement brings, not from this formula)."""
        return self.p.empowerment_ceiling * intensity

    def _involve(self, u, taking_part: np.ndarray, in_period: bool) -> None:
        p = self.p
        self.enthusiasm *= np.exp(-1.0 / (p.fade_months * (1 + p.collaboration)))
        intensity = p.intensity * (1.0 if in_period else p.continued_share)
        faded = 1 - p.fade_weight * (1 - self.enthusiasm)
        target = np.where(taking_part, self.target_empowerment(intensity) * faded, 0.0)
        mine = self.empowerment.mine
        self.empowerment.set(mine + p.build_up * (target - mine))

    def _generate_ideas(self, model: ReformModel, taking_part: np.ndarray) -> None:
        e, u = model.employees_state, model.units_state
        at_work = e.active & (e.absence != ABSENCE_LONG)
        # the sum of motivation over staff at work = their mean motivation times their number
        motivation = np.bincount(e.unit, weights=e.motivation * at_work, minlength=len(u))
        rate = self.p.idea_rate * u.empowerment * motivation
        new = self.rng.poisson(np.where(taking_part, np.maximum(rate, 0), 0.0))
        dropped = self.rng.binomial(self.ideas, 1 - np.exp(-1 / self.p.idea_lifetime))
        self.ideas += new - dropped
        self.ideas[~taking_part] = 0

    def _advisers(self, model: ReformModel, taking_part: np.ndarray) -> np.ndarray:
        """Development advisers per municipality (fractional: part-time advisers)."""
        if self.p.units_per_adviser <= 0:
            return np.zeros(len(model.municipalities_state))
        units = np.bincount(model.units_state.muni, weights=taking_part,
                            minlength=len(model.municipalities_state))
        return units / self.p.units_per_adviser

    def capacity(self, model: ReformModel) -> np.ndarray:
        """Concurrent experiments each unit can carry (staff and the municipality's change capacity)."""
        u, m = model.units_state, model.municipalities_state
        return np.maximum(self.p.carry_per_staff * u.staff, 0.5) * (0.5 + m.change_capacity[u.muni])

    def _start_experiments(self, model: ReformModel, taking_part: np.ndarray,
                           advisers: np.ndarray) -> None:
        """Advisers' capacity is shared by the ideas waiting in their municipality."""
        u, m = model.units_state, model.municipalities_state
        waiting = np.bincount(u.muni, weights=self.ideas, minlength=len(m))
        adviser_share = np.divide(advisers * self.p.adviser_capacity, waiting,
                                  out=np.zeros(len(m)), where=waiting > 0)
        chance = np.clip(self.p.base_conversion + adviser_share, 0, 1)[u.muni]
        room = self.p.max_load * self.capacity(model) > self.experiments
        starts = self.rng.binomial(self.ideas, np.where(taking_part & room, chance, 0.0))
        self.ideas -= starts
        self.experiments += starts

    def readiness(self, model: ReformModel) -> np.ndarray:
        """Real Needs Model, per unit (0-1): felt need, competence, ownership, management."""
        u = model.units_state
        competence = self._competence
        need = np.clip((90 - u.quality) / 30, 0, 1)
        ceiling = max(self.p.empowerment_ceiling, 1e-9)
        ownership = np.clip(u.empowerment / ceiling, 0, 1) * (0.5 + 0.5 * self.p.collaboration)
        return (need + competence + ownership + u.mgmt_support) / 4

    def _end_experiments(self, model: ReformModel, advisers: np.ndarray) -> None:
        u, p = model.units_state, self.p
        ends = self.rng.binomial(self.experiments, 1 / p.experiment_months)
        assisted = (advisers > 0)[u.muni]
        chance = (p.success + p.readiness_effect * (self.readiness(model) - 0.5)
                  + p.adviser_success * assisted - p.overload_success * change_overload(model))
        wins = self.rng.binomial(ends, np.clip(chance, 0.02, 0.98))
        self.experiments -= ends
        manager = model.mechanism("management")
        for round_ in range(int(wins.max(initial=0))):
            before = u.practices.copy()
            adopted = institutionalise(u.practices, np.flatnonzero(wins > round_), self.rng,
                                       candidates=~manager.rejected[np.flatnonzero(wins > round_)])
            if len(adopted) == 0:
                continue
            practice = (u.practices[adopted] & ~before[adopted]).argmax(axis=1)
            works = manager.judge(model, adopted, practice, self.rng)   # kept if it seems to help
            u.practices[adopted[~works], practice[~works]] = False
            manager.rejected[adopted[~works], practice[~works]] = True
            adopted = adopted[works]
            self.institutionalised[adopted] += 1
            self.enthusiasm[adopted] = np.minimum(1.0, self.enthusiasm[adopted] + p.result_boost)

    def _load(self, model: ReformModel, taking_part: np.ndarray) -> None:
        ratio = self.experiments / self.capacity(model)
        load = self.p.change_effort * ratio + np.maximum(ratio - 1, 0)
        self.change_load.set(np.where(taking_part | (self.experiments > 0), load, 0.0))

    def _cost(self, model: ReformModel, taking_part: np.ndarray, advisers: np.ndarray,
              in_period: bool) -> None:
        p, u, m = self.p, model.units_state, model.municipalities_state
        staff = np.bincount(u.muni, weights=u.staff * taking_part, minlength=len(m))
        yearly = staff * p.involvement_nok
        if in_period:
            active_munis = np.bincount(u.muni, weights=taking_part, minlength=len(m)) > 0
            yearly = yearly + active_munis * p.project_manager_nok + advisers * p.adviser_nok
        m.reform_cost_month += yearly / 12


MECHANISM = Empowerment
