"""The dashboard page: Mesa's SolaraViz around two ``ReformModel`` runs on the same seed.

Run it with ``reformsim dashboard`` (or ``solara run sim.dashboard.app`` with the offline
environment of ``sim.dashboard.server``).

The sidebar holds, from the top:

* *Scenario* (ours): the reform preset (a built-in scenario), the comparison preset and the seed.
  Choosing one builds a new pair of runs and loads the preset's values into the levers below.
  A seed that is not a whole number in range is refused on the page.
* *Controls* (Mesa's): play/pause, step, reset, play interval and render interval.
* *Model Parameters* (Mesa's): the levers (``sim.dashboard.levers``) -- sliders and switches that
  take effect when *Reset* is pressed.

The main area shows the outcome charts, the side-by-side summary with the export buttons, the
learning network, one municipality's units and what each lever means.

Each browser session gets its own runs (the model is created inside the ``Dashboard`` component,
not at import), so two people -- or two tests -- never share a model.
"""

from __future__ import annotations

import html

import solara
from mesa.visualization import SolaraViz

from sim.dashboard import components as c
from sim.dashboard.levers import model_params as lever_params
from sim.dashboard.runs import (
    DEFAULT_COMPARE,
    DEFAULT_PRESET,
    DEFAULT_SEED,
    DashboardModel,
    load_preset,
    parse_seed,
    presets,
)

TITLE = "reformsim: decentralisation reforms in local government"
PLAY_INTERVAL_MS = 20
COMPONENTS = [
    (c.OutcomeCharts, 0),
    (c.SideBySide, 0),
    (c.NetworkView, 0),
    (c.MunicipalityView, 0),
    (c.LeverHelp, 0),
]


def viz_params(preset: str, compare_with: str, seed: int) -> dict:
    """SolaraViz ``model_params``: fixed preset/comparison/seed plus one input per lever."""
    try:
        scenario = load_preset(preset)
    except Exception:  # noqa: BLE001 - DashboardModel reports the problem on the page
        scenario = load_preset(DEFAULT_PRESET)
    return {"preset": preset, "compare_with": compare_with, "seed": seed,
            **lever_params(scenario)}


def initial_values(params: dict) -> dict:
    """The starting value of every model parameter (the ``value`` of each input)."""
    return {k: (v["value"] if isinstance(v, dict) and "type" in v else v)
            for k, v in params.items()}


@solara.component
def ScenarioPanel(settings: solara.Reactive[dict]):
    """Preset, comparison and seed: choosing one starts new runs with the preset's levers."""
    available = presets()
    names = [n for n, _ in available]
    descriptions = dict(available)
    seed_text = solara.use_reactive(str(settings.value["seed"]))
    seed_problem = solara.use_reactive(None)

    def set_key(key, value):
        if value is None or value == settings.value.get(key):
            return
        settings.set({**settings.value, key: value})

    def on_seed(text):
        seed_text.set(text)
        seed, why = parse_seed(text)
        if why:
            seed_problem.set(why + f"; still using {settings.value['seed']}.")
            return
        seed_problem.set(None)
        set_key("seed", seed)

    with solara.Card("Scenario", classes=["reformsim-scenario-panel"]):
        solara.Select("Reform preset (your scenario)", values=names,
                      value=settings.value["preset"], on_value=lambda v: set_key("preset", v))
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(
            descriptions.get(settings.value["preset"], "")), style="font-size:12px;color:#555")
        solara.Select("Compare with", values=names, value=settings.value["compare_with"],
                      on_value=lambda v: set_key("compare_with", v))
        solara.InputText("Seed (the same for both runs)", value=seed_text.value,
                         on_value=on_seed, continuous_update=False)
        if seed_problem.value:
            solara.Error(seed_problem.value, classes=["reformsim-refused"])
        solara.HTML(tag="div", unsafe_innerHTML=(
            "Choosing a preset loads its values into the levers below and starts again. "
            "Move a lever, then press <b>Reset</b> to run with it."),
            style="font-size:12px;color:#555")


@solara.component
def Dashboard():
    settings = solara.use_reactive(
        {"preset": DEFAULT_PRESET, "compare_with": DEFAULT_COMPARE, "seed": DEFAULT_SEED})
    s = settings.value
    params = solara.use_memo(lambda: viz_params(s["preset"], s["compare_with"], s["seed"]),
                             [s["preset"], s["compare_with"], s["seed"]])
    model = solara.use_memo(
        lambda: DashboardModel(**initial_values(params)),
        [s["preset"], s["compare_with"], s["seed"]])
    model_r = solara.use_reactive(model)
    solara.Style(c.CSS)
    with solara.Sidebar():
        ScenarioPanel(settings)
    SolaraViz(model_r, components=list(COMPONENTS), model_params=params, name=TITLE,
              play_interval=PLAY_INTERVAL_MS).key(f"viz-{s['preset']}-{s['compare_with']}-{s['seed']}")


page = Dashboard()
Page = Dashboard
