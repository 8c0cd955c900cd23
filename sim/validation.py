"""Checks that compare the model with the world: levels and paired differences with intervals.

A published experiment states patterns it shows (``[[publish.checks]]``, ``sim.publication``).
The checks of kind ``level`` and ``difference`` are evaluated here on the runs themselves, not
on the summary table, because their interval comes from the spread across replications:

* ``level``: per replication, the mean of the selected rows (last year, or ``year``); then the
  mean over replications and its 95 % t-interval, which must lie inside the cited range.
* ``difference``: per replication, the selected rows minus the comparison rows — the same seed
  in both (common random numbers), so the difference is not blurred by different draws — then
  the mean difference and its 95 % t-interval.

Power: the smallest true effect (difference or deviation of a level) that the check detects
with 80 % probability at a two-sided 5 % level, ``(t_0.975 + t_0.80) * sd / sqrt(n)`` with the
replications' standard deviation ``sd``. A direction check whose cited effect is smaller than
that cannot be relied on to fail, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.publication import Check


@dataclass
class Verdict:
    """A world check evaluated: the estimate, its interval, power and whether it holds."""

    check: Check
    holds: bool
    estimate: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    n: int = 0
    detectable: float = float("nan")
    problem: str = ""

    @property
    def passes(self) -> bool:
        """Whether reproduce accepts it: a check holds, or a documented shortfall still fails."""
        return self.holds != bool(self.check.known_failure)

    def status(self) -> str:
        if self.check.known_failure:
            return ("KNOWN FAILURE (documented)" if not self.holds
                    else "HOLDS although marked as a known failure: update the note")
        return "ok" if self.holds else "FAILED"

    @property
    def unit(self) -> str:
        return " %" if self.check.relative else ""

    def range_text(self) -> str:
        lo = "-inf" if self.check.low is None else f"{self.check.low:g}"
        hi = "+inf" if self.check.high is None else f"{self.check.high:g}"
        return f"[{lo}, {hi}]{self.unit}"

    def powered(self) -> bool | None:
        """Whether the check can detect the cited effect (direction checks), else None."""
        if self.check.kind not in ("difference", "effect") or self.check.expect != "direction":
            return None
        bound = self.check.low if self.check.low is not None and self.check.low >= 0 \
            else self.check.high
        size = abs(bound) if bound not in (None, 0) else None
        return None if size is None else bool(self.detectable <= size)

    def describe(self) -> str:
        c = self.check
        if self.problem:
            return self.problem
        what = c.kind
        rule = ("95 % interval excludes zero towards the range" if c.expect == "direction"
                and c.kind != "level" else "95 % interval inside the range")
        power = self.powered()
        note = "" if power is None else ("" if power else
                                         " — UNDERPOWERED for the cited effect")
        return (f"{what} {self.estimate:.3g}{self.unit} [{self.low:.3g}, {self.high:.3g}] "
                f"(n={self.n}); world {self.range_text()} ({rule}); "
                f"{'in-sample' if c.in_sample else 'OUT-OF-SAMPLE'}; detectable effect "
                f"(80 % power) {self.detectable:.3g}{self.unit}{note}; source: {c.source}")

    def row(self) -> dict:
        """One row of ``checks.csv``."""
        c = self.check
        return {"says": c.says, "kind": c.kind, "outcome": c.outcome,
                "in_sample": bool(c.in_sample), "estimate": self.estimate, "ci_low": self.low,
                "ci_high": self.high, "replications": self.n, "range_low": c.low,
                "range_high": c.high, "relative": c.relative, "expect": c.expect,
                "detectable_80": self.detectable, "holds": self.holds, "source": c.source}


def per_replication(results: pd.DataFrame, check: Check, comparison: bool = False) -> pd.Series:
    """The outcome per replication over the selected rows (or the comparison rows)."""
    scenario = (check.than or check.scenario) if comparison else check.scenario
    sector = (check.than_sector or check.sector) if comparison else check.sector
    where = {**check.where, **check.than_where} if comparison else dict(check.where)
    months = (check.than_months or check.months) if comparison else check.months
    rows = results[results["sector"] == sector]
    if scenario:
        rows = rows[rows["scenario"] == scenario]
    if "year" in rows.columns and len(rows):
        rows = rows[rows["year"] == (check.year or rows["year"].max())]
    if months:
        if "month" not in rows.columns:
            return pd.Series(dtype=float)
        rows = rows[((rows["month"] - 1) % 12 + 1).isin(months)]
    for key, value in where.items():
        rows = rows[np.isclose(rows[key], value)] if isinstance(value, float | int) \
            else rows[rows[key] == value]
    return rows.groupby("replication")[check.outcome].mean()


def evaluate(results: pd.DataFrame, check: Check, experiment=None) -> Verdict:  # noqa: ANN001
    """Evaluate a ``level``, ``difference`` or ``effect`` check on the runs of an experiment."""
    if check.kind == "effect":
        return _effect(results, check, experiment)
    needed = [check.outcome, *check.where, *check.than_where]
    missing = [k for k in needed if k not in results.columns]
    if missing:
        return Verdict(check, False, problem=f"no column {missing[0]!r} in the results")
    a = per_replication(results, check)
    if check.kind == "difference":
        b = per_replication(results, check, comparison=True)
        a, b = a.align(b, join="inner")
        values = (a - b) / b * 100.0 if check.relative else a - b
    else:
        values = a
    values = values.dropna().to_numpy(dtype=float)
    n = len(values)
    if n < 2:
        return Verdict(check, False, n=n, problem=f"{n} replication(s) selected: an interval "
                                                  "needs at least 2 (check scenario, sector, "
                                                  "where)")
    return _verdict(check, float(values.mean()), float(values.std(ddof=1)), n)


def _verdict(check: Check, mean: float, sd: float, n: int) -> Verdict:
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    low, high = mean - half, mean + half
    detectable = (float(stats.t.ppf(0.975, n - 1)) + float(stats.t.ppf(0.80, n - 1))) \
        * sd / np.sqrt(n)
    if check.kind in ("difference", "effect") and check.expect == "direction":
        holds = low > 0 if (check.low is not None and check.low >= 0) else high < 0
    else:
        holds = (check.low is None or low >= check.low) and \
                (check.high is None or high <= check.high)
    return Verdict(check, bool(holds), mean, low, high, n, detectable)


def _effect(results: pd.DataFrame, check: Check, experiment) -> Verdict:  # noqa: ANN001
    """The Morris mean elementary effect of ``check.along`` with its 95 % interval."""
    from sim.report.sensitivity import SensitivityError, analyze
    from sim.report.stats import final_values

    if experiment is None or experiment.design.kind != "morris":
        return Verdict(check, False, problem="an effect check needs a Morris design")
    if check.along not in experiment.parameter_names:
        return Verdict(check, False, problem=f"{check.along!r} is not a varied parameter")
    try:
        final = final_values(results, [check.outcome], check.sector)
        indices = analyze(experiment.model_copy(update={"outputs": experiment.outputs.model_copy(
            update={"outcomes": [check.outcome]})}), final)
    except SensitivityError as err:
        return Verdict(check, False, problem=str(err))
    row = indices[(indices["parameter"] == check.along)
                  & (indices["scenario"] == (check.scenario or indices["scenario"].iloc[0]))]
    return _verdict(check, float(row["mu"].iloc[0]), float(row["sigma"].iloc[0]),
                    experiment.design.samples)


def replications_for(detectable: float, n: int, target: float) -> int:
    """How many replications would bring the detectable effect from ``detectable`` (with ``n``)
    down to ``target`` (normal approximation: it shrinks with the square root of n)."""
    if not target or not np.isfinite(detectable):
        return n
    return int(np.ceil(n * (detectable / abs(target)) ** 2))


VALIDATION_BEGIN = "<!-- validation:begin (written by reformsim reproduce --publish) -->"
VALIDATION_END = "<!-- validation:end -->"


def validation_section(verdicts: list[Verdict], replications: int) -> str:
    """The note's Validation section: in-sample and out-of-sample targets, ranges, sources,
    results and power, and the history of every check changed after seeing a result."""
    lines = [VALIDATION_BEGIN, "## Validation", "",
             f"Every check below is evaluated on the full tier ({replications} replications, "
             "common random numbers) by `reformsim reproduce`: a paired difference or a level "
             "with its 95 % interval against the real-world range from the cited source. "
             "*Detectable* is the smallest effect the check detects with 80 % power "
             "(two-sided 5 %), from the replications' spread.", ""]
    for title, in_sample in (("In-sample (targets the model was fitted to)", True),
                             ("Out-of-sample (not used in fitting)", False)):
        chosen = [v for v in verdicts if bool(v.check.in_sample) == in_sample]
        lines += [f"**{title}.**", ""]
        if not chosen:
            lines += ["None.", ""]
            continue
        lines += ["| check | model (95 % interval) | world range | holds | detectable | source |",
                  "|---|---|---|---|---|---|"]
        for v in chosen:
            model = (v.problem or f"{v.estimate:.3g} [{v.low:.3g}, {v.high:.3g}]{v.unit}")
            power = v.powered()
            detect = f"{v.detectable:.3g}{v.unit}" + ("" if power in (None, True)
                                                      else " (underpowered)")
            holds = "yes" if v.holds else "**NO**"
            if v.check.known_failure and not v.holds:
                holds = f"**NO** (known: {v.check.known_failure})"
            lines.append(f"| {v.check.says} | {model} | {v.range_text()} | "
                         f"{holds} | {detect} | {v.check.source} |")
        lines.append("")
    history = [(v.check.says, h) for v in verdicts for h in v.check.history]
    lines += ["**History of the checks.**", ""]
    lines += [f"- {says}: {h}" for says, h in history] or \
             ["- No check was changed after seeing a result."]
    lines += ["", VALIDATION_END]
    return "\n".join(lines)


def replace_section(note: str, section: str) -> str:
    """The note with its Validation section replaced (or added before the Tolerance part)."""
    if VALIDATION_BEGIN in note and VALIDATION_END in note:
        head, rest = note.split(VALIDATION_BEGIN, 1)
        tail = rest.split(VALIDATION_END, 1)[1]
        return head + section + tail
    marker = "**Tolerance.**"
    if marker in note:
        head, tail = note.split(marker, 1)
        return head + section + "\n\n" + marker + tail
    return note.rstrip("\n") + "\n\n" + section + "\n"
