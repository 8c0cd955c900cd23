"""Experiment files: which scenarios to run, which parameters to vary, how, and what to keep.

An experiment file (TOML, in ``experiments/``) names scenarios, the scenario parameters to vary
(dotted keys as in a scenario file, e.g. ``empowerment.intensity``) with their values or ranges,
a design (a full ``grid``, or a ``latin`` hypercube, ``sobol`` or ``morris`` sample drawn with
SALib), the number of replications, the horizon, the scale, a base seed and which outcomes to
keep at what resolution. Like scenario files it is validated strictly: an unknown key, a wrong
type or a value out of range is one clear message naming the file and the key.

Seeds and common random numbers: replication ``r`` uses the ``r``-th seed spawned from the base
seed (``numpy.random.SeedSequence(base_seed).spawn(R)``), the same for every scenario and every
parameter point, so differences between scenarios are not blurred by different random draws.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim import SECTORS
from sim.publication import Publication

M = TypeVar("M", bound=BaseModel)

DesignKind = Literal["grid", "latin", "sobol", "morris"]
Resolution = Literal["monthly", "yearly", "final"]

ALL_SECTORS: tuple[str, ...] = ("all", *SECTORS)
"""The sector values of the results: ``all`` (every sector together) and the four sectors."""

DEFAULT_OUTCOMES: tuple[str, ...] = ("quality", "satisfaction", "cost_per_client", "sick_leave_pct")
"""The four headline outcomes of the brief: service quality, satisfaction, cost and sick leave."""

_DESIGN_STREAM = 0xD5  # a fixed key that keeps the design's random draws apart from run seeds


class ExperimentError(ValueError):
    """A bad experiment file; ``str(error)`` is the one message shown to the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One scenario parameter to vary: ``values`` for a grid, ``low``/``high`` for sampled designs."""

    name: str = Field(min_length=1, description="dotted scenario key, e.g. 'empowerment.intensity'")
    values: list[float] | None = Field(None, min_length=1, description="grid values")
    low: float | None = Field(None, description="lower bound for latin, sobol and morris")
    high: float | None = Field(None, description="upper bound for latin, sobol and morris")
    integer: bool = Field(False, description="round sampled values to whole numbers")

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Parameter:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low must be below high; found low={self.low}, high={self.high}")
        return self


class Design(_Strict):
    """How parameter points are chosen (SALib for latin, sobol and morris)."""

    kind: DesignKind = "grid"
    samples: int = Field(8, ge=1, le=1_000_000,
                         description="latin: points; sobol: base samples N (a power of 2); "
                                     "morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices")

    @model_validator(mode="after")
    def _sobol_power_of_two(self) -> Design:
        n = self.samples
        if self.kind == "sobol" and n & (n - 1):
            raise ValueError(f"samples must be a power of 2 for a sobol design; found {n}")
        return self


class Outputs(_Strict):
    """Which outcomes to keep, for which sectors, at which time resolution.

    ``monthly`` keeps every month; ``yearly`` the mean of each year's twelve months; ``final``
    the mean of the last year only.
    """

    resolution: Resolution = "yearly"
    outcomes: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1)
    sectors: list[Literal["all", "nursing_home", "home_care", "kindergarten", "school"]] = Field(
        default_factory=lambda: ["all"], min_length=1)

    @model_validator(mode="after")
    def _known_outcomes(self) -> Outputs:
        known = _known_outcomes()
        if known:
            unknown = [o for o in self.outcomes if o not in known]
            if unknown:
                raise ValueError(f"unknown outcome {unknown[0]!r}; allowed: {', '.join(known)}")
        return self


class Experiment(_Strict):
    """A validated experiment: scenarios x parameter points x replications."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenarios: list[str] = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    design: Design = Field(default_factory=Design)
    replications: int = Field(ge=1, le=100_000)
    years: int | None = Field(None, ge=1, le=100, description="default: each scenario's own years")
    scale: str = "workshop"
    base_seed: int = Field(0, ge=0, lt=2**63)
    outputs: Outputs = Field(default_factory=Outputs)
    publish: Publication | None = Field(None, description="published experiments: question, "
                                        "tolerances, CI tier, checks (sim/publication.py)")

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, scale: str) -> str:
        from sim.world import SCALES

        if scale not in SCALES:
            raise ValueError(f"unknown scale; allowed: {', '.join(SCALES)}; found {scale!r}")
        return scale

    @model_validator(mode="after")
    def _parameters_fit_design(self) -> Experiment:
        kind = self.design.kind
        for i, p in enumerate(self.parameters):
            if kind == "grid" and p.values is None:
                raise ValueError(f"parameters[{i}] ({p.name}): a grid design needs 'values'")
            if kind != "grid" and (p.low is None or p.high is None):
                raise ValueError(f"parameters[{i}] ({p.name}): a {kind} design needs 'low' and 'high'")
        if kind != "grid" and not self.parameters:
            raise ValueError(f"a {kind} design needs at least one parameter")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"a parameter is listed twice: {names}")
        return self

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def points(self) -> list[dict[str, float]]:
        """The parameter points of the design, in a fixed order (``[{}]`` with no parameters)."""
        if not self.parameters:
            return [{}]
        if self.design.kind == "grid":
            rows = itertools.product(*[p.values for p in self.parameters])  # type: ignore[misc]
            matrix = np.array(list(rows), dtype=float)
        else:
            matrix = sample_design(self.design, self.salib_problem(), design_seed(self.base_seed))
        return [self._point(row) for row in matrix]

    def _point(self, row: np.ndarray) -> dict[str, float]:
        return {p.name: float(round(v)) if p.integer else float(v)
                for p, v in zip(self.parameters, row, strict=True)}

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem definition (names and bounds) of the varied parameters."""
        return {"num_vars": len(self.parameters), "names": self.parameter_names,
                "bounds": [[p.low, p.high] for p in self.parameters]}

    def seeds(self) -> list[int]:
        """The replication seeds: shared by every scenario and parameter point (CRN)."""
        return replication_seeds(self.base_seed, self.replications)


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """``replications`` independent seeds spawned from ``base_seed`` (numpy SeedSequence)."""
    children = np.random.SeedSequence(base_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def design_seed(base_seed: int) -> int:
    """The seed of the design's own random draws (latin, morris, scrambled sobol)."""
    return int(np.random.SeedSequence([base_seed, _DESIGN_STREAM]).generate_state(1)[0])


def sample_design(design: Design, problem: dict[str, Any], seed: int) -> np.ndarray:
    """Draw the parameter matrix (points x parameters) of a latin, sobol or morris design."""
    if design.kind == "latin":
        from SALib.sample import latin

        return latin.sample(problem, design.samples, seed=seed)
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=design.second_order,
                            seed=seed)
    if design.kind == "morris":
        from SALib.sample.morris import sample as morris_sample

        return morris_sample(problem, design.samples, num_levels=design.levels, seed=seed)
    raise ValueError(f"not a sampled design: {design.kind}")


def expected_points(design: Design, num_vars: int) -> int:
    """How many points a sampled design yields for ``num_vars`` parameters (SALib's formulas)."""
    n = design.samples
    if design.kind == "latin":
        return n
    if design.kind == "sobol":
        return n * (2 * num_vars + 2) if design.second_order else n * (num_vars + 2)
    if design.kind == "morris":
        return n * (num_vars + 1)
    raise ValueError(f"not a sampled design: {design.kind}")


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raise ExperimentError with one clear message."""
    return load_toml(path, Experiment, "experiment", ExperimentError)


def load_toml(path: str | Path, model: type[M], kind: str, error: type[Exception]) -> M:
    """Read the TOML file ``path`` and validate it as ``model``. Every problem (missing,
    unreadable, not UTF-8, not TOML, not valid) raises ``error`` with one line that names the
    file, the key, what is allowed and what was found. ``kind`` names the file for the user."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {kind} file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot read the file: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise error(f"{path}: {describe_error(err, model)}") from None


def describe_error(err: ValidationError, model: type[BaseModel]) -> str:
    """The first validation error as one sentence: the key, what is allowed, what was found."""
    first = err.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    key = _dotted(first["loc"])
    found = first.get("input")
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, first["loc"][:-1])
        where = f" in [{_dotted(first['loc'][:-1])}]" if len(loc) > 1 else ""
        return f"unknown key {loc[-1]!r}{where}; allowed keys: {', '.join(allowed)}"
    if first["type"] == "missing":
        return f"key {key!r} is missing"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "value_error":
        return f"{key}: {msg}" if key else msg
    return f"key {key!r}: {msg[0].lower() + msg[1:]}; found {found!r}"


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model at ``loc``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = current.model_fields[part].annotation
        current = _model_in(annotation)
        if current is None:
            return []
    return list(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _known_outcomes() -> list[str]:
    try:
        from sim.outcomes import OUTCOMES
    except ImportError:  # the outcome table is not there yet: accept any name
        return []
    return list(OUTCOMES)
