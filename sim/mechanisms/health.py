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

from typing import TYPE_CHECKING

import numba
import numpy as np

from sim.mechanisms import Mechanism
from sim.mechanisms.budget import WORKDAYS_PER_MONTH
from sim.params import Params, SectorShare, param, per_sector
from sim.state import ABSENCE_LONG, ABSENCE_NONE

if TYPE_CHECKING:
    from sim.model import ReformModel


class HealthParams(Params):
    """Demand-control-support, sickness absence and turnover."""

    short_hazard: SectorShare = per_sector(0.121, 0.120, 0.123, 0.0907, "Monthly chance of a short "
                                      "absence spell at reference strain", unit="per month",
                                      ge=0, le=1, source="calibrated to docs/sources.md §1")
    long_hazard: SectorShare = per_sector(0.0382, 0.0377, 0.0375, 0.0256, "Monthly chance of a long "
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
        # One pass of a compiled kernel over the occupied slots (a vacant slot's values mean
        # nothing and are set afresh on hire; docs/performance.md). Unit-level terms are
        # NumPy over units; every random number comes from self.rng, drawn here in a fixed
        # order (one uniform per person for a new spell or recovery, one for leaving, then the
        # days of the short spells started) and passed in.
        p, e, u = self.p, model.employees_state, model.units_state
        n_staff = int(np.count_nonzero(e.active))
        draws = self.rng.random(2 * n_staff)
        sector = u.sector.astype(np.intp)
        motivation_bonus = 0.1 * u.empowerment.astype(np.float64)
        growth = p.learning * (1 + 2 * u.training.astype(np.float64) + u.empowerment)
        short_slots = np.empty(n_staff, dtype=np.int64)
        leaver_slots = np.empty(n_staff, dtype=np.int64)
        n_short, n_leavers = _month_kernel(
            e.active, e.unit, e.trait, e.competence, e.frailty, e.motivation, e.absence,
            e.absence_months, e.tenure, e.demands, e.control, e.support, e.strain,
            *self._unit_terms(model),
            p.long_hazard.array()[sector], p.short_hazard.array()[sector],
            p.turnover.array()[sector], motivation_bonus, growth,
            draws[:n_staff], draws[n_staff:], self._weights(),
            float(p.strain_long), float(p.strain_short), float(p.recovery),
            float(p.strain_recovery), float(p.strain_turnover), int(p.max_spell_months),
            float(p.motivation_speed), short_slots, leaver_slots)
        e.short_days[:] = 0
        days = 1 + self.rng.poisson(p.short_spell_days - 1, n_short)
        e.short_days[short_slots[:n_short]] = np.minimum(days, WORKDAYS_PER_MONTH)
        model.release(leaver_slots[:n_leavers], reason="turnover")

    def job_conditions(self, model: ReformModel) -> None:
        """Demands, control, support and strain of every employee from their unit's state."""
        e = model.employees_state
        _conditions_kernel(e.active, e.unit, e.trait, e.competence, e.demands, e.control,
                           e.support, e.strain, *self._unit_terms(model), self._weights())

    def _weights(self) -> np.ndarray:
        p = self.p
        return np.array([p.competence_control, p.control_weight, p.support_weight], dtype=np.float64)

    def _unit_terms(self, model: ReformModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per unit, in float64: the demands and control its situation gives (before the
        person's trait and competence) and the support (clipped to 0-1)."""
        p, u = self.p, model.units_state
        f64 = np.float64
        excess_absence = u.absence_share.astype(f64) - p.reference_absence
        demands = (0.5 + p.workload_demands * (u.workload.astype(f64) - 1)
                   + p.absence_demands * excess_absence
                   + p.paperwork_demands * (u.paperwork.astype(f64) - 0.15)
                   + p.change_demands * u.change_load.astype(f64)
                   + p.insecurity_demands * u.insecurity.astype(f64)
                   + model.practice_effect("demand"))
        empowerment = u.empowerment.astype(f64)
        control = (0.5 + p.autonomy_control * (u.autonomy.astype(f64) - 0.3)
                   + p.empowerment_control * empowerment)
        support = (0.6 + p.management_support * (u.mgmt_support.astype(f64) - 0.5)
                   + p.empowerment_support * empowerment - p.absence_demands * 0.5 * excess_absence)
        return demands, control, np.clip(support, 0, 1)

    def unit_absence_days(self, model: ReformModel) -> np.ndarray:
        """Working days lost this month per unit: short-spell days plus long spells at their
        average degree, summed over the unit's absent employees."""
        e = model.employees_state
        on_long = e.absence == ABSENCE_LONG
        absent = np.flatnonzero(e.active & (on_long | (e.short_days > 0)))
        days = e.short_days[absent] + on_long[absent] * (WORKDAYS_PER_MONTH * self.p.long_spell_degree)
        return np.bincount(e.unit[absent], weights=days, minlength=len(model.units_state))


# --- the compiled per-employee kernels ----------------------------------------------------------
# Compiled on first use and cached in __pycache__ next to this file (numba ``cache=True``): about
# 0.9 s the first time, about 0.15 s to load in a new process afterwards. Single-threaded and
# without fastmath, so a seed fixes every result bit for bit; the arithmetic is float64 and the
# float32 state is written back rounded. numba is a declared dependency: no fallback.

_NONE, _LONG = int(ABSENCE_NONE), int(ABSENCE_LONG)   # compile-time constants in the kernels

@numba.njit(cache=True, nogil=True, inline="always")
def _job(slot, k, trait, competence, unit_demands, unit_control, unit_support, weights):
    """One person's demands, control, support and strain (float64)."""
    demands = min(max(unit_demands[k] + trait[slot], 0.0), 1.0)
    control = min(max(unit_control[k] + weights[0] * (competence[slot] - 0.6), 0.0), 1.0)
    support = unit_support[k]
    strain = (demands - 0.5) - weights[1] * (control - 0.5) - weights[2] * (support - 0.6)
    return demands, control, support, strain


@numba.njit(cache=True, nogil=True, inline="always")
def _surely_above(draw, a, y, b, z):
    """True if ``draw >= a * exp(y) + b * exp(z)`` (a, b >= 0) is certain without computing exp.

    exp(y) <= 1 / (1 - y) for every y < 1, so when ``draw`` is at least that bound (with a
    margin far above rounding error) the hazard test fails whatever exp returns. Most draws are
    far above the monthly hazards, so most of the ``exp`` calls are skipped; the outcome of every
    test is the same as evaluating it in full (False means: evaluate it in full)."""
    if y >= 0.5 or z >= 0.5:
        return False
    return draw * (1.0 - y) * (1.0 - z) >= (a * (1.0 - z) + b * (1.0 - y)) * (1.0 + 1e-9)


@numba.njit(cache=True, nogil=True)
def _conditions_kernel(active, unit, trait, competence, demands, control, support, strain,
                       unit_demands, unit_control, unit_support, weights):  # pragma: no cover
    for slot in range(len(active)):
        if active[slot]:
            d, c, s, x = _job(slot, unit[slot], trait, competence, unit_demands, unit_control,
                              unit_support, weights)
            demands[slot], control[slot], support[slot], strain[slot] = d, c, s, x


@numba.njit(cache=True, nogil=True)
def _month_kernel(active, unit, trait, competence, frailty, motivation, absence, absence_months,
                  tenure, demands, control, support, strain,
                  unit_demands, unit_control, unit_support, long_hazard, short_hazard,
                  turnover, motivation_bonus, growth, spell_draw, leave_draw, weights,
                  strain_long, strain_short, recovery, strain_recovery, strain_turnover,
                  max_spell_months, motivation_speed, short_slots, leaver_slots):  # pragma: no cover
    """A month of every occupied slot, in slot order (the j-th person uses the j-th draws).

    Writes demands, control, support, strain, absence, absence_months, motivation, competence
    and tenure; puts the slots that start a short spell and the slots whose person leaves into
    ``short_slots`` and ``leaver_slots``, and returns how many of each."""
    n_short = n_leavers = 0
    j = 0
    for slot in range(len(active)):
        if not active[slot]:
            continue
        k = unit[slot]
        d, c, s, x = _job(slot, k, trait, competence, unit_demands, unit_control,
                          unit_support, weights)
        demands[slot], control[slot], support[slot], strain[slot] = d, c, s, x
        # Sickness absence: a new spell for people at work, recovery for people on a long one.
        draw = spell_draw[j]
        months = absence_months[slot]
        if absence[slot] == _NONE:
            base_long, base_short = long_hazard[k] * frailty[slot], short_hazard[k] * frailty[slot]
            y_long, y_short = strain_long * x, strain_short * x
            if not _surely_above(draw, base_long, y_long, base_short, y_short):
                h_long = base_long * np.exp(y_long)
                if draw < h_long:
                    absence[slot] = _LONG
                elif draw < h_long + base_short * np.exp(y_short):
                    short_slots[n_short] = slot
                    n_short += 1
        elif absence[slot] == _LONG:
            y = -strain_recovery * x
            if not _surely_above(draw, recovery, y, 0.0, 0.0) and draw < recovery * np.exp(y):
                absence[slot] = _NONE
                months = 0
        if absence[slot] == _LONG:
            months += 1
        absence_months[slot] = months
        # Leaving: sickness benefit exhausted, or turnover.
        y = strain_turnover * x
        if months > max_spell_months or (not _surely_above(leave_draw[j], turnover[k], y, 0.0, 0.0)
                                         and leave_draw[j] < turnover[k] * np.exp(y)):
            leaver_slots[n_leavers] = slot
            n_leavers += 1
        else:
            tenure[slot] += 1
        # Motivation follows the job; competence grows (from this month's value).
        target = (0.7 + 0.3 * (c - 0.5) + 0.2 * (s - 0.6) - 0.5 * x + motivation_bonus[k])
        m = motivation[slot]
        motivation[slot] = m + motivation_speed * (min(max(target, 0.0), 1.0) - m)
        comp = competence[slot]
        competence[slot] = comp + growth[k] * (1 - comp)
        j += 1
    return n_short, n_leavers


MECHANISM = Health
