"""Your own municipalities: a world built from a CSV or Parquet file instead of the synthetic one.

One row per municipality (the columns are documented in docs/worlds.md and in ``COLUMNS``):
its name, its population by age group, its budget for the four modelled services, and per
sector the number of operating units, their typical size (places) and how many are run
privately; optionally its coordinates. The model draws the rest to match: service users from
the population by age group at national rates of use (``USE_RATES``), each user at the nearest
unit of their sector, employees to staff each unit at the sector norm for its users, and the
personal traits of everyone as in the synthetic world. The municipality's budget sets its
budget level: in the first year it gets exactly the budget of the file (times the scenario's
``budget.budget_level``).

A bad file is refused with one line naming the file, the row, the column, what is allowed and
what was found (``WorldError``, a ``ScenarioError``: exit code 2 on the command line).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from sim import SECTORS
from sim.scenario import ScenarioError

if TYPE_CHECKING:
    from sim.model import ReformModel
    from sim.world import World, WorldParams

AGE_GROUPS: tuple[str, ...] = ("pop_0_5", "pop_6_15", "pop_16_66", "pop_67_79", "pop_80_plus")
"""Population columns: inhabitants aged 0-5, 6-15, 16-66, 67-79 and 80 or more."""

USE_RATES = np.array([
    # nursing_home, home_care, kindergarten, school   (users per inhabitant of the age group)
    [0.0, 0.0, 0.81, 0.0],       # 0-5: ~267k kindergarten children of ~330k aged 0-5
    [0.0, 0.0, 0.0, 0.99],       # 6-15: ~637k pupils of ~640k aged 6-15
    [0.0, 0.02, 0.0, 0.0],       # 16-66: ~70k younger home-care users (estimated)
    [0.011, 0.09, 0.0, 0.0],     # 67-79: ~7k nursing-home residents, ~59k home-care users
    [0.13, 0.35, 0.0, 0.0],      # 80+: ~33k nursing-home residents, ~89k home-care users
])
"""Service users per inhabitant of each age group (rows: ``AGE_GROUPS``; columns: sectors).

Estimated from the national totals behind ``WorldParams.users_per_inhabitant`` (SSB/KOSTRA 2023:
~40k nursing-home residents, ~220k home-care users modelled, ~267k kindergarten children,
~637k pupils) and SSB's population by age (table 07459, 2024: ~330k aged 0-5, ~640k aged 6-15,
~650k aged 67-79, ~255k aged 80+); the split of care users between age groups is estimated.
"""

BUDGET_RANGE = (0.5, 2.0)
"""Allowed budget relative to the norm cost of the municipality's expected users."""

SECTOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("units", "operating units of the sector (public and private), at least 1"),
    ("size", "typical places (clients) per unit, more than 0"),
    ("private", "of those units, how many are run privately (0 to units)"),
)

COLUMNS: dict[str, str] = {
    "name": "the municipality's name (text, unique in the file)",
    **{g: f"inhabitants aged {g[4:].replace('_plus', ' or more').replace('_', '-')} "
          "(whole number, 0 or more)" for g in AGE_GROUPS},
    "budget_nok": "yearly budget for the four modelled services, NOK (more than 0)",
    **{f"{s}_{c}": text for s in SECTORS for c, text in SECTOR_COLUMNS},
}
"""Required columns -> meaning."""

OPTIONAL_COLUMNS: dict[str, str] = {
    "lat": "latitude, degrees (-90 to 90); with lon, places the municipality on the map",
    "lon": "longitude, degrees (-180 to 180)",
}


class WorldError(ScenarioError):
    """A municipalities file that cannot be used; the message is one line for the user."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    budget_nok: float = Field(gt=0, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _private_within_units(self) -> _Row:
        for s in SECTORS:
            units, private = getattr(self, f"{s}_units"), getattr(self, f"{s}_private")
            if private > units:
                raise ValueError(f"{s}_private|between 0 and {s}_units ({units})|{private}")
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"{'lon' if self.lon is None else 'lat'}|given together with "
                             f"{'lat' if self.lon is None else 'lon'}|nothing")
        if sum(getattr(self, g) for g in AGE_GROUPS) < 50:
            raise ValueError(f"{AGE_GROUPS[0]}|such that all age groups together have at "
                             "least 50 inhabitants|"
                             f"{sum(getattr(self, g) for g in AGE_GROUPS)}")
        return self


Row: type[BaseModel] = create_model(
    "Row", __base__=_Row,
    **{g: (int, Field(ge=0, le=10_000_000, strict=False)) for g in AGE_GROUPS},
    **{f"{s}_units": (int, Field(ge=1, le=10_000)) for s in SECTORS},
    **{f"{s}_size": (float, Field(gt=0, le=100_000, allow_inf_nan=False)) for s in SECTORS},
    **{f"{s}_private": (int, Field(ge=0, le=10_000)) for s in SECTORS})
"""One validated row of a municipalities file."""


@dataclass(eq=False)
class WorldFile:
    """A validated municipalities file: names, numbers, and how to build the world from them."""

    source: str
    rows: list[dict[str, Any]]
    names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = [str(r["name"]) for r in self.rows]

    def __len__(self) -> int:
        """The number of municipalities."""
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        """One column of the file as floats, in row order."""
        return np.array([r[name] for r in self.rows], dtype=float)

    def digest(self) -> str:
        """A hash of the contents (part of a run's key: another file is another run)."""
        text = json.dumps(self.rows, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_data(self) -> dict[str, Any]:
        """Plain data for worker processes (``from_data`` rebuilds it without the file)."""
        return {"source": self.source, "rows": self.rows}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> WorldFile:
        """The world file of ``to_data`` (already validated: not checked again)."""
        return cls(str(data["source"]), [dict(r) for r in data["rows"]])

    def table(self) -> pd.DataFrame:
        """The file's rows as a DataFrame (validated values)."""
        return pd.DataFrame(self.rows)

    # --- building the world ------------------------------------------------------------------
    def expected_users(self) -> np.ndarray:
        """Expected service users per municipality and sector (municipalities x 4)."""
        pop = np.column_stack([self.column(g) for g in AGE_GROUPS])
        return pop @ USE_RATES

    def build(self, p: WorldParams, rng: np.random.Generator) -> World:
        """The world of these municipalities, drawn from ``rng`` (the model's world stream)."""
        from sim.state import Municipalities, Units
        from sim.world import assemble_world

        n = len(self)
        pop = sum(self.column(g) for g in AGE_GROUPS)
        if all(r.get("lat") is not None for r in self.rows):
            x, y = _map_position(self.column("lat"), self.column("lon"))
        else:
            x, y = rng.random(n), rng.random(n)
        munis = Municipalities(population=pop, x=x, y=y, budget_level=np.ones(n),
                               change_capacity=rng.beta(4, 4, n), endorsement=rng.beta(5, 3, n))
        clients = np.maximum(rng.poisson(self.expected_users()), 1)
        n_active = np.column_stack([self.column(f"{s}_units") for s in SECTORS]).astype(int)
        n_private = np.column_stack([self.column(f"{s}_private") for s in SECTORS]).astype(int)
        size = np.column_stack([self.column(f"{s}_size") for s in SECTORS])
        n_dormant = np.ceil(n_active * p.entry_slots_per_unit).astype(int)
        per_group = (n_active + n_dormant).ravel()
        muni = np.repeat(np.repeat(np.arange(n), 4), per_group)
        sector = np.repeat(np.tile(np.arange(4), n), per_group)
        starts = np.repeat(np.cumsum(per_group) - per_group, per_group)
        rank = np.arange(len(muni)) - starts
        active = rank < n_active[muni, sector]
        # the last ``private`` operating units of a group are private; dormant slots are entrants
        private = ~active | (rank >= n_active[muni, sector] - n_private[muni, sector])
        units = Units(muni=muni.astype(np.int32), sector=sector.astype(np.int8), active=active,
                      private=private, capacity=np.zeros(len(muni), dtype=np.int32),
                      x=rng.random(len(muni)), y=rng.random(len(muni)),
                      slot_start=np.zeros(len(muni), dtype=np.int64),
                      slot_end=np.zeros(len(muni), dtype=np.int64))
        capacity = np.ceil(size[muni, sector]).astype(np.int64)
        return assemble_world(munis, clients, units, p, rng, capacity=capacity)

    def set_budget_levels(self, model: ReformModel) -> None:
        """Each municipality's budget level such that its first-year budget is the file's."""
        budget = model.mechanism("budget")
        m, u = model.municipalities_state, model.units_state
        need = np.bincount(u.muni, weights=budget.norm_cost(model), minlength=len(m))
        norm = need * (1 + budget.p.admin_share)
        m.budget_level[:] = self.column("budget_nok") / np.maximum(norm, 1.0)

    def check_budgets(self) -> None:
        """Refuse a budget far from the norm cost of the municipality's expected users."""
        from sim.mechanisms.budget import BudgetParams
        from sim.world import WorldParams

        b, w = BudgetParams(), WorldParams()
        emp_year = b.wage.array() * b.fte_share.array() * (1 + b.payroll_overhead)
        per_client = (w.staff_per_client.array() * emp_year * (1 + b.absence_allowance)
                      + b.overhead_per_client.array())
        norm = self.expected_users() @ per_client * (1 + b.admin_share)
        lo, hi = BUDGET_RANGE
        for i, (given, expected) in enumerate(zip(self.column("budget_nok"), norm, strict=True)):
            if not lo * expected <= given <= hi * expected:
                raise WorldError(
                    f"{self.source}: row {i + 1} ({self.names[i]}), column 'budget_nok': must be "
                    f"between {lo * expected:,.0f} and {hi * expected:,.0f} NOK ({lo}-{hi} x the "
                    f"norm cost of its expected users); found {given:,.0f}")


def _map_position(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates to the unit square of the network map (longitude shrunk by latitude)."""
    east = lon * np.cos(np.radians(lat.mean()))
    span = max(float(np.ptp(east)), float(np.ptp(lat)), 1e-9)
    x = 0.05 + 0.9 * (east - east.min()) / span
    y = 0.05 + 0.9 * (lat - lat.min()) / span
    return x, y


# --- reading and validating ------------------------------------------------------------------
def load_world(path: str | Path) -> WorldFile:
    """Read and validate a municipalities file (``.csv`` or ``.parquet``).

    Raises ``WorldError`` with one line: the file, the row, the column, what is allowed and what
    was found.
    """
    path = Path(path)
    frame = _read(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise WorldError(f"{path}: missing column {missing[0]!r}; required columns: "
                         f"{', '.join(COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)})")
    unknown = [c for c in frame.columns if c not in COLUMNS and c not in OPTIONAL_COLUMNS]
    if unknown:
        raise WorldError(f"{path}: unknown column {unknown[0]!r}; allowed: "
                         f"{', '.join([*COLUMNS, *OPTIONAL_COLUMNS])}")
    if frame.empty:
        raise WorldError(f"{path}: no municipalities (the file has a header but no rows)")
    rows = [_row(path, i, record) for i, record in enumerate(frame.to_dict("records"))]
    names = [r["name"] for r in rows]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise WorldError(f"{path}: row {i + 1}, column 'name': must be unique; found "
                             f"{name!r} again (first in row {names.index(name) + 1})")
    world = WorldFile(str(path), rows)
    world.check_budgets()
    return world


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise WorldError(f"{path}: a municipalities file must be .csv or .parquet; found "
                         f"{suffix or 'no suffix'!r}")
    if not path.is_file():
        raise WorldError(f"{path}: no such municipalities file")
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                                comment="#")
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise WorldError(f"{path}: cannot read the file: {str(err).splitlines()[0]}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _row(path: Path, i: int, record: dict[str, Any]) -> dict[str, Any]:
    """One row validated (and converted) with pydantic; the first problem as one line."""
    clean = {k: _cell(v) for k, v in record.items()}
    clean = {k: v for k, v in clean.items() if not (k in OPTIONAL_COLUMNS and v is None)}
    try:
        return Row.model_validate(clean).model_dump()
    except ValidationError as err:
        raise WorldError(_describe(path, i, record, err)) from None


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        return None if text == "" else text
    if isinstance(value, np.generic):
        return value.item()
    return value


def _describe(path: Path, i: int, record: dict[str, Any], err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    where = f"{path}: row {i + 1}" + (f" ({record.get('name')})" if record.get("name") else "")
    if first["type"] == "value_error":
        column, allowed, found = str(first["msg"]).removeprefix("Value error, ").split("|")
        return f"{where}, column {column!r}: must be {allowed}; found {found}"
    column = str(first["loc"][0]) if first["loc"] else "?"
    found = record.get(column)
    ctx = first.get("ctx") or {}
    if first["type"] == "missing" or found is None or found == "":
        return f"{where}, column {column!r}: empty; expected {COLUMNS.get(column, column)}"
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    bounds = [f"{words[k]} {v:g}" if isinstance(v, (int, float)) else f"{words[k]} {v}"
              for k, v in ctx.items() if k in words]
    kind = "a whole number" if first["type"].startswith("int") or "int" in str(
        Row.model_fields[column].annotation) else "a number"
    if column == "name":
        kind = "text of 1 to 80 characters"
    allowed = f"{kind} {' and '.join(bounds)}".strip() if bounds else kind
    return f"{where}, column {column!r}: must be {allowed}; found {_show(found)}"


def _show(value: Any) -> str:
    """A found value as the user typed it: numbers bare, text quoted."""
    text = str(value).strip()
    try:
        float(text)
    except ValueError:
        return repr(text)
    return text


def example_path() -> Path:
    """The shipped example region (made up, realistic): ``worlds/example_region.csv``."""
    from sim.resources import resource_dir

    return resource_dir("worlds") / "example_region.csv"


def describe_columns() -> Iterable[tuple[str, str, str]]:
    """(column, required/optional, meaning) for the documentation."""
    for name, text in COLUMNS.items():
        yield name, "required", text
    for name, text in OPTIONAL_COLUMNS.items():
        yield name, "optional", text
