"""Figures of a published experiment, drawn from its summary table (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.experiment import Experiment  # noqa: E402
from sim.outcomes import OUTCOMES  # noqa: E402


def figures(table: pd.DataFrame, experiment: Experiment, folder: Path) -> list[Path]:
    """``outcomes.png`` (last year against the swept parameter or by scenario) and, when years
    are kept, ``over_time.png`` (each outcome year by year)."""
    folder.mkdir(parents=True, exist_ok=True)
    sector = "all" if (table["sector"] == "all").any() else table["sector"].iloc[0]
    rows = table[table["sector"] == sector]
    written = [_final(rows, experiment, folder / "outcomes.png", sector)]
    if "year" in rows.columns and rows["year"].nunique() > 1:
        written.append(_over_time(rows, experiment, folder / "over_time.png", sector))
    return written


def _series(rows: pd.DataFrame, experiment: Experiment) -> list[tuple[str, pd.DataFrame]]:
    """One line per scenario and value of every parameter but the first."""
    by = ["scenario", *experiment.parameter_names[1:]]
    out = []
    for key, part in rows.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join([str(key[0])] + [f"{n}={v:g}" for n, v in zip(by[1:], key[1:])])
        out.append((label, part))
    return out


def _final(rows: pd.DataFrame, experiment: Experiment, path: Path, sector: str) -> Path:
    if "year" in rows.columns:
        rows = rows[rows["year"] == rows["year"].max()]
    outcomes = list(experiment.outputs.outcomes)
    fig, axes = _grid(len(outcomes))
    x = experiment.parameter_names[0] if experiment.parameter_names else None
    for ax, outcome in zip(axes, outcomes):
        if x is None:
            ax.bar(rows["scenario"], rows[outcome], yerr=rows.get(f"{outcome}_ci95"), capsize=3)
            ax.tick_params(axis="x", rotation=30)
        else:
            for label, part in _series(rows, experiment):
                part = part.sort_values(x)
                ax.errorbar(part[x], part[outcome], yerr=part.get(f"{outcome}_ci95"), marker="o",
                            capsize=3, label=label)
            ax.set_xlabel(x)
        ax.set_title(f"{outcome} [{OUTCOMES.get(outcome, ('', ''))[0]}]", fontsize=9)
    if x is not None:
        axes[0].legend(fontsize=7)
    fig.suptitle(f"{experiment.name}: last year, sector {sector} (mean, 95 % interval)", fontsize=10)
    return _save(fig, path)


def _over_time(rows: pd.DataFrame, experiment: Experiment, path: Path, sector: str) -> Path:
    outcomes = list(experiment.outputs.outcomes)
    fig, axes = _grid(len(outcomes))
    names = experiment.parameter_names
    for ax, outcome in zip(axes, outcomes):
        for key, part in rows.groupby(["scenario", *names], sort=True):
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join([str(key[0])] + [f"{n}={v:g}" for n, v in zip(names, key[1:])])
            part = part.sort_values("year")
            ax.plot(part["year"], part[outcome], marker=".", label=label)
        ax.set_xlabel("year")
        ax.set_title(f"{outcome} [{OUTCOMES.get(outcome, ('', ''))[0]}]", fontsize=9)
    axes[0].legend(fontsize=6)
    fig.suptitle(f"{experiment.name}: year by year, sector {sector}", fontsize=10)
    return _save(fig, path)


def _grid(n: int):
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 3.6 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _save(fig, path: Path) -> Path:  # noqa: ANN001 - a matplotlib Figure
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
