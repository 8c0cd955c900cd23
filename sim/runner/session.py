"""What ``sweep`` and ``compare`` share on the command line: backend options, one run of a
plan with its messages, and the list of failures at the end."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sim.runner.execute import SweepSummary, run_specs
from sim.runner.executors import default_workers, open_backend
from sim.runner.plan import RunSpec
from sim.runner.store import RunStore
from sim.runner.worker import Model

EXIT_OK, EXIT_FAILED_RUNS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_RESUME = 75
"""The backend went away (a lost Dask scheduler): start it again and resume (EX_TEMPFAIL)."""


def add_backend_arguments(p: argparse.ArgumentParser) -> None:
    """``--workers``, ``--backend``, ``--scheduler`` and ``--no-progress``."""
    p.add_argument("--workers", type=worker_count, default=None, metavar="N",
                   help=f"worker processes on this machine (default: one per core, here "
                        f"{default_workers()}); with --backend dask and no --scheduler, the size "
                        "of the local Dask cluster")
    p.add_argument("--backend", choices=("local", "dask", "serial"), default="local",
                   help="local: worker processes on this machine (default); dask: Dask "
                        "distributed (a local cluster, or the scheduler given by --scheduler); "
                        "serial: one run after another in this process")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, type=scheduler_address,
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(implies --backend dask; see docs/runner.md for SLURM)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--reuse-stale", action="store_true",
                   help="accept runs stored in --out by an older version of the model code "
                        "instead of recomputing them (flagged in the output; default: recompute)")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, found {value}")
    return value


MAX_WORKERS = 256
"""More worker processes than this on one machine is a typo, not a plan."""

_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):"
                      r"\d{1,5}$")


def worker_count(text: str) -> int:
    """argparse type: 1 to MAX_WORKERS worker processes."""
    value = positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_WORKERS}, found {value}")
    return value


def scheduler_address(text: str) -> str:
    """argparse type: a Dask scheduler address, ``tcp://HOST:PORT`` (or ``HOST:PORT``)."""
    if not _ADDRESS.match(text) or not 0 < int(text.rsplit(":", 1)[1]) < 65536:
        raise argparse.ArgumentTypeError(
            f"expected a Dask scheduler address such as tcp://10.0.0.5:8786, found {text!r}")
    return text


@dataclass
class Outcome:
    """A finished (or interrupted) session: what happened and the exit code it implies."""

    summary: SweepSummary
    exit_code: int


def execute(specs: Sequence[RunSpec], store: RunStore, args: argparse.Namespace, *,
            label: str, model: Model | None = None) -> Outcome:
    """Run the plan on the chosen backend, printing what it does and how it ended."""
    backend_kind = "dask" if args.scheduler else args.backend
    unique = len({s.run_id for s in specs})
    done = len(store.finished_ids() & {s.run_id for s in specs})
    try:
        backend = open_backend(backend_kind, args.workers, args.scheduler)
    except (OSError, TimeoutError) as err:
        print(f"reformsim: error: cannot reach the Dask scheduler {args.scheduler}: {err}",
              file=sys.stderr)
        store.discard_if_empty()
        return Outcome(SweepSummary(unique, done, interrupted=True), EXIT_BAD_INPUT)
    with backend:
        print(f"{label}: {unique} runs, {done} already in {store.out}, {unique - done} to compute "
              f"on {backend.describe()}", file=sys.stderr)
        summary = run_specs(specs, store, backend, model=model, progress=not args.no_progress,
                            label=label)
    if summary.lost:
        stored = summary.skipped + len(summary.computed)
        again = getattr(args, "command_line", None) or "the same command"
        print(f"reformsim: error: {summary.lost}: the sweep stopped with {stored} of {unique} runs "
              f"stored in {store.out}; start the scheduler again and resume with: {again}",
              file=sys.stderr)
        return Outcome(summary, EXIT_RESUME)
    if summary.interrupted:
        stored = summary.skipped + len(summary.computed)
        print(f"interrupted: {stored} of {unique} runs are stored in {store.out}; run the same "
              "command again to compute the rest", file=sys.stderr)
        return Outcome(summary, EXIT_INTERRUPTED)
    print(f"{len(summary.computed)} runs computed, {summary.skipped} skipped (already stored), "
          f"{len(summary.failures)} failed, in {summary.seconds:.1f} s", file=sys.stderr)
    stale = store.stale_ids(dict.fromkeys(s.run_id for s in specs))
    if stale:
        print(f"WARNING: {len(stale)} of {unique} runs were made by other model code and reused "
              "(--reuse-stale); rerun without it to recompute them", file=sys.stderr)
    if summary.failures:
        print_failures(summary, store)
        return Outcome(summary, EXIT_FAILED_RUNS)
    return Outcome(summary, EXIT_OK)


def print_failures(summary: SweepSummary, store: RunStore) -> None:
    """One line per failed run, and where the tracebacks are."""
    print(f"{len(summary.failures)} run(s) failed (the others are stored):", file=sys.stderr)
    for f in summary.failures[:20]:
        params = ", ".join(f"{k}={v:g}" for k, v in f.overrides.items())
        where = f" ({params})" if params else ""
        print(f"  {f.scenario}{where}, replication {f.replication}, seed {f.seed}: {f.error}",
              file=sys.stderr)
    if len(summary.failures) > 20:
        print(f"  ... and {len(summary.failures) - 20} more", file=sys.stderr)
    print(f"tracebacks: {store.failures_path}; run the same command again to retry them",
          file=sys.stderr)
