"""Scenario files: what differs from the defaults, validated.

A scenario is a TOML file in ``scenarios/`` (or anywhere) with ``name``, ``description``,
``source`` and ``years`` at the top and one table per mechanism (``[health]``, ``[vouchers]``,
...) naming only the parameters that differ from the defaults. ``Scenario`` is the pydantic
schema composed from every mechanism's parameter table, so an unknown key, a wrong type or a
value out of range is refused with one message naming the file, the key, what is allowed and
what was found (``ScenarioError``).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from sim.mechanisms import registry
from sim.resources import resource_dir
from sim.world import WorldParams

SCENARIO_DIR = resource_dir("scenarios")
"""The built-in scenarios: the checkout's ``scenarios/`` or the installed package's copy."""


class ScenarioError(ValueError):
    """A scenario (or override) that cannot be used; the message is meant for the user."""


class ScenarioHeader(BaseModel):
    """The fields every scenario file starts with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("custom", description="Short identifier, used in results and reports")
    description: str = Field("", description="What the scenario represents, in one sentence")
    source: str = Field("", description="Seed document and passage the scenario stands on")
    years: int = Field(10, ge=1, le=50, description="Simulated horizon [years]")


@cache
def scenario_class() -> type[BaseModel]:
    """The full schema: the header plus one section per mechanism (built once)."""
    sections: dict[str, Any] = {"world": (WorldParams, Field(default_factory=WorldParams))}
    for mech in registry():
        sections[mech.name] = (mech.Params, Field(default_factory=mech.Params))
    return create_model("Scenario", __base__=ScenarioHeader, **sections)


def Scenario(**values: Any) -> BaseModel:  # noqa: N802 - reads as the class it builds
    """Build a validated scenario from keyword values (nested dicts per section)."""
    return scenario_class()(**values)


def list_scenarios() -> list[tuple[str, str]]:
    """The built-in scenarios: (name, one-line description), sorted by name."""
    out = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        data = _read_toml(path)
        out.append((path.stem, str(data.get("description", "")).strip().splitlines()[0]
                    if data.get("description") else ""))
    return out


def scenario_path(name_or_path: str | Path) -> Path:
    """The file of a built-in scenario name, or the given path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"{candidate}: no such scenario file")
        return candidate
    builtin = SCENARIO_DIR / f"{name_or_path}.toml"
    if not builtin.is_file():
        names = ", ".join(n for n, _ in list_scenarios())
        raise ScenarioError(f"unknown scenario {str(name_or_path)!r}; built-in scenarios: {names}"
                            " (or give the path of a .toml file)")
    return builtin


def load_scenario(name_or_path: str | Path) -> BaseModel:
    """Read and validate a scenario by built-in name or file path."""
    path = scenario_path(name_or_path)
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    return validate(data, origin=str(path))


def validate(data: dict[str, Any], origin: str = "scenario") -> BaseModel:
    """Validate a nested dict; raise ``ScenarioError`` with one clear message."""
    try:
        return scenario_class().model_validate(_merge(_defaults(), data))
    except ValidationError as err:
        raise ScenarioError(describe_error(err, origin)) from None


def with_overrides(scenario: BaseModel, overrides: dict[str, Any],
                   origin: str = "override") -> BaseModel:
    """A new scenario with dotted keys replaced, e.g. ``{"empowerment.intensity": 0.6}``."""
    data = scenario.model_dump()
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"{origin}: unknown key {key!r}; top-level sections: "
                                    f"{', '.join(sorted(data))}")
            node = node[part]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ScenarioError(f"{origin}: unknown key {key!r}; allowed in this section: "
                                f"{', '.join(sorted(node)) if isinstance(node, dict) else '-'}")
        node[parts[-1]] = value
    return validate(data, origin)


CALIBRATED_DEFAULTS = SCENARIO_DIR.parent / "calibration" / "defaults.toml"
"""Calibrated defaults (docs/calibration.md): when this file exists, its values replace the
Params tables' defaults under every scenario. Written by ``reformsim calibrate --write-defaults``
from a posterior's medians; absent by default."""


@cache
def _default_dump() -> dict[str, Any]:
    defaults = scenario_class()().model_dump()
    if CALIBRATED_DEFAULTS.exists():
        layer = _read_toml(CALIBRATED_DEFAULTS)
        try:
            defaults = scenario_class().model_validate(_merge(defaults, layer)).model_dump()
        except ValidationError as err:
            raise ScenarioError(describe_error(err, str(CALIBRATED_DEFAULTS))) from None
    return defaults


def _defaults() -> dict[str, Any]:
    import copy

    return copy.deepcopy(_default_dump())


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` laid over ``base``, table by table (a file names only what differs)."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def describe_error(err: ValidationError, origin: str) -> str:
    """The first validation problem as one line: file, key, what is allowed, what was found."""
    first = err.errors()[0]
    key = ".".join(str(x) for x in first["loc"])
    found = first.get("input")
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(first["loc"][:-1])
        return (f"{origin}: unknown key {key!r} (found {found!r}); allowed here: {allowed}")
    ctx = first.get("ctx") or {}
    if "ge" in ctx or "le" in ctx or "gt" in ctx or "lt" in ctx:
        lo, hi = _bounds(first["loc"], ctx)
        return f"{origin}: key {key!r} must be between {lo} and {hi}; found {found!r}"
    return f"{origin}: key {key!r}: {first['msg'].lower()}; found {found!r}"


def _bounds(loc: tuple, ctx: dict) -> tuple[str, str]:
    """The allowed range of a field, from its declaration (falling back on the error)."""
    lo = ctx.get("ge", ctx.get("gt", "-inf"))
    hi = ctx.get("le", ctx.get("lt", "inf"))
    for meta in getattr(_field_info(loc), "metadata", []):
        lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
    return str(lo), str(hi)


def _field_info(loc: tuple) -> Any:
    model: Any = scenario_class()
    info = None
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return info
        info = fields[part]
        model = info.annotation if isinstance(info.annotation, type) else None
        if model is None and info.default_factory is not None:
            model = type(info.default_factory())
    return info


def _allowed_keys(loc: tuple) -> str:
    model: Any = scenario_class()
    for part in loc:
        info = model.model_fields.get(part)
        if info is None:
            break
        model = info.annotation if isinstance(info.annotation, type) and issubclass(
            info.annotation, BaseModel) else type(info.default_factory())
    return ", ".join(sorted(model.model_fields))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: broken TOML: {err}") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not a UTF-8 text file (byte {err.start}: "
                            f"{err.object[err.start:err.start + 1]!r})") from None


def differences(scenario: BaseModel) -> dict[str, Any]:
    """The parameters in which a scenario differs from the defaults (dotted keys)."""
    default = _flatten(scenario_class()().model_dump())
    mine = _flatten(scenario.model_dump())
    skip = {"name", "description", "source", "years"}
    return {k: v for k, v in mine.items() if k not in skip and default.get(k) != v}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
