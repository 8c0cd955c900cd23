"""One module per mechanism of the brief. Each defines a ``Params`` table and a ``Mechanism``.

A mechanism is a plug-in with a common interface (as Covasim's interventions): ``setup`` once
when the model is built, ``yearly`` at the start of each budget year and ``monthly`` every
month, in the order of ``REGISTRY``. Reform mechanisms set the levers on units and
municipalities (autonomy, empowerment, practices, prices...); the baseline mechanisms turn those
levers into staffing, health, quality, cost and satisfaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sim.params import Params

if TYPE_CHECKING:
    from sim.model import ReformModel


class Mechanism:
    """Base class: a mechanism with its parameter table and its place in the schedule."""

    name: ClassVar[str]
    Params: ClassVar[type[Params]]
    reform: ClassVar[bool] = False   # reforms are off unless the scenario switches them on

    def __init__(self, params: Params) -> None:
        self.p = params

    @property
    def enabled(self) -> bool:
        """Baseline mechanisms always run; a reform runs when its ``enabled`` switch is on."""
        return not self.reform or bool(getattr(self.p, "enabled", False))

    def setup(self, model: ReformModel) -> None:
        """Called once, after the world is built."""

    def yearly(self, model: ReformModel) -> None:
        """Called at the first month of every budget year, before ``monthly``."""

    def monthly(self, model: ReformModel) -> None:
        """Called every month."""


def registry() -> list[type[Mechanism]]:
    """All mechanisms in schedule order (imported lazily to keep module imports acyclic)."""
    from sim.mechanisms import budget, citizens, health, production

    order: list[type[Mechanism]] = [budget.Budget]
    order += _reforms_before_health()
    order += [health.Health, production.Production]
    order += _reforms_after_production()
    order += [citizens.Citizens]
    return order


def _reforms_before_health() -> list[type[Mechanism]]:
    """Reforms that set the levers of this month's work (they run before employee health)."""
    import importlib

    names = ["empowerment", "commitments", "contracts", "networks", "danish_levers"]
    return _load(importlib, names)


def _reforms_after_production() -> list[type[Mechanism]]:
    """Reforms that react to this month's quality (citizens' choice)."""
    import importlib

    return _load(importlib, ["vouchers"])


def _load(importlib, names: list[str]) -> list[type[Mechanism]]:
    found = []
    for name in names:
        try:
            module = importlib.import_module(f"sim.mechanisms.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"sim.mechanisms.{name}":
                raise
            continue
        found.append(module.MECHANISM)
    return found
