"""The model behind the dashboard: two runs of ``ReformModel`` on the same seed, side by side.

Mesa's SolaraViz rebuilds its model on *Reset* as ``type(model)(**keywords)``; the page hands it a
subclass bound to a :class:`RunSetup` (the sidebar's choice and the levers moved), which ignores
Mesa's keywords. :class:`DashboardModel` takes the preset, the comparison preset, the seed
and one keyword per lever (``sim.dashboard.levers``), turns the levers into scenario overrides and
asks for two ``ReformModel`` runs at workshop scale: *yours* (the preset with your lever settings)
and the *comparison* (another preset, unchanged). Both use the same seed, so a difference between
them is the policy's and not chance. The runs are computed whole in the server's worker pool
(``sim.dashboard.compute``) and played back month by month: what the page shows for a seed is
bit for bit what ``reformsim run`` writes for it. With an uploaded municipalities file
(``world``, a ``sim.worldfile.WorldFile``) both runs are built from it, as
``reformsim run PRESET --world FILE --seed N`` builds its run.

It never raises on bad input: a value that is out of range, of the wrong type or refused by the
scenario schema is *refused* -- the preset's value is kept and the reason is listed in
``problems`` for the page to show. An error inside a model run stops the playback at the month
it happened (``running`` is False, so Play and Step are disabled) and is shown the same way; the
page stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mesa
import pandas as pd

from sim.dashboard.levers import LEVERS_BY_PARAM, check_value

DEFAULT_PRESET = "baseline"
DEFAULT_COMPARE = "baseline"
DEFAULT_SEED = 7
MAX_SEED = 2**31 - 1
SCALE = "workshop"


def presets() -> list[tuple[str, str]]:
    """The built-in scenarios (name, one-line description)."""
    from sim.scenario import list_scenarios

    return list(list_scenarios())


def preset_names() -> list[str]:
    return [name for name, _ in presets()]


def load_preset(name: str) -> Any:
    from sim.scenario import load_scenario

    return load_scenario(name)


def apply_overrides(scenario: Any, overrides: dict[str, Any]) -> Any:
    """``scenario`` with dotted-key overrides, validated (raises ValueError when refused)."""
    if not overrides:
        return scenario
    import sim.scenario as sc

    if hasattr(sc, "with_overrides"):
        return sc.with_overrides(scenario, overrides, origin="dashboard")
    return scenario.with_overrides(overrides)


def parse_seed(value: Any) -> tuple[int | None, str | None]:
    """(seed, None) for a whole number 0..2**31-1, else (None, plain-language refusal)."""
    text = str(value).strip() if value is not None else ""
    refusal = f"The seed must be a whole number from 0 to {MAX_SEED}; found {value!r}"
    if isinstance(value, bool):
        return None, refusal
    try:
        seed = value if isinstance(value, int) else int(text)
    except (TypeError, ValueError):
        return None, refusal
    if not 0 <= seed <= MAX_SEED:
        return None, f"The seed must be a whole number from 0 to {MAX_SEED}; found {value!r}"
    return seed, None


STEP_WAIT = 60.0
"""Seconds a step (Step or Play) waits for its runs while they are being computed -- the page
says so meanwhile; after that it returns without moving, and the next step waits again."""


class DashboardModel(mesa.Model):
    """Your scenario and a comparison scenario, played back together one month at a time.

    Both runs are computed in the server's shared worker pool (``sim.dashboard.compute``) as
    soon as the model is made; :meth:`step` then only moves to the next recorded month, so the
    page never waits for anyone else's model once its own runs are back. Until then a step waits
    for them (up to ``STEP_WAIT`` seconds) while the page shows that they are being computed,
    and whether other participants' runs are ahead of them.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, compare_with: str = DEFAULT_COMPARE,
                 seed: Any = DEFAULT_SEED, scale: str = SCALE, scenario: Any = None,
                 cache: Any = None, world: Any = None, **levers: Any) -> None:
        # ``scenario`` is what Mesa's Reset passes for its own (empty) Scenario: not ours, ignored.
        # ``world``: your municipalities (``sim.worldfile.WorldFile``), or None: the synthetic
        # world of ``scale``. Both runs are built from it.
        self.problems: list[str] = []
        names = preset_names()
        if preset not in names:
            self.problems.append(f"Unknown preset {preset!r}; using {DEFAULT_PRESET!r}. "
                                 f"Presets: {', '.join(names)}")
            preset = DEFAULT_PRESET
        if compare_with not in names:
            self.problems.append(f"Unknown comparison preset {compare_with!r}; using "
                                 f"{DEFAULT_COMPARE!r}")
            compare_with = DEFAULT_COMPARE
        seed_value, why = parse_seed(seed)
        if why:
            self.problems.append(why + f"; using {DEFAULT_SEED}")
            seed_value = DEFAULT_SEED
        super().__init__(rng=seed_value)
        self.preset = preset
        self.compare_with = compare_with
        self.seed_value = seed_value
        self.scale = scale
        self.world = world

        base = load_preset(preset)
        self.overrides = self._overrides(base, levers)
        try:
            mine = apply_overrides(base, self.overrides)
        except Exception as err:  # noqa: BLE001 - refused on the page, never a crash
            self.problems.append(f"These lever settings were refused: {err}. "
                                 "Running the preset unchanged.")
            self.overrides = {}
            mine = base
        self.scenario_mine = mine
        self.scenario_other = load_preset(compare_with)
        years = int(getattr(mine, "years", 10) or 10)
        self.horizon = 12 * years
        self.running = True
        self.closed = False
        self._month = 0
        self._frames: dict[tuple[str, int, str], pd.DataFrame] = {}
        self.view_cache: dict[str, Any] = {}   # per-run drawings reused by the page
        self._runs: dict[str, Any] = {"mine": None, "other": None}
        self._closed_event = _kernel_closed_event()
        self.cache = cache
        if self.cache is None:
            from sim.dashboard.compute import runs

            self.cache = runs()
        self.futures: dict[str, Any] = {}
        for which, scen in (("mine", mine), ("other", self.scenario_other)):
            try:
                self.futures[which] = self.cache.request(scen, seed_value, scale, world=world)
            except Exception as err:  # noqa: BLE001 - e.g. the server is stopping
                self.problems.append(f"The run could not be started: {err}")
                self.running = False

    # ------------------------------------------------------------------ the runs
    @property
    def mine(self) -> Any:
        """Your run's recording (``sim.dashboard.compute.Recording``), or None until computed."""
        return self._run("mine")

    @property
    def other(self) -> Any:
        """The comparison run's recording, or None until computed."""
        return self._run("other")

    def _run(self, which: str) -> Any:
        if self._runs[which] is None:
            future = self.futures.get(which)
            if future is not None and future.done():
                try:
                    self._runs[which] = future.result()
                except Exception as err:  # noqa: BLE001 - shown on the page
                    self.futures.pop(which, None)
                    self.problems.append(f"The {'comparison ' if which == 'other' else ''}run "
                                         f"could not be computed: {type(err).__name__}: {err}")
                    self.running = False
        return self._runs[which]

    def ready(self) -> bool:
        """Both runs are computed (or failed: then ``running`` is False)."""
        return self.mine is not None and self.other is not None

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for both runs; True when they are ready."""
        import concurrent.futures as cf

        pending = [f for f in self.futures.values() if not f.done()]
        if pending:
            cf.wait(pending, timeout=timeout)
        return self.ready()

    def queued_ahead(self) -> int:
        """Runs of other sessions the pool computes before this session's (0 when ready)."""
        if self.ready():
            return 0
        ahead = [self.cache.ahead(f) for f in self.futures.values() if not f.done()]
        return min(ahead) if ahead else 0

    def close(self) -> None:
        """The page is gone: stop, give up runs not yet started, let go of the recordings."""
        self.closed = True
        self.running = False
        for future in self.futures.values():
            self.cache.forget(future)
        self._runs = {"mine": None, "other": None}
        self.futures = {}
        self._frames.clear()
        self.view_cache.clear()

    # ------------------------------------------------------------------ building
    def _overrides(self, base: Any, levers: dict[str, Any]) -> dict[str, Any]:
        from sim.dashboard.levers import get_value

        out: dict[str, Any] = {}
        for name, value in levers.items():
            lever = LEVERS_BY_PARAM.get(name)
            if lever is None:
                self.problems.append(f"Unknown lever {name!r} ignored")
                continue
            why = check_value(lever, value)
            if why:
                self.problems.append(why + "; kept the preset's value")
                continue
            new = bool(value) if lever.kind == "switch" else float(value)
            try:
                old = get_value(base, lever.key)
            except (AttributeError, KeyError):
                self.problems.append(f"'{lever.label}' is not in this model version; ignored")
                continue
            if lever.kind == "slider" and isinstance(old, int) and not isinstance(old, bool):
                new = round(new)
            if new != old:
                out[lever.key] = new
        return out

    # ------------------------------------------------------------------ running
    @property
    def month(self) -> int:
        return self._month

    def step(self) -> None:
        """The next recorded month (nothing while the runs are being computed)."""
        if self._closed_event is not None and self._closed_event.is_set() and not self.closed:
            self.close()  # the page was closed while playing: end the play loop
        if not self.running:
            return
        if not self.wait(STEP_WAIT):
            return
        mine, other = self.mine, self.other
        last = min(mine.months, other.months)
        if self._month >= last:
            self._stop_early(mine, other)
            return
        self._month += 1
        if self._month >= self.horizon:
            self.running = False
        elif self._month >= last and (mine.error or other.error):
            self._stop_early(mine, other)

    def _stop_early(self, mine: Any, other: Any) -> None:
        for run in (mine, other):
            if run.error and run.error not in self.problems:
                self.problems.append(run.error)
        self.running = False

    # ------------------------------------------------------------------ data
    def national(self, which: str = "mine", sector: str = "all") -> pd.DataFrame:
        """National outcomes of one run (one row per month) up to the month shown."""
        run = self.mine if which == "mine" else self.other
        if run is None:
            return pd.DataFrame()
        key = (which, self.month, sector)
        if key not in self._frames:
            self._frames = {k: v for k, v in self._frames.items() if k[0] != which}
            self._frames[key] = run.national_until(self.month, sector)
        return self._frames[key]

    def label(self, which: str) -> str:
        if which == "mine":
            changed = f" + {len(self.overrides)} change{'s' * (len(self.overrides) != 1)}" \
                if self.overrides else ""
            return f"Your scenario: {self.preset}{changed}"
        return f"Comparison: {self.compare_with}"

    def world_label(self) -> str:
        """What both runs are built from: the municipalities file, or the synthetic world."""
        if self.world is None:
            return f"the synthetic world ({self.scale} scale)"
        return f"{self.world.source} ({len(self.world)} municipalities)"

    def export_frame(self) -> pd.DataFrame:
        """Both runs' national outcomes (all sectors) with the run's settings, for download."""
        frames = []
        for which, scen in (("mine", self.preset), ("comparison", self.compare_with)):
            run = self.mine if which == "mine" else self.other
            if run is None:
                continue
            national = run.national
            df = national[national["month"] <= self.month].reset_index(drop=True).copy()
            df.insert(0, "run", which)
            df.insert(1, "preset", scen)
            df.insert(2, "seed", self.seed_value)
            frames.append(df)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out.attrs["overrides"] = dict(self.overrides)
        out.attrs["world"] = self.world_label()
        return out


def _kernel_closed_event() -> Any:
    """The Solara session's "closed" event when made inside a page (else None)."""
    try:
        from solara.lifecycle import kernel_closed_event

        return kernel_closed_event()
    except Exception:  # noqa: BLE001 - outside a Solara kernel (tests, scripts)
        return None


@dataclass
class RunSetup:
    """What the page's *Reset* runs: the sidebar's preset, comparison, seed and municipalities file
    plus the levers moved.

    The dashboard makes one per choice of preset/comparison/seed (a new choice starts with no lever
    moved, i.e. the preset's own values) and records every lever the user moves with
    :meth:`move`. :meth:`model_class` is the model class handed to Mesa's SolaraViz: Mesa's *Reset*
    calls ``type(model)(**its_parameters)``, and this class ignores those parameters -- Mesa keeps
    them in component state that outlives a change of preset (its sidebar is not remounted), so
    they can be stale -- and builds ``DashboardModel`` from this setup instead: the current preset
    with its own lever values, overridden by the levers the user moved.
    """

    preset: str = DEFAULT_PRESET
    compare_with: str = DEFAULT_COMPARE
    seed: Any = DEFAULT_SEED
    moved: dict[str, Any] = field(default_factory=dict)
    world: Any = None
    """Your municipalities (``sim.worldfile.WorldFile``) both runs are built from, or None."""

    def move(self, param: str, value: Any) -> None:
        """Record that the lever ``param`` (``Lever.param_name``) was set to ``value``."""
        self.moved[param] = value

    def kwargs(self) -> dict[str, Any]:
        """``DashboardModel`` keywords: the settings and the moved levers (the rest: the preset's)."""
        return {"preset": self.preset, "compare_with": self.compare_with, "seed": self.seed,
                "world": self.world, **self.moved}

    def build(self) -> DashboardModel:
        return self.model_class()()

    def model_class(self) -> type[DashboardModel]:
        """A ``DashboardModel`` subclass whose constructor always builds this setup."""
        setup = self

        class BoundDashboardModel(DashboardModel):
            def __init__(self, **_mesa_params: Any) -> None:
                # Mesa's Reset passes its own copy of the parameters (and an empty Scenario):
                # possibly stale, so not used -- the setup is what the page shows.
                DashboardModel.__init__(self, **setup.kwargs())

        BoundDashboardModel.__qualname__ = BoundDashboardModel.__name__ = "DashboardModel"
        return BoundDashboardModel
