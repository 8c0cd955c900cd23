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

from sim import staffing
from sim.mechanisms import Mechanism
from sim.mechanisms.budget import WORKDAYS_PER_MONTH
from sim.mechanisms.shared import change_overload
from sim.params import Params, SectorShare, param, per_sector
from sim.state import ABSENCE_LONG, ABSENCE_NONE

if TYPE_CHECKING:
    from sim.model import ReformModel


class HealthParams(Params):
    """Demand-control-support, sickness absence and turnover."""

    short_hazard: SectorShare = per_sector(0.125, 0.116, 0.132, 0.0877, "Monthly chance of a short "
                                      "absence spell at reference strain, averaged over the year",
                                      unit="per month", ge=0, le=1,
                                      source="the weighted median of the posterior "
                                             "calibration/posterior.parquet (ABC-SMC against "
                                             "docs/sources.md §1; docs/calibration.md)")
    long_hazard: SectorShare = per_sector(0.0423, 0.0418, 0.0422, 0.0272, "Monthly chance of a long "
                                     "(over 16 days) spell at reference strain, averaged over the "
                                     "year", unit="per month",
                                     ge=0, le=1, source="calibrated to docs/sources.md §1")
    short_spell_days: float = param(4.0, "Mean days lost per short spell", ge=2, le=8,
                                    unit="working days", source="estimated (NAV: self-certified "
                                                                "spells 1-3 days, short "
                                                                "doctor-certified ~8)")
    recovery: float = param(0.33, "Monthly chance that a long spell ends, at reference strain",
                            ge=0.25, le=0.45, unit="per month",
                            source="estimated (mean long spell ~3 months; 2.2-4 months over the "
                                   "range); calibrated jointly with the long-spell hazard")
    long_spell_degree: float = param(0.85, "Average degree of a long spell (graded sick leave)",
                                     ge=0.6, le=1, source="estimated (about a quarter of spells "
                                                          "are graded)")
    max_spell_months: int = param(12, "Months of sickness benefit before employment ends",
                                  ge=6, le=18, unit="months", source="Folketrygdloven §8-12")
    turnover: SectorShare = per_sector(0.013, 0.015, 0.010, 0.007, "Monthly chance of leaving the job "
                                  "at reference strain", unit="per month", ge=0, le=1,
                                  source="KS 2021: 21.9 %/year in municipal care incl. internal "
                                         "moves; estimated 15-18 % care, 12 % kindergartens, "
                                         "8 % schools")
    reference_absence: float = param(0.09, "Share of colleagues absent that staffing norms already "
                                           "allow for (the reference job)", ge=0.08, le=0.12,
                                     source="docs/sources.md §1 (municipal sick leave 8.4-11 % "
                                            "over 2001-2023, ~9.5 % in 2017/18)")
    workload_demands: float = param(0.3, "Rise in demands per unit of excess workload "
                                         "(needed/present staff - 1)", ge=0.1, le=0.4,
                                    source="estimated; bounded so that 10 % understaffing raises "
                                           "long spells by at most the high-demands RR 1.17-1.36 "
                                           "of Head et al. 2006 (docs/sources.md §5)")
    absence_demands: float = param(0.3, "Rise in demands per share of colleagues absent (beyond "
                                        "the workload they leave)", ge=0, le=0.3,
                                   source="estimated; bounded so that the loop colleagues' "
                                          "absence -> demands -> strain -> absence has a gain "
                                          "below 1 at every point of the declared ranges "
                                          "(tests/mechanisms/test_health_properties.py)")
    paperwork_demands: float = param(0.4, "Rise in demands per share of time on paperwork above "
                                          "15 %", ge=0, le=1, source="estimated; 003 deregulation")
    change_demands: float = param(0.1, "Rise in demands per unit of change load (within what the "
                                       "unit can carry)", ge=0,
                                  le=1, source="002 (too many changes at once overload)")
    overload_demands: float = param(0.5, "Further rise in demands per unit of change load above "
                                         "what the unit can carry (stacked reforms)", ge=0, le=1,
                                    source="002 ('Prevent overload'; 'too many changes at the "
                                           "same time'); estimated")
    insecurity_demands: float = param(0.2, "Rise in demands per unit of job insecurity", ge=0,
                                      le=1, source="000 (staff transfer on tendering); estimated")
    autonomy_control: float = param(0.5, "Rise in control per unit of unit autonomy above 0.3",
                                    ge=0, le=1, source="000 (delegated authority); estimated")
    empowerment_control: float = param(0.4, "Rise in control per unit of empowerment", ge=0,
                                       le=1, source="002 (ten empowerment factors)")
    competence_control: float = param(0.3, "Rise in control per unit of competence above 0.6",
                                      ge=0, le=1, source="Karasek: skill discretion")
    management_support: float = param(0.4, "Rise in support per unit of management support "
                                           "above 0.5", ge=0, le=1, source="Johnson & Hall 1988")
    empowerment_support: float = param(0.2, "Rise in support per unit of empowerment", ge=0,
                                       le=1, source="002 (collegial ownership)")
    control_weight: float = param(0.6, "How much control above reference offsets demands",
                                  ge=0.3, le=1.0,
                                  source="calibrated: low control (-0.2) gives a long-spell rate "
                                         "ratio 1.1-1.6 over the declared ranges (Duijts 2007 "
                                         "SOR 1.28; Head 2006 RR 1.23, CI 1.03-1.46)")
    support_weight: float = param(0.4, "How much support above reference offsets demands",
                                  ge=0.2, le=0.8, source="Head et al. 2006: support RR 0.79 "
                                                         "(0.67-0.93)")
    strain_short: float = param(2.0, "Log hazard of short spells per unit of strain", ge=0.5,
                                le=3, source="estimated; Head 2006: no strain effect on short "
                                             "spells, Moreau 2004: iso-strain OR 1.3-1.6 for "
                                             "repeated spells")
    strain_long: float = param(2.5, "Log hazard of long spells per unit of strain", ge=1.0,
                               le=3.0, source="low control (-0.2, strain +0.12 at the default "
                                              "weight): long-spell RR 1.13-1.43 over this range "
                                              "(Duijts 2007 SOR 1.28; Head 2006 RR 1.23)")
    strain_recovery: float = param(1.0, "Log drop of recovery per unit of strain", ge=0.5, le=1.5,
                                   source="estimated (same order as onset: Väänänen 2003, very "
                                          "long spells RR 2-3 at extreme exposure)")
    strain_turnover: float = param(2.5, "Log hazard of leaving per unit of strain", ge=1.0, le=4,
                                   source="estimated")
    max_strain_rr: float = param(2.5, "Largest rate ratio that strain can give any hazard (onset, "
                                      "leaving) and so the prevalence of long spells (onset and "
                                      "recovery share it): each log rate ratio saturates smoothly",
                                 ge=1.5, le=3.0,
                                 source="Väänänen et al. 2003: lowest vs highest autonomy RR ~2 "
                                        "(2-3 for very long spells); Duijts 2007: burnout 2.34 "
                                        "(docs/sources.md §5)")
    seasonal_amplitude: float = param(0.2, "Relative rise of the onset hazards at the winter "
                                           "peak (and fall at the summer trough): a cosine over "
                                           "the year with its peak in February", ge=0, le=0.35,
                                      source="KS/SSB quarterly doctor-certified sick leave, "
                                             "municipalities 2019: 7.8/6.9/5.6/7.5 % (Q1-Q4), "
                                             "2022-23 alike (docs/sources.md §1)")
    learning: float = param(0.006, "Monthly competence growth towards 1", ge=0, le=0.02,
                            unit="per month", source="estimated")
    motivation_speed: float = param(0.08, "Monthly adjustment of motivation to its target",
                                    ge=0.01, le=0.3, unit="per month", source="estimated")


class Health(Mechanism):
    """Demands, control, support and strain; absence spells, recovery, turnover."""

    name = "health"
    Params = HealthParams

    def setup(self, model: ReformModel) -> None:
        self.rng = model.stream("health")
        e, u = model.employees_state, model.units_state
        self._settle_initial_absence(e, u)
        self._settle_initial_workforce(model)

    def _settle_initial_absence(self, e, u) -> None:
        """Start at the stationary share of long spells, not with everyone at work."""
        h = self.p.long_hazard.array()[u.sector[e.unit]]
        prevalence = h / (h + self.p.recovery)
        on_leave = e.active & (self.rng.random(len(e)) < prevalence)
        e.absence[on_leave] = ABSENCE_LONG
        e.absence_months[on_leave] = self.rng.integers(0, 4, on_leave.sum())

    def _settle_initial_workforce(self, model: ReformModel) -> None:
        """Start the workforce at its steady state, so the baseline does not drift.

        Time in the job is drawn from the stationary (geometric) distribution of the sector's
        turnover; a person's competence is what a new hire's (as ``staffing.hire`` draws it)
        grows to in that time, and motivation has moved that far towards its target in
        today's job. Without this the workforce's competence and motivation would first drift
        for years towards these values, with no reform and no cause (issue 12)."""
        p, e, u = self.p, model.employees_state, model.units_state
        n = len(e)
        rate = p.turnover.array()[u.sector[e.unit]]
        self._settle_survivors(e, u, rate)
        tenure = np.minimum(self.rng.geometric(np.clip(rate, 1e-4, 1), n) - 1, 600)
        start = self.rng.beta(4, 5, n)
        grown = 1 - (1 - start) * (1 - p.learning) ** tenure
        u.absence_share[:] = p.reference_absence   # production sets the month's share after
        self.job_conditions(model)
        target = np.clip(0.7 + 0.3 * (e.control - 0.5) + 0.2 * (e.support - 0.6) - 0.5 * e.strain,
                         0, 1)
        first = self.rng.beta(7, 3, n)
        settled = target + (first - target) * (1 - p.motivation_speed) ** tenure
        e.tenure[:] = tenure.astype(e.tenure.dtype)
        e.competence[:] = grown.astype(np.float32)
        e.motivation[:] = settled.astype(np.float32)
        self.job_conditions(model)

    def _settle_survivors(self, e, u, rate: np.ndarray) -> None:
        """Frailty and trait of the people in post: new hires' draws, each kept with a weight
        proportional to how long such a person stays (a steady state holds more of those who
        stay long: low perceived demands, few spells that exhaust sickness benefit)."""
        p, n, k = self.p, len(e), 4
        frailty = self.rng.lognormal(-0.18, 0.6, (n, k))
        trait = self.rng.normal(0.0, 0.08, (n, k))
        log_cap = np.log(p.max_strain_rr)
        leave = rate[:, None] * np.exp(log_cap * np.tanh(p.strain_turnover * trait / log_cap))
        exhaust = (p.long_hazard.array()[u.sector[e.unit]][:, None] * frailty
                   * (1 - p.recovery) ** p.max_spell_months)
        keys = self.rng.random((n, k)) ** (leave + exhaust)   # weight 1 / leaving rate
        pick = keys.argmax(axis=1)
        rows = np.arange(n)
        e.frailty[:] = frailty[rows, pick].astype(np.float32)
        e.trait[:] = trait[rows, pick].astype(np.float32)

    def season(self, month: int) -> float:
        """The month's factor on the onset hazards (mean 1 over a year; peak in February,
        trough in August, as in the quarterly statistics)."""
        return 1.0 + self.p.seasonal_amplitude * np.cos(2 * np.pi * ((month % 12) + 1) / 12)

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
        season = self.season(model.month)
        short_slots = np.empty(n_staff, dtype=np.int64)
        leaver_slots = np.empty(n_staff, dtype=np.int64)
        n_short, n_leavers = _month_kernel(
            e.active, e.unit, e.trait, e.competence, e.frailty, e.motivation, e.absence,
            e.absence_months, e.tenure, e.demands, e.control, e.support, e.strain,
            *self._unit_terms(model),
            p.long_hazard.array()[sector] * season, p.short_hazard.array()[sector] * season,
            p.turnover.array()[sector], motivation_bonus, growth,
            draws[:n_staff], draws[n_staff:], self._weights(),
            float(p.strain_long), float(p.strain_short), float(p.recovery),
            float(p.strain_recovery), float(p.strain_turnover), float(np.log(p.max_strain_rr)),
            float(np.log(p.max_strain_rr) / 2),
            int(p.max_spell_months),
            float(p.motivation_speed), short_slots, leaver_slots)
        e.short_days[:] = 0
        days = 1 + self.rng.poisson(p.short_spell_days - 1, n_short)
        e.short_days[short_slots[:n_short]] = np.minimum(days, WORKDAYS_PER_MONTH)
        staffing.release(model, leaver_slots[:n_leavers], reason="turnover")

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
                   + p.overload_demands * change_overload(model)
                   + p.insecurity_demands * u.insecurity.astype(f64)
                   + staffing.practice_effect(model, "demand"))
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


@numba.njit(cache=True, nogil=True, inline="always")
def _saturate(z, cap):
    """The log rate ratio ``z`` bounded smoothly by +-``cap`` (``cap * tanh(z / cap)``)."""
    return cap * np.tanh(z / cap)


@numba.njit(cache=True, nogil=True, inline="always")
def _above(z, cap):
    """An upper bound of ``_saturate(z, cap)`` without tanh: ``z`` for z >= 0, else
    ``z * cap / (cap - z)`` (|tanh u| >= |u| / (1 + |u|))."""
    return z if z >= 0.0 else z * cap / (cap - z)


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
                  log_cap, half_cap, max_spell_months, motivation_speed, short_slots,
                  leaver_slots):  # pragma: no cover
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
            z_long, z_short = strain_long * x, strain_short * x
            if not _surely_above(draw, base_long, _above(z_long, half_cap), base_short,
                                 _above(z_short, log_cap)):
                h_long = base_long * np.exp(_saturate(z_long, half_cap))
                if draw < h_long:
                    absence[slot] = _LONG
                elif draw < h_long + base_short * np.exp(_saturate(z_short, log_cap)):
                    short_slots[n_short] = slot
                    n_short += 1
        elif absence[slot] == _LONG:
            z = -strain_recovery * x
            if (not _surely_above(draw, recovery, _above(z, half_cap), 0.0, 0.0)
                    and draw < recovery * np.exp(_saturate(z, half_cap))):
                absence[slot] = _NONE
                months = 0
        if absence[slot] == _LONG:
            months += 1
        absence_months[slot] = months
        # Leaving: sickness benefit exhausted, or turnover.
        z = strain_turnover * x
        if months > max_spell_months or (
                not _surely_above(leave_draw[j], turnover[k], _above(z, log_cap), 0.0, 0.0)
                and leave_draw[j] < turnover[k] * np.exp(_saturate(z, log_cap))):
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
