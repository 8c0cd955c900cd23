"""The calibration file: which parameters, which targets, how much simulation.

Example (``calibration/default.toml``)::

    name = "default"
    scenario = "baseline"
    years = 4            # simulated years per particle; the first ``burn_in`` are dropped
    burn_in = 1
    scale = "workshop"
    seed = 13

    [smc]
    population = 200     # particles per generation
    generations = 6
    min_epsilon = 1.0    # stop early when the distance threshold falls below this

    [quick]              # the --quick tier (CI)
    population = 20
    generations = 2
    years = 2

    [[parameters]]
    name = "health.short_hazard.kindergarten"   # a dotted scenario key
    low = 0.07           # optional: narrows the declared range of the Params table
    high = 0.18

    [[targets]]
    name = "sick_leave_kindergarten"
    outcome = "sick_leave_pct"
    sectors = ["kindergarten"]          # employee-weighted mean of these sectors
    minus = []                          # optional: minus the same of these (a difference)
    value = 11.2
    low = 10.5                          # the target's interval (about 95 %)
    high = 12.0
    source = "PBL (SSB) ... docs/sources.md §1"

The prior of each parameter is uniform on its declared range (``ge``/``le`` of its field in the
mechanism's Params table), narrowed by ``low``/``high`` if given (never widened). A target's
standard deviation is a quarter of its interval unless ``sd`` is given; the ABC distance is the
root of the sum of squared standardised deviations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import SECTORS
from sim.experiment import load_toml


class CalibrationError(ValueError):
    """A bad calibration file; ``str(error)`` is the one message shown to the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Sector = Literal["nursing_home", "home_care", "kindergarten", "school"]


class Prior(_Strict):
    """A parameter to calibrate: a dotted scenario key with an optional narrower range."""

    name: str = Field(min_length=1, description="dotted scenario key, e.g. health.recovery")
    low: float | None = None
    high: float | None = None


class Target(_Strict):
    """A real-world figure the model is fitted to, with its interval and source."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_]+$")
    outcome: str = Field(min_length=1)
    sectors: list[Sector] = Field(min_length=1)
    minus: list[Sector] = Field(default_factory=list, description="subtract these sectors' value")
    value: float
    low: float
    high: float
    sd: float | None = Field(None, gt=0, description="default: (high - low) / 4")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _interval(self) -> Target:
        if not self.low <= self.value <= self.high:
            raise ValueError(f"value {self.value} must lie in [low, high] = "
                             f"[{self.low}, {self.high}]")
        if not self.low < self.high:
            raise ValueError(f"low must be below high; found low={self.low}, high={self.high}")
        return self

    @property
    def scale(self) -> float:
        return self.sd or (self.high - self.low) / 4.0


class Smc(_Strict):
    population: int = Field(200, ge=2, le=100_000, description="particles per generation")
    generations: int = Field(6, ge=1, le=100)
    min_epsilon: float = Field(0.0, ge=0, description="stop when the threshold falls below")
    max_simulations: int | None = Field(None, ge=1)


class Quick(_Strict):
    population: int = Field(20, ge=2, le=10_000)
    generations: int = Field(2, ge=1, le=20)
    years: int | None = Field(None, ge=1, le=50)


class Calibration(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = "baseline"
    years: int = Field(4, ge=1, le=50)
    burn_in: int = Field(1, ge=0, le=49, description="years dropped before the statistics")
    scale: str = "workshop"
    seed: int = Field(0, ge=0, lt=2**32)
    smc: Smc = Field(default_factory=Smc)
    quick: Quick = Field(default_factory=Quick)
    parameters: list[Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Calibration:
        if self.burn_in >= self.years:
            raise ValueError(f"burn_in ({self.burn_in}) must be below years ({self.years})")
        for kind, items in (("parameter", [p.name for p in self.parameters]),
                            ("target", [t.name for t in self.targets])):
            if len(set(items)) != len(items):
                raise ValueError(f"a {kind} is listed twice: {items}")
        return self

    def quick_tier(self) -> Calibration:
        """The --quick version: few particles and generations, maybe fewer years."""
        years = self.quick.years or self.years
        smc = self.smc.model_copy(update={"population": self.quick.population,
                                          "generations": self.quick.generations})
        return self.model_copy(update={"smc": smc, "years": years,
                                       "burn_in": min(self.burn_in, years - 1)})


def declared_range(name: str) -> tuple[float, float]:
    """The declared range (``ge``, ``le``) of a dotted scenario key in its Params table."""
    from sim.scenario import scenario_class

    model: Any = scenario_class()
    parts = name.split(".")
    info = None
    for i, part in enumerate(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            allowed = ", ".join(sorted(fields)) if fields else "-"
            raise CalibrationError(f"unknown parameter {name!r}: no {part!r} in "
                                   f"{'.'.join(parts[:i]) or 'the scenario'} (allowed: {allowed})")
        info = fields[part]
        model = info.annotation
    if isinstance(model, type) and issubclass(model, BaseModel):
        raise CalibrationError(f"parameter {name!r} is a table, not a number; name one of its "
                               f"keys: {', '.join(model.model_fields)}")
    ge = le = None
    for item in info.metadata:
        ge = getattr(item, "ge", ge)
        le = getattr(item, "le", le)
    if ge is None or le is None:
        raise CalibrationError(f"parameter {name!r} has no declared range (ge and le) in its "
                               "Params table: give it one before calibrating it")
    return float(ge), float(le)


def priors(calibration: Calibration, origin: str) -> dict[str, tuple[float, float]]:
    """Each parameter's uniform prior [low, high]: the declared range, narrowed by the file."""
    out = {}
    for i, p in enumerate(calibration.parameters):
        try:
            ge, le = declared_range(p.name)
        except CalibrationError as err:
            raise CalibrationError(f"{origin}: parameters[{i}]: {err}") from None
        low = ge if p.low is None else p.low
        high = le if p.high is None else p.high
        if low < ge or high > le or not low < high:
            raise CalibrationError(f"{origin}: parameters[{i}] ({p.name}): the prior must lie "
                                   f"in the declared range [{ge:g}, {le:g}] with low < high; "
                                   f"found [{low:g}, {high:g}]")
        out[p.name] = (low, high)
    return out


def load_calibration(path: str | Path) -> tuple[Calibration, dict[str, tuple[float, float]]]:
    """Read and validate a calibration file; raise CalibrationError with one clear message."""
    path = Path(path)
    calibration = load_toml(path, Calibration, "calibration", CalibrationError)
    from sim.outcomes import OUTCOMES
    from sim.scenario import ScenarioError, load_scenario
    from sim.world import SCALES

    if calibration.scale not in SCALES:
        raise CalibrationError(f"{path}: key 'scale': unknown scale; allowed: "
                               f"{', '.join(SCALES)}; found {calibration.scale!r}")
    for i, t in enumerate(calibration.targets):
        if t.outcome not in OUTCOMES:
            raise CalibrationError(f"{path}: key 'targets[{i}].outcome': unknown outcome; "
                                   f"allowed: {', '.join(OUTCOMES)}; found {t.outcome!r}")
    try:
        load_scenario(calibration.scenario)
    except ScenarioError as err:
        raise CalibrationError(f"{path}: key 'scenario': {err}") from None
    return calibration, priors(calibration, str(path))


__all__ = ["SECTORS", "Calibration", "CalibrationError", "Target", "declared_range",
           "load_calibration", "priors"]
