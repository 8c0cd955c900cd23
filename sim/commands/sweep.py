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

from sim.experiment import Experiment, ExperimentError, load_experiment
from sim.runner.plan import plan_runs, resolve_scenarios
from sim.runner.session import (EXIT_BAD_INPUT, EXIT_OK, add_backend_arguments, execute)
from sim.runner.store import RunStore


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep", help="run an experiment file: parameter sweeps with replications, resumable",
        description="Run every scenario x parameter point x replication of an experiment file "
                    "(see docs/runner.md). Results go to Parquet as runs finish; the same "
                    "command with the same --out resumes an interrupted sweep.")
    p.add_argument("experiment", type=Path, help="experiment file (TOML), e.g. experiments/smoke.toml")
    add_backend_arguments(p)
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: results/<experiment name>)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        experiment = load_experiment(args.experiment)
        specs = plan_runs(experiment, resolve_scenarios(experiment, args.experiment))
    except ExperimentError as err:
        print(f"reformsim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out: Path = args.out or Path("results") / experiment.name
    if out.exists() and not out.is_dir():
        print(f"reformsim: error: --out {out}: exists and is not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = RunStore(out, reuse_stale=args.reuse_stale).open()
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
    return outcome.exit_code


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

