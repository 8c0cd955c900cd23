"""One module per mechanism of the brief. Each defines a ``Params`` table and a ``Mechanism``.

A mechanism is a plug-in with a common interface (as Covasim's interventions): ``setup`` once
when the model is built, ``yearly`` at the start of each budget year and ``monthly`` every
month, in the order of ``REGISTRY``. Reform mechanisms set the levers on units and
municipalities (autonomy, empowerment, practices, prices...); the baseline mechanisms turn those
levers into staffing, health, quality, cost and satisfaction.
"""

from __future__ import annotations

import importlib
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


REFORMS_BEFORE_HEALTH = ("empowerment", "commitments", "contracts", "networks", "danish_levers")
"""Reforms that set the levers of this month's work (they run before employee health)."""
REFORMS_AFTER_PRODUCTION = ("vouchers",)
"""Reforms that react to this month's quality (citizens' choice)."""


def registry() -> list[type[Mechanism]]:
    """All mechanisms in schedule order; a reform module is found by its file name."""
    from sim.mechanisms import budget, citizens, health, management, production

    return ([budget.Budget, *_reforms(REFORMS_BEFORE_HEALTH), management.Management, health.Health,
             production.Production, *_reforms(REFORMS_AFTER_PRODUCTION), citizens.Citizens])


def _reforms(names: tuple[str, ...]) -> list[type[Mechanism]]:
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
