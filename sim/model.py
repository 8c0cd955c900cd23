"""The reformsim model: the world, the monthly schedule and the handles users inspect.

``ReformModel`` is a Mesa model. Its people live in arrays (``sim.state``); municipalities and
units are Mesa agents over those arrays; employees and citizens become Mesa agents when a user
selects them. One step is one month: at the start of each budget year every mechanism's
``yearly`` runs, then every month each mechanism's ``monthly`` in schedule order (budget and
staffing, the reforms that set levers, employee health, service production, citizens' choice,
citizens' experience), then the outcomes are recorded.
"""

from __future__ import annotations

import ctypes
import zlib
from functools import partial
from pathlib import Path
from typing import Any

import mesa
from mesa.agentset import AgentSet
import networkx as nx
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario
from pydantic import BaseModel

from sim import staffing
from sim.agents import Citizen, Employee, Municipality, Unit
from sim.mechanisms import Mechanism, registry
from sim.outcomes import Recorder
from sim.scenario import Scenario, ScenarioError
from sim.world import SCALES, build_world


def keep_freed_memory() -> None:
    """Let the C allocator keep freed array memory for reuse (glibc only; results unaffected).

    A Norway-scale month makes and frees some hundred temporary arrays of 1-10 MB. By default
    glibc gives each back to the system when freed and maps fresh, zeroed pages for the next,
    which cost about a tenth of the step in page faults (docs/performance.md). Raising the
    mmap and trim thresholds keeps that memory in the heap (peak memory grows by ~3 %).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 2**20)   # M_MMAP_THRESHOLD: heap, not mmap, up to 32 MB
        libc.mallopt(-1, 2**30)        # M_TRIM_THRESHOLD: do not return freed heap memory
    except (OSError, AttributeError):
        pass


class ReformScenario(MesaScenario):
    """Mesa's typed scenario object: the validated parameters, the scale and the horizon."""

    params: Any = None
    scale: str = "workshop"
    years: int = 10


class ReformModel(mesa.Model):
    """Municipalities, units, employees and citizens under a scenario's reforms."""

    def __init__(self, scenario: BaseModel | str | Path | None = None, seed: int | None = None,
                 scale: str = "workshop", years: int | None = None,
                 municipalities: int | None = None, *, rng: int | None = None,
                 world: Any = None, unit_reporters: bool = False, **overrides: Any) -> None:
        """Build the world and the mechanisms of a scenario.

        ``scenario`` is a validated scenario, a built-in scenario's name or the path of a
        scenario file (default: the defaults). Keyword ``overrides`` change it by dotted key
        (``ReformModel(scenario="voucher_choice", **{"vouchers.information": 0.6})``), validated
        like a scenario file. ``seed`` (or Mesa's ``rng``, an integer) fixes every random draw;
        ``years`` overrides the scenario's horizon; ``scale`` names the world size
        (``workshop``, ``region``, ``norway``); ``world`` is a municipalities file (CSV or
        Parquet, see docs/worlds.md) or a loaded ``sim.worldfile.WorldFile``, used instead of the
        synthetic world. ``unit_reporters`` adds agent reporters for units (quality, staff,
        sick leave) to ``datacollector``. Bad input raises ``ScenarioError``.
        """
        params = _resolve_scenario(scenario, overrides)
        if seed is not None and rng is not None and int(seed) != int(rng):
            raise ScenarioError(f"give seed or rng, not both (found seed={seed!r}, rng={rng!r})")
        seed = int(seed if seed is not None else rng if rng is not None else 0)
        keep_freed_memory()
        world_file = _resolve_world(world)
        if scale not in SCALES and municipalities is None and world_file is None:
            raise ScenarioError(f"unknown scale {scale!r}; allowed: {', '.join(SCALES)}")
        horizon = int(years if years is not None else params.years)
        super().__init__(scenario=ReformScenario(rng=int(seed), params=params, scale=scale,
                                                 years=horizon))
        self.seed = int(seed)
        self.params = params
        self.years = horizon
        self.month = 0
        if world_file is not None:
            world = world_file.build(params.world, self.stream("world"))
            n = len(world_file)
        else:
            n = municipalities or SCALES[scale]
            world = build_world(params.world, n, self.stream("world"))
        self.world_file = world_file
        self.municipality_names: list[str] = (list(world_file.names) if world_file is not None
                                              else [f"Municipality {i}" for i in range(n)])
        self.world = world
        self.municipalities_state = world.municipalities
        self.units_state = world.units
        self.employees_state = world.employees
        self.citizens_state = world.citizens
        self._init_levers()
        self.network = nx.Graph()
        self.network.add_nodes_from(range(n))
        self._municipality_list = [Municipality(self, i) for i in range(n)]
        self._unit_list = [Unit(self, i) for i in range(len(world.units))]
        self.municipalities = AgentSet(self._municipality_list, random=self.random)
        self.units = AgentSet(self._unit_list, random=self.random)
        self._people: dict[tuple[str, int, int], mesa.Agent] = {}
        self.mechanisms: list[Mechanism] = [cls(getattr(params, cls.name)) for cls in registry()]
        self.active_mechanisms = [m for m in self.mechanisms if m.enabled]
        self.refresh_counts()
        for mech in self.active_mechanisms:
            mech.setup(self)
        if world_file is not None:
            world_file.set_budget_levels(self)
        self.outcomes = Recorder(n, horizon * 12)
        self.datacollector = self._make_datacollector(unit_reporters)

    def _init_levers(self) -> None:
        n_units = len(self.units_state)
        self.unit_leavers = np.zeros(n_units)
        self.unit_days_lost = np.zeros(n_units)
        # Shared levers that reforms set and the baseline mechanisms (or other reforms) read:
        self.money_follows_client = False     # vouchers: unit funding follows current clients
        self.admin_factor = 1.0               # shared service centres lower administration
        self.information = 0.0                # 0-1: public information on providers' quality
        self.targets_quality: np.ndarray | None = None  # published quality targets per sector
        self.newcomers = np.zeros(0, dtype=np.int64)
        self._next_person = len(self.employees_state) + len(self.citizens_state)

    # --- the schedule -------------------------------------------------------------------
    def step(self) -> None:
        """One month."""
        self.unit_leavers[:] = 0
        self.municipalities_state.reform_cost_month[:] = 0
        self.units_state.transaction_cost_month[:] = 0
        self.citizens_state.switched[:] = False
        if self.month % 12 == 0:
            self._close_budget_year()
            for mech in self.active_mechanisms:
                mech.yearly(self)
        for mech in self.active_mechanisms:
            mech.monthly(self)
        self.outcomes.record(self)
        self.month += 1
        self.datacollector.collect(self)
        if self.month >= self.years * 12:
            self.running = False

    def run(self, months: int | None = None, progress: Any = None) -> Recorder:
        """Run ``months`` (default: the scenario's horizon); ``progress(1)`` after each month."""
        for _ in range(months if months is not None else self.years * 12 - self.month):
            self.step()
            if progress is not None:
                progress(1)
        return self.outcomes

    def _close_budget_year(self) -> None:
        m = self.municipalities_state
        if self.month > 0:
            m.deficit[:] = m.spent - m.budget

    # --- services for mechanisms ----------------------------------------------------------
    def stream(self, name: str) -> np.random.Generator:
        """An independent random generator per purpose, spawned from the model's seed.

        Switching a reform on never shifts the random numbers of the others, so scenarios on
        the same seed differ only by their policies (common random numbers).
        """
        key = zlib.crc32(name.encode())
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))

    def mechanism(self, name: str) -> Mechanism:
        for mech in self.mechanisms:
            if mech.name == name:
                return mech
        raise KeyError(name)

    def refresh_counts(self) -> None:
        """Recount clients, need-weighted clients and staff per unit."""
        e = self.employees_state
        self.refresh_clients()
        self.units_state.staff[:] = np.bincount(e.unit[e.active], minlength=len(self.units_state))

    def refresh_clients(self) -> None:
        """Recount clients and need-weighted clients per unit (after users move or renew)."""
        u, c = self.units_state, self.citizens_state
        unit = c.unit.astype(np.intp)  # bincount converts to intp: do it once
        u.clients[:] = np.bincount(unit, minlength=len(u))
        u.weighted_clients[:] = np.bincount(unit, weights=c.need, minlength=len(u))

    def needed_staff(self) -> np.ndarray:
        """Staff each unit needs at the sector norm for its need-weighted clients."""
        u = self.units_state
        spc = self.params.world.staff_per_client.array()
        return u.weighted_clients * spc[u.sector] * (1 - u.labour_saving)

    def practice_effect(self, kind: str) -> np.ndarray:
        """Per unit, the summed effect of its practices (``sim.staffing.practice_effect``)."""
        return staffing.practice_effect(self, kind)

    def next_person_ids(self, k: int) -> np.ndarray:
        """``k`` new person ids (``sim.staffing.next_person_ids``)."""
        return staffing.next_person_ids(self, k)

    def hire(self, slots: np.ndarray) -> None:
        """New employees take the given empty slots (``sim.staffing.hire``)."""
        staffing.hire(self, slots)

    def release(self, slots: np.ndarray, reason: str = "turnover") -> None:
        """Employees leave their slots (``sim.staffing.release``)."""
        staffing.release(self, slots, reason)

    # --- data collection (Mesa's DataCollector over the recorder's arrays) ------------------
    def _make_datacollector(self, unit_reporters: bool) -> mesa.DataCollector:
        """Model reporters: the national outcome columns of the month just recorded, read from
        the recorder's sums (no loop over agents). Unit reporters only on request."""
        from sim.outcomes import OUTCOMES

        reporters = {name: partial(_national_outcome, name) for name in OUTCOMES}
        units = ({Unit: {"quality": "quality", "staff": "staff",
                         "sick_leave_pct": "sick_leave_pct", "municipality": "municipality_index",
                         "sector": "sector", "active": "active"}}
                 if unit_reporters else None)
        return mesa.DataCollector(model_reporters=reporters, agenttype_reporters=units)

    def national_now(self) -> dict[str, float]:
        """The national outcomes (all sectors) of the latest recorded month, computed once per
        month exactly as ``outcomes.national()`` computes them."""
        cached = getattr(self, "_national_now", None)
        if cached is None or cached[0] != self.outcomes.months:
            cached = (self.outcomes.months, self.outcomes.national_month())
            self._national_now = cached
        return cached[1]

    # --- handles for users ------------------------------------------------------------------
    def municipality(self, index: int) -> Municipality:
        """The municipality agent with array index ``index``."""
        return self._municipality_list[index]

    def unit(self, index: int) -> Unit:
        """The unit agent with array index ``index``."""
        return self._unit_list[index]

    def employee(self, slot: int) -> Employee:
        """The employee now in ``slot`` as a Mesa agent (created on first request)."""
        return self._person(Employee, "employees_state", slot)

    def citizen(self, slot: int) -> Citizen:
        """The citizen now in ``slot`` as a Mesa agent (created on first request)."""
        return self._person(Citizen, "citizens_state", slot)

    def _person(self, cls: type, state: str, slot: int) -> Any:
        arrays = getattr(self, state)
        if not 0 <= slot < len(arrays.person_id) or arrays.person_id[slot] < 0:
            raise LookupError(f"no {cls.__name__.lower()} in slot {slot}")
        key = (state, slot, int(arrays.person_id[slot]))
        if key not in self._people:
            self._people[key] = cls(self, slot)
        return self._people[key]

    def select_employees(self, mask: np.ndarray, limit: int = 1000) -> AgentSet:
        """Employees matching a boolean mask over slots, as a Mesa AgentSet (at most ``limit``)."""
        e = self.employees_state
        slots = np.flatnonzero(mask & e.active)[:limit]
        return AgentSet([self.employee(int(s)) for s in slots], random=self.random)

    def select_citizens(self, mask: np.ndarray, limit: int = 1000) -> AgentSet:
        """Citizens matching a boolean mask over slots, as a Mesa AgentSet (at most ``limit``)."""
        slots = np.flatnonzero(mask)[:limit]
        return AgentSet([self.citizen(int(s)) for s in slots], random=self.random)


def _national_outcome(name: str, model: ReformModel) -> float:
    return model.national_now()[name]


def _resolve_scenario(scenario: BaseModel | str | Path | None,
                      overrides: dict[str, Any]) -> BaseModel:
    """A validated scenario from an object, a name or a path, with dotted-key overrides."""
    from sim.scenario import load_scenario, with_overrides

    if scenario is None:
        params = Scenario()
    elif isinstance(scenario, (str, Path)):
        params = load_scenario(scenario)
    elif isinstance(scenario, BaseModel) and hasattr(scenario, "world"):
        params = scenario
    else:
        raise ScenarioError(f"scenario: expected a scenario name, a .toml path or a scenario "
                            f"object; found {type(scenario).__name__}")
    if overrides:
        params = with_overrides(params, overrides, origin="ReformModel")
    return params


def _resolve_world(world: Any) -> Any:
    """None, or a loaded municipalities file (``sim.worldfile.WorldFile``)."""
    if world is None:
        return None
    from sim.worldfile import WorldFile, load_world

    return world if isinstance(world, WorldFile) else load_world(world)
