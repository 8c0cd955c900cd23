"""The four agent types as Mesa agents.

Municipalities and units (a few thousand at national scale) are ordinary Mesa agents created
with the world; employees and citizens are created on demand when a user selects them
(``ReformModel.employee``, ``ReformModel.citizen``, ``ReformModel.select_employees``). All four are
views: their attributes read the model's arrays (``sim.state``), so what a user inspects is
always the current state and nothing is stored twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
from mesa.agentset import AgentSet

from sim import SECTORS
from sim.state import ABSENCE_LONG

if TYPE_CHECKING:
    from sim.model import ReformModel

ORG_MODELS = ("committee", "territorial", "purchaser_provider")


class AgentGone(LookupError):
    """The person behind a view has left (an employee quit, a citizen left the service)."""


class Municipality(mesa.Agent):
    """A municipality: budget, organisation model, network membership, change capacity."""

    def __init__(self, model: ReformModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _s(self):
        return self.model.municipalities_state

    @property
    def name(self) -> str | None:
        """The municipality's name from the world file (None in the synthetic world)."""
        if getattr(self.model, "world_file", None) is None:
            return None
        return self.model.municipality_names[self.index]

    population = property(lambda self: int(self._s.population[self.index]))
    budget = property(lambda self: float(self._s.budget[self.index]),
                      doc="NOK per year for the modelled services")
    deficit = property(lambda self: float(self._s.deficit[self.index]),
                       doc="NOK overspent last budget year")
    change_capacity = property(lambda self: float(self._s.change_capacity[self.index]))
    endorsement = property(lambda self: float(self._s.endorsement[self.index]))
    in_network = property(lambda self: bool(self._s.in_network[self.index]))
    org_model = property(lambda self: ORG_MODELS[int(self._s.org_model[self.index])])

    @property
    def units(self) -> AgentSet:
        """This municipality's operating units."""
        return self.model.units.select(lambda u: u.municipality_index == self.index and u.active)

    @property
    def practices(self) -> set[int]:
        """Practices institutionalised in at least one of its units."""
        u = self.model.units_state
        rows = u.practices[(u.muni == self.index) & u.active]
        return {int(k) for k in rows.any(axis=0).nonzero()[0]}


class Unit(mesa.Agent):
    """A service provider in one sector of one municipality (public or private)."""

    def __init__(self, model: ReformModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _s(self):
        return self.model.units_state

    municipality_index = property(lambda self: int(self._s.muni[self.index]))
    sector = property(lambda self: SECTORS[int(self._s.sector[self.index])])
    active = property(lambda self: bool(self._s.active[self.index]))
    private = property(lambda self: bool(self._s.private[self.index]))
    capacity = property(lambda self: int(self._s.capacity[self.index]))
    clients = property(lambda self: int(self._s.clients[self.index]))
    staff = property(lambda self: int(self._s.staff[self.index]))
    target_staff = property(lambda self: int(self._s.target_staff[self.index]))
    budget = property(lambda self: float(self._s.budget[self.index]), doc="NOK per year")
    cost_month = property(lambda self: float(self._s.cost_month[self.index]), doc="NOK")
    quality = property(lambda self: float(self._s.quality[self.index]), doc="0-100")
    workload = property(lambda self: float(self._s.workload[self.index]),
                        doc="staff needed at the norm / staff present (1 = norm)")
    sick_leave_pct = property(lambda self: 100 * float(self._s.absence_share[self.index]),
                              doc="% of contracted days lost to sickness last month")
    autonomy = property(lambda self: float(self._s.autonomy[self.index]))
    empowerment = property(lambda self: float(self._s.empowerment[self.index]))
    quality_system = property(lambda self: float(self._s.quality_system[self.index]))
    productivity = property(lambda self: float(self._s.productivity[self.index]),
                            doc="output per staff hour relative to the norm, before slack")
    slack = property(lambda self: float(self._s.slack[self.index]),
                     doc="share of paid hours lost to slack")

    @property
    def municipality(self) -> Municipality:
        return self.model.municipality(self.municipality_index)

    @property
    def practices(self) -> set[int]:
        return {int(k) for k in self._s.practices[self.index].nonzero()[0]}


class _PersonView(mesa.Agent):
    """A person held in the model's arrays, followed by their person id."""

    _state_name = ""

    def __init__(self, model: ReformModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot
        self.person_id = int(self._arrays.person_id[slot])

    @property
    def _arrays(self):
        return getattr(self.model, self._state_name)

    @property
    def present(self) -> bool:
        """Still in the model (not left the job or the service)."""
        return int(self._arrays.person_id[self.slot]) == self.person_id

    def _get(self, name: str) -> float:
        if not self.present:
            raise AgentGone(f"{type(self).__name__} {self.person_id} has left the model")
        return float(getattr(self._arrays, name)[self.slot])


class Employee(_PersonView):
    """An employee: competence, motivation, demands, control, support, strain, absence."""

    _state_name = "employees_state"
    competence = property(lambda self: self._get("competence"))
    motivation = property(lambda self: self._get("motivation"))
    demands = property(lambda self: self._get("demands"))
    control = property(lambda self: self._get("control"))
    support = property(lambda self: self._get("support"))
    strain = property(lambda self: self._get("strain"))
    tenure_months = property(lambda self: int(self._get("tenure")))

    @property
    def on_sick_leave(self) -> bool:
        return self._get("absence") == ABSENCE_LONG or self._get("short_days") > 0

    @property
    def unit(self) -> Unit:
        return self.model.unit(int(self._arrays.unit[self.slot]))


class Citizen(_PersonView):
    """A service user: need, provider, expectation, experienced quality, satisfaction."""

    _state_name = "citizens_state"
    need = property(lambda self: self._get("need"))
    expectation = property(lambda self: self._get("expectation"))
    experienced_quality = property(lambda self: self._get("experienced"))
    satisfaction = property(lambda self: self._get("satisfaction"))

    @property
    def sector(self) -> str:
        return SECTORS[int(self._get("sector"))]

    @property
    def provider(self) -> Unit:
        self._get("unit")
        return self.model.unit(int(self._arrays.unit[self.slot]))
