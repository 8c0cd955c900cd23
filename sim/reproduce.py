"""Published experiments: publish a result, and reproduce it.

``publish`` runs a tier of an experiment and writes its summary table (``experiments/NAME/
full.csv`` or ``ci.csv``) and, for the full tier, its figures. ``reproduce`` reruns a tier into
a scratch folder, summarises it the same way, and compares it with the published table: every
number within the experiment's tolerance, every stated pattern (check) still holding. The
differences are printed as a readable table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment import Experiment, load_experiment
from sim.provenance import code_version, lock_hash
from sim.publication import Check, Publication

TIERS = ("full", "ci")
PROVENANCE = ("code_version", "lock")
"""Columns of a published table that say which code and which lock file made it."""


@dataclass
class Published:
    """An experiment file and the folder of its published results."""

    path: Path
    experiment: Experiment

    @property
    def folder(self) -> Path:
        return self.path.with_suffix("")

    @property
    def publication(self) -> Publication:
        if self.experiment.publish is None:
            raise ValueError(f"{self.path}: no [publish] table: not a published experiment")
        return self.experiment.publish

    def table_path(self, tier: str) -> Path:
        return self.folder / f"{tier}.csv"

    def tier(self, tier: str) -> Experiment:
        """The experiment as run in ``tier`` (the CI tier shrinks replications, years, samples)."""
        if tier == "full" or self.publication.ci is None:
            return self.experiment
        ci = self.publication.ci
        update: dict = {}
        if ci.replications:
            update["replications"] = ci.replications
        if ci.years:
            update["years"] = ci.years
        if ci.samples:
            update["design"] = self.experiment.design.model_copy(update={"samples": ci.samples})
        return self.experiment.model_copy(update=update)


def find(name_or_path: str | Path) -> Published:
    """A published experiment by file path or by name in ``experiments/``."""
    path = Path(name_or_path)
    if not path.suffix:
        from sim.resources import resource_dir

        path = resource_dir("experiments") / f"{path}.toml"
    return Published(path, load_experiment(path))


def run_tier(published: Published, tier: str, out: Path, workers: int | None = None,
             reuse_stale: bool = False) -> pd.DataFrame:
    """Run (or resume) one tier into ``out``; return its results table.

    Runs stored in ``out`` by other model code are recomputed unless ``reuse_stale``; the
    number reused is in ``results.attrs["stale_runs"]``.
    """
    from sim.runner.execute import run_specs
    from sim.runner.executors import open_backend
    from sim.runner.plan import plan_runs, resolve_scenarios
    from sim.runner.store import RunStore

    experiment = published.tier(tier)
    specs = plan_runs(experiment, resolve_scenarios(experiment, published.path))
    store = RunStore(out, reuse_stale=reuse_stale).open()
    with open_backend("local" if (workers or 2) > 1 else "serial", workers) as backend:
        summary = run_specs(specs, store, backend, progress=sys.stderr.isatty(),
                            label=f"{experiment.name} ({tier})")
    if summary.interrupted:
        raise KeyboardInterrupt
    if summary.failures:
        first = summary.failures[0]
        raise RuntimeError(f"{len(summary.failures)} run(s) failed, e.g. {first.scenario} seed "
                           f"{first.seed}: {first.error}")
    results = store.read_results(specs)
    results.attrs["stale_runs"] = len(store.stale_ids(dict.fromkeys(s.run_id for s in specs)))
    return results


def summarise(results: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Mean and 95 % half-width per scenario, parameter point, sector (and year if kept)."""
    from scipy import stats

    keys = ["scenario", *experiment.parameter_names, "sector"]
    if "year" in results.columns:
        keys.append("year")
    outcomes = list(experiment.outputs.outcomes)
    grouped = results.groupby(keys, sort=True, dropna=False)[outcomes]
    mean, std, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = (t * std / np.sqrt(n)).where(n > 1)
    table = mean.copy()
    for column in outcomes:
        table[f"{column}_ci95"] = half[column]
    table["runs"] = n[outcomes[0]]
    return table.reset_index()


@dataclass
class Difference:
    """One number of the published table that the rerun does not reproduce."""

    row: str
    outcome: str
    published: float
    rerun: float
    tolerance: float


def compare(published: pd.DataFrame, rerun: pd.DataFrame, publication: Publication,
            outcomes: list[str]) -> list[Difference]:
    """Every published number that the rerun misses by more than its tolerance (or lacks)."""
    keys = [c for c in published.columns if c not in outcomes and not c.endswith("_ci95")
            and c != "runs" and c not in PROVENANCE]
    left = _rounded_keys(published, keys).set_index(keys)
    right = _rounded_keys(rerun, keys).set_index(keys)
    diffs = []
    for index, row in left.iterrows():
        label = ", ".join(f"{k}={v}" for k, v in zip(keys, index if isinstance(index, tuple) else (index,)))
        for outcome in outcomes:
            tol = publication.tolerance_for(outcome)
            new = right[outcome].get(index, np.nan) if index in right.index else np.nan
            old = row[outcome]
            if not (abs(new - old) <= tol or (np.isnan(new) and np.isnan(old))):
                diffs.append(Difference(label, outcome, float(old), float(new), tol))
    return diffs


def _rounded_keys(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Numeric key columns at 6 significant digits, so a CSV round trip still matches."""
    frame = frame.copy()
    for key in keys:
        if pd.api.types.is_numeric_dtype(frame[key]):
            frame[key] = [float(f"{v:.6g}") for v in frame[key]]
    return frame


def check(summary: pd.DataFrame, item: Check) -> tuple[bool, str]:
    """Whether a stated pattern holds in a summary table, and the numbers behind it."""
    missing = [k for k in [item.outcome, item.along, *item.where, *item.than_where]
               if k is not None and k not in summary.columns]
    if missing:
        return False, f"no column {missing[0]!r} in the results (columns: {', '.join(summary.columns)})"
    rows = _select(summary, item.scenario, item.sector, item.where, item.year,
                   keep_years=item.along == "year")
    if item.kind in ("greater", "less", "between"):
        a = rows[item.outcome].mean()
        if item.kind == "between":
            ok = (item.low is None or a >= item.low) and (item.high is None or a <= item.high)
            return bool(ok), f"{item.outcome} {a:.3f} in [{item.low}, {item.high}]"
        other = _select(summary, item.than or item.scenario, item.than_sector or item.sector,
                        {**item.where, **item.than_where}, item.year, keep_years=False)
        b = other[item.outcome].mean()
        ok = a > b + item.margin if item.kind == "greater" else a < b - item.margin
        return bool(ok), f"{item.outcome} {a:.3f} vs {b:.3f}"
    series = rows.groupby(item.along)[item.outcome].mean().sort_index()
    steps = np.diff(series.to_numpy())
    shown = ", ".join(f"{k:g}: {v:.3f}" for k, v in series.items())
    if len(steps) < 2 and item.kind in ("diminishing", "s_curve"):
        return False, f"too few points: {shown}"
    if item.kind == "increasing":
        ok = (steps > item.margin).all()
    elif item.kind == "decreasing":
        ok = (steps < -item.margin).all()
    elif item.kind == "diminishing":
        half = len(steps) // 2
        ok = np.abs(steps[:half]).mean() > np.abs(steps[-half:]).mean()
    else:
        peak = int(np.argmax(steps))
        ok = 0 < peak < len(steps) - 1
    return bool(ok) and len(series) > 1, f"{item.outcome} along {item.along}: {shown}"


def _select(summary: pd.DataFrame, scenario: str | None, sector: str, where: dict,
            year: int | None, keep_years: bool) -> pd.DataFrame:
    rows = summary[summary["sector"] == sector]
    if scenario:
        rows = rows[rows["scenario"] == scenario]
    if "year" in rows.columns and not keep_years:
        rows = rows[rows["year"] == (year or rows["year"].max())]
    for key, value in where.items():
        rows = rows[np.isclose(rows[key], value)] if isinstance(value, float | int) \
            else rows[rows[key] == value]
    return rows


def provenance_line(published: pd.DataFrame) -> str:
    """Which code and lock file made the published table, against this code and lock file."""
    def first(column: str) -> str:
        return str(published[column].iloc[0]) if column in published.columns and len(published) \
            else "unknown"

    made, lock = first("code_version"), first("lock")
    now, now_lock = code_version(), lock_hash()
    same = "same code" if made == now else "DIFFERENT CODE"
    return (f"published by code {made} (lock {lock}); rerun by code {now} (lock {now_lock}): "
            f"{same}")


def render_report(diffs: list[Difference], checks: list[tuple[Check, bool, str]]) -> str:
    """A readable account of a reproduction."""
    lines = []
    if diffs:
        lines.append(f"{len(diffs)} number(s) outside tolerance:")
        frame = pd.DataFrame([d.__dict__ for d in diffs])
        frame["difference"] = frame.rerun - frame.published
        lines.append(frame.to_string(index=False))
    for item, ok, detail in checks:
        lines.append(f"[{'ok' if ok else 'FAILED'}] {item.says or item.kind}: {detail}")
    return "\n".join(lines)


def publish(published: Published, tier: str, out: Path, workers: int | None = None) -> Path:
    """Run a tier and write its published table (and, for the full tier, the figures)."""
    from sim.io import write_text

    results = run_tier(published, tier, out, workers)
    table = with_provenance(summarise(results, published.tier(tier)))
    path = published.table_path(tier)
    write_text(table.to_csv(index=False, float_format="%.6g"), path)
    if tier == "full":
        from sim.report.published import figures

        figures(table, published.experiment, published.folder)
        if published.experiment.design.kind in ("sobol", "morris"):
            _sensitivity(published, results)
        write_validation(published, results)
    return path


def with_provenance(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the code version and the lock file's hash as its last columns."""
    table = table.copy()
    table["code_version"] = code_version()
    table["lock"] = lock_hash()
    return table


def world_checks(published: Published, results: pd.DataFrame) -> list:
    """The experiment's checks against the world, evaluated on its runs (``sim.validation``)."""
    from sim.validation import evaluate

    experiment = published.experiment
    return [evaluate(results, item, experiment) for item in published.publication.checks
            if item.world]


def write_validation(published: Published, results: pd.DataFrame) -> None:
    """``checks.csv`` (every world check's estimate, interval, power) and the note's Validation
    section, regenerated from the experiment file and the full tier's runs."""
    from sim.io import write_text
    from sim.validation import replace_section, validation_section

    verdicts = world_checks(published, results)
    if not verdicts:
        return
    frame = pd.DataFrame([v.row() for v in verdicts])
    write_text(frame.to_csv(index=False, float_format="%.6g"), published.folder / "checks.csv")
    note_path = published.folder / "NOTE.md"
    note = note_path.read_text(encoding="utf-8") if note_path.exists() else ""
    section = validation_section(verdicts, published.experiment.replications)
    write_text(replace_section(note, section), note_path)


def _sensitivity(published: Published, results: pd.DataFrame) -> None:
    """Sensitivity indices with 95 % intervals, and their plot, beside the published table."""
    from sim.io import atomic_write, write_text
    from sim.report.sensitivity import sensitivity_outputs
    from sim.report.stats import final_values

    experiment = published.experiment
    final = final_values(results, list(experiment.outputs.outcomes))
    indices, png = sensitivity_outputs(experiment, final)
    write_text(indices.to_csv(index=False, float_format="%.6g"),
               published.folder / "sensitivity.csv")
    atomic_write(published.folder / "sensitivity.png", lambda tmp: tmp.write_bytes(png))
