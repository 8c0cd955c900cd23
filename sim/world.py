"""The synthetic Norwegian-style world: municipalities, units, employees and citizens.

Generated from a seed. Sizes follow the national picture (see docs/sources.md): 356
municipalities of lognormal population (median about 5,000, mean about 15,500; the largest about
450,000 after scaling, against Oslo's 700,000), service users per inhabitant from the national
totals, units of typical size per sector, staff per client from national staffing, and about
half of kindergartens privately run, as in Norway. Where a figure is an estimate it says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import norm

from sim.params import Params, SectorAmount, SectorShare, param, per_sector
from sim.state import N_PRACTICES, Citizens, Employees, Municipalities, Units

SCALES: dict[str, int] = {"workshop": 20, "region": 120, "norway": 356}
"""Named world sizes: number of municipalities."""

NATIONAL_POPULATION = 5_550_000
"""Inhabitants of Norway, 2024 (SSB table 07459: 5.55 million)."""


class WorldParams(Params):
    """How the synthetic world is generated (sizes, users, units, staff)."""

    median_population: float = param(5_000, "Median municipal population", ge=100, unit="inhabitants",
                                      source="SSB 2024 (half of Norway's municipalities under ~5,000)")
    population_sigma: float = param(1.5, "Spread (sigma of log) of municipal population", ge=0, le=3,
                                     source="estimated: lognormal fitted to SSB median and mean (~15,500)")
    users_per_inhabitant: SectorShare = per_sector(
        0.0072, 0.040, 0.0490, 0.114,
        "Service users per inhabitant", unit="users/inhabitant", ge=0, le=1,
        source="SSB/KOSTRA 2023: ~40k nursing-home residents, ~140k home-care users (estimate), "
               "~267k kindergarten children, ~637k pupils (2023); home care 237k incl. "
               "all ages, of which ~220k modelled; divided by 5.55 million")
    unit_size: SectorAmount = per_sector(
        42, 150, 50, 235, "Typical clients per unit", unit="clients", ge=0,
        source="SSB 2023: 266,916 children in 5,314 kindergartens; 637,051 pupils in 2,711 "
               "schools; nursing homes ~42 places (estimated); home-care districts estimated")
    staff_per_client: SectorAmount = per_sector(
        2.0, 0.55, 0.36, 0.17, "Employees (head count) per client at normal staffing",
        unit="employees/client", ge=0,
        source="estimated from KS/SSB head counts: ~75k nursing homes, ~125k home care, ~95k "
               "kindergartens, ~105k schools, for the users above (~400k employees in all)")
    private_share: SectorShare = per_sector(
        0.08, 0.03, 0.47, 0.04, "Share of units run privately at the start", ge=0, le=1,
        source="SSB: ~47% of kindergartens private; Udir: ~4% of pupils in private schools; "
               "nursing homes and home care estimated")
    entry_slots_per_unit: float = param(0.3, "Dormant slots for new private providers per existing "
                                             "unit (capacity for market entry)", ge=0, le=3,
                                        source="model design")
    staff_headroom: float = param(1.3, "Employee slots per unit relative to its initial staff",
                                  ge=1.0, le=3.0, source="model design (room to grow)")
    initial_vacancy: float = param(0.04, "Share of positions vacant at the start (recruitment "
                                         "takes months)", ge=0, le=0.5,
                                   source="estimated: the model's steady state with its hiring "
                                          "and turnover rates")
    initial_practices: float = param(0.1, "Probability that a unit starts with a given practice",
                                     ge=0, le=1, source="estimated")


@dataclass(eq=False)
class World:
    """Everything generated at the start: state arrays and the fixed properties of practices."""

    municipalities: Municipalities
    units: Units
    employees: Employees
    citizens: Citizens
    practice_quality: np.ndarray   # quality points each practice adds on average (some harm:
                                   # 002 "very little ... can be standardised")
    practice_cost: np.ndarray      # relative change of unit cost each practice brings
    practice_demand: np.ndarray    # change of job demands each practice brings
    fit_quality: np.ndarray | None = None  # per unit and practice: its own fit, quality points


def municipal_populations(n: int, p: WorldParams) -> np.ndarray:
    """Populations of ``n`` municipalities: lognormal quantiles (a smooth, realistic spread).

    At ``norway`` scale the total is rescaled to the national population.
    """
    q = (np.arange(n) + 0.5) / n
    pop = p.median_population * np.exp(p.population_sigma * norm.ppf(q))
    if n == SCALES["norway"]:
        pop *= NATIONAL_POPULATION / pop.sum()
    return np.maximum(np.round(pop), 200)


def build_world(p: WorldParams, n_municipalities: int, rng: np.random.Generator) -> World:
    """Generate a world of ``n_municipalities`` from one random generator."""
    pop = municipal_populations(n_municipalities, p)
    rng.shuffle(pop)  # municipality index carries no size order
    munis = Municipalities(
        population=pop, x=rng.random(n_municipalities), y=rng.random(n_municipalities),
        budget_level=rng.normal(1.0, 0.03, n_municipalities),
        change_capacity=rng.beta(4, 4, n_municipalities),
        endorsement=rng.beta(5, 3, n_municipalities))
    clients = _clients_per_group(pop, p, rng)
    units = _build_units(clients, p, rng)
    citizens = _build_citizens(clients, units, rng)
    _size_units(units, citizens, p)
    employees = _build_employees(units, citizens, p, rng)
    units.practices[:] = rng.random(units.practices.shape) < p.initial_practices
    return World(munis, units, employees, citizens,
                 practice_quality=rng.normal(1.0, 1.5, N_PRACTICES),
                 practice_cost=rng.uniform(-0.02, 0.01, N_PRACTICES),
                 practice_demand=rng.uniform(-0.02, 0.0, N_PRACTICES))


def _clients_per_group(pop: np.ndarray, p: WorldParams, rng: np.random.Generator) -> np.ndarray:
    """Service users per municipality and sector; small places have older populations."""
    z = (np.log(pop) - np.log(pop).mean()) / max(np.log(pop).std(), 1e-9)
    elderly = np.clip(1 - 0.15 * z, 0.5, 1.5)   # estimated: rural municipalities are older
    young = np.clip(1 + 0.05 * z, 0.5, 1.5)
    tilt = np.stack([elderly, elderly, young, young], axis=1)
    rate = p.users_per_inhabitant.array()[None, :] * tilt
    return np.maximum(rng.poisson(pop[:, None] * rate), 1)


def _build_units(clients: np.ndarray, p: WorldParams, rng: np.random.Generator) -> Units:
    size = p.unit_size.array()
    n_active = np.maximum(1, np.round(clients / size[None, :])).astype(int)
    n_dormant = np.ceil(n_active * p.entry_slots_per_unit).astype(int)
    per_group = n_active + n_dormant
    muni = np.repeat(np.repeat(np.arange(len(clients)), 4), per_group.ravel())
    sector = np.repeat(np.tile(np.arange(4), len(clients)), per_group.ravel())
    # rank of each unit within its group: the first n_active are operating
    starts = np.repeat(np.cumsum(per_group.ravel()) - per_group.ravel(), per_group.ravel())
    rank = np.arange(len(muni)) - starts
    active = rank < n_active[muni, sector]
    private_p = p.private_share.array()[sector]
    many = n_active[muni, sector] > 1  # a municipality's only unit is its own
    private = ~active | (many & (rng.random(len(muni)) < private_p))
    n = len(muni)
    return Units(muni=muni.astype(np.int32), sector=sector.astype(np.int8), active=active,
                 private=private, capacity=np.zeros(n, dtype=np.int32),
                 x=rng.random(n), y=rng.random(n),
                 slot_start=np.zeros(n, dtype=np.int64), slot_end=np.zeros(n, dtype=np.int64))


def _build_citizens(clients: np.ndarray, units: Units, rng: np.random.Generator) -> Citizens:
    n_m = clients.shape[0]
    muni = np.repeat(np.repeat(np.arange(n_m), 4), clients.ravel()).astype(np.int32)
    sector = np.repeat(np.tile(np.arange(4), n_m), clients.ravel()).astype(np.int8)
    n = len(muni)
    x, y = rng.random(n), rng.random(n)
    unit = nearest_units(muni, sector, x, y, units, units.active)
    need = draw_need(sector, rng)
    return Citizens(muni=muni, sector=sector, unit=unit, need=need, x=x, y=y,
                    match=rng.normal(0.0, 5.0, n).astype(np.float32),
                    expectation=np.zeros(n, dtype=np.float32))


NEED_SHAPE = np.array([8.0, 2.0, 4.0, 6.0])
"""Gamma shape of care need per sector (mean 1); home care the most varied (estimated)."""


def draw_need(sector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Care need weights (mean 1) for users of the given sectors."""
    shape = NEED_SHAPE[sector]
    return rng.gamma(shape, 1.0 / shape)


def nearest_units(muni: np.ndarray, sector: np.ndarray, x: np.ndarray, y: np.ndarray,
                  units: Units, eligible: np.ndarray) -> np.ndarray:
    """For each citizen, the nearest eligible unit of the same municipality and sector."""
    out = np.full(len(muni), -1, dtype=np.int32)
    ugroup = units.muni.astype(np.int64) * 4 + units.sector
    cgroup = muni.astype(np.int64) * 4 + sector
    order = np.argsort(cgroup, kind="stable")
    bounds = np.flatnonzero(np.diff(cgroup[order])) + 1
    for block in np.split(order, bounds):
        if len(block) == 0:
            continue
        cand = np.flatnonzero((ugroup == cgroup[block[0]]) & eligible)
        if len(cand) == 1:
            out[block] = cand[0]
            continue
        tree = cKDTree(np.column_stack([units.x[cand], units.y[cand]]))
        _, idx = tree.query(np.column_stack([x[block], y[block]]))
        out[block] = cand[idx]
    return out


def _size_units(units: Units, citizens: Citizens, p: WorldParams) -> None:
    """Capacity from the initial clients (15 % headroom); dormant units get a typical size."""
    clients = np.bincount(citizens.unit, minlength=len(units))
    typical = p.unit_size.array()[units.sector]
    cap = np.where(units.active, np.ceil(clients * 1.15) + 1, typical)
    units.capacity[:] = np.maximum(cap, np.ceil(typical * 0.25)).astype(np.int32)


def _build_employees(units: Units, citizens: Citizens, p: WorldParams,
                     rng: np.random.Generator) -> Employees:
    spc = p.staff_per_client.array()
    load = np.bincount(citizens.unit, weights=citizens.need, minlength=len(units))
    staffed = spc[units.sector] * (1 - p.initial_vacancy)
    staff0 = np.where(units.active, np.round(load * staffed), 0).astype(np.int64)
    dormant_staff = np.where(units.active, 0, units.capacity * spc[units.sector])
    pool = np.ceil(np.maximum(staff0, dormant_staff) * p.staff_headroom) + 2
    pool = pool.astype(np.int64)
    units.slot_end[:] = np.cumsum(pool)
    units.slot_start[:] = units.slot_end - pool
    n = int(pool.sum())
    unit = np.repeat(np.arange(len(units)), pool).astype(np.int32)
    active = (np.arange(n) - units.slot_start[unit]) < staff0[unit]
    emp = Employees(unit=unit, active=active,
                    competence=rng.beta(6, 4, n).astype(np.float32),
                    motivation=rng.beta(7, 3, n).astype(np.float32),
                    frailty=rng.lognormal(-0.18, 0.6, n).astype(np.float32),
                    trait=rng.normal(0.0, 0.08, n).astype(np.float32))
    emp.tenure[:] = rng.integers(0, 240, n)
    return emp


def assemble_world(munis: Municipalities, clients: np.ndarray, units: Units, p: WorldParams,
                   rng: np.random.Generator, capacity: np.ndarray | None = None) -> World:
    """The rest of a world from given municipalities, users per group and units (a hook for
    worlds read from a file, ``sim.worldfile``): users placed at the nearest unit, capacities
    (at least the given ones, and never below the initial clients), staff, practices."""
    citizens = _build_citizens(clients, units, rng)
    _size_units(units, citizens, p)
    if capacity is not None:
        initial = np.bincount(citizens.unit, minlength=len(units))
        units.capacity[:] = np.maximum(capacity, initial).astype(np.int32)
    employees = _build_employees(units, citizens, p, rng)
    units.practices[:] = rng.random(units.practices.shape) < p.initial_practices
    return World(munis, units, employees, citizens,
                 practice_quality=rng.uniform(0.5, 3.0, N_PRACTICES),
                 practice_cost=rng.uniform(-0.02, 0.01, N_PRACTICES),
                 practice_demand=rng.uniform(-0.02, 0.0, N_PRACTICES))
