"""``reformsim run SCENARIO``: one run, its monthly tables, a short summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from sim.commands import _checks
from sim.io import write_table
from sim.scenario import ScenarioError, load_scenario
from sim.simulate import simulate
from sim.world import SCALES

SUMMARY = ("quality", "satisfaction", "cost_per_client", "sick_leave_pct", "turnover_pct",
           "private_share", "providers", "practices_adopted", "quality_spread")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run one scenario and write its monthly tables",
                       description="Run one scenario once; write monthly tables (Parquet and CSV).")
    p.add_argument("scenario", help="built-in scenario name or path of a .toml file")
    p.add_argument("--seed", type=_checks.seed, default=1,
                   help=f"random seed, 0 to {_checks.MAX_SEED} (default 1)")
    p.add_argument("--years", type=_checks.years, default=None,
                   help=f"horizon, 1 to {_checks.MAX_YEARS} (default: the scenario's)")
    p.add_argument("--scale", choices=sorted(SCALES), default="workshop")
    p.add_argument("--out", type=Path, default=Path("results/run"), help="output folder")
    p.set_defaults(func=run_command)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, found {value}")
    return value


def run_command(args: argparse.Namespace) -> int:
    _checks.check_out(args.out)
    scenario = load_scenario(args.scenario)
    years = args.years or scenario.years
    months = years * 12
    with tqdm(total=months, desc=f"{scenario.name} ({args.scale})", unit="month",
              disable=months < 60 and args.scale == "workshop", leave=False) as bar:
        result = simulate(scenario, args.seed, years=years, scale=args.scale, progress=bar.update)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    write_table(result.national, out / "monthly.parquet")
    write_table(result.by_municipality, out / "monthly_by_municipality.parquet",
                csv=args.scale != "norway")
    print(summary(result.national, scenario.name, args.seed, years, args.scale))
    print(f"wrote {out / 'monthly.parquet'} (and .csv), {out / 'monthly_by_municipality.parquet'}")
    return 0


def summary(national, name: str, seed: int, years: int, scale: str) -> str:
    """The last year's means, nationally and per sector, as a small text table."""
    last = national[national.year == national.year.max()]
    table = last.groupby("sector", sort=False)[list(SUMMARY)].mean()
    head = f"{name}: seed {seed}, {years} years, {scale} scale - means of year {years}"
    return head + "\n" + table.round(2).to_string()
