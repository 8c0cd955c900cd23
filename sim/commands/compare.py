"""``reformsim compare``: scenarios side by side, with replications, as a self-contained report.

With no arguments: every built-in scenario at workshop scale. Every scenario runs with the same
replication seeds (common random numbers). Writes ``OUT/report.html`` (tables with 95% intervals
and differences from the baseline, plots with uncertainty bands, the scenario definitions),
``OUT/results.parquet`` and ``.csv`` (monthly, per run and sector), ``OUT/summary.csv`` (the
table), and prints the table. Runs are stored as they finish, so an interrupted comparison
started again with the same ``--out`` computes only what is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from sim import __version__
from sim.commands import _checks
from sim.experiment import ALL_SECTORS, DEFAULT_OUTCOMES, Experiment, Outputs, describe_error
from sim.outcomes import OUTCOMES
from sim.provenance import code_version
from sim.report import html, stats
from sim.runner.plan import plan_runs
from sim.runner.session import (EXIT_BAD_INPUT, EXIT_INTERRUPTED, add_backend_arguments, execute,
                                positive_int)
from sim.runner.store import RunStore
from sim.scenario import differences, list_scenarios, load_scenario
from sim.world import SCALES
from sim.worldfile import load_world

DEFAULT_REPLICATIONS = 10
DEFAULT_SEED = 1
REFERENCE = "baseline"
SECTOR_OUTCOMES = (*DEFAULT_OUTCOMES, "turnover_pct", "private_share")
MARKET_OUTCOMES = ("private_share", "providers", "entries", "exits", "slack_public",
                   "slack_private", "productivity_public", "productivity_private", "need_public",
                   "need_private", "contracts_shaded", "contracts_detected")
"""Market columns shown per sector (issue 11): providers by type, entry and exit, need mix."""
MARKET_SECTORS = ("nursing_home", "home_care", "kindergarten")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``compare`` subcommand."""
    p = subparsers.add_parser(
        "compare", help="compare scenarios with replications; write an HTML report and data",
        description="Run scenarios (default: every built-in one) with replications and common "
                    "random numbers; write a self-contained HTML report with 95%% intervals and "
                    "differences from the baseline, plus the data as Parquet and CSV.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="built-in scenario names or .toml files (default: all built-in)")
    p.add_argument("--replications", type=positive_int, default=DEFAULT_REPLICATIONS, metavar="R",
                   help=f"runs per scenario, each with its own seed (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--years", type=_checks.years, default=None, metavar="Y",
                   help="horizon in years (default: each scenario's own)")
    p.add_argument("--seed", type=_checks.seed, default=DEFAULT_SEED, metavar="N",
                   help=f"base seed; replication seeds are spawned from it (default {DEFAULT_SEED})")
    p.add_argument("--scale", choices=sorted(SCALES), default="workshop",
                   help="world size (default workshop)")
    p.add_argument("--out", type=Path, default=Path("results/compare"), metavar="DIR",
                   help="output folder (default results/compare)")
    add_world_argument(p)
    p.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                   help="draw each replication's parameters from this posterior (e.g. "
                        "calibration/posterior.parquet): intervals then include parameter "
                        "uncertainty; the same draws in every scenario")
    p.add_argument("--draws", type=positive_int, default=None, metavar="D",
                   help="with --posterior: distinct parameter draws (default: half the "
                        "replications, so each draw runs with two seeds or more)")
    add_backend_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    _checks.check_out(args.out)
    names = list(dict.fromkeys(args.scenarios)) or [n for n, _ in list_scenarios()]
    scenarios = [load_scenario(n) for n in names]  # ScenarioError: one message, exit 2
    world = load_world(args.world) if getattr(args, "world", None) else None  # WorldError: exit 2
    try:
        experiment = Experiment(
            name="compare", scenarios=names, replications=args.replications, years=args.years,
            scale=args.scale, base_seed=args.seed,
            outputs=Outputs(resolution="monthly", outcomes=list(OUTCOMES), sectors=list(ALL_SECTORS)))
    except ValidationError as err:
        print(f"reformsim: error: compare: {describe_error(err, Experiment)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.out.exists() and not args.out.is_dir():
        print(f"reformsim: error: --out {args.out}: exists and is not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    draws = posterior_draws(args, experiment.base_seed)
    if isinstance(draws, int):
        return draws
    specs = plan_runs(experiment, scenarios, draws or None, world=world)
    store = RunStore(args.out, reuse_stale=args.reuse_stale).lock().open()
    outcome = execute(specs, store, args, label="compare")
    if outcome.exit_code == EXIT_INTERRUPTED or outcome.summary.lost or not store.finished_ids():
        return outcome.exit_code
    results = store.read_results(specs)
    stored = results  # results.csv like results.parquet: with the per-municipality rows
    local = None
    if "municipality" in results.columns:  # a municipalities file: national rows are "all"
        local = municipality_table(results[results["municipality"] != "all"],
                                   list(DEFAULT_OUTCOMES))
        results = results[results["municipality"] == "all"].drop(columns="municipality")
    args.stale_runs = len(store.stale_ids(dict.fromkeys(s.run_id for s in specs)))
    order = [s.name for s in scenarios if s.name in set(results["scenario"])]
    reference = REFERENCE if REFERENCE in order else order[0]
    table, report = build_report(results, scenarios, order, reference, args, experiment, outcome)
    if local is not None:
        report.municipalities = local
        report.settings["municipalities"] = f"{args.world} ({len(world)}: {', '.join(world.names)})"
        report.files.append("municipalities.csv: the table by municipality")
        store.write_frame("municipalities.csv", local)
    if draws:
        from sim.report import uncertainty

        n_draws = len(draws)
        parts = uncertainty.decompose(stats.final_values(results, list(DEFAULT_OUTCOMES)),
                                      list(DEFAULT_OUTCOMES), n_draws, reference)
        store.write_frame("uncertainty.csv", parts)
        report.uncertainty = uncertainty.render(parts, str(args.posterior), n_draws,
                                                experiment.replications)
        report.settings["parameters"] = (f"drawn from {args.posterior} ({n_draws} draws, "
                                         "shared by every scenario): intervals include "
                                         "parameter uncertainty")
        report.files.append("uncertainty.csv: stochastic and parameter parts of the variance")
        print(uncertainty_summary(parts))
    write_outputs(store, specs, stored, table, report)
    print(terminal_table(table, order))
    print(market_table(report.markets, order))
    if local is not None:
        print(municipality_terminal(local, order))
    print(f"report: {store.out / 'report.html'}   data: {store.results_path} (and .csv), "
          f"{store.out / 'summary.csv'}")
    return outcome.exit_code


def posterior_draws(args: argparse.Namespace, base_seed: int) -> list[dict[str, float]] | int:
    """The parameter draws of ``--posterior`` (``[]`` without it), or an exit code."""
    if args.posterior is None:
        if args.draws is not None:
            print("reformsim: error: --draws needs --posterior FILE", file=sys.stderr)
            return EXIT_BAD_INPUT
        return []
    from sim.calibrate.posterior import PosteriorError, draw_overrides, load_posterior

    try:
        posterior = load_posterior(args.posterior)
    except PosteriorError as err:
        print(f"reformsim: error: --posterior {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    n = args.draws or max(1, args.replications // 2)
    if n > args.replications:
        print(f"reformsim: error: --draws {n}: at most --replications ({args.replications})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return draw_overrides(posterior, n, base_seed)


def uncertainty_summary(parts: pd.DataFrame) -> str:
    """One line per outcome of the differences (or levels): the parameter share."""
    rows = parts
    lines = ["share of the variance of a run due to parameter uncertainty (the rest is "
             "stochastic):"]
    lines += [f"  {r.scenario}: {r.outcome} {r.parameter_share:.0%} (sd parameter "
              f"{r.sd_parameter:.3g}, stochastic {r.sd_stochastic:.3g})" for r in rows.itertuples()]
    return "\n".join(lines)


def build_report(results: pd.DataFrame, scenarios: list, order: list[str], reference: str,
                 args: argparse.Namespace, experiment: Experiment,
                 outcome) -> tuple[pd.DataFrame, html.ComparisonReport]:  # noqa: ANN001
    """The headline table and everything the HTML report shows."""
    headline = list(DEFAULT_OUTCOMES)
    final = stats.final_values(results, headline)
    table = stats.scenario_table(final, headline, reference)
    report = html.ComparisonReport(
        title="reformsim: scenario comparison",
        settings=_settings(args, experiment, order),
        outcomes={o: OUTCOMES[o] for o in OUTCOMES},
        order=order, reference=reference, table=table,
        sectors=stats.sector_means(results, list(SECTOR_OUTCOMES)),
        bands={o: stats.bands(results, o) for o in headline},
        scenarios=[html.ScenarioInfo(s.name, s.description, s.source, s.years, differences(s))
                   for s in scenarios if s.name in order],
        files=["results.parquet / results.csv: monthly outcomes per run and sector",
               "summary.csv: the table above", "runs/: one Parquet file per run"],
        failures=[f"{f.scenario} replication {f.replication} (seed {f.seed}): {f.error}"
                  for f in outcome.summary.failures],
        markets=stats.sector_means(results, list(MARKET_OUTCOMES)))
    return table, report


def market_table(markets: pd.DataFrame, order: list[str]) -> str:
    """The market columns per scenario and care/kindergarten sector, means over replications."""
    shown = markets[markets["sector"].isin(MARKET_SECTORS)]
    cols = list(MARKET_OUTCOMES)
    widths = {c: max(len(c), 7) + 1 for c in cols}
    lines = ["markets, last year, mean over replications (units: docs/parameters.md, Outcomes)",
             "scenario".ljust(20) + "sector".ljust(14) + "".join(c.rjust(widths[c]) for c in cols)]
    for s in order:
        for _, r in shown[shown["scenario"] == s].iterrows():
            lines.append(s[:19].ljust(20) + str(r["sector"]).ljust(14)
                         + "".join(f"{r[c]:.{0 if c in ('providers', 'entries', 'exits') else 2}f}"
                                   .rjust(widths[c]) for c in cols))
    return "\n".join(lines)


def _settings(args: argparse.Namespace, experiment: Experiment, order: list[str]) -> dict[str, str]:
    years = str(args.years) if args.years else "each scenario's own"
    command = "reformsim compare " + " ".join(args.scenarios) + (
        f" --replications {args.replications} --seed {args.seed} --scale {args.scale}"
        + (f" --years {args.years}" if args.years else "")
        + (f" --world {args.world}" if getattr(args, "world", None) else "")
        + (f" --posterior {args.posterior}" if getattr(args, "posterior", None) else "")
        + (f" --draws {args.draws}" if getattr(args, "draws", None) else ""))
    settings = {"scenarios": ", ".join(order), "replications": str(experiment.replications),
                "years": years, "scale": experiment.scale, "base seed": str(experiment.base_seed),
                "reproduce with": " ".join(command.split()),
                "made": f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by reformsim "
                        f"{__version__}",
                "code version": code_version()}
    if getattr(args, "stale_runs", 0):
        settings["STALE RUNS"] = (f"{args.stale_runs} runs were made by other model code and "
                                  "reused (--reuse-stale): not reproducible with this code")
    return settings


def write_outputs(store: RunStore, specs: list, results: pd.DataFrame, table: pd.DataFrame,
                  report: html.ComparisonReport) -> None:
    store.combine(specs)
    store.write_frame("results.csv", results)
    store.write_frame("summary.csv", table)
    store.write_text("report.html", html.render(report))


def terminal_table(table: pd.DataFrame, order: list[str]) -> str:
    """Means with 95% intervals, one line per scenario."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    by = table.set_index(["scenario", "outcome"])
    width = max(len(s) for s in order) + 2
    cells = {(s, o): _cell(by.loc[(s, o)]) for s in order for o in outcomes}
    widths = {o: max(len(o), *(len(cells[(s, o)]) for s in order)) + 2 for o in outcomes}
    lines = ["means of the last year over replications, [95% interval]; all sectors",
             "scenario".ljust(width) + "".join(o.rjust(widths[o]) for o in outcomes)]
    for s in order:
        lines.append(s.ljust(width) + "".join(cells[(s, o)].rjust(widths[o]) for o in outcomes))
    return "\n".join(lines)


def add_world_argument(p: argparse.ArgumentParser) -> None:
    """``--world FILE``: your own municipalities instead of the synthetic world."""
    p.add_argument("--world", type=Path, default=None, metavar="FILE",
                   help="your own municipalities: a CSV or Parquet file (docs/worlds.md; an "
                        "example: worlds/example_region.csv) used instead of the synthetic "
                        "world; --scale is then ignored")


def municipality_table(local: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per scenario and municipality (by name): the mean over replications of its last-year
    values, all sectors together, from the per-municipality rows of the runs."""
    present = [o for o in outcomes if o in local.columns]
    table = (local.groupby(["municipality", "scenario"], sort=False)[present].mean()
             .reset_index())
    runs = local.groupby(["municipality", "scenario"], sort=False).size().to_numpy()
    table.insert(2, "runs", runs)
    return table


def municipality_terminal(table: pd.DataFrame, order: list[str]) -> str:
    """The municipality table as text: one line per municipality and scenario."""
    outcomes = [c for c in table.columns if c not in ("municipality", "scenario", "runs")]
    width = max(len("municipality"), *(len(str(m)) for m in table["municipality"])) + 2
    swidth = max(len("scenario"), *(len(s) for s in order)) + 2
    lines = ["by municipality: means of the last year over replications; all sectors",
             "municipality".ljust(width) + "scenario".ljust(swidth)
             + "".join(o.rjust(len(o) + 2) for o in outcomes)]
    by = {(r["municipality"], r["scenario"]): r for _, r in table.iterrows()}
    for name in dict.fromkeys(table["municipality"]):
        for scenario in order:
            if (name, scenario) not in by:
                continue
            r = by[(name, scenario)]
            lines.append(str(name).ljust(width) + str(scenario).ljust(swidth)
                         + "".join(f"{r[o]:,.1f}".rjust(len(o) + 2) for o in outcomes))
    return "\n".join(lines)


def _cell(r: pd.Series) -> str:
    digits = 0 if abs(r["mean"]) >= 1000 else 1
    if pd.isna(r["ci_low"]):
        return f"{r['mean']:,.{digits}f}"
    return f"{r['mean']:,.{digits}f} [{r['ci_low']:,.{digits}f}, {r['ci_high']:,.{digits}f}]"
