"""Employee health on the demand-control-support model (brief, mechanism 2).

Every month each employee's job demands, job control and social support are set from their
unit's situation: workload (clients per present colleague against the norm) and colleagues'
absence raise demands, as do paperwork, concurrent changes and job insecurity; autonomy,
empowerment and competence raise control; management support raises support, colleagues'
absence lowers it. Strain (demands not matched by control and support, 0 for the reference job)
multiplies the hazards of short and long sickness-absence spells and of leaving, and lowers the
chance of recovering from a long spell. Motivation follows strain, control and support;
competence grows with time in the job and training. A long spell that reaches 12 months ends
employment (sickness benefit runs out), and the slot becomes a vacancy.

Sources: Karasek & Theorell 1990; Johnson & Hall 1988 (the model); Duijts et al. 2007 (low
control: odds ratio 1.28 for sickness absence) and Head et al. 2006 (rate ratio 1.23) for the
size of the control effect; 002 ("the ten empowerment factors ... less sick leave"); calibration
of the base hazards to the official sick-leave statistics in docs/sources.md §1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import Mechanism
from sim.mechanisms.budget import WORKDAYS_PER_MONTH
from sim.params import Params, SectorShare, param, per_sector
from sim.state import ABSENCE_LONG, ABSENCE_NONE

if TYPE_CHECKING:
    from sim.model import ReformModel


class HealthParams(Params):
    """Demand-control-support, sickness absence and turnover."""

    short_hazard: SectorShare = per_sector(0.125, 0.124, 0.122, 0.0927, "Monthly chance of a short "
                                      "absence spell at reference strain", unit="per month",
                                      ge=0, le=1, source="calibrated to docs/sources.md §1")
    long_hazard: SectorShare = per_sector(0.0394, 0.0389, 0.0372, 0.0261, "Monthly chance of a long "
                                     "(over 16 days) spell at reference strain", unit="per month",
                                     ge=0, le=1, source="calibrated to docs/sources.md §1")
    short_spell_days: float = param(4.0, "Mean days lost per short spell", ge=1, le=16,
                                    unit="working days", source="estimated (NAV: self-certified "
                                                                "spells 1-3 days, short "
                                                                "doctor-certified ~8)")
    recovery: float = param(0.33, "Monthly chance that a long spell ends, at reference strain",
                            ge=0.01, le=1, unit="per month",
                            source="estimated (mean long spell ~3 months)")
    long_spell_degree: float = param(0.85, "Average degree of a long spell (graded sick leave)",
                                     ge=0.1, le=1, source="estimated (about a quarter of spells "
                                                          "are graded)")
    max_spell_months: int = param(12, "Months of sickness benefit before employment ends",
                                  ge=1, le=36, unit="months", source="Folketrygdloven §8-12")
    turnover: SectorShare = per_sector(0.013, 0.015, 0.010, 0.007, "Monthly chance of leaving the job "
                                  "at reference strain", unit="per month", ge=0, le=1,
                                  source="KS 2021: 21.9 %/year in municipal care incl. internal "
                                         "moves; estimated 15-18 % care, 12 % kindergartens, "
                                         "8 % schools")
    reference_absence: float = param(0.09, "Share of colleagues absent that staffing norms already "
                                           "allow for (the reference job)", ge=0, le=0.5,
                                     source="docs/sources.md §1 (municipal sick leave ~9-10 %)")
    workload_demands: float = param(0.4, "Rise in demands per unit of excess workload "
                                         "(needed/present staff - 1)", ge=0, le=5,
                                    source="estimated")
    absence_demands: float = param(0.3, "Rise in demands per share of colleagues absent", ge=0,
                                   le=5, source="estimated (colleagues' absence adds work)")
    paperwork_demands: float = param(0.4, "Rise in demands per share of time on paperwork above "
                                          "15 %", ge=0, le=5, source="estimated; 003 deregulation")
    change_demands: float = param(0.25, "Rise in demands per unit of change overload", ge=0,
                                  le=5, source="002 (too many changes at once overload)")
    insecurity_demands: float = param(0.2, "Rise in demands per unit of job insecurity", ge=0,
                                      le=5, source="000 (staff transfer on tendering); estimated")
    autonomy_control: float = param(0.5, "Rise in control per unit of unit autonomy above 0.3",
                                    ge=0, le=5, source="000 (delegated authority); estimated")
    empowerment_control: float = param(0.4, "Rise in control per unit of empowerment", ge=0,
                                       le=5, source="002 (ten empowerment factors)")
    competence_control: float = param(0.3, "Rise in control per unit of competence above 0.6",
                                      ge=0, le=5, source="Karasek: skill discretion")
    management_support: float = param(0.4, "Rise in support per unit of management support "
                                           "above 0.5", ge=0, le=5, source="Johnson & Hall 1988")
    empowerment_support: float = param(0.2, "Rise in support per unit of empowerment", ge=0,
                                       le=5, source="002 (collegial ownership)")
    control_weight: float = param(0.6, "How much control above reference offsets demands", ge=0,
                                  le=3, source="calibrated: low control (-0.2) gives a long-spell "
                                               "rate ratio ~1.3 (Duijts 2007; Head 2006)")
    support_weight: float = param(0.4, "How much support above reference offsets demands", ge=0,
                                  le=3, source="Head et al. 2006: support RR 0.79")
    strain_short: float = param(2.0, "Log hazard of short spells per unit of strain", ge=0, le=20,
                                source="estimated")
    strain_long: float = param(3.0, "Log hazard of long spells per unit of strain", ge=0, le=20,
                               source="estimated (low control, -0.2: long-spell RR ~1.4; Duijts 2007 OR 1.28)")
    strain_recovery: float = param(2.0, "Log drop of recovery per unit of strain", ge=0, le=20,
                                   source="estimated")
    strain_turnover: float = param(2.5, "Log hazard of leaving per unit of strain", ge=0, le=20,
                                   source="estimated")
    learning: float = param(0.006, "Monthly competence growth towards 1", ge=0, le=0.2,
                            unit="per month", source="estimated")
    motivation_speed: float = param(0.08, "Monthly adjustment of motivation to its target",
                                    ge=0, le=1, unit="per month", source="estimated")


@dataclass
class _Job:
    """One month's job conditions of the staff, one row per occupied slot (``staff``)."""

    unit: np.ndarray
    competence: np.ndarray
    demands: np.ndarray
    control: np.ndarray
    support: np.ndarray
    strain: np.ndarray


class Health(Mechanism):
    """Demands, control, support and strain; absence spells, recovery, turnover."""

    name = "health"
    Params = HealthParams

    def setup(self, model: ReformModel) -> None:
        self.rng = model.stream("health")
        e, u = model.employees_state, model.units_state
        self._settle_initial_absence(e, u)

    def _settle_initial_absence(self, e, u) -> None:
        """Start at the stationary share of long spells, not with everyone at work."""
        h = self.p.long_hazard.array()[u.sector[e.unit]]
        prevalence = h / (h + self.p.recovery)
        on_leave = e.active & (self.rng.random(len(e)) < prevalence)
        e.absence[on_leave] = ABSENCE_LONG
        e.absence_months[on_leave] = self.rng.integers(0, 4, on_leave.sum())

    def monthly(self, model: ReformModel) -> None:
        # Only occupied slots are updated: a vacant slot's values mean nothing and are set
        # afresh when someone is hired into it (docs/performance.md).
        e, u = model.employees_state, model.units_state
        staff = np.flatnonzero(e.active)
        job = self._job_conditions(model, staff)
        self._absence(e, u, staff, job)
        self._leavers(model, staff, job)
        self._motivation_and_competence(e, u, staff, job)

    def job_conditions(self, model: ReformModel) -> None:
        """Demands, control, support and strain of every employee from their unit's state."""
        self._job_conditions(model, np.flatnonzero(model.employees_state.active))

    def _job_conditions(self, model: ReformModel, staff: np.ndarray) -> _Job:
        p, e, u = self.p, model.employees_state, model.units_state
        k = e.unit[staff].astype(np.intp)  # an index used many times: convert once
        practice_demand = model.practice_effect("demand")
        demands = (0.5 + p.workload_demands * (u.workload - 1) + p.absence_demands * (u.absence_share - p.reference_absence)
                   + p.paperwork_demands * (u.paperwork - 0.15) + p.change_demands * u.change_load
                   + p.insecurity_demands * u.insecurity + practice_demand)
        control = (0.5 + p.autonomy_control * (u.autonomy - 0.3)
                   + p.empowerment_control * u.empowerment)
        support = (0.6 + p.management_support * (u.mgmt_support - 0.5)
                   + p.empowerment_support * u.empowerment - p.absence_demands * 0.5 * (u.absence_share - p.reference_absence))
        competence = e.competence[staff]
        demands = np.clip(demands[k] + e.trait[staff], 0, 1).astype(np.float32)
        control = np.clip(control[k] + p.competence_control * (competence - 0.6), 0, 1)
        support = np.clip(support, 0, 1)[k]
        strain = ((demands - 0.5) - p.control_weight * (control - 0.5)
                  - p.support_weight * (support - 0.6))
        job = _Job(k, competence, demands, control, support, strain)
        e.demands[staff], e.control[staff] = job.demands, job.control
        e.support[staff], e.strain[staff] = job.support, job.strain
        return job

    def _absence(self, e, u, staff: np.ndarray, job: _Job) -> None:
        # Hazards and random numbers only for occupied slots, and hazards only where they can
        # act (people at work; people on a long spell).
        p, rng = self.p, self.rng
        absence = e.absence[staff]
        at_work = absence == ABSENCE_NONE
        slots, s = staff[at_work], job.strain[at_work]
        unit, frailty = job.unit[at_work], e.frailty[slots]
        h_long = p.long_hazard.array()[u.sector][unit] * frailty * np.exp(p.strain_long * s)
        h_short = p.short_hazard.array()[u.sector][unit] * frailty * np.exp(p.strain_short * s)
        draw = rng.random(len(staff))[at_work]
        long_spell = draw < h_long
        start_long = slots[long_spell]
        start_short = slots[~long_spell & (draw < h_long + h_short)]
        on_long = absence == ABSENCE_LONG   # vacant slots are never on leave (model.release)
        slots = staff[on_long]
        draw = rng.random(len(staff))[on_long]
        recover = slots[draw < p.recovery * np.exp(-p.strain_recovery * job.strain[on_long])]
        e.short_days[:] = 0
        days = 1 + rng.poisson(p.short_spell_days - 1, len(start_short))
        e.short_days[start_short] = np.minimum(days, WORKDAYS_PER_MONTH)
        e.absence[recover] = ABSENCE_NONE
        e.absence_months[recover] = 0
        e.absence[start_long] = ABSENCE_LONG
        e.absence_months += e.absence == ABSENCE_LONG

    def _leavers(self, model: ReformModel, staff: np.ndarray, job: _Job) -> None:
        p, e, u = self.p, model.employees_state, model.units_state
        leaving = e.absence_months[staff] > p.max_spell_months   # sickness benefit exhausted
        staying = np.flatnonzero(~leaving)
        h = (p.turnover.array()[u.sector][job.unit[staying]]
             * np.exp(p.strain_turnover * job.strain[staying]))
        leaving[staying[self.rng.random(len(staff))[staying] < h]] = True
        model.release(staff[leaving], reason="turnover")

    def _motivation_and_competence(self, e, u, staff: np.ndarray, job: _Job) -> None:
        p, k = self.p, job.unit
        target = (0.7 + 0.3 * (job.control - 0.5) + 0.2 * (job.support - 0.6) - 0.5 * job.strain
                  + (0.1 * u.empowerment)[k])
        motivation = e.motivation[staff]
        motivation += p.motivation_speed * (np.clip(target, 0, 1) - motivation)
        e.motivation[staff] = motivation
        growth = (p.learning * (1 + 2 * u.training + u.empowerment))[k]
        job.competence += growth * (1 - job.competence)
        e.competence[staff] = job.competence
        e.tenure += e.active

    def absence_days(self, model: ReformModel) -> np.ndarray:
        """Working days lost this month by each employee slot."""
        e = model.employees_state
        long_days = (e.absence == ABSENCE_LONG) * (WORKDAYS_PER_MONTH * self.p.long_spell_degree)
        return np.where(e.active, e.short_days + long_days, 0.0)

    def unit_absence_days(self, model: ReformModel) -> np.ndarray:
        """Working days lost this month per unit: ``absence_days`` summed over its slots
        (the same sums, taken over the absent only)."""
        e = model.employees_state
        on_long = e.absence == ABSENCE_LONG
        absent = np.flatnonzero(e.active & (on_long | (e.short_days > 0)))
        days = e.short_days[absent] + on_long[absent] * (WORKDAYS_PER_MONTH * self.p.long_spell_degree)
        return np.bincount(e.unit[absent], weights=days, minlength=len(model.units_state))


MECHANISM = Health
