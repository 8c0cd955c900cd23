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

    ``increasing``/``decreasing``: the outcome's mean rises/falls along ``along`` (a varied
    parameter, or ``year``) — each step by more than ``margin`` (use a negative margin for
    "does not fall by more than"). ``greater``/``less``: ``scenario``'s mean is above/below
    ``than``'s by more than ``margin``. ``where`` fixes other columns (e.g. a parameter value);
    by default the last year and ``sector = "all"``.
    """

    kind: Literal["increasing", "decreasing", "greater", "less"]
    outcome: str
    along: str | None = None
    scenario: str | None = None
    than: str | None = None
    sector: str = "all"
    year: int | None = None
    margin: float = 0.0
    where: dict[str, float | str] = Field(default_factory=dict)
    says: str = Field("", description="the pattern in words, as in the note")


DEFAULT_TOLERANCE: dict[str, float] = {
    "quality": 0.25, "satisfaction": 0.25, "cost_per_client": 1500.0, "sick_leave_pct": 0.1,
    "turnover_pct": 0.3, "private_share": 0.3, "providers": 1.0, "practices_adopted": 0.05,
    "quality_spread": 0.1, "switching_pct": 0.2, "clients": 1.0, "employees": 5.0,
    "cost": 1e5,
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
