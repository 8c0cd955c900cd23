"""What a published experiment promises: the ``[publish]`` table of an experiment file.

A published experiment has, beside its file ``experiments/NAME.toml``, a folder
``experiments/NAME/`` with a note (``NOTE.md``: question, design, result, the real-world pattern
and its source, where the model falls short), the result table of each tier (``full.csv``,
``ci.csv``) and figures. ``reformsim reproduce`` reruns a tier and fails when a number differs
from the published table by more than its tolerance, or when a stated pattern (a check) no
longer holds.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
    """

    kind: Literal["increasing", "decreasing", "diminishing", "s_curve", "greater", "less",
                  "between"]
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


DEFAULT_TOLERANCE: dict[str, float] = {
    "quality": 0.25, "satisfaction": 0.25, "cost_per_client": 1500.0, "sick_leave_pct": 0.1,
    "turnover_pct": 0.3, "private_share": 0.3, "providers": 1.0, "practices_adopted": 0.05,
    "quality_spread": 0.1, "switching_pct": 0.2, "clients": 1.0, "employees": 5.0,
    "cost": 1e5,
    # market outcomes (issue 11): a little more than the 6 significant digits of the tables
    "need_private": 0.01, "need_public": 0.01, "entries": 0.5, "exits": 0.5,
    "slack_public": 0.05, "slack_private": 0.05, "productivity_public": 0.005,
    "productivity_private": 0.005, "contracts_shaded": 0.5, "contracts_detected": 0.5,
}
"""Absolute tolerances per outcome, in the outcome's unit (a rerun on the same code gives the
same numbers bit for bit; these allow for floating-point differences between machines)."""


class Publication(_Strict):
    """The ``[publish]`` table of an experiment file."""

    question: str = Field(min_length=1)
    tolerance: dict[str, float] = Field(default_factory=dict,
                                        description="absolute tolerance per outcome")
    ci: Tier | None = Field(None, description="the reduced tier CI reruns")
    checks: list[Check] = Field(default_factory=list)

    def tolerance_for(self, outcome: str) -> float:
        return self.tolerance.get(outcome, DEFAULT_TOLERANCE.get(outcome, 1e-6))
