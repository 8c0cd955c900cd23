"""``reformsim sweep EXPERIMENT``: every run of an experiment file, resumable, on any backend.

Writes one Parquet file per run as it finishes (``OUT/runs/``), then ``OUT/results.parquet``
(every run, in plan order), a copy of the experiment file, and for Sobol and Morris designs the
sensitivity indices (``sensitivity.csv``) and their plot (``sensitivity.png``). Running the same
command again with the same ``--out`` computes only the runs that are missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands import _checks
from sim.experiment import Experiment, ExperimentError, expected_points, load_experiment
from sim.runner.plan import plan_runs, resolve_scenarios
from sim.runner.session import EXIT_OK, add_backend_arguments, execute
from sim.runner.store import RunStore
from sim.worldfile import load_world


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep", help="run an experiment file: parameter sweeps with replications, resumable",
        description="Run every scenario x parameter point x replication of an experiment file "
                    "(see docs/runner.md). Results go to Parquet as runs finish; the same "
                    "command with the same --out resumes an interrupted sweep.")
    p.add_argument("experiment", type=Path, help="experiment file (TOML), e.g. experiments/smoke.toml")
    add_backend_arguments(p)
    from sim.commands.compare import add_world_argument

    add_world_argument(p)
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: results/<experiment name>)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the experiment file and its scenarios, print how many runs it "
                        "plans, and run nothing")
    p.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                   help="draw each replication's parameters from this posterior (the same "
                        "draws for every scenario and point); writes uncertainty.csv")
    p.add_argument("--draws", type=int, default=None, metavar="D",
                   help="with --posterior: distinct draws (default: half the replications)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    # a bad file raises ExperimentError: one line and exit 2 (sim.cli)
    experiment = load_experiment(args.experiment)
    scenarios = resolve_scenarios(experiment, args.experiment)
    if getattr(args, "dry_run", False):
        return dry_run(experiment, scenarios, args)
    world = load_world(args.world) if getattr(args, "world", None) else None
    draws = _draws(args, experiment)
    specs = plan_runs(experiment, scenarios, draws, world=world, by_municipality=False)
    out: Path = args.out or Path("results") / experiment.name
    _checks.check_out(out)
    store = RunStore(out, reuse_stale=args.reuse_stale).lock().open()
    store.write_text("experiment.toml", args.experiment.read_text(encoding="utf-8"))
    outcome = execute(specs, store, args, label=f"sweep {experiment.name}")
    if outcome.exit_code != EXIT_OK and not outcome.summary.failures:
        return outcome.exit_code
    results = store.combine(specs)
    stale = store.stale_ids(dict.fromkeys(s.run_id for s in specs))
    if stale:
        store.write_text("STALE_RUNS.txt", "Runs made by other model code, reused with "
                         "--reuse-stale (not recomputed):\n" + "\n".join(stale) + "\n")
    if results is not None:
        print(f"results: {results} ({len(specs) - len(outcome.summary.failures)} runs)",
              file=sys.stderr)
        print(f'query:   python -c "import duckdb; duckdb.sql(\\"SELECT scenario, avg(quality) '
              f"FROM '{results}' GROUP BY scenario\\\").show()\"", file=sys.stderr)
    if outcome.exit_code == EXIT_OK and experiment.design.kind in ("sobol", "morris"):
        write_sensitivity(experiment, store)
    if draws and results is not None:
        write_uncertainty(experiment, store, len(draws))
    return outcome.exit_code


def dry_run(experiment: Experiment, scenarios: list, args: argparse.Namespace) -> int:
    """Print the size of the plan without planning or running it (fast for any file)."""
    if args.out is not None:
        _checks.check_out(args.out)
    kind = experiment.design.kind
    if not experiment.parameters:
        points = 1
    elif kind == "grid":
        points = 1
        for p in experiment.parameters:
            points *= len(p.values or [])
    else:
        points = expected_points(experiment.design, len(experiment.parameters))
    runs = len(scenarios) * points * experiment.replications
    print(f"{args.experiment}: valid; {len(scenarios)} scenario(s) x {points} point(s) x "
          f"{experiment.replications} replication(s) = {runs} runs ({kind} design, "
          f"{experiment.scale} scale); nothing was run")
    return EXIT_OK


def _draws(args: argparse.Namespace, experiment: Experiment) -> list[dict[str, float]] | None:
    """The parameter draws of ``--posterior`` (None without it); ExperimentError if unusable."""
    if args.posterior is None:
        if args.draws is not None:
            raise ExperimentError("--draws needs --posterior FILE")
        return None
    from sim.calibrate.posterior import PosteriorError, draw_overrides, load_posterior

    try:
        posterior = load_posterior(args.posterior)
    except PosteriorError as err:
        raise ExperimentError(f"--posterior {err}") from None
    n = args.draws or max(1, experiment.replications // 2)
    if not 1 <= n <= experiment.replications:
        raise ExperimentError(f"--draws {n}: must be between 1 and the experiment's "
                              f"replications ({experiment.replications})")
    clash = set(experiment.parameter_names) & set(posterior.columns)
    if clash:
        raise ExperimentError(f"--posterior {args.posterior}: {sorted(clash)[0]!r} is both varied "
                              "by the experiment and drawn from the posterior")
    return draw_overrides(posterior, n, experiment.base_seed)


def write_uncertainty(experiment: Experiment, store: RunStore, n_draws: int) -> None:
    """Stochastic and parameter parts of each scenario and point's variance (uncertainty.csv)."""
    from sim.report.stats import final_values_parquet
    from sim.report.uncertainty import decompose

    outcomes = list(experiment.outputs.outcomes)
    final = final_values_parquet(str(store.results_path), outcomes,
                                 sector=experiment.outputs.sectors[0])
    parts = decompose(final, outcomes, n_draws, keys=("scenario", "point"))
    store.write_frame("uncertainty.csv", parts)
    print(f"parameters drawn from the posterior ({n_draws} draws): intervals include parameter "
          f"uncertainty; stochastic and parameter parts: {store.out / 'uncertainty.csv'}",
          file=sys.stderr)


def write_sensitivity(experiment: Experiment, store: RunStore) -> None:
    """Sensitivity indices with 95% intervals (CSV and Parquet) and their plot (PNG)."""
    from sim.report.sensitivity import sensitivity_outputs
    from sim.report.stats import final_values_parquet

    final = final_values_parquet(str(store.results_path), list(experiment.outputs.outcomes))
    indices, png = sensitivity_outputs(experiment, final)
    store.write_frame("sensitivity.csv", indices)
    store.write_frame("sensitivity.parquet", indices)
    store.write_bytes("sensitivity.png", png)
    print(f"sensitivity ({experiment.design.kind}): {store.out / 'sensitivity.csv'}, "
          f"{store.out / 'sensitivity.png'}", file=sys.stderr)

