"""Runs of an experiment: scenario x parameter point x replication, each keyed by its run id.

The run id is a hash of everything the run's numbers depend on: the scenario (its name and its
validated contents, so an edited scenario file is not mistaken for the old one), the overridden
parameters, the seed, the years, the scale and the outputs kept. The same run in another sweep,
or in the same sweep started again, has the same id, so it is never computed twice.

The id has two parts, ``<key>-<code version>``: the key (24 hex digits) hashes the inputs above,
the code version (``sim.provenance.code_version``) the source files that can change the numbers.
After a model change every id changes, so a resumed sweep recomputes its runs instead of mixing
old and new results; ``--reuse-stale`` (``RunStore(reuse_stale=True)``) is the explicit opt-in
that accepts a stored run of the same key made by other code, and reports flag it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.experiment import Experiment, ExperimentError, Outputs
from sim.provenance import code_version

Scenario = BaseModel
"""A validated scenario (``sim.scenario``'s schema is built at run time, so typed as BaseModel)."""


@dataclass(frozen=True)
class RunSpec:
    """One simulation run: a scenario with overrides, a seed, a horizon, a scale.

    The scenario travels as plain data (its validated values) and is validated again in the
    worker, so workers on other machines need neither the scenario files nor shared classes.
    """

    scenario_name: str
    scenario_data: dict[str, Any]
    overrides: dict[str, float]
    point: int
    replication: int
    seed: int
    years: int
    scale: str
    outputs: Outputs
    run_id: str = field(default="")
    world: dict[str, Any] | None = None    # a municipalities file as plain data (sim.worldfile)
    by_municipality: bool = False          # also keep each municipality's last-year means

    def describe(self) -> str:
        """A short human label: scenario, point, replication, seed."""
        params = ", ".join(f"{k}={v:g}" for k, v in self.overrides.items())
        where = f" ({params})" if params else ""
        return f"{self.scenario_name}{where} replication {self.replication} seed {self.seed}"


def run_id(scenario: Scenario, overrides: dict[str, float], seed: int, years: int, scale: str,
           outputs: Outputs) -> str:
    """The id of a run: a hash of everything its results depend on, then the code version."""
    key: dict[str, Any] = {
        "scenario": scenario.name,
        "scenario_contents": hashlib.sha256(scenario.model_dump_json().encode()).hexdigest(),
        "overrides": {k: overrides[k] for k in sorted(overrides)},
        "seed": int(seed), "years": int(years), "scale": scale,
        "outputs": outputs.model_dump(mode="json"),
    }
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return f"{hashlib.sha256(text.encode()).hexdigest()[:24]}-{code_version()}"


def plan_runs(experiment: Experiment, scenarios: list[Scenario],
              draws: list[dict[str, float]] | None = None, world: Any = None,
              by_municipality: bool | None = None) -> list[RunSpec]:
    """Every run of the experiment, ordered by scenario, parameter point and replication.

    Every scenario and every point use the same replication seeds (common random numbers).
    With ``draws`` (parameter sets from a posterior, ``sim.calibrate.posterior``), replication ``r``
    also sets the parameters of draw ``r mod len(draws)``, the same in every scenario and point.
    ``world``: a municipalities file (``sim.worldfile.WorldFile``) every run is built from;
    ``by_municipality`` (default: with a world) keeps each municipality's last-year means too.
    """
    keep_local = world is not None if by_municipality is None else by_municipality
    world_data = world.to_data() if world is not None else None
    seeds = experiment.seeds()
    points = experiment.points()
    specs = []
    for scenario in scenarios:
        years = experiment.years or scenario.years
        data = scenario.model_dump(mode="json")
        for p, point in enumerate(points):
            for r, seed in enumerate(seeds):
                overrides = {**point, **draws[r % len(draws)]} if draws else point
                rid = run_id(scenario, overrides, seed, years, experiment.scale, experiment.outputs)
                if world is not None or keep_local:
                    rid = _with_world(rid, world, keep_local)
                specs.append(RunSpec(scenario.name, data, overrides, p, r, seed, years,
                                     experiment.scale, experiment.outputs, rid, world_data,
                                     keep_local))
    return specs


def _with_world(rid: str, world: Any, by_municipality: bool) -> str:
    """A run's key with its municipalities file (contents) and per-municipality rows."""
    digest = world.digest() if world is not None else "synthetic"
    text = f"{rid}|world={digest}|by_municipality={by_municipality}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def resolve_scenarios(experiment: Experiment, source: str | Path) -> list[Scenario]:
    """Load the experiment's scenarios and check that every varied parameter exists in them.

    Raises ExperimentError (one message naming ``source``) for an unknown scenario, an unknown
    parameter or a value the scenario schema rejects.
    """
    from sim.scenario import ScenarioError, load_scenario

    scenarios = []
    for i, name in enumerate(experiment.scenarios):
        try:
            scenarios.append(load_scenario(name))
        except ScenarioError as err:
            raise ExperimentError(f"{source}: key 'scenarios[{i}]' = {name!r}: {err}") from None
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ExperimentError(f"{source}: key 'scenarios': a scenario is listed twice: {names}")
    for scenario in scenarios:
        _check_parameters(experiment, scenario, source)
    return scenarios


def _check_parameters(experiment: Experiment, scenario: Scenario, source: str | Path) -> None:
    from sim.scenario import ScenarioError, with_overrides

    for i, p in enumerate(experiment.parameters):
        for value in p.values if p.values is not None else [p.low, p.high]:
            try:
                with_overrides(scenario, {p.name: value}, origin=str(source))
            except ScenarioError as err:
                raise ExperimentError(
                    f"{source}: key 'parameters[{i}]' (name = {p.name!r}, value {value!r}) "
                    f"in scenario {scenario.name!r}: {err}") from None
