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
from sim.worldfile import load_world

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
    from sim.commands.compare import add_world_argument

    add_world_argument(p)
    p.set_defaults(func=run_command)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, found {value}")
    return value


def run_command(args: argparse.Namespace) -> int:
    _checks.check_out(args.out)
    scenario = load_scenario(args.scenario)
    world = load_world(args.world) if getattr(args, "world", None) else None  # WorldError: exit 2
    years = args.years or scenario.years
    months = years * 12
    with tqdm(total=months, desc=f"{scenario.name} ({args.scale})", unit="month",
              disable=months < 60 and args.scale == "workshop", leave=False) as bar:
        result = simulate(scenario, args.seed, years=years, scale=args.scale, progress=bar.update,
                          world=world)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    write_table(result.national, out / "monthly.parquet")
    write_table(result.by_municipality, out / "monthly_by_municipality.parquet",
                csv=args.scale != "norway")
    print(summary(result.national, scenario.name, args.seed, years, args.scale,
                  where=None if world is None else f"the {len(world)} municipalities of {args.world}"))
    if world is not None:
        print(f"municipalities ({args.world}): {', '.join(world.names)}; per municipality in "
              f"{out / 'monthly_by_municipality.csv'} (column municipality_name)")
    print(f"wrote {out / 'monthly.parquet'} (and .csv), {out / 'monthly_by_municipality.parquet'}")
    return 0


def summary(national, name: str, seed: int, years: int, scale: str,
            where: str | None = None) -> str:
    """The last year's means, nationally and per sector, as a small text table (``where``: the
    world when it is not the synthetic one of ``scale``)."""
    last = national[national.year == national.year.max()]
    table = last.groupby("sector", sort=False)[list(SUMMARY)].mean()
    head = f"{name}: seed {seed}, {years} years, {where or scale + ' scale'} - means of year {years}"
    return head + "\n" + table.round(2).to_string()
