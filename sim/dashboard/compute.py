"""Model runs for the dashboard: computed in worker processes, played back by the page.

A workshop run of ten years takes about a second to compute, and a room of participants would
otherwise share one server process for their model steps and charts. So the page never steps a
model: :func:`record_run` runs a whole scenario in a worker of a process pool shared by every
session (one worker per core) and sends back a :class:`Recording` -- the national outcome table
(the very table ``reformsim run`` writes for that scenario and seed), each month's service units
and each year's learning network. The page then plays the recording back month by month, so a
session's *Play* never waits for another session's computation, only for its own two runs.

:class:`RunCache` hands out one future per (scenario, seed, scale, world): two participants who
ask for the same run (the comparison preset, say) share it, and the cache keeps a bounded number of
recordings. A run built from an uploaded municipalities file (``sim.worldfile.WorldFile``) is sent
to the worker as plain data (``WorldFile.to_data``) and keyed by the file's contents, so sessions
with different worlds never share a recording. :func:`shutdown` stops the workers at once (the
server calls it on SIGTERM/Ctrl-C).

This module imports no Solara: the workers load only the model.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import threading
import traceback
from collections import OrderedDict
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

CACHE_SIZE = 48
"""Recordings kept for reuse (about 2-4 MB each at workshop scale)."""

UNIT_FIELDS: tuple[tuple[str, str], ...] = (
    ("clients", "Clients"),
    ("staff", "Staff"),
    ("quality", "Quality (0-100)"),
    ("workload", "Workload (1 = norm)"),
    ("sick_leave_pct", "Sick leave (%)"),
    ("practices", "Practices adopted"),
    ("autonomy", "Autonomy (0-1)"),
    ("empowerment", "Empowerment (0-1)"),
)
"""The numeric columns of the units table, recorded every month (state array, label)."""

INT_FIELDS = {"clients", "staff", "practices"}


@dataclass
class Recording:
    """One whole run, as the page plays it back.

    ``national``: one row per month and sector, exactly ``ReformModel.outcomes.national()`` at
    the end of the run (``reformsim run`` writes the same table, with ``scenario`` and ``seed``
    in front). ``units``: months+1 x units x ``UNIT_FIELDS`` (float32; month ``m`` is the state
    after ``m`` steps), with each unit slot's municipality, sector, owner and whether it is
    active, per month.
    ``network``: the learning network after ``12 * y`` months, for every year ``y``.
    ``months``: how many months were computed; ``error``: why the run stopped early, if it did.
    ``municipalities``: one label per municipality in index order (``"3: Havbyen"`` with a world
    file, ``"Municipality 3"`` in the synthetic world); ``node_labels``: the short label the
    network view writes under each dot (the name, or the index); ``world``: the municipalities
    file's name, or None for the synthetic world.
    """

    name: str
    seed: int
    horizon: int
    months: int
    national: pd.DataFrame
    municipalities: list[str]
    unit_muni: np.ndarray              # months+1 x units (a slot may be reused by a new unit)
    unit_sector: np.ndarray            # months+1 x units
    unit_active: np.ndarray            # months+1 x units (bool)
    unit_private: np.ndarray           # months+1 x units (bool)
    units: np.ndarray                  # months+1 x units x fields (float32)
    unit_fields: list[str]
    positions: np.ndarray              # municipalities x 2
    network: dict[int, dict[str, Any]] = field(default_factory=dict)
    node_labels: list[str] = field(default_factory=list)
    world: str | None = None
    error: str | None = None
    seconds: float = 0.0

    def national_until(self, month: int, sector: str = "all") -> pd.DataFrame:
        """The national rows of the first ``month`` months (what the page shows at ``month``)."""
        by_sector = self.__dict__.get("_by_sector")
        if by_sector is None:  # split once per sector (rows in month order), then slice
            df = self.national
            by_sector = {s: part.reset_index(drop=True)
                         for s, part in df.groupby("sector", sort=False, observed=True)}
            self.__dict__["_by_sector"] = by_sector
        part = by_sector.get(sector)
        if part is None:
            return self.national.iloc[0:0]
        return part.iloc[:int(np.searchsorted(part["month"].to_numpy(), month, side="right"))]

    def network_at(self, month: int) -> dict[str, Any]:
        """The network as of the last year boundary at or before ``month``."""
        year = min(month // 12, max(self.network))
        return self.network[year]

    def nbytes(self) -> int:
        arrays = (self.units, self.unit_active, self.unit_private, self.unit_muni,
                  self.unit_sector)
        return int(sum(a.nbytes for a in arrays) + self.national.memory_usage(deep=True).sum())


# ------------------------------------------------------------------------------ in the worker
def record_run(scenario_data: dict[str, Any], seed: int, scale: str,
               world_data: dict[str, Any] | None = None) -> Recording:
    """Run the scenario for its horizon in this (worker) process and record what the page shows.

    ``world_data``: a municipalities file as plain data (``WorldFile.to_data``), or None for the
    synthetic world of ``scale``. The model is built and run exactly as ``sim.simulate.simulate``
    does, so the national table is bit for bit the one ``reformsim run`` writes for the same
    scenario, seed and scale (and ``--world FILE``).
    """
    import time

    from sim.model import ReformModel
    from sim.scenario import validate
    from sim.worldfile import WorldFile

    start = time.perf_counter()
    scenario = validate(scenario_data, origin=str(scenario_data.get("name", "dashboard")))
    world = WorldFile.from_data(world_data) if world_data is not None else None
    model = ReformModel(scenario=scenario, seed=seed, scale=scale, world=world)
    horizon = int(model.years * 12)
    u = model.units_state
    n_units = len(u.active)
    fields = [name for name, _ in UNIT_FIELDS if _unit_values(model, name) is not None]
    units = np.zeros((horizon + 1, n_units, len(fields)), dtype=np.float32)
    active = np.zeros((horizon + 1, n_units), dtype=bool)
    private = np.zeros((horizon + 1, n_units), dtype=bool)
    muni = np.zeros((horizon + 1, n_units), dtype=np.int16)
    sector = np.zeros((horizon + 1, n_units), dtype=np.int8)
    network: dict[int, dict[str, Any]] = {}

    def capture(month: int) -> None:
        state = model.units_state
        n = min(n_units, len(state.active))
        for j, name in enumerate(fields):
            units[month, :n, j] = _unit_values(model, name)[:n]
        active[month, :n] = state.active[:n]
        private[month, :n] = state.private[:n]
        muni[month, :n] = state.muni[:n]
        sector[month, :n] = state.sector[:n]
        if month % 12 == 0 or month == horizon:
            network[month // 12] = _network(model)

    capture(0)
    error = None
    month = 0
    try:
        for month in range(1, horizon + 1):
            model.step()
            capture(month)
    except Exception as err:  # noqa: BLE001 - shown on the page, the page stays alive
        traceback.print_exc()
        error = f"The run stopped in month {month - 1}: {err}"
        month -= 1
    national = model.outcomes.national()
    munis = sorted(model.municipalities, key=lambda a: getattr(a, "index", a.unique_id))
    return Recording(
        name=scenario.name, seed=seed, horizon=horizon, months=month, national=national,
        municipalities=[_muni_name(a) for a in munis],
        node_labels=[_node_label(a) for a in munis],
        world=world.source if world is not None else None,
        unit_muni=muni, unit_sector=sector,
        unit_active=active, unit_private=private, units=units, unit_fields=fields,
        positions=_positions(model), network=network, error=error,
        seconds=time.perf_counter() - start)


def _unit_values(model: Any, name: str) -> np.ndarray | None:
    """One value per unit for a units-table column, from the model's state arrays."""
    s = model.units_state
    if name == "sick_leave_pct":
        share = getattr(s, "absence_share", None)
        return None if share is None else 100.0 * np.asarray(share, dtype=float)
    if name == "practices":
        practices = getattr(s, "practices", None)
        return None if practices is None else np.asarray(practices).sum(axis=1)
    values = getattr(s, name, None)
    return None if values is None else np.asarray(values, dtype=float)


def _muni_name(a: Any) -> str:
    idx = getattr(a, "index", a.unique_id)
    name = getattr(a, "name", None)
    return f"{idx}: {name}" if name and str(name) != str(idx) else f"Municipality {idx}"


def _node_label(a: Any) -> str:
    """The label under a municipality's dot in the network view: its name, else its index."""
    name = getattr(a, "name", None)
    return str(name) if name else str(getattr(a, "index", a.unique_id))


def _positions(model: Any) -> np.ndarray:
    """Where each municipality is drawn (its map position, or a fixed layout of the network)."""
    g = model.network
    m = getattr(model, "municipalities_state", None)
    if m is not None and hasattr(m, "x") and len(m.x) == g.number_of_nodes():
        return np.column_stack([np.asarray(m.x, float), np.asarray(m.y, float)])
    import networkx as nx

    pos = nx.spring_layout(g, seed=1)
    return np.array([pos[n] for n in sorted(g.nodes)], dtype=float)


def _network(model: Any) -> dict[str, Any]:
    """Practices adopted and network membership per municipality, and who meets whom."""
    g = model.network
    nodes = sorted(g.nodes)
    u = model.units_state
    m = model.municipalities_state
    practices = np.zeros(len(nodes))
    if hasattr(u, "practices"):
        for i in range(len(nodes)):
            rows = u.practices[(u.muni == i) & u.active]
            practices[i] = float(rows.any(axis=0).sum()) if len(rows) else 0.0
    member = np.asarray(getattr(m, "in_network", np.zeros(len(nodes))), dtype=bool)[:len(nodes)]
    index = {n: i for i, n in enumerate(nodes)}
    return {"nodes": nodes, "edges": [(index[a], index[b]) for a, b in g.edges],
            "practices": practices, "member": member}


def _warm() -> int:
    """Import the model in a fresh worker (so the first page does not wait for it)."""
    import sim.model  # noqa: F401
    import sim.scenario  # noqa: F401

    return os.getpid()


# ------------------------------------------------------------------------------ in the server
def run_key(scenario: Any, seed: int, scale: str, world: Any = None) -> str:
    """What a recording depends on: the validated scenario's contents, the seed, the scale and
    the municipalities file's contents (its rows: ``world`` is a ``WorldFile`` or None)."""
    text = json.dumps({"scenario": scenario.model_dump(mode="json"), "seed": int(seed),
                       "scale": scale,
                       "world": world.to_data()["rows"] if world is not None else None},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def pool_size() -> int:
    from sim.runner.executors import default_workers

    return default_workers()


class RunCache:
    """The process pool shared by every session, and the runs it computed or is computing.

    ``request`` returns a future of the :class:`Recording`; the same run asked for twice is
    computed once. ``ahead(future)`` is how many runs were asked for earlier and are not done
    yet (what the page shows as "server busy").
    """

    def __init__(self, workers: int | None = None, size: int = CACHE_SIZE) -> None:
        self.workers = workers or pool_size()
        self.size = size
        self._lock = threading.Lock()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._runs: OrderedDict[str, cf.Future] = OrderedDict()
        self._users: dict[int, int] = {}   # sessions waiting for each future (by id)
        self._order: dict[int, int] = {}
        self._count = 0
        self.closed = False

    # the pool ----------------------------------------------------------------------------
    def _executor(self) -> cf.ProcessPoolExecutor:
        if self.closed:
            raise RuntimeError("the dashboard server is stopping")
        if self._pool is None:
            from sim.runner.executors import _init_worker, single_threaded_libraries

            single_threaded_libraries()
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(os.getpid(),))
        return self._pool

    def warm(self) -> None:
        """Start the workers and import the model in them (in the background)."""
        with self._lock:
            pool = self._executor()
            for _ in range(self.workers):
                pool.submit(_warm)

    def worker_pids(self) -> list[int]:
        pool = self._pool
        return [p.pid for p in (getattr(pool, "_processes", None) or {}).values()] if pool else []

    # runs --------------------------------------------------------------------------------
    def request(self, scenario: Any, seed: int, scale: str, world: Any = None) -> cf.Future:
        """The future recording of ``scenario`` at ``seed`` and ``scale``, built from the
        municipalities file ``world`` (a ``WorldFile``) when given."""
        key = run_key(scenario, seed, scale, world)
        with self._lock:
            future = self._runs.get(key)
            if future is not None and not self._failed(future):
                self._runs.move_to_end(key)
                self._users[id(future)] = self._users.get(id(future), 0) + 1
                return future
            data = scenario.model_dump(mode="json")
            world_data = world.to_data() if world is not None else None
            try:
                future = self._executor().submit(record_run, data, int(seed), scale, world_data)
            except BrokenProcessPool:
                self._pool = None
                future = self._executor().submit(record_run, data, int(seed), scale, world_data)
            self._count += 1
            self._order[id(future)] = self._count
            self._users[id(future)] = 1
            future.add_done_callback(self._finished)
            self._runs[key] = future
            self._evict()
            return future

    @staticmethod
    def _failed(future: cf.Future) -> bool:
        return future.done() and (future.cancelled() or future.exception() is not None)

    def _evict(self) -> None:
        while len(self._runs) > self.size:
            oldest = next(iter(self._runs))
            if not self._runs[oldest].done():
                break  # never drop a run someone is waiting for
            self._runs.pop(oldest)

    def ahead(self, future: cf.Future) -> int:
        """Runs asked for before ``future`` that are not finished yet."""
        mine = self._order.get(id(future))
        if mine is None:
            return 0
        return sum(1 for n in list(self._order.values()) if n < mine)

    def pending(self) -> int:
        return len(self._order)

    def _finished(self, future: cf.Future) -> None:
        self._order.pop(id(future), None)
        self._users.pop(id(future), None)

    def forget(self, future: cf.Future) -> None:
        """A session no longer needs ``future``: cancel it if no other session waits for it and
        it has not started."""
        with self._lock:
            left = self._users.get(id(future), 0) - 1
            if left > 0:
                self._users[id(future)] = left
                return
            self._users.pop(id(future), None)
        if future.cancel():
            self._order.pop(id(future), None)

    def shutdown(self) -> None:
        """Stop at once: cancel what waits, end the workers (the server is stopping)."""
        self.closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


_CACHE: RunCache | None = None
_CACHE_LOCK = threading.Lock()


def runs() -> RunCache:
    """The server's one run cache (and process pool), made on first use."""
    global _CACHE
    with _CACHE_LOCK:
        if _CACHE is None or _CACHE.closed:
            _CACHE = RunCache()
        return _CACHE


def shutdown() -> None:
    if _CACHE is not None:
        _CACHE.shutdown()
