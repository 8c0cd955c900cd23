"""``reformsim calibrate CALIBRATION.toml``: fit parameters to real-world targets (ABC-SMC).

Writes into ``--out`` (default ``results/calibration/NAME``): ``posterior.parquet`` (the last
generation's particles and weights), ``parameters.csv`` (posterior summaries), ``targets.csv``
(the fit to each target), ``report.html`` (self-contained) and ``abc.db`` (pyabc's History:
the same command with the same ``--out`` resumes). ``--quick`` runs the file's small tier.
``--apply-defaults FILE`` writes the posterior's medians as a defaults file (see
docs/calibration.md) instead of calibrating.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.runner.session import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, positive_int


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "calibrate", help="fit parameters to real-world targets by ABC-SMC (pyabc)",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) over the parameters of a "
                    "calibration file, against its targets; writes the posterior (Parquet) and "
                    "a self-contained HTML report. Resumable: the same command continues.")
    p.add_argument("calibration", type=Path, help="calibration file, e.g. calibration/default.toml")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    p.add_argument("--backend", choices=("local", "dask", "serial"), default="local",
                   help="local worker processes (default), Dask, or serial")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a running Dask scheduler (implies --backend dask)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default results/calibration/<name>[-quick])")
    p.add_argument("--quick", action="store_true",
                   help="the file's [quick] tier: few particles and generations (CI)")
    p.add_argument("--publish", action="store_true",
                   help="also copy the posterior and its summaries beside the calibration file "
                        "(e.g. calibration/posterior.parquet, calibration/report.html)")
    p.add_argument("--write-defaults", type=Path, default=None, metavar="FILE",
                   help="also write the posterior's medians as a defaults file; the model uses "
                        "calibration/defaults.toml in place of the Params defaults when it "
                        "exists (docs/calibration.md)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from sim.calibrate.config import CalibrationError, load_calibration
    from sim.calibrate.fit import run_fit
    from sim.calibrate.model import ParticleModel
    from sim.calibrate.report import CalibrationReport, parameter_table, predictive, render
    from sim.runner.executors import open_backend
    from sim.runner.store import RunStore
    from sim.scenario import load_scenario

    try:
        calibration, priors = load_calibration(args.calibration)
    except CalibrationError as err:
        print(f"reformsim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    tier = "quick" if args.quick else "full"
    if args.quick:
        calibration = calibration.quick_tier()
    out: Path = args.out or Path("results") / "calibration" / (
        calibration.name + ("-quick" if args.quick else ""))
    if out.exists() and not out.is_dir():
        print(f"reformsim: error: --out {out}: exists and is not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    kind = "dask" if args.scheduler else args.backend
    start = time.perf_counter()
    try:
        backend = open_backend(kind, args.workers, args.scheduler)
    except (OSError, TimeoutError) as err:
        print(f"reformsim: error: cannot reach the Dask scheduler {args.scheduler}: {err}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    described = backend.describe()
    print(f"calibrate {calibration.name} ({tier}): {len(priors)} parameters, "
          f"{len(calibration.targets)} targets, {calibration.smc.population} particles x "
          f"{calibration.smc.generations} generations on {described}; out {out}",
          file=sys.stderr)
    try:
        with backend:
            fit = run_fit(calibration, priors, out, backend)
            model = ParticleModel(calibration,
                                  load_scenario(calibration.scenario).model_dump(mode="json"))
            targets = predictive(calibration, model, fit.posterior, backend,
                                 draws=10 if args.quick else 40)
    except KeyboardInterrupt:
        print(f"interrupted: finished generations are in {out / 'abc.db'}; run the same "
              "command again to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    parameters = parameter_table(fit.posterior, priors)
    report = CalibrationReport(calibration, str(args.calibration), tier, fit, parameters,
                               targets, priors, time.perf_counter() - start, described)
    store = RunStore(out)
    store.write_frame("posterior.parquet", fit.posterior)
    store.write_frame("parameters.csv", parameters)
    store.write_frame("targets.csv", targets)
    store.write_text("report.html", render(report))
    if args.publish and not args.quick:
        folder = args.calibration.parent
        from sim.io import atomic_write

        for name in ("posterior.parquet", "parameters.csv", "targets.csv", "report.html"):
            data = (out / name).read_bytes()
            atomic_write(folder / name, lambda tmp, data=data: tmp.write_bytes(data))
        print(f"published: {folder / 'posterior.parquet'}, {folder / 'report.html'}")
    if args.write_defaults is not None:
        from sim.calibrate.posterior import defaults_toml
        from sim.io import write_text

        write_text(defaults_toml(fit.posterior, str(args.calibration)), args.write_defaults)
        print(f"defaults (posterior medians): {args.write_defaults}")
    outside = targets[~targets["inside"]]
    print(parameters.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(targets[["target", "value", "low", "high", "model_mean", "inside", "outside_by"]]
          .to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"{fit.simulations} simulations, {fit.generations} generations, "
          f"{time.perf_counter() - start:.0f} s; "
          + ("every target inside its interval" if outside.empty else
             f"{len(outside)} target(s) outside: " + ", ".join(
                 f"{r.target} by {r.outside_by:+.3g}" for r in outside.itertuples())))
    print(f"report: {out / 'report.html'}   posterior: {out / 'posterior.parquet'}")
    return EXIT_OK
