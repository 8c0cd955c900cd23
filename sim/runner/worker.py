"""One run, as a worker executes it: simulate, then keep what the experiment asked for.

``compute_run`` never raises for a failing model run: it returns the error and its traceback,
formatted where it happened, so a failure looks the same on every backend and the sweep goes on.
Only the national series (all sectors and each sector) are kept; the per-municipality table is
dropped in the worker, so what travels back and what is stored stays small.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.experiment import Outputs
from sim.runner.plan import RunSpec

KEY_COLUMNS: tuple[str, ...] = ("run_id", "scenario", "point", "replication", "seed")
"""The columns that identify a run in every results table, before the varied parameters."""

Model = Callable[..., Any]
"""``sim.simulate.simulate`` or a stand-in with its signature (``scenario, seed, *, years, scale,
by_municipality``) returning an object with a ``national`` table."""


@dataclass
class RunOutput:
    """What a worker sends back: the run's table, or its error and traceback."""

    run_id: str
    table: pd.DataFrame | None
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0


def compute_run(spec: RunSpec, model: Model | None = None) -> RunOutput:
    """Simulate one run and reduce it to the kept outcomes; errors are returned, not raised."""
    start = time.perf_counter()
    try:
        scenario = _scenario(spec)
        if model is None:
            from sim.simulate import simulate as model
        world = {}
        if spec.world is not None:
            from sim.worldfile import WorldFile

            world = {"world": WorldFile.from_data(spec.world)}
        result = model(scenario, spec.seed, years=spec.years, scale=spec.scale,
                       by_municipality=spec.by_municipality, **world)
        table = run_table(spec, reduce_outcomes(result.national, spec.outputs))
        if spec.by_municipality:
            table = with_municipalities(spec, table, result.by_municipality)
    except Exception as err:  # noqa: BLE001 - any model error is recorded, the sweep goes on
        return RunOutput(spec.run_id, None, f"{type(err).__name__}: {err}",
                         traceback.format_exc(), time.perf_counter() - start)
    return RunOutput(spec.run_id, table, seconds=time.perf_counter() - start)


def _scenario(spec: RunSpec) -> Any:
    """The run's validated scenario, with its overrides applied."""
    from sim.scenario import validate, with_overrides

    scenario = validate(spec.scenario_data, origin=spec.scenario_name)
    if spec.overrides:
        scenario = with_overrides(scenario, spec.overrides, origin=spec.scenario_name)
    return scenario


def reduce_outcomes(national: pd.DataFrame, outputs: Outputs) -> pd.DataFrame:
    """Keep the chosen sectors and outcomes at the chosen resolution.

    ``monthly``: every month; ``yearly``: the mean of each year's months; ``final``: the mean of
    the last year's months.
    """
    rows = national[national["sector"].isin(outputs.sectors)]
    outcomes = list(outputs.outcomes)
    if outputs.resolution == "monthly":
        table = rows[["year", "month", "sector", *outcomes]]
        return table.sort_values("month", kind="stable").reset_index(drop=True)
    if outputs.resolution == "final":
        rows = rows[rows["year"] == rows["year"].max()]
    table = rows.groupby(["year", "sector"], sort=False, observed=True)[outcomes].mean()
    table = table.reset_index().sort_values("year", kind="stable", ignore_index=True)
    if outputs.resolution == "final":
        table = table.drop(columns="year")
    return table


def run_table(spec: RunSpec, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The run's outcomes with its key columns and varied parameters in front."""
    n = len(outcomes)
    front: dict[str, Any] = {
        "run_id": [spec.run_id] * n,
        "scenario": [spec.scenario_name] * n,
        "point": pd.array([spec.point] * n, dtype="int64"),
        "replication": pd.array([spec.replication] * n, dtype="int64"),
        "seed": pd.array([spec.seed] * n, dtype="int64"),
    }
    for name, value in spec.overrides.items():
        front[name] = pd.array([value] * n, dtype="float64")
    table = pd.concat([pd.DataFrame(front), outcomes.reset_index(drop=True)], axis=1)
    table["sector"] = table["sector"].astype(str)
    return table


def with_municipalities(spec: RunSpec, table: pd.DataFrame, local: pd.DataFrame) -> pd.DataFrame:
    """The run's table with a ``municipality`` column (``"all"`` on the national rows) and one
    row per municipality below it: its last-year means over all sectors (``month`` empty).

    All-sector values are exact aggregates of the sector rows: client-weighted for per-client
    outcomes, staff-weighted for sick leave and turnover, provider-weighted for practices, sums
    for counts and cost; an outcome without an exact aggregate (``quality_spread``) is empty.
    """
    outcomes = [c for c in spec.outputs.outcomes if c in local.columns]
    last = local[local["year"] == local["year"].max()]
    weights = {"clients": ("quality", "satisfaction", "cost_per_client", "private_share",
                           "switching_pct"),
               "employees": ("sick_leave_pct", "turnover_pct"), "providers": ("practices_adopted",)}
    sums = ("providers", "clients", "employees", "cost")
    rows = []
    for (index, name), group in last.groupby(["municipality", "municipality_name"], sort=True):
        months = group.groupby("month", sort=True)
        row: dict[str, object] = {"municipality": str(name), "year": int(group["year"].iloc[0])}
        for outcome in outcomes:
            weight = next((w for w, names in weights.items() if outcome in names), None)
            if outcome in sums:
                row[outcome] = float(months[outcome].sum().mean())
            elif weight is not None:
                w = months[weight].sum()
                total = (group[outcome] * group[weight]).groupby(group["month"]).sum()
                row[outcome] = float((total / w.where(w > 0)).mean())
            else:
                row[outcome] = float("nan")
        rows.append(row)
    front = {"run_id": spec.run_id, "scenario": spec.scenario_name, "point": spec.point,
             "replication": spec.replication, "seed": spec.seed, **spec.overrides}
    extra = pd.DataFrame([{**front, "sector": "all", **row} for row in rows])
    national = table.copy()
    national.insert(len(KEY_COLUMNS) + len(spec.overrides), "municipality", "all")
    out = pd.concat([national, extra[[c for c in national.columns if c in extra.columns]]],
                    ignore_index=True)
    for column in ("point", "replication", "seed"):
        out[column] = out[column].astype("int64")
    if "month" in out.columns:
        out["month"] = out["month"].astype("Int64")
    if "year" in out.columns:
        out["year"] = out["year"].astype("Int64")
    return out
