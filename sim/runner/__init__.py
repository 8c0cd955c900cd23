"""The experiment runner: plans runs, executes them on one executor interface, stores results.

- ``plan``: an experiment (or a comparison) becomes a list of runs, each keyed by its run id.
- ``worker``: one run, in a worker: simulate, keep the chosen outcomes at the chosen resolution.
- ``executors``: serial, local worker processes and Dask, all as ``concurrent.futures`` executors.
- ``store``: one Parquet file per finished run (written atomically), a failures file, resume.
- ``execute``: the loop that submits runs, writes results as they finish and isolates failures.
- ``progress``: the progress bar (runs done, failed, time left).
"""

from sim.runner.execute import SweepSummary, run_specs
from sim.runner.executors import open_backend
from sim.runner.plan import RunSpec, plan_runs, resolve_scenarios
from sim.runner.store import RunStore

__all__ = ["RunSpec", "RunStore", "SweepSummary", "open_backend", "plan_runs",
           "resolve_scenarios", "run_specs"]
