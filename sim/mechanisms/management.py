"""Unit managers decide: how to spend the unit's capacity, and which practices to keep.

Every month each unit's manager splits the unit's discretionary capacity (staff time beyond
the fixed core of the service) between the *measured* part of the service (what indicators and
targets see), the *unmeasured* part, development work, staff support, and, where monitoring is
weak, *gaming* (making the indicator look good without serving anyone better). The manager
weighs each use by its worth to the unit's clients and staff (the professional norm, the
baseline shares) plus what reforms put at stake on it (``units.stakes_quality``,
``units.stakes_sick``: budget share gained or lost on a target). With log returns the best split
is proportional to the weights, so stakes move effort towards what is measured and, where the
municipality sees the results poorly (``units.monitoring`` low), into gaming. A manager who
knows next year's target will be set on this year's result (``units.ratchet``) holds part of
the response back. True quality gets the service shares' log returns (``units.effort_quality``
read by production); the measured indicator additionally gets the over-weighting of the
measured part and the gaming (``units.indicator_bias``); support time is management support
(health); development time (``units.development``) speeds up the trial of practices.

Autonomy above the traditional level lets a unit move its budget between uses towards its own
local need (a need profile per unit): that is the decentralisation gain. Where the
municipality's monitoring of the unit is weak, part of that discretion drifts to the manager's
own priorities instead (centrifugal segmentation), which serves clients less.

All of this takes managers' attention, and so does every change under way: where reforms and
trials load a unit beyond what it can carry, each gets only its share of the unit's capacity
(``shared.change_attention``): the response to stakes, the use of discretion and the copying
of peers shrink in proportion, and overload spoils the judgement of tried practices. The changes
under way also take capacity (``draw_change``): the development time first (peers' good ideas
wait), and beyond what the unit carries the service and staff support (002 'Prevent overload').

Practices are tried, then kept or dropped: a practice on trial counts from its start; after
``trial_months`` the manager judges its effect in this unit (its national value plus the unit's
own fit, seen with noise that better monitoring reduces and that overload of change raises)
and keeps it only if it seems to help. Managers who see their gap to peers (``units.benchmark``:
comparison pages, indicators, networks) try practices that better units of their sector keep.

Sources: 000 "Market mechanisms" (units with their own budgets "are therefore able to determine
how much money they wish to allocate to their various activities ... improved utilization of
resources"); 000 "Decentralization and Management Systems" ("centrifugal segmentation of the
administrative system unless monitoring skills ... are developed"); 000 "The purchaser's
evaluation according to CQM" ("Cost effective measurement ... Ensuring accuracy"); 002 "MMM
results" ("very little that can be standardised"), "Process and results" (try and learn);
003 "Surveys on customer satisfaction" ("identify and learn from best practice"). Behaviour:
Holmström & Milgrom 1991 (multitask: effort follows measured rewards); Bevan & Hood 2006
(gaming where targets are monitored weakly); Weitzman 1980 (ratchet effect).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import SECTORS
from sim.mechanisms import Mechanism
from sim.mechanisms.shared import LeverShare, change_attention, change_carry, change_overload
from sim.params import Params, param
from sim.state import N_PRACTICES

if TYPE_CHECKING:
    from sim.model import ReformModel

USES = ("measured", "unmeasured", "development", "support", "gaming")
"""The uses of a unit's discretionary capacity, in column order."""


class ManagementParams(Params):
    """Managers' allocation of capacity, discretion over the budget, trial of practices."""

    measured_share: float = param(0.4, "Share of discretionary capacity on the measured part of "
                                       "the service at the professional norm", ge=0.2, le=0.6,
                                  source="estimated (about half of the service is covered by "
                                         "indicators: 003 'a handful of key performance "
                                         "indicators')")
    development_share: float = param(0.1, "Share on development work at the norm", ge=0.02,
                                     le=0.3, source="estimated")
    support_share: float = param(0.1, "Share on staff support at the norm", ge=0.02, le=0.3,
                                 source="estimated")
    response: float = param(10.0, "Managers' response to stakes: rise of a use's weight per unit "
                                  "of budget share at stake on it (0 = managers ignore targets)",
                            ge=0, le=40, unit="per budget share",
                            source="Holmström & Milgrom 1991 (multitask); estimated: 2 % of "
                                   "budget at stake shifts the measured share by ~4 points")
    gaming: float = param(0.5, "Share of the response that goes into gaming where monitoring is "
                               "absent (none where it is exact)", ge=0, le=1,
                          source="Bevan & Hood 2006 ('what's measured is what matters'); "
                                 "estimated")
    ratchet_foresight: float = param(0.5, "Share of the response held back when next year's target "
                                          "is set on this year's result", ge=0, le=1,
                                     source="Weitzman 1980 (ratchet effect); estimated")
    service_effect: float = param(8.0, "True quality points per unit of log effort on a part of "
                                       "the service (each part weighs half)", ge=2, le=20,
                                  unit="points", source="estimated")
    gaming_effect: float = param(4.0, "Indicator points per unit of log(1 + gaming share / 0.05)",
                                 ge=0, le=20, unit="points", source="estimated")
    support_effect: float = param(0.3, "Management support per unit of log staff-support time",
                                  ge=0, le=0.5, source="Johnson & Hall 1988; estimated")
    traditional_autonomy: float = param(0.3, "Autonomy of a unit under traditional administration "
                                             "(no budget discretion)", ge=0, le=0.5,
                                        source="000 'Management by Results' (ex ante control of "
                                               "resources); matches units.autonomy at the start")
    full_autonomy: float = param(0.6, "Autonomy at which the unit's whole budget profile is at its "
                                      "discretion", ge=0.35, le=1,
                                 source="000 (result units with their own budgets); estimated")
    need_concentration: float = param(8.0, "Concentration of units' local need profiles around the "
                                           "central standard (higher: needs differ less)", ge=2,
                                      le=50, source="estimated; 002 (each organisation unique)")
    fit_effect: float = param(10.0, "Quality points per unit of log fit of the budget profile to "
                                    "local need", ge=0, le=30, unit="points", source="estimated")
    drift_risk: float = param(0.6, "Share of discretion spent on the manager's own priorities "
                                   "where the municipality does not monitor the unit at all",
                              ge=0, le=1, source="000 ('centrifugal segmentation ... unless "
                                                 "monitoring skills'); estimated")
    fit_spread: float = param(1.5, "Spread of a practice's effect between units (fit)", ge=0,
                              le=5, unit="quality points", source="002 ('very little that can be "
                                                                  "standardised'); estimated")
    trial_months: int = param(12, "Months a practice is tried before it is kept or dropped",
                              ge=3, le=36, unit="months", source="002 ('allow time for "
                                                                 "implementation'); estimated")
    judgement_noise: float = param(2.0, "Error of a manager's judgement of a tried practice's "
                                        "effect without monitoring",
                                   ge=0, le=10, unit="quality points", source="estimated")
    monitored_judgement: float = param(0.5, "Share of that error that full monitoring of the "
                                            "unit removes (managers judge a trial by the "
                                            "unit's indicators)", ge=0, le=1,
                                       source="000 'The purchaser's evaluation according to "
                                              "CQM' (accuracy of measurement); estimated")
    overload_noise: float = param(2.0, "Extra judgement error and lost effect per unit of change "
                                       "load above what the unit can carry", ge=0, le=10,
                                  unit="quality points", source="002 'Prevent overload'; "
                                                                "estimated")
    change_time: float = param(0.1, "Share of a unit's discretionary capacity that the changes "
                                    "under way take at a change load equal to what the unit can "
                                    "carry: development time first, beyond it service and staff "
                                    "support", ge=0.02, le=0.3, unit="share of capacity",
                               source="002 'Prevent overload' (change work 'on top of' work "
                                      "that is to be performed otherwise; 'some good ideas may "
                                      "have to wait'); estimated as the norm's development share")
    trial_load: float = param(0.1, "Change load of each practice on trial", ge=0, le=1,
                              source="002 ('strenuous periods cannot be avoided'); estimated")
    informal_ties: int = param(1, "Informal ties of every municipality to its most similar "
                                  "neighbours (size and place), along which practices are seen",
                               ge=0, le=10, unit="municipalities",
                               source="002 ('Learning ... across municipal boundaries is "
                                      "normally limited'); estimated")
    size_weight: float = param(0.15, "Weight of the difference in log population against map "
                                     "distance when peers are matched", ge=0, le=2,
                               source="estimated (peers of similar size and region)")
    informal_established: float = param(0.3, "Share of a municipality's operating units of a "
                                             "sector that must keep a practice for colleagues and "
                                             "neighbours to see it at work there", ge=0.1, le=1,
                                        source="estimated")
    informal_threshold: int = param(2, "Contacts (colleague units of the sector in the own "
                                       "municipality that keep a practice, informally tied "
                                       "neighbours where it is established) that must have a "
                                       "practice before a unit tries it through informal "
                                       "contact (complex contagion)",
                                    ge=1, le=5, unit="contacts",
                                    source="Centola & Macy 2007 (complex contagion: threshold "
                                           "of two); estimated")
    informal_rate: float = param(0.01, "Yearly chance of trying a practice seen established at "
                                      "``informal_threshold`` places through informal contact "
                                      "(per practice, at average change capacity)", ge=0, le=0.5,
                                 unit="per practice-year",
                                 source="Rogers 2003 (interpersonal channels, slow without "
                                        "change agents); 002 (learning across boundaries "
                                        "limited); estimated")
    copy_rate: float = param(0.3, "Yearly chance that a manager who sees a gap of 5 points to "
                                  "better peers perfectly starts a trial of a practice they keep",
                             ge=0, le=1, unit="per year",
                             source="003 ('identify and learn from best practice'); estimated")


class Management(Mechanism):
    """Allocation of capacity, budget discretion and the trial of practices, every month."""

    name = "management"
    Params = ManagementParams

    def setup(self, model: ReformModel) -> None:
        p, u = self.p, model.units_state
        n = len(u)
        rng = model.stream("management")
        uses = 4  # budget profile: how a unit splits its money between kinds of resources
        self.need = rng.dirichlet(np.full(uses, p.need_concentration / uses), n)
        self.own = rng.dirichlet(np.full(uses, p.need_concentration / uses), n)
        practices = model.stream("practices")
        model.world.fit_quality = practices.normal(0.0, p.fit_spread, (n, N_PRACTICES))
        self.rng = model.stream("management_trials")
        self.trial_age = np.zeros((n, N_PRACTICES), dtype=np.int16)
        self.mgmt_support = LeverShare(u.mgmt_support)
        self.change_load = LeverShare(u.change_load)
        self.allocation = np.tile(self.norm(), (n, 1))
        self.attention = np.ones(n)   # share of each change the unit can attend to (0-1)
        self.rejected = np.zeros((n, N_PRACTICES), dtype=bool)  # tried here and dropped
        self.kept = np.zeros(n, dtype=np.int64)
        self.dropped = np.zeros(n, dtype=np.int64)
        self.informal = informal_ties(model.municipalities_state, p)
        self.informal_rng = model.stream("practices_informal")
        self.copy_rng = model.stream("practices_copy")   # copying never shifts the judgements

    def norm(self) -> np.ndarray:
        """The professional norm: shares of the five uses with nothing at stake."""
        p = self.p
        service = 1 - p.development_share - p.support_share
        return np.array([p.measured_share, service - p.measured_share, p.development_share,
                         p.support_share, 0.0])

    def yearly(self, model: ReformModel) -> None:
        """Trials that have run their time are judged, then managers who see their gap to
        peers start new ones (practices change once a year, at the budget round)."""
        self.judge_trials(model)
        self.informal_contact(model)
        if model.month > 0:
            self.copy_from_peers(model)

    def monthly(self, model: ReformModel) -> None:
        u = model.units_state
        self.attention = change_attention(model)
        self.allocation = self.draw_change(model, self.allocate(u))
        norm = self.norm()
        log_ratio = np.log(np.maximum(self.allocation[:, :4], 1e-12) / norm[:4])
        log_ratio[np.abs(log_ratio) < 1e-9] = 0.0   # nothing at stake: exactly the norm
        p = self.p
        service = 0.5 * p.service_effect * (log_ratio[:, 0] + log_ratio[:, 1])
        u.effort_quality[:] = (service + self.fit_gain(model)).astype(np.float32)
        over_measured = 0.5 * p.service_effect * (log_ratio[:, 0] - log_ratio[:, 1])
        gamed = p.gaming_effect * np.log1p(self.allocation[:, 4] / 0.05)
        u.indicator_bias[:] = (over_measured + gamed).astype(np.float32)
        u.development[:] = (self.allocation[:, 2] / norm[2] - 1).astype(np.float32)
        self.mgmt_support.set(p.support_effect * log_ratio[:, 3])
        self.change_load.set(p.trial_load * u.trying.sum(axis=1))
        self.trial_age[u.trying] += 1

    def allocate(self, u) -> np.ndarray:
        """Each unit's split of capacity over ``USES`` (rows sum to 1): weights = the norm plus
        the response to the stakes; where monitoring is weak part of the quality response is
        gaming. With nothing at stake the split is the norm exactly."""
        p = self.p
        norm = self.norm()
        held = (1 - p.ratchet_foresight * u.ratchet.astype(np.float64)) * self.attention
        push_q = p.response * u.stakes_quality.astype(np.float64) * held
        push_s = p.response * u.stakes_sick.astype(np.float64) * held
        blind = 1 - np.clip(u.monitoring.astype(np.float64), 0, 1)
        weights = np.tile(norm, (len(u.muni), 1))
        weights[:, 0] *= 1 + push_q * (1 - p.gaming * blind)
        weights[:, 3] *= 1 + push_s
        weights[:, 4] = norm[0] * push_q * p.gaming * blind
        return weights / weights.sum(axis=1, keepdims=True)

    def draw_change(self, model: ReformModel, allocation: np.ndarray) -> np.ndarray:
        """The capacity changes under way take (``change_time`` x change load / what the unit
        carries, so every reform's load counts): first the development time, so peers' good
        ideas wait; where the load exceeds what the unit carries, change work comes on top of
        the service and takes its share from the measured and unmeasured service and staff
        support alike (at most half of them). Rows then sum to 1 less the time on change."""
        u = model.units_state
        drawn = self.p.change_time * u.change_load.astype(np.float64) / change_carry(model)
        out = allocation.copy()
        from_development = np.minimum(drawn, out[:, 2])
        out[:, 2] -= from_development
        rest = out[:, [0, 1, 3]].sum(axis=1)
        spill = np.minimum(drawn - from_development, 0.5 * rest)
        out[:, [0, 1, 3]] *= (1 - spill / np.maximum(rest, 1e-12))[:, None]
        return out

    def discretion(self, u) -> np.ndarray:
        """Share of the budget profile at the unit's discretion (0 under traditional autonomy)."""
        p = self.p
        traditional = float(np.float32(p.traditional_autonomy))  # the lever is float32
        room = (u.autonomy.astype(np.float64) - traditional) / max(
            p.full_autonomy - p.traditional_autonomy, 1e-9)
        return np.clip(room, 0, 1)

    def fit_gain(self, model: ReformModel) -> np.ndarray:
        """Quality points from moving the budget profile towards what the unit wants: its local
        need where the municipality monitors it, its manager's own priorities where it does not.
        Clients gain by the fit to their need, measured against the central standard."""
        p, u = self.p, model.units_state
        share = (self.discretion(u) * self.attention)[:, None]
        drift = (p.drift_risk * (1 - np.clip(u.monitoring.astype(np.float64), 0, 1)))[:, None]
        wanted = (1 - drift) * self.need + drift * self.own
        standard = np.full_like(self.need, 1 / self.need.shape[1])
        profile = standard + share * (wanted - standard)
        return p.fit_effect * (self.need * np.log(profile / standard)).sum(axis=1)

    # --- practices: try, keep or drop ----------------------------------------------------
    def start_trials(self, model: ReformModel, units: np.ndarray, practices: np.ndarray) -> None:
        """The given units start trying the given practices (pairs; ignored where in use or
        where the unit has tried it and dropped it before)."""
        u = model.units_state
        new = ~u.practices[units, practices] & ~self.rejected[units, practices]
        units, practices = units[new], practices[new]
        u.practices[units, practices] = True
        u.trying[units, practices] = True
        self.trial_age[units, practices] = 0

    def judge_trials(self, model: ReformModel) -> None:
        """Trials that have run their time are judged: kept if the effect the manager sees is
        positive, dropped otherwise."""
        p, u = self.p, model.units_state
        # one draw per unit and practice every year, used or not: a reform that adds trials
        # never shifts the judgement of another unit's trial (common random numbers)
        errors = self.rng.normal(0, 1, u.practices.shape)
        due_units, due_practices = np.nonzero(u.trying & (self.trial_age >= p.trial_months))
        if len(due_units) == 0:
            return
        keep = self.judge(model, due_units, due_practices,
                          draws=errors[due_units, due_practices])
        u.trying[due_units, due_practices] = False
        u.practices[due_units[~keep], due_practices[~keep]] = False
        self.rejected[due_units[~keep], due_practices[~keep]] = True
        np.add.at(self.kept, due_units[keep], 1)
        np.add.at(self.dropped, due_units[~keep], 1)

    def judge(self, model: ReformModel, units: np.ndarray, practices: np.ndarray,
              rng: np.random.Generator | None = None,
              draws: np.ndarray | None = None) -> np.ndarray:
        """Whether each (unit, practice) tried seems to help there: its true effect (national
        value plus the unit's fit), less what overload spoils, seen with an error that
        monitoring reduces (``monitored_judgement``) and overload raises (a reform that asks for a judgement passes its
        own random stream, so common random numbers hold)."""
        p, u, world = self.p, model.units_state, model.world
        truth = world.practice_quality[practices] + world.fit_quality[units, practices]
        overload = change_overload(model)[units]
        noise = (p.judgement_noise
                 * (1 - p.monitored_judgement * np.clip(u.monitoring[units], 0, 1))
                 + p.overload_noise * overload)
        if draws is None:
            draws = (rng if rng is not None else self.rng).normal(0, 1, len(truth))
        seen = truth - p.overload_noise * overload + draws * noise
        return seen > 0

    def informal_chance(self, model: ReformModel) -> np.ndarray:
        """Per unit and practice, this year's chance of a trial through informal contact
        (units x practices). A unit sees a practice at work in the other units of its sector in
        its own municipality that keep it (colleagues) and in the few neighbouring
        municipalities it is informally tied to where it is established; it tries the practice
        only when ``informal_threshold`` such contacts have it (complex contagion), and then
        at ``informal_rate`` a year, scaled by the municipality's change capacity, the unit's
        development time and the attention other changes leave."""
        p, u, m = self.p, model.units_state, model.municipalities_state
        live = u.active & ~u.private
        group, operating, keeping = kept_by_group(model)
        kept = (u.practices & ~u.trying & live[:, None]).astype(np.float64)
        colleagues = keeping[group] - kept
        neighbours = np.einsum("ij,jsk->isk", self.informal.astype(np.float64),
                               established(model, p.informal_established,
                                          (operating, keeping)))[u.muni, u.sector]
        contagion = colleagues + neighbours >= p.informal_threshold
        scale = ((m.change_capacity / 0.5)[u.muni] * np.clip(1 + u.development, 0, 3)
                 * change_attention(model))
        chance = np.clip(p.informal_rate * scale[:, None] * contagion, 0, 1)
        chance[~live] = 0.0
        return chance

    def informal_contact(self, model: ReformModel) -> None:
        """Units try practices they see at work in their own municipality and among informally
        tied neighbours (a draw per unit and practice every year, from a stream of its own, so
        reforms never shift it)."""
        u = model.units_state
        draws = self.informal_rng.random((len(u), N_PRACTICES))
        wants = (draws < self.informal_chance(model)) & ~u.practices & ~self.rejected
        units, practices = np.nonzero(wants)
        self.start_trials(model, units, practices)

    def copy_from_peers(self, model: ReformModel) -> None:
        """Managers who see their gap to better units of their sector try a practice those units
        keep (and they lack), with a chance that grows with the gap, how well they see it and
        their development time."""
        p, u = self.p, model.units_state
        live = u.active & ~u.private
        seen = np.clip(u.benchmark.astype(np.float64), 0, 1)   # sources overlap: at most 1
        if not np.any(seen[live] > 0):
            return
        measured = u.quality.astype(np.float64) + u.indicator_bias
        n_s = len(SECTORS)
        weight = live * np.maximum(u.clients, 1)
        mean = (np.bincount(u.sector, weights=measured * weight, minlength=n_s)
                / np.maximum(np.bincount(u.sector, weights=weight, minlength=n_s), 1e-9))
        gap = np.clip((mean[u.sector] - measured) / 5.0, 0, 1)
        chance = (p.copy_rate * seen * gap * np.clip(1 + u.development, 0, 3)
                  * change_attention(model))
        starts = np.flatnonzero(live & (self.copy_rng.random(len(u.muni)) < chance))
        if len(starts) == 0:
            return
        better = live & (measured > mean[u.sector]) & ~u.trying.any(axis=1)
        kept_by_better = np.stack([np.bincount(u.sector[better], weights=u.practices[better, k],
                                               minlength=n_s) for k in range(N_PRACTICES)], axis=1)
        candidates = kept_by_better[u.sector[starts]] * ~u.practices[starts]
        keys = np.where(candidates > 0, self.copy_rng.random(candidates.shape) ** (
            1 / np.maximum(candidates, 1e-9)), -1.0)
        choice = keys.argmax(axis=1)
        ok = keys[np.arange(len(starts)), choice] >= 0
        self.start_trials(model, starts[ok], choice[ok])


def similarity_distance(m, p: ManagementParams) -> np.ndarray:
    """Municipality x municipality distance on the map and in log population."""
    logpop = np.log(m.population)
    dx = m.x[:, None] - m.x[None, :]
    dy = m.y[:, None] - m.y[None, :]
    ds = p.size_weight * (logpop[:, None] - logpop[None, :])
    return np.sqrt(dx**2 + dy**2 + ds**2)


def informal_ties(m, p: ManagementParams) -> np.ndarray:
    """Each municipality's ties to its ``informal_ties`` most similar others (symmetric)."""
    n = len(m)
    ties = np.zeros((n, n), dtype=bool)
    k = min(p.informal_ties, n - 1)
    if k <= 0:
        return ties
    distance = similarity_distance(m, p)
    np.fill_diagonal(distance, np.inf)
    nearest = np.argsort(distance, axis=1)[:, :k]
    ties[np.repeat(np.arange(n), k), nearest.ravel()] = True
    return ties | ties.T


def kept_by_group(model: ReformModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (municipality, sector) group: each unit's group, the group's operating public units
    and, per practice, how many of them keep it (tried and kept, not on trial)."""
    u = model.units_state
    n = len(model.municipalities_state) * len(SECTORS)
    group = u.muni.astype(np.int64) * len(SECTORS) + u.sector
    live = (u.active & ~u.private).astype(np.float64)
    kept = u.practices & ~u.trying
    operating = np.bincount(group, weights=live, minlength=n)
    keeping = np.stack([np.bincount(group, weights=live * kept[:, k], minlength=n)
                        for k in range(N_PRACTICES)], axis=1)
    return group, operating, keeping


def established(model: ReformModel, share: float,
                counts: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per municipality, sector and practice: 1 where at least ``share`` of its operating public
    units keep the practice (tried and kept, not on trial). Shape (municipalities, sectors,
    practices). ``counts``: the (operating, keeping) of ``kept_by_group`` when already at hand."""
    operating, keeping = counts if counts is not None else kept_by_group(model)[1:]
    ok = (keeping >= share * operating[:, None]) & (operating[:, None] > 0)
    return ok.astype(np.float64).reshape(len(model.municipalities_state), len(SECTORS),
                                         N_PRACTICES)


MECHANISM = Management
