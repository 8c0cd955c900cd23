"""reformsim benchmarks: national scale, scaling, Mesa loop vs arrays, sweep throughput, profile.

Prints Markdown tables (paste them into docs/performance.md) with the machine and versions:

- ``norway``   ``reformsim run baseline --scale norway --years 10`` (and ``combined``) in a
  child process: wall time (world creation, run and writing included) and peak memory;
- ``scaling``  agent-months per second at workshop scale, 10 times that and Norway scale;
- ``mesa``     the employee-health rule as an idiomatic Mesa loop (``benchmarks/mesa_loop.py``,
  one Python ``step`` per employee, ``AgentSet.shuffle_do``) against reformsim's vectorised
  ``Health`` step on the same population of about 100,000 employees;
- ``sweep``    runs per minute of ``reformsim sweep`` on 1 and on 2 local workers;
- ``profile``  where a Norway-scale month spends its time, per mechanism;
- ``collector`` what Mesa's DataCollector (``model.datacollector``) adds to a Norway-scale
  month: the model reporters (always on) and the unit reporters (on request).

Usage::

    python benchmarks/run.py                  # everything (about 4 minutes on 2 cores)
    python benchmarks/run.py --quick          # a fast smoke run of every section (~40 s)
    python benchmarks/run.py --only mesa,profile

Timings are wall-clock on whatever else the machine is doing: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

SECTIONS = ("norway", "scaling", "mesa", "sweep", "profile", "collector")
GOALS = {"norway_seconds": 30.0, "norway_memory_gib": 2.0, "combined_factor": 1.5,
         "mesa_ratio": 100.0, "sweep_speedup": 1.8, "collector_pct": 5.0}


# --- helpers -----------------------------------------------------------------------------
def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    cells = [[_fmt(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value >= 1e6:
            return f"{value / 1e6:,.1f} M"
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}" if value < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def reformsim_command() -> list[str]:
    """The ``reformsim`` script of this interpreter's environment (or ``python -m sim``)."""
    script = Path(sys.executable).with_name("reformsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def run_child(args: list[str]) -> tuple[float, float, int, str]:
    """Run a command; return wall seconds, its peak resident memory (MiB), exit code, stderr."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    err = child.stderr.read() if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, child.returncode, err


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# --- sections ----------------------------------------------------------------------------
def machine() -> str:
    import mesa
    import pandas

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip() or "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return textwrap.dedent(f"""\
        ## Machine
        - CPU: {cpu}, {cores} cores; RAM {ram:.1f} GiB; load average {load}
        - Python {platform.python_version()}, NumPy {np.__version__}, Mesa {mesa.__version__}, \
pandas {pandas.__version__}; {platform.system()} {platform.release()}
        - reformsim at {commit}""")


def norway(quick: bool) -> str:
    from sim.scenario import ScenarioError, load_scenario

    years = 1 if quick else 10
    rows, walls = [], {}
    for name in ("baseline", "combined"):
        try:
            load_scenario(name)
        except (ScenarioError, FileNotFoundError, OSError) as err:
            rows.append([name, years, "-", "-", f"skipped: {err}"])
            continue
        with tempfile.TemporaryDirectory() as out:
            cmd = reformsim_command() + ["run", name, "--scale", "norway", "--years",
                                         str(years), "--out", out]
            wall, peak, code, err = run_child(cmd)
        if code != 0:
            rows.append([name, years, "-", "-", f"failed ({code}): {err.strip()[-200:]}"])
            continue
        walls[name] = wall
        rows.append([name, years, wall, peak, ""])
    goal = [(f"goal: baseline <= {GOALS['norway_seconds']:.0f} s and "
             f"<= {GOALS['norway_memory_gib']:.0f} GiB for 10 years; combined within "
             f"{GOALS['combined_factor']} x that budget "
             f"({GOALS['combined_factor'] * GOALS['norway_seconds']:.0f} s)")]
    if "baseline" in walls and "combined" in walls:
        goal.append(f"combined / baseline = {walls['combined'] / walls['baseline']:.2f}")
    command = "reformsim run SCENARIO --scale norway --years " + str(years) + " --out TMP"
    return (f"## Norway scale (`{command}`, one child process each)\n"
            + table(["scenario", "years", "wall s", "peak MiB", "note"], rows)
            + "\n\n" + "; ".join(goal))


def scaling(quick: bool) -> str:
    from sim.model import ReformModel
    from sim.scenario import load_scenario

    scenario = load_scenario("baseline")
    months = 6 if quick else 24
    sizes = [("workshop", 20), ("10 x workshop", 200), ("norway", 356)]
    rows = []
    for label, n in sizes:
        start = time.perf_counter()
        model = ReformModel(scenario, seed=1, municipalities=n, years=months // 12 + 1)
        build = time.perf_counter() - start
        agents = int(model.employees_state.active.sum()) + len(model.citizens_state)
        model.run(1)  # the first month's yearly budget is not typical
        repeat = 3 if n <= 20 else 1
        chunk = months // repeat
        seconds = min(timed(lambda m=model, k=chunk: m.run(k)) / chunk for _ in range(repeat))
        rows.append([label, n, int(model.employees_state.active.sum()),
                     len(model.citizens_state), build, seconds * 1000, agents / seconds])
    return (f"## Scaling (baseline, {months} months after the first; agents = employees + "
            "citizens)\n" + table(["scale", "municipalities", "employees", "citizens",
                                    "world s", "ms/month", "agent-months/s"], rows)
            + "\n\nLinear cost means a flat agent-months/s column.")


def mesa(quick: bool) -> str:
    from mesa_loop import HealthLoopModel, long_spell_share

    from sim.model import ReformModel
    from sim.scenario import load_scenario

    n_munis = 10 if quick else 96        # about 10,000 / 100,000 employees
    model = ReformModel(load_scenario("baseline"), seed=1, municipalities=n_munis, years=1)
    e, health = model.employees_state, model.mechanism("health")
    start = time.perf_counter()
    loop = HealthLoopModel(model, seed=1)
    create = time.perf_counter() - start
    same = _same_rule(model, loop)
    people = int(e.active.sum())
    # One untimed month on each side first: numba compiles (or loads from its cache) the
    # health kernel on its first call, and both sides touch their memory once.
    loop.step()
    health.monthly(model)
    mesa_months = 2 if quick else 3
    done = 0
    start = time.perf_counter()
    for _ in range(mesa_months):
        done += len(loop.employees)
        loop.step()
    mesa_s = (time.perf_counter() - start) / done
    vec_months = 12
    done = 0
    start = time.perf_counter()
    for _ in range(vec_months):
        done += int(e.active.sum())
        health.monthly(model)
    vec_s = (time.perf_counter() - start) / done
    long_vec = float((e.absence[e.active] == 2).mean())
    rows = [["Mesa loop (`shuffle_do`)", people, mesa_months, mesa_s * 1e9,
             1 / mesa_s, f"{people:,} agents created in {create:.2f} s"],
            ["reformsim arrays (`Health.monthly`)", people, vec_months,
             vec_s * 1e9, 1 / vec_s, f"{len(e):,} slots"]]
    return (f"## Mesa loop vs arrays: the employee-health rule, {people:,} employees\n"
            + table(["implementation", "employees", "months", "ns/agent-month",
                     "agent-months/s", "note"], rows)
            + f"\n\narrays / Mesa loop: **{mesa_s / vec_s:.0f} x** faster per agent-month "
              f"(goal >= {GOALS['mesa_ratio']:.0f} x; one untimed warm-up month on each side "
              f"first). Same rule: {same}; share on long spells after the timed months "
              f"{long_spell_share(loop):.3f} (Mesa, {mesa_months + 1} months) vs {long_vec:.3f} "
              f"(arrays, {vec_months + 1} months).")


def _same_rule(model, loop) -> str:
    """Both implementations give the same strain to the same people (deterministic part)."""
    e = model.employees_state
    model.mechanism("health").job_conditions(model)
    loop.units.do("set_job_conditions")
    loop.employees.do("feel_the_job")
    arrays = np.sort(e.strain[e.active].astype(np.float64))
    agents = np.sort([a.strain for a in loop.employees])
    diff = float(np.max(np.abs(arrays - agents)))
    return f"largest difference in strain {diff:.1e} (float32 vs float64)"


def sweep(quick: bool) -> str:
    replications, years, scale = (4, 2, "workshop") if quick else (16, 5, "region")
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "bench_sweep.toml"
        exp.write_text(textwrap.dedent(f"""\
            name = "bench_sweep"
            description = "benchmark: independent baseline runs"
            scenarios = ["baseline"]
            replications = {replications}
            years = {years}
            scale = "{scale}"
            """))
        rows, rate = [], {}
        for workers in (1, 2):
            load = os.getloadavg()[0]
            cmd = reformsim_command() + ["sweep", str(exp), "--workers", str(workers),
                                         "--backend", "local", "--no-progress",
                                         "--out", str(Path(tmp) / f"w{workers}")]
            wall, _, code, err = run_child(cmd)
            if code != 0:
                return _sweep_with_pool(replications, years, scale, f"sweep failed: {err[-200:]}")
            rate[workers] = replications / wall * 60
            rows.append([workers, replications, wall, rate[workers], f"{load:.1f}"])
    return (f"## Sweep throughput (`reformsim sweep` of {replications} independent runs, "
            f"{scale} scale, {years} years; whole command, worker start-up included)\n"
            + table(["workers", "runs", "wall s", "runs/minute", "load before"], rows)
            + f"\n\n2 workers / 1 worker: **{rate[2] / rate[1]:.2f} x** "
              f"(goal >= {GOALS['sweep_speedup']} x; needs both cores free: see the load)")


def _sweep_with_pool(replications: int, years: int, scale: str, why: str) -> str:
    """Fallback: a ProcessPoolExecutor over ``sim.simulate.simulate`` (independent runs)."""
    import concurrent.futures as cf
    import multiprocessing

    rows, rate = [], {}
    for workers in (1, 2):
        start = time.perf_counter()
        with cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_one_run, [(seed, years, scale) for seed in range(replications)]))
        wall = time.perf_counter() - start
        rate[workers] = replications / wall * 60
        rows.append([workers, replications, wall, rate[workers]])
    return (f"## Sweep throughput (ProcessPoolExecutor over simulate; {why})\n"
            + table(["workers", "runs", "wall s", "runs/minute"], rows)
            + f"\n\n2 workers / 1 worker: **{rate[2] / rate[1]:.2f} x**")


def _one_run(args: tuple[int, int, str]) -> int:
    from sim.scenario import load_scenario
    from sim.simulate import simulate

    seed, years, scale = args
    return len(simulate(load_scenario("baseline"), seed, years=years, scale=scale,
                        by_municipality=False).national)


def profile(quick: bool) -> str:
    from sim.model import ReformModel
    from sim.scenario import load_scenario

    months = 3 if quick else 12
    model = ReformModel(load_scenario("baseline"), seed=1, scale="norway", years=3)
    model.run(1)
    spent: dict[str, float] = {}
    for mech in model.active_mechanisms:
        mech.monthly = _clock(mech.monthly, spent, mech.name)
    model.outcomes.record = _clock(model.outcomes.record, spent, "outcomes (recording)")
    total = timed(lambda: model.run(months)) / months
    rows = [[name, s / months * 1000, 100 * s / months / total]
            for name, s in sorted(spent.items(), key=lambda kv: -kv[1])]
    rows.append(["rest of the step", (total - sum(spent.values()) / months) * 1000,
                 100 * (1 - sum(spent.values()) / months / total)])
    rows.append(["**month**", total * 1000, 100.0])
    return (f"## Profile: a Norway-scale month (baseline, mean of months 2-{months + 1})\n"
            + table(["phase", "ms/month", "%"], rows))


def collector(quick: bool) -> str:
    """Time spent in ``model.datacollector.collect`` against the rest of a Norway-scale month."""
    from sim.model import ReformModel
    from sim.scenario import load_scenario

    months = 3 if quick else 12
    rows, shares = [], {}
    for label, units in (("model reporters (the outcome columns; always on)", False),
                         ("+ unit reporters (quality, staff, sick leave; on request)", True)):
        model = ReformModel(load_scenario("baseline"), seed=1, scale="norway", years=3,
                            unit_reporters=units)
        model.run(1)
        spent: dict[str, float] = {}
        model.datacollector.collect = _clock(model.datacollector.collect, spent, "collect")
        total = timed(lambda m=model: m.run(months)) / months
        collect = spent["collect"] / months
        shares[units] = 100 * collect / (total - collect)
        rows.append([label, (total - collect) * 1000, collect * 1000, shares[units]])
    return (f"## Data collector: Mesa's DataCollector at Norway scale (baseline, mean of months "
            f"2-{months + 1})\n"
            + table(["collecting", "step without collecting ms/month", "collect ms/month",
                     "overhead %"], rows)
            + f"\n\nDataCollector overhead: **{shares[False]:.3f} %** of a Norway-scale month "
              f"(goal < {GOALS['collector_pct']:.0f} %); with unit reporters "
              f"{shares[True]:.1f} %.")


def _clock(fn: Callable, spent: dict[str, float], name: str) -> Callable:
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a fast smoke run")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; allowed: {', '.join(SECTIONS)}")
    os.chdir(ROOT)
    print(machine() + "\n", flush=True)
    print(f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}"
          f"{'' if len(chosen) == len(SECTIONS) else ' --only ' + ','.join(chosen)}`\n", flush=True)
    for name in chosen:
        start = time.perf_counter()
        print(globals()[name](args.quick), flush=True)
        print(f"\n_({name}: {time.perf_counter() - start:.0f} s)_\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
