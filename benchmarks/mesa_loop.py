"""The employee-health rule written the idiomatic Mesa way, to compare with reformsim's arrays.

Every employee is a ``mesa.Agent`` whose ``step`` applies, to itself alone, the rule of
``sim.mechanisms.health`` (demand-control-support, then short and long sickness spells,
recovery, leaving, motivation and competence): the model's step is
``employees.shuffle_do("step")``, one Python call per employee per month. Units are Mesa agents
too; each month every unit first turns its situation into the job demands, control and support
its staff face (``units.do("set_job_conditions")``).

The population is copied from a ``ReformModel`` (its active employees and their units), so the
two implementations start from the same people and the same parameters. ``benchmarks/run.py``
times this model's step against ``Health.monthly`` on that ReformModel.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.mechanisms.budget import WORKDAYS_PER_MONTH
from sim.mechanisms.health import HealthParams
from sim.model import ReformModel
from sim.state import ABSENCE_LONG, ABSENCE_NONE

NONE, LONG = int(ABSENCE_NONE), int(ABSENCE_LONG)


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


class WorkUnit(mesa.Agent):
    """A service unit: its situation this month and the sector's base hazards."""

    def __init__(self, model: HealthLoopModel, situation: dict[str, float]) -> None:
        super().__init__(model)
        for name, value in situation.items():
            setattr(self, name, value)

    def set_job_conditions(self) -> None:
        """The demands, control and support that this unit's situation gives its staff."""
        p = self.model.p
        excess_absence = self.absence_share - p.reference_absence
        self.demands = (0.5 + p.workload_demands * (self.workload - 1)
                        + p.absence_demands * excess_absence
                        + p.paperwork_demands * (self.paperwork - 0.15)
                        + p.change_demands * self.change_load
                        + p.insecurity_demands * self.insecurity + self.practice_demand)
        self.control = (0.5 + p.autonomy_control * (self.autonomy - 0.3)
                         + p.empowerment_control * self.empowerment)
        self.support = (0.6 + p.management_support * (self.mgmt_support - 0.5)
                        + p.empowerment_support * self.empowerment
                        - p.absence_demands * 0.5 * excess_absence)


class Employee(mesa.Agent):
    """One employee, stepping on their own."""

    def __init__(self, model: HealthLoopModel, unit: WorkUnit, person: dict[str, float]) -> None:
        super().__init__(model)
        self.unit = unit
        for name, value in person.items():
            setattr(self, name, value)

    def step(self) -> None:
        self.feel_the_job()
        self.fall_ill_or_recover()
        if self.quits():
            self.remove()
            return
        self.learn()

    def feel_the_job(self) -> None:
        p, u = self.model.p, self.unit
        self.demands = _clip01(u.demands + self.trait)
        self.control = _clip01(u.control + p.competence_control * (self.competence - 0.6))
        self.support = _clip01(u.support)
        self.strain = ((self.demands - 0.5) - p.control_weight * (self.control - 0.5)
                       - p.support_weight * (self.support - 0.6))

    def fall_ill_or_recover(self) -> None:
        p, u = self.model.p, self.unit
        self.short_days = 0.0
        if self.absence == NONE:
            h_long = u.long_hazard * self.frailty * math.exp(p.strain_long * self.strain)
            h_short = u.short_hazard * self.frailty * math.exp(p.strain_short * self.strain)
            draw = self.random.random()
            if draw < h_long:
                self.absence = LONG
            elif draw < h_long + h_short:
                days = 1 + self.model.rng.poisson(p.short_spell_days - 1)
                self.short_days = min(days, WORKDAYS_PER_MONTH)
        elif self.random.random() < p.recovery * math.exp(-p.strain_recovery * self.strain):
            self.absence = NONE
            self.absence_months = 0
        if self.absence == LONG:
            self.absence_months += 1

    def quits(self) -> bool:
        p = self.model.p
        if self.absence_months > p.max_spell_months:
            return True
        hazard = self.unit.turnover * math.exp(p.strain_turnover * self.strain)
        return self.random.random() < hazard

    def learn(self) -> None:
        p, u = self.model.p, self.unit
        target = (0.7 + 0.3 * (self.control - 0.5) + 0.2 * (self.support - 0.6)
                  - 0.5 * self.strain + 0.1 * u.empowerment)
        self.motivation += p.motivation_speed * (_clip01(target) - self.motivation)
        growth = p.learning * (1 + 2 * u.training + u.empowerment)
        self.competence += growth * (1 - self.competence)
        self.tenure += 1


class HealthLoopModel(mesa.Model):
    """The employees and units of a ReformModel, as one Mesa agent each."""

    def __init__(self, source: ReformModel, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.p: HealthParams = source.mechanism("health").p
        self.units = _units_from(self, source)
        self.employees = _employees_from(self, source, self.units)

    def step(self) -> None:
        self.units.do("set_job_conditions")
        self.employees.shuffle_do("step")


def _units_from(model: HealthLoopModel, source: ReformModel) -> mesa.agent.AgentSet:
    u, p = source.units_state, model.p
    practice_demand = source.practice_effect("demand")
    by_index: list[WorkUnit] = []
    for i in range(len(u)):
        s = int(u.sector[i])
        situation = {name: float(getattr(u, name)[i]) for name in (
            "workload", "absence_share", "paperwork", "change_load", "insecurity", "autonomy",
            "empowerment", "mgmt_support", "training")}
        situation.update(practice_demand=float(practice_demand[i]),
                         long_hazard=float(p.long_hazard.array()[s]),
                         short_hazard=float(p.short_hazard.array()[s]),
                         turnover=float(p.turnover.array()[s]))
        by_index.append(WorkUnit(model, situation))
    model.unit_list = by_index
    return mesa.agent.AgentSet(by_index, random=model.random)


def _employees_from(model: HealthLoopModel, source: ReformModel,
                    units: mesa.agent.AgentSet) -> mesa.agent.AgentSet:
    e = source.employees_state
    slots = np.flatnonzero(e.active)
    columns = {name: getattr(e, name)[slots].tolist() for name in (
        "competence", "motivation", "frailty", "trait", "tenure", "absence", "absence_months")}
    unit_of = e.unit[slots].tolist()
    people = []
    for j, k in enumerate(unit_of):
        person = {name: values[j] for name, values in columns.items()}
        people.append(Employee(model, model.unit_list[k], person))
    return mesa.agent.AgentSet(people, random=model.random)


def long_spell_share(model: HealthLoopModel) -> float:
    """Share of employees on a long spell (to check both implementations agree)."""
    people = list(model.employees)
    return sum(a.absence == LONG for a in people) / max(len(people), 1)


def mean_strain(model: HealthLoopModel) -> float:
    people = list(model.employees)
    return sum(a.strain for a in people) / max(len(people), 1)
