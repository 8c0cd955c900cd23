"""What a published experiment promises: the ``[publish]`` table of an experiment file.

A published experiment has, beside its file ``experiments/NAME.toml``, a folder
``experiments/NAME/`` with a note (``NOTE.md``: question, design, result, the real-world pattern
and its source, where the model falls short), the result table of each tier (``full.csv``,
``ci.csv``) and figures. ``reformsim reproduce`` reruns a tier and fails when a number differs
from the published table by more than its tolerance, or when a stated pattern (a check) no
longer holds.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    """A reduced version of the experiment, small enough for CI."""

    replications: int | None = Field(None, ge=1, le=1000)
    years: int | None = Field(None, ge=1, le=100)
    samples: int | None = Field(None, ge=1, le=100_000, description="sampled designs: points")


class Check(_Strict):
    """A pattern the published result shows, checked again on every reproduction.

    The rows checked are those of ``scenario`` (all scenarios if unset), ``sector`` (default
    ``all``), the last year (or ``year``) and the column values in ``where``; the outcome's mean
    over them is compared:

    * ``increasing`` / ``decreasing``: along ``along`` (a varied parameter, or ``year``) every
      step rises / falls by more than ``margin``;
    * ``diminishing``: along ``along`` the steps shrink (the first half of the steps is larger
      in absolute size than the second half): diminishing returns;
    * ``s_curve``: along ``along`` the steps first grow, then shrink (the largest step is
      neither the first nor the last);
    * ``greater`` / ``less``: the mean is above / below that of the comparison rows by more
      than ``margin``; the comparison rows are the same selection with ``than`` (a scenario),
      ``than_sector`` and ``than_where`` replacing their counterparts;
    * ``between``: the mean lies in [``low``, ``high``].

    Checks against the world (``sim.validation``; every published experiment uses these), each
    with the real-world range [``low``, ``high``] it is compared with (either end may be open),
    its ``source`` (docs/sources.md) and whether the model was fitted to it (``in_sample``):

    * ``level``: the mean over replications of the selected rows (the 95 % interval across
      replications) must lie inside the range;
    * ``difference``: the paired difference, replication by replication (common random
      numbers: the same seeds, and with a posterior the same parameter draws), of the selected
      rows minus the comparison rows (``than``, ``than_sector``, ``than_where``) — in percent of
      the comparison rows with ``relative = true``. With ``expect = "within"`` its 95 % interval
      must lie inside the range; with ``expect = "direction"`` it must exclude zero on the side
      of the range (the range then gives the size found in the world, for the power statement).

    * ``effect`` (Morris designs): the mean elementary effect of the parameter ``along`` on the
      outcome over the whole design (the change over the parameter's range, SALib ``mu``), with
      the 95 % interval ``mu ± t · sigma / sqrt(trajectories)``; ``expect`` as for differences.

    All report the smallest effect the check can detect (80 % power, two-sided 5 %) from the
    replications' spread. ``history`` lists, with dates and reasons, any change to the check
    made after seeing a result; it is printed in the note's Validation section.
    """

    kind: Literal["increasing", "decreasing", "diminishing", "s_curve", "greater", "less",
                  "between", "level", "difference", "effect"]
    outcome: str
    along: str | None = None
    scenario: str | None = None
    sector: str = "all"
    year: int | None = None
    where: dict[str, float | str] = Field(default_factory=dict)
    than: str | None = None
    than_sector: str | None = None
    than_where: dict[str, float | str] = Field(default_factory=dict)
    margin: float = 0.0
    low: float | None = None
    high: float | None = None
    says: str = Field("", description="the pattern in words, as in the note")
    expect: Literal["within", "direction"] = Field(
        "within", description="difference: interval inside the range, or excluding zero on "
                              "the range's side")
    relative: bool = Field(False, description="difference in percent of the comparison rows")
    source: str = Field("", description="where the real-world range comes from")
    in_sample: bool | None = Field(None, description="true: the model was fitted to this target")
    history: list[str] = Field(default_factory=list,
                               description="changes made after seeing a result, and why")
    months: list[int] = Field(default_factory=list, description="months of the year (1-12) "
                              "of the selected rows (monthly outputs); default: the whole year")
    than_months: list[int] = Field(default_factory=list,
                                   description="months of the year of the comparison rows")
    known_failure: str = Field("", description="a documented shortfall: the check is evaluated "
                               "and reported, its failure does not fail reproduce, and it "
                               "failing to fail does (so the note is updated)")

    @model_validator(mode="after")
    def _world_checks_are_cited(self) -> Check:
        if self.kind == "effect" and not self.along:
            raise ValueError("an effect check needs 'along' (the varied parameter)")
        if self.kind in ("level", "difference", "effect"):
            if not self.source:
                raise ValueError(f"a {self.kind} check needs 'source' (where its range comes "
                                 "from)")
            if self.in_sample is None:
                raise ValueError(f"a {self.kind} check needs 'in_sample' (true if the model "
                                 "was fitted to it)")
            if self.low is None and self.high is None:
                raise ValueError(f"a {self.kind} check needs 'low' and/or 'high' (the "
                                 "real-world range)")
            if self.expect == "direction" and self.kind != "level" and not ((self.low is not None and self.low >= 0)
                                                   or (self.high is not None and self.high <= 0)):
                raise ValueError("expect = 'direction' needs a range on one side of zero "
                                 "(low >= 0 or high <= 0)")
        return self

    @property
    def world(self) -> bool:
        """A check against a cited real-world range (``level`` or ``difference``)."""
        return self.kind in ("level", "difference", "effect")


SPREAD_SAFETY = 10.0
"""Tolerance per unit of the largest difference measured between emulated machines."""
ROUNDING_MARGIN = 10.0
"""Tolerance per half unit of the published tables' last digit (6 significant digits of the
outcome's largest value): covers the rounding, and values up to ten times larger after a
republish."""


def table_rounding(magnitude: float) -> float:
    """Half a unit of the 6th significant digit of ``magnitude`` (at least 1): the largest
    rounding error of a published table (written with ``%.6g``) for values up to that size."""
    return 0.5 * 10.0 ** (math.floor(math.log10(max(abs(magnitude), 1.0))) - 5)


def measured_tolerance(spread: float, magnitude: float) -> float:
    """The tolerance implied by a measured spread between machines and an outcome's size:
    max(``SPREAD_SAFETY`` x spread, ``ROUNDING_MARGIN`` x the tables' rounding), rounded up to
    one significant digit (benchmarks/tolerance_spread.py measures both)."""
    raw = max(SPREAD_SAFETY * spread, ROUNDING_MARGIN * table_rounding(magnitude))
    step = 10.0 ** math.floor(math.log10(raw))
    return float(f"{math.ceil(round(raw / step, 9)) * step:.1g}")


DEFAULT_TOLERANCE: dict[str, float] = {
    # measured 2026-11-27 (docs/tolerance_spread.csv): the spread between emulated
    # machines was at most 1e-7 (satisfaction), so the tables' rounding sets every value
    "quality": 0.0005, "quality_indicator": 0.0005, "satisfaction": 0.0005,
    "cost_per_client": 50.0, "sick_leave_pct": 0.0005, "turnover_pct": 0.0005,
    "private_share": 0.0005, "providers": 0.005, "practices_adopted": 5e-05,
    "quality_spread": 0.0005, "switching_pct": 5e-05, "need_private": 5e-05,
    "need_public": 5e-05, "entries": 5e-05, "exits": 0.0005, "slack_public": 5e-05,
    "slack_private": 5e-05, "productivity_public": 5e-05, "productivity_private": 5e-05,
    "contracts_shaded": 0.005, "contracts_detected": 0.0005, "clients": 0.5,
    "employees": 0.5, "cost": 50000.0,
}
"""Absolute tolerances per outcome, in the outcome's unit, set from a measurement: a rerun on
the same code gives the same numbers bit for bit; these allow for the floating-point
differences between machines that benchmarks/tolerance_spread.py measured, and for the
rounding of the published tables (``measured_tolerance``; the figures and the command in
docs/tolerance_spread.csv and docs/calibration.md; a test ties them together)."""


class Publication(_Strict):
    """The ``[publish]`` table of an experiment file."""

    question: str = Field(min_length=1)
    tolerance: dict[str, float] = Field(default_factory=dict,
                                        description="absolute tolerance per outcome")
    ci: Tier | None = Field(None, description="the reduced tier CI reruns")
    checks: list[Check] = Field(default_factory=list)

    def tolerance_for(self, outcome: str) -> float:
        return self.tolerance.get(outcome, DEFAULT_TOLERANCE.get(outcome, 1e-6))
