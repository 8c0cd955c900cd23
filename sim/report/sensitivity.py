"""Global sensitivity of the outcomes to the varied parameters (SALib: Sobol and Morris).

The response of a parameter point is the mean over replications of each run's last-year value
(all sectors together). Sobol gives first-order (``S1``) and total (``ST``) indices with 95%
bootstrap intervals; Morris gives ``mu_star`` (mean absolute elementary effect) with its 95%
interval, and ``sigma`` (interactions and non-linearity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment import Experiment, design_seed
from sim.report.stats import CONFIDENCE


class SensitivityError(ValueError):
    """The sensitivity indices cannot be computed (e.g. runs are missing)."""


def responses(final: pd.DataFrame, scenario: str, outcome: str, n_points: int) -> np.ndarray:
    """One value per design point, in design order: the mean over replications."""
    per_point = final[final["scenario"] == scenario].groupby("point")[outcome].mean()
    per_point = per_point.reindex(range(n_points))
    if per_point.isna().any():
        raise SensitivityError(f"scenario {scenario!r}: {int(per_point.isna().sum())} of "
                               f"{n_points} design points have no result")
    return per_point.to_numpy()


def analyze(experiment: Experiment, final: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity indices per scenario, outcome and parameter (long table).

    ``final``: one row per run with its last-year outcomes (``stats.final_values``).
    """
    kind = experiment.design.kind
    if kind not in ("sobol", "morris"):
        raise SensitivityError(f"a {kind} design has no sensitivity indices")
    problem = experiment.salib_problem()
    points = experiment.points()
    X = np.array([[p[n] for n in experiment.parameter_names] for p in points])
    seed = design_seed(experiment.base_seed)
    rows = []
    for scenario in final["scenario"].unique():
        for outcome in experiment.outputs.outcomes:
            Y = responses(final, scenario, outcome, len(points))
            indices = _salib(kind, experiment, problem, X, Y, seed)
            for i, name in enumerate(experiment.parameter_names):
                row = {"scenario": scenario, "outcome": outcome, "parameter": name}
                row.update({k: float(np.asarray(v)[i]) for k, v in indices.items()})
                rows.append(row)
    return pd.DataFrame(rows)


def _salib(kind: str, experiment: Experiment, problem: dict, X: np.ndarray, Y: np.ndarray,
           seed: int) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant outcome has no variance
        if kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, Y, calc_second_order=experiment.design.second_order,
                                conf_level=CONFIDENCE, seed=seed)
            return {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
        from SALib.analyze import morris

        res = morris.analyze(problem, X, Y, conf_level=CONFIDENCE,
                             num_levels=experiment.design.levels, seed=seed)
        return {k: np.asarray(res[k], dtype=float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}


def figure(indices: pd.DataFrame, kind: str) -> Figure:
    """Bars per parameter with 95% intervals: one panel per scenario (rows) and outcome (columns)."""
    scenarios = list(indices["scenario"].unique())
    outcomes = list(indices["outcome"].unique())
    fig = Figure(figsize=(3.6 * len(outcomes) + 1, 2.6 * len(scenarios) + 0.8), dpi=100,
                 layout="constrained")
    axes = fig.subplots(len(scenarios), len(outcomes), squeeze=False)
    for r, scenario in enumerate(scenarios):
        for c, outcome in enumerate(outcomes):
            part = indices[(indices["scenario"] == scenario) & (indices["outcome"] == outcome)]
            _bars(axes[r][c], part, kind)
            axes[r][c].set_title(f"{scenario}: {outcome}", fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=2, frameon=False)
    return fig


def _bars(ax, part: pd.DataFrame, kind: str) -> None:  # noqa: ANN001 - a matplotlib Axes
    y = np.arange(len(part))
    if kind == "sobol":
        ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order (S1)",
                color="#4c72b0", capsize=2)
        ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total (ST)",
                color="#dd8452", capsize=2)
        ax.set_xlabel("Sobol index")
    else:
        ax.barh(y - 0.2, part["mu_star"], 0.4, xerr=part["mu_star_conf"], label="mu* (mean |effect|)",
                color="#4c72b0", capsize=2)
        ax.barh(y + 0.2, part["sigma"], 0.4, label="sigma (interactions)", color="#dd8452")
        ax.set_xlabel("elementary effect (outcome units)")
    ax.set_yticks(y, part["parameter"], fontsize=8)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)


def sensitivity_outputs(experiment: Experiment, final: pd.DataFrame) -> tuple[pd.DataFrame, bytes]:
    """The indices with their 95 % intervals and their plot as PNG, from one row per run."""
    from sim.report.html import png_bytes

    indices = analyze(experiment, final)
    return indices, png_bytes(figure(indices, experiment.design.kind))
