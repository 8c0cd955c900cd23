"""``reformsim reproduce EXPERIMENT``: rerun a published experiment and check its figures."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

from sim.commands import _checks
from sim.experiment import ExperimentError
from sim.reproduce import (TIERS, check, compare, find, provenance_line, publish, render_report,
                           run_tier, summarise, world_checks)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce", help="rerun a published experiment; fail if its numbers changed",
        description="Rerun a published experiment (experiments/NAME.toml) and compare it with the "
                    "results published beside it (experiments/NAME/): exit 1 with a readable "
                    "diff when a number is outside the stated tolerance or a stated pattern no "
                    "longer holds.")
    p.add_argument("experiment", help="experiment name (in experiments/) or file")
    p.add_argument("--tier", choices=TIERS, default="full",
                   help="full (default) or ci, the reduced tier that CI reruns")
    p.add_argument("--workers", type=_checks.workers, default=None,
                   help="worker processes (default: cores)")
    p.add_argument("--out", type=Path, default=None,
                   help="keep the rerun here (default: a temporary folder); reruns resume")
    p.add_argument("--reuse-stale", action="store_true",
                   help="with --out: accept runs stored there by other model code instead of "
                        "recomputing them (flagged; default: recompute)")
    p.add_argument("--publish", action="store_true",
                   help="write the tier's results as the published ones (maintainers)")
    p.set_defaults(func=reproduce_command)


def reproduce_command(args: argparse.Namespace) -> int:
    if args.out is not None:
        _checks.check_out(args.out)
    try:
        published = find(args.experiment)
        publication = published.publication
    except (ExperimentError, ValueError) as err:  # one line and exit 2 (sim.cli)
        raise ExperimentError(str(err)) from None
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="reformsim-reproduce-") as tmp:
            return _run(args, published, publication, Path(tmp))
    return _run(args, published, publication, args.out)


def _run(args, published, publication, out: Path) -> int:  # noqa: ANN001
    if args.publish:
        path = publish(published, args.tier, out, args.workers)
        print(f"published {path}")
        return 0
    table_path = published.table_path(args.tier)
    if not table_path.exists():
        print(f"reformsim: error: {table_path}: no published results for tier {args.tier!r}",
              file=sys.stderr)
        return 2
    experiment = published.tier(args.tier)
    results = run_tier(published, args.tier, out, args.workers, args.reuse_stale)
    rerun = summarise(results, experiment)
    outcomes = list(experiment.outputs.outcomes)
    table = pd.read_csv(table_path, dtype={"code_version": str, "lock": str})
    diffs = compare(table, rerun, publication, outcomes)
    checks = [(item, *check(rerun, item)) for item in publication.checks if not item.world]
    if args.tier == "full":  # the world checks need the full tier's replications for power
        checks += [(v.check, v.passes, f"{v.status()}: {v.describe()}")
                   for v in world_checks(published, results)]
    skipped = sum(item.world for item in publication.checks) if args.tier != "full" else 0
    print(provenance_line(table))
    stale = results.attrs.get("stale_runs", 0)
    if stale:
        print(f"WARNING: {stale} runs were made by other model code and reused (--reuse-stale): "
              "this is not a reproduction by the current code")
    print(render_report(diffs, checks))
    failed = bool(diffs) or not all(ok for _, ok, _ in checks)
    verdict = "DIFFERS" if failed else ("reproduced (with stale runs)" if stale else "reproduced")
    extra = f" ({skipped} world checks run on the full tier only)" if skipped else ""
    known = sum(bool(item.known_failure) for item, ok, _ in checks if ok and item.world)
    extra += f", {known} of them documented known failures" if known else ""
    print(f"{published.experiment.name} ({args.tier} tier): {verdict} — {len(rerun)} rows, "
          f"{len(diffs)} outside tolerance, "
          f"{sum(ok for _, ok, _ in checks)}/{len(checks)} checks hold{extra}")
    return 1 if failed else 0
