"""Stochastic and parameter uncertainty, separated (runs with parameters drawn from a posterior).

Replication ``r`` ran with posterior draw ``r mod D`` and its own seed, so each draw has several
seeds. For each scenario and outcome (the run's last-year mean), and for each paired difference
from the reference scenario, a one-way variance decomposition (random effects, method of
moments) splits the variance across runs into

* stochastic: the mean variance between seeds within a draw;
* parameter: the variance of the draw means minus the stochastic part they still carry
  (``var(draw means) - within / k``, floored at zero).

Their sum is the variance of one run; the shares say how much of an interval is parameter
uncertainty.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd


def _split(values: pd.Series, draws: pd.Series) -> tuple[float, float]:
    groups = [g.to_numpy(dtype=float) for _, g in values.groupby(draws)]
    sizes = np.array([len(g) for g in groups])
    with_two = [g for g in groups if len(g) > 1]
    within = float(np.mean([g.var(ddof=1) for g in with_two])) if with_two else float("nan")
    means = np.array([g.mean() for g in groups])
    between = float(means.var(ddof=1)) if len(means) > 1 else float("nan")
    k = float(len(sizes) / np.sum(1.0 / sizes))  # harmonic mean group size
    parameter = max(0.0, between - within / k) if np.isfinite(within) else float("nan")
    return within, parameter


def decompose(final: pd.DataFrame, outcomes: list[str], n_draws: int,
              reference: str | None = None, keys: tuple[str, ...] = ("scenario",)) -> pd.DataFrame:
    """One row per scenario (or per ``keys``, e.g. scenario and point), and per difference from
    ``reference``, and outcome."""
    final = final.assign(draw=final["replication"] % n_draws)
    rows = []

    def add(label: str, kind: str, outcome: str, values: pd.Series, draws: pd.Series) -> None:
        stochastic, parameter = _split(values, draws)
        total = stochastic + parameter
        rows.append({"scenario": label, "kind": kind, "outcome": outcome,
                     "mean": float(values.mean()), "sd_run": float(np.sqrt(total)),
                     "sd_stochastic": float(np.sqrt(stochastic)),
                     "sd_parameter": float(np.sqrt(parameter)),
                     "parameter_share": parameter / total if total > 0 else float("nan"),
                     "runs": int(len(values)), "draws": int(draws.nunique())})

    for label, part in final.groupby(list(keys), sort=False):
        label = label if isinstance(label, tuple) else (label,)
        name = ", ".join(f"{k}={v}" if k != "scenario" else str(v) for k, v in zip(keys, label))
        for outcome in outcomes:
            add(name, "level", outcome, part[outcome], part["draw"])
    if reference is not None and reference in set(final["scenario"]):
        ref = final[final["scenario"] == reference].set_index("replication")
        for scenario, part in final.groupby("scenario", sort=False):
            if scenario == reference:
                continue
            part = part.set_index("replication")
            for outcome in outcomes:
                diff = (part[outcome] - ref[outcome]).dropna()
                add(f"{scenario} - {reference}", "difference", outcome, diff,
                    part.loc[diff.index, "draw"])
    return pd.DataFrame(rows)


def render(table: pd.DataFrame, posterior: str, n_draws: int, replications: int) -> str:
    """An HTML section: what the intervals include, and the decomposition table."""
    def e(x: object) -> str:
        return html.escape(str(x), quote=True)

    head = ("<tr><th class='l'>scenario / difference</th><th class='l'>outcome</th><th>mean</th>"
            "<th>sd of a run</th><th>stochastic sd</th><th>parameter sd</th>"
            "<th>parameter share of variance</th></tr>")
    body = "".join(
        f"<tr><td class='l'>{e(r.scenario)}</td><td class='l'>{e(r.outcome)}</td>"
        f"<td>{r.mean:,.4g}</td><td>{r.sd_run:,.3g}</td><td>{r.sd_stochastic:,.3g}</td>"
        f"<td>{r.sd_parameter:,.3g}</td><td>{r.parameter_share:.0%}</td></tr>"
        for r in table.itertuples())
    return (f"<h2>Parameter and stochastic uncertainty</h2><div class='note'><b>The intervals in "
            f"this report include parameter uncertainty.</b> Each replication drew its "
            f"parameters from the posterior <code>{e(posterior)}</code>: {n_draws} draws, each "
            f"run with {replications // n_draws} or more seeds; the same draw for the same "
            f"replication in every scenario (common random numbers extend to the parameters), "
            f"so differences between scenarios are paired on both.</div>"
            f"<table>{head}{body}</table><p class='sub'>Variance of one run's last-year value "
            f"split into a stochastic part (between seeds within a draw) and a parameter part "
            f"(between draws, net of the stochastic part), by a one-way random-effects "
            f"decomposition.</p>")
