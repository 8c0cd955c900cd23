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

# The Python API (``sim.api``, documented in docs/python.md), importable from the top level:
# ``import sim; sim.run("baseline", seed=1)``. Loaded on first use, so that ``import sim`` (and
# every module that only needs SECTORS) stays light.
_API = ("Comparison", "ExperimentError", "ReformModel", "RunResult", "ScenarioError",
        "StoredResults", "WorldError", "WorldFile", "compare", "load", "load_world", "override",
        "read_results", "run", "scenarios", "sweep")

__all__ = ["SECTORS", "SECTOR_GROUPS", "__version__", *_API]


def __getattr__(name: str):  # noqa: ANN202 - PEP 562 module attribute hook
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
