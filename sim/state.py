"""The model's state as a structure of arrays.

Design decision (see docs/architecture.md): employees and citizens are too many for one Python
object each (Norway: ~0.4 million employees and ~1.1 million citizens), so every attribute is one
NumPy array indexed by slot, and the monthly step updates whole arrays. Units and municipalities
also keep their numbers here, so mechanisms can work on them with array operations; their Mesa
agents (``sim.agents``) are views onto these rows. Employees and citizens become Mesa agents
only when a user selects them (``ReformModel.employee`` / ``ReformModel.citizen``).

Slots: employees live in fixed slots grouped by unit (each unit owns a contiguous block sized for
its largest staff); a slot is ``active`` while a person holds it, and a new hire gets a new
``person_id``. Units include dormant slots for private providers that may enter under vouchers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

N_PRACTICES = 12
"""Number of distinct work practices a unit can adopt (see ``sim.mechanisms.production``)."""

ABSENCE_NONE, ABSENCE_LONG = np.int8(0), np.int8(2)


def _f32(n: int, value: float = 0.0) -> np.ndarray:
    return np.full(n, value, dtype=np.float32)


@dataclass(eq=False)
class Municipalities:
    """Per-municipality state (one row per municipality)."""

    population: np.ndarray                 # inhabitants
    x: np.ndarray                          # position on the national map (for the network view)
    y: np.ndarray
    budget_level: np.ndarray               # free income relative to need (1 = average)
    change_capacity: np.ndarray            # 0-1: ability to carry change (MMM, Real Needs Model)
    endorsement: np.ndarray                # 0-1: political endorsement of reform
    budget: np.ndarray = field(default=None)       # NOK per year for the modelled services
    spent: np.ndarray = field(default=None)        # NOK spent so far this budget year
    deficit: np.ndarray = field(default=None)      # NOK carried from the last budget year (>0 = overspent)
    admin_month: np.ndarray = field(default=None)  # NOK administration cost in the current month
    reform_cost_month: np.ndarray = field(default=None)  # NOK transaction costs of reforms this month
    in_network: np.ndarray = field(default=None)   # bool: member of a learning network
    org_model: np.ndarray = field(default=None)    # 0 committee, 1 territorial, 2 purchaser-provider

    def __post_init__(self) -> None:
        n = len(self.population)
        for name, value in (("budget", 0.0), ("spent", 0.0), ("deficit", 0.0), ("admin_month", 0.0),
                            ("reform_cost_month", 0.0)):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, value))
        if self.in_network is None:
            self.in_network = np.zeros(n, dtype=bool)
        if self.org_model is None:
            self.org_model = np.zeros(n, dtype=np.int8)

    def __len__(self) -> int:
        return len(self.population)


@dataclass(eq=False)
class Units:
    """Per-unit state: service providers in one sector of one municipality (active or dormant)."""

    muni: np.ndarray          # int32 municipality index
    sector: np.ndarray        # int8 sector code (index in sim.SECTORS)
    active: np.ndarray        # bool: operating now
    private: np.ndarray       # bool: run by a private provider
    capacity: np.ndarray      # int32 maximum clients
    x: np.ndarray             # position within the municipality (unit square)
    y: np.ndarray
    slot_start: np.ndarray    # int64 first employee slot of this unit
    slot_end: np.ndarray      # int64 one past the last employee slot

    def __post_init__(self) -> None:
        n = len(self.muni)
        self.target_staff = np.zeros(n, dtype=np.int32)     # staff the budget pays for
        self.budget = np.zeros(n)                           # NOK per year
        self.cost_month = np.zeros(n)                       # NOK: the unit's own operating cost
        self.payment_month = np.zeros(n)                    # NOK: what the municipality pays
        self.payment_factor = np.ones(n)                    # private payment / funding (contracts)
        self.funding_rate = np.ones(n)                      # public cost / budget in the group
        self.labour_cost = np.ones(n)                       # wage cost per employee / municipal
        self.transaction_cost_month = np.zeros(n)           # NOK: reform costs tied to the unit
        self.quality = _f32(n, 0.0)                         # professional quality, 0-100
        self.present = _f32(n, 0.0)                         # staff present, person-months
        self.workload = _f32(n, 1.0)                        # needed / present staff (1 = norm)
        self.absence_share = _f32(n, 0.0)                   # share of contracted days lost last month
        self.clients = np.zeros(n, dtype=np.int32)
        self.weighted_clients = np.zeros(n)                 # clients weighted by need
        self.staff = np.zeros(n, dtype=np.int32)            # active employees
        # Levers that reform mechanisms set and the baseline mechanisms read (0-1 unless noted).
        self.autonomy = _f32(n, 0.3)          # freedom over budget and organisation of work
        self.empowerment = _f32(n, 0.0)       # employee involvement (MMM)
        self.mgmt_support = _f32(n, 0.5)      # support from management
        self.quality_system = _f32(n, 0.2)    # maturity of the quality system
        self.paperwork = _f32(n, 0.15)        # share of working time on documentation and reporting
        self.change_load = _f32(n, 0.0)       # concurrent changes relative to what the unit can carry
        self.insecurity = _f32(n, 0.0)        # job insecurity (tendering)
        self.labour_saving = _f32(n, 0.0)     # share of care labour saved by welfare technology
        self.training = _f32(n, 0.0)          # extra competence development
        self.price_factor = np.ones(n)        # price per client relative to the norm (contracts)
        self.practices = np.zeros((n, N_PRACTICES), dtype=bool)
        # Providers differ (drawn at setup from the "providers" stream; sim/mechanisms/production.py).
        self.productivity = np.ones(n)        # output per staff hour relative to the norm, before slack
        self.overhead = np.ones(n)            # non-staff cost per client relative to the norm
        self.slack = np.zeros(n)              # share of paid hours lost to slack (0-1)
        self.pressure = _f32(n, 0.0)          # competitive pressure on the manager (0-1; reforms' shares)
        self.owner = np.zeros(n, dtype=np.int8)   # ownership type if private: 0 chain, 1 small, 2 non-profit
        self.flat_price = np.zeros(n, dtype=bool)  # paid a flat price per client, whatever the need
        self.contract_staff = np.zeros(n)     # staff per need-weighted client the operator is held to,
        #                                       relative to the norm (0 = no contract staffing)
        self.shaded = np.zeros(n, dtype=bool)     # the operator staffs below its contract, unseen
        self.detected = np.zeros(n, dtype=bool)   # the purchaser caught it this month
        # Management (sim.mechanisms.management): what reforms put at stake and how well the
        # municipality sees the unit; what the manager's allocation of capacity gives.
        self.stakes_quality = _f32(n, 0.0)    # budget share at stake on the measured quality target
        self.stakes_sick = _f32(n, 0.0)       # budget share at stake on the sick-leave target
        self.ratchet = _f32(n, 0.0)           # 1: next year's target is set on this year's result
        self.monitoring = _f32(n, 0.0)        # 0-1: accuracy of the information on the unit's results
        self.benchmark = _f32(n, 0.0)         # 0-1: how well its manager sees its gap to peers
        self.development = _f32(n, 0.0)       # manager's development time relative to the norm
        self.effort_quality = _f32(n, 0.0)    # quality points from the manager's allocation
        self.indicator_bias = _f32(n, 0.0)    # measured minus true quality (effort shift, gaming)
        self.trying = np.zeros((n, N_PRACTICES), dtype=bool)   # practices on trial

    def __len__(self) -> int:
        return len(self.muni)


@dataclass(eq=False)
class Employees:
    """Per-employee state, one slot per position (active slots hold a person)."""

    unit: np.ndarray          # int32 unit index of the slot
    active: np.ndarray        # bool: a person holds the slot
    competence: np.ndarray    # 0-1
    motivation: np.ndarray    # 0-1
    frailty: np.ndarray       # individual multiplier of sickness hazards (mean 1)
    trait: np.ndarray         # individual offset of perceived demands

    def __post_init__(self) -> None:
        n = len(self.unit)
        self.person_id = np.where(self.active, np.arange(n), -1).astype(np.int64)
        self.tenure = np.zeros(n, dtype=np.int16)           # months in the job
        self.absence = np.zeros(n, dtype=np.int8)           # 0 none, 2 on a long spell
        self.absence_months = np.zeros(n, dtype=np.int16)   # months into the current long spell
        self.short_days = _f32(n)                           # days lost to short spells this month
        self.demands = _f32(n)
        self.control = _f32(n)
        self.support = _f32(n)
        self.strain = _f32(n)

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(eq=False)
class Citizens:
    """Per-citizen state: every modelled service user, one slot each (slots are renewed)."""

    muni: np.ndarray          # int32
    sector: np.ndarray        # int8
    unit: np.ndarray          # int32 current provider (always an active unit of muni and sector)
    need: np.ndarray          # care need weight (mean 1)
    x: np.ndarray             # home position within the municipality (unit square)
    y: np.ndarray
    match: np.ndarray         # personal fit with the service, quality points
    expectation: np.ndarray   # expected quality, 0-100

    def __post_init__(self) -> None:
        n = len(self.unit)
        self.person_id = np.arange(n, dtype=np.int64)
        self.experienced = _f32(n, 0.0)     # experienced quality this month, 0-100
        self.satisfaction = _f32(n, 0.0)    # 0-100
        self.months_with_provider = np.zeros(n, dtype=np.int16)
        self.switched = np.zeros(n, dtype=bool)   # changed provider by choice this month

    def __len__(self) -> int:
        return len(self.unit)


__all__ = ["Municipalities", "Units", "Employees", "Citizens", "N_PRACTICES"]
