"""Building blocks for parameter tables.

Every mechanism declares its parameters as a pydantic model (``extra="forbid"``) whose fields
carry a default, a range, a unit and a source in their description. ``sim.scenario`` composes
them into one scenario schema, and ``docs/parameters.md`` is generated from these descriptions
(``python -m sim.docs``), so the tables cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim import SECTORS


class Params(BaseModel):
    """Base of every parameter table: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def param(default: Any, description: str, *, ge: float | None = None, le: float | None = None,
          unit: str = "", source: str = "") -> Any:
    """A documented parameter field: ``description [unit]. Source: source``."""
    return Field(default, ge=ge, le=le, description=_describe(description, unit, source))


class PerSector(Params):
    """One value per service sector (nursing homes, home care, kindergartens, schools)."""

    nursing_home: float
    home_care: float
    kindergarten: float
    school: float

    def array(self, dtype: type = np.float64) -> np.ndarray:
        """The four values as an array in ``sim.SECTORS`` order."""
        return np.array([getattr(self, s) for s in SECTORS], dtype=dtype)


def per_sector(nursing_home: float, home_care: float, kindergarten: float, school: float,
               description: str, *, unit: str = "", source: str = "",
               ge: float | None = None, le: float | None = None) -> Any:
    """A documented per-sector parameter with bounds checked on every sector's value."""
    bounded = sector_type(ge, le)
    default = bounded(nursing_home=nursing_home, home_care=home_care,
                      kindergarten=kindergarten, school=school)
    return Field(default_factory=lambda: default.model_copy(),
                 description=_describe(description, unit, source))


def _describe(description: str, unit: str, source: str) -> str:
    text = description + (f" [{unit}]" if unit else "")
    return text + (f". Source: {source}" if source else "")


_BOUNDED_CACHE: dict[tuple[float | None, float | None], type[PerSector]] = {}


def _bounded_per_sector(ge: float | None, le: float | None) -> type[PerSector]:
    """A PerSector subclass whose four fields share the bounds [ge, le]."""
    key = (ge, le)
    if key not in _BOUNDED_CACHE:
        fields = {s: (float, Field(ge=ge, le=le)) for s in SECTORS}
        from pydantic import create_model

        _BOUNDED_CACHE[key] = create_model(  # type: ignore[call-overload]
            f"PerSector_{ge}_{le}".replace(".", "_").replace("-", "m"),
            __base__=PerSector, **fields)
    return _BOUNDED_CACHE[key]


SectorShare = _bounded_per_sector(0.0, 1.0)
"""Per-sector shares and probabilities, 0-1."""
SectorAmount = _bounded_per_sector(0.0, None)
"""Per-sector non-negative amounts (NOK, counts, ratios)."""
SectorPoints = _bounded_per_sector(0.0, 100.0)
"""Per-sector quality points, 0-100."""

_KINDS = {(0.0, 1.0): SectorShare, (0.0, None): SectorAmount, (0.0, 100.0): SectorPoints}


def sector_type(ge: float | None, le: float | None) -> type[PerSector]:
    """The per-sector type for the given bounds (shares, amounts or points)."""
    if (ge, le) in _KINDS:
        return _KINDS[(ge, le)]
    return _bounded_per_sector(ge, le)
