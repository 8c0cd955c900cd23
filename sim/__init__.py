"""reformsim: an agent-based simulator of decentralisation reforms in local government.

Municipalities, service units, employees and citizens in a Mesa model (see ``sim.model``);
one module per mechanism in ``sim.mechanisms``; scenarios in ``scenarios/`` validated by
``sim.scenario``; the command line in ``sim.cli``.
"""

__version__ = "0.1.0"

SECTORS: tuple[str, ...] = ("nursing_home", "home_care", "kindergarten", "school")
"""The four service sectors, in the fixed order used by every array (sector code = index)."""

SECTOR_GROUPS: dict[str, str] = {
    "nursing_home": "health_and_care",
    "home_care": "health_and_care",
    "kindergarten": "kindergarten",
    "school": "school",
}
"""How the sectors map onto the groups of the official sick-leave statistics."""
