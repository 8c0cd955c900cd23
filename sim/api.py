"""The Python API: reformsim from a notebook or a script (documented in docs/python.md).

Everything here is importable from the package's top level (``import sim``; ``sim.run(...)``)
and is the stable way in: the modules behind it may change, these names and signatures do not
without notice. Every function gives the same numbers as the command line for the same seed and
parameters (it calls the same code), and raises the same one-line errors: ``ScenarioError`` for
a bad scenario, override or municipalities file, ``ExperimentError`` for a bad experiment file.

=================================  ==========================================================
``load(name_or_path, overrides)``  a validated scenario (built-in name or ``.toml`` path)
``override(scenario, overrides)``  a copy with dotted keys changed (``"vouchers.information"``)
``scenarios()``                    the built-in scenarios: name -> one-line description
``run(scenario, seed)``            one run: monthly tables as pandas DataFrames
``compare(scenarios, ...)``        scenarios with replications: summary with 95 % intervals
``sweep(experiment_file)``         every run of an experiment file: the results table
``read_results(folder)``           the tables of a folder written by run, compare or sweep
``load_world(path)``               a municipalities file (CSV or Parquet), validated
``ReformModel``                    the Mesa model itself (``model.datacollector``, batch_run)
=================================  ==========================================================
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from sim.experiment import ExperimentError
from sim.model import ReformModel
from sim.scenario import ScenarioError
from sim.simulate import RunResult
from sim.worldfile import WorldError, WorldFile, load_world

__all__ = ["Comparison", "ExperimentError", "ReformModel", "RunResult", "ScenarioError",
           "StoredResults", "WorldError", "WorldFile", "compare", "load", "load_world",
           "override", "read_results", "run", "scenarios", "sweep"]

ScenarioLike = str | Path | BaseModel
"""A built-in scenario's name, the path of a scenario file, or a scenario from ``load``."""

WorldLike = str | Path | WorldFile | None
"""A municipalities file (CSV or Parquet, see docs/worlds.md), a loaded one, or None (synthetic)."""

HEADLINE: tuple[str, ...] = ("quality", "satisfaction", "cost_per_client", "sick_leave_pct")
"""The outcomes of the comparison summary (as in ``reformsim compare``)."""


def scenarios() -> dict[str, str]:
    """The built-in scenarios: name -> one-line description, sorted by name."""
    from sim.scenario import list_scenarios

    return dict(list_scenarios())


def load(name_or_path: ScenarioLike = "baseline",
         overrides: Mapping[str, Any] | None = None) -> BaseModel:
    """A validated scenario: a built-in name (``"voucher_choice"``) or a ``.toml`` file's path.

    ``overrides`` change parameters by dotted key, e.g. ``{"vouchers.information": 0.6}``, and
    are validated like a file. A scenario object is returned as it is (with the overrides).
    Raises ``ScenarioError`` with the command line's one-line message.
    """
    from sim.scenario import load_scenario

    scenario = name_or_path if isinstance(name_or_path, BaseModel) else load_scenario(name_or_path)
    return override(scenario, overrides) if overrides else scenario


def override(scenario: ScenarioLike, overrides: Mapping[str, Any]) -> BaseModel:
    """A copy of ``scenario`` with dotted keys replaced (``{"empowerment.intensity": 0.6}``).

    An unknown key or a value out of range raises ``ScenarioError`` naming the key, what is
    allowed and what was found.
    """
    from sim.scenario import with_overrides

    base = load(scenario)
    return with_overrides(base, dict(overrides), origin=f"{base.name} (override)")


def run(scenario: ScenarioLike = "baseline", seed: int = 1, *, years: int | None = None,
        scale: str = "workshop", world: WorldLike = None,
        overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Run one scenario once; the same numbers as ``reformsim run SCENARIO --seed SEED``.

    Returns a ``RunResult`` whose ``national`` DataFrame has one row per month and sector
    (``"all"`` and the four sectors) and whose ``by_municipality`` DataFrame has one row per
    month, municipality and sector (with the municipality's name in ``municipality_name``).
    ``years`` defaults to the scenario's own; ``scale`` is ``workshop``, ``region`` or
    ``norway``; ``world`` a municipalities file used instead of the synthetic world.
    """
    from sim.simulate import simulate

    chosen = load(scenario, overrides)
    return simulate(chosen, int(seed), years=years or chosen.years, scale=scale,
                    world=_world(world))


@dataclass(frozen=True)
class Comparison:
    """The outcome of ``compare``.

    ``summary``: per scenario and outcome, the mean of the last simulated year over
    replications with its 95 % interval (``ci_low``, ``ci_high``) and the paired difference
    from the reference scenario with its interval (``diff``, ``diff_low``, ``diff_high``) -- the
    table of ``reformsim compare`` (``summary.csv``).
    ``results``: every run's monthly outcomes per sector (``results.parquet``).
    ``by_sector``: last-year means per scenario and sector.
    ``by_municipality``: with a municipalities file, last-year means per scenario and
    municipality (by name); otherwise empty.
    """

    reference: str
    summary: pd.DataFrame
    results: pd.DataFrame
    by_sector: pd.DataFrame
    by_municipality: pd.DataFrame = field(default_factory=pd.DataFrame)
    failures: list[str] = field(default_factory=list)


def compare(scenarios: Sequence[ScenarioLike] | None = None, replications: int = 10, *,
            years: int | None = None, seed: int = 1, scale: str = "workshop",
            world: WorldLike = None, workers: int = 1, out: str | Path | None = None,
            progress: bool = False) -> Comparison:
    """Compare scenarios with replications, as ``reformsim compare`` does (same seeds, numbers).

    ``scenarios`` are names, files or scenario objects (default: every built-in scenario);
    every scenario runs with the same ``replications`` seeds spawned from ``seed`` (common random
    numbers). The reference for differences is ``baseline`` when present, else the first.
    ``workers`` > 1 runs in local worker processes (in a script, under
    ``if __name__ == "__main__":``). ``out`` keeps the runs in a folder (an interrupted
    comparison resumes there); by default they go to a temporary folder.
    """
    from sim.commands.compare import REFERENCE
    from sim.experiment import ALL_SECTORS, Experiment, Outputs
    from sim.outcomes import OUTCOMES
    from sim.report import stats
    from sim.runner.plan import plan_runs

    chosen = [load(s) for s in (scenarios if scenarios is not None else list(_builtin()))]
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise ScenarioError(f"compare: a scenario is listed twice: {names}")
    experiment = _validated(Experiment, name="compare", scenarios=names,
                            replications=replications, years=years, scale=scale,
                            base_seed=seed, outputs=Outputs(resolution="monthly",
                                                            outcomes=list(OUTCOMES),
                                                            sectors=list(ALL_SECTORS)))
    world_file = _world(world)
    specs = plan_runs(experiment, chosen, world=world_file)
    results, failures = _execute(specs, out, workers, progress, "compare")
    if results.empty:
        raise RuntimeError("compare: no run finished: " + "; ".join(failures))
    local = results[results["municipality"] != "all"] if "municipality" in results else None
    if local is not None:
        results = results[results["municipality"] == "all"].drop(columns="municipality")
    order = [n for n in names if n in set(results["scenario"])]
    reference = REFERENCE if REFERENCE in order else order[0]
    final = stats.final_values(results, list(HEADLINE))
    from sim.commands.compare import SECTOR_OUTCOMES, municipality_table

    return Comparison(
        reference=reference, summary=stats.scenario_table(final, list(HEADLINE), reference),
        results=results.reset_index(drop=True),
        by_sector=stats.sector_means(results, list(SECTOR_OUTCOMES)),
        by_municipality=(municipality_table(local, list(HEADLINE)) if local is not None
                         else pd.DataFrame()),
        failures=failures)


def sweep(experiment_file: str | Path, *, workers: int = 1, out: str | Path | None = None,
          world: WorldLike = None, progress: bool = False) -> pd.DataFrame:
    """Run every run of an experiment file; return its results table (``results.parquet``).

    The same runs, seeds and numbers as ``reformsim sweep EXPERIMENT``: one row per run, sector
    and time step (as the file's ``[outputs]`` asks), with the run's keys and varied
    parameters in front. ``out`` keeps the runs (a repeated call resumes); ``workers`` > 1 uses
    local worker processes. Raises ``ExperimentError`` for a bad file.
    """
    from sim.experiment import load_experiment
    from sim.runner.plan import plan_runs, resolve_scenarios

    path = Path(experiment_file)
    experiment = load_experiment(path)
    specs = plan_runs(experiment, resolve_scenarios(experiment, path), world=_world(world),
                      by_municipality=False)
    results, failures = _execute(specs, out, workers, progress, f"sweep {experiment.name}")
    if failures:
        raise RuntimeError(f"sweep {experiment.name}: {len(failures)} run(s) failed: "
                           + "; ".join(failures[:5]))
    return results


@dataclass(frozen=True)
class StoredResults:
    """The tables of a results folder, by file name without suffix.

    ``tables["results"]`` (compare, sweep), ``tables["summary"]`` (compare),
    ``tables["monthly"]`` and ``tables["monthly_by_municipality"]`` (run),
    ``tables["sensitivity"]`` (Sobol and Morris sweeps). ``failures`` lists the runs that
    failed (``failures.json``), ``experiment`` is the copy of the experiment file (sweep).
    """

    path: Path
    tables: dict[str, pd.DataFrame]
    failures: list[dict[str, Any]] = field(default_factory=list)
    experiment: str | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        """The table ``name`` (e.g. ``"results"``); KeyError names the tables there are."""
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"{self.path}: no table {name!r}; tables here: "
                           f"{', '.join(sorted(self.tables)) or 'none'}") from None


def read_results(folder: str | Path) -> StoredResults:
    """Read a folder written by ``reformsim run``, ``compare`` or ``sweep`` (or by ``compare``
    and ``sweep`` here with ``out=``). Parquet is preferred over the CSV copy of a table."""
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such results folder")
    tables: dict[str, pd.DataFrame] = {}
    for file in sorted(path.glob("*.csv")):
        if not file.name.startswith("."):
            tables[file.stem] = pd.read_csv(file)
    for file in sorted(path.glob("*.parquet")):
        if not file.name.startswith("."):
            tables[file.stem] = pd.read_parquet(file)
    failures_path = path / "failures.json"
    failures = json.loads(failures_path.read_text(encoding="utf-8")) if failures_path.exists() else []
    experiment_path = path / "experiment.toml"
    experiment = experiment_path.read_text(encoding="utf-8") if experiment_path.exists() else None
    if not tables and not failures:
        raise FileNotFoundError(f"{path}: no results tables (.parquet or .csv) in this folder")
    return StoredResults(path, tables, failures, experiment)


# --- helpers ---------------------------------------------------------------------------------
def _builtin() -> list[str]:
    return list(scenarios())


def _world(world: WorldLike) -> WorldFile | None:
    if world is None or isinstance(world, WorldFile):
        return world
    return load_world(world)


def _validated(model: type[BaseModel], **values: Any) -> Any:
    """A pydantic object, or ``ScenarioError`` with the command line's one-line message."""
    from pydantic import ValidationError

    from sim.experiment import describe_error

    try:
        return model(**values)
    except ValidationError as err:
        raise ScenarioError(f"compare: {describe_error(err, model)}") from None


def _execute(specs: list, out: str | Path | None, workers: int, progress: bool,
             label: str) -> tuple[pd.DataFrame, list[str]]:
    """Run the specs into ``out`` (or a temporary folder); the results and the failures."""
    from sim.runner.execute import run_specs
    from sim.runner.executors import open_backend
    from sim.runner.store import RunStore

    with tempfile.TemporaryDirectory(prefix="reformsim-") as tmp:
        store = RunStore(Path(out) if out is not None else Path(tmp)).open()
        with open_backend("serial" if workers <= 1 else "local", workers) as backend:
            summary = run_specs(specs, store, backend, progress=progress, label=label)
        if summary.interrupted:
            raise KeyboardInterrupt
        if out is not None:
            store.combine(specs)
        results = store.read_results(specs)
    failures = [f"{f.scenario} replication {f.replication} (seed {f.seed}): {f.error}"
                for f in summary.failures]
    return results, failures
