"""The dashboard page: Mesa's SolaraViz around two ``ReformModel`` runs on the same seed.

Run it with ``reformsim dashboard`` (or ``solara run sim.dashboard.app`` with the offline
environment of ``sim.dashboard.server``).

The sidebar holds, from the top:

* *Scenario* (ours): the reform preset (a built-in scenario), the comparison preset and the seed.
  Choosing one builds a new pair of runs and loads the preset's values into the levers.
  A seed that is not a whole number in range is refused on the page.
* *Controls* (Mesa's): play/pause, step, reset, play interval and render interval.
* *Information* (Mesa's): the step count.
* *Levers* (ours, ``sim.dashboard.levers``): sliders and switches that take effect when *Reset*
  is pressed.

*Reset* always runs what the sidebar shows: the chosen preset, comparison and seed, with the
preset's lever values and the levers moved since choosing it (``runs.RunSetup``). The levers are
ours rather than Mesa's *Model Parameters* (left empty, and hidden by ``components.CSS``): Mesa's
sidebar reaches the page layout through a portal, so its components -- and the parameters Mesa's
Reset rebuilds the model from -- are not remounted by SolaraViz's ``.key`` when the preset
changes; with them, Reset after a change of preset ran the first preset.

The main area shows the outcome charts, the side-by-side summary with the export buttons, the
learning network, one municipality's units and what each lever means.

Each browser session gets its own runs (the model is created inside the ``Dashboard`` component,
not at import), so two people -- or two tests -- never share a model. The runs themselves are
computed in the server's worker pool and played back (``sim.dashboard.compute``); a session's
model is closed (its runs given up, its recordings let go) when the page makes a new one or
goes away.
"""

from __future__ import annotations

import html

import mesa.visualization.solara_viz
import solara
from mesa.visualization import SolaraViz

from sim.dashboard import components as c
from sim.dashboard import frames
from sim.dashboard.world_upload import WorldUpload
from sim.dashboard.levers import LEVERS_BY_PARAM
from sim.dashboard.levers import model_params as lever_params
from sim.dashboard.runs import (
    DEFAULT_COMPARE,
    DEFAULT_PRESET,
    DEFAULT_SEED,
    RunSetup,
    load_preset,
    parse_seed,
    presets,
)

# Mesa's Play and Step end with ``force_update()``: ours asks the session's renderer thread for a
# frame (``sim.dashboard.frames``), so the play loop never waits for the page
mesa.visualization.solara_viz.force_update = frames.request

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


def lever_inputs(preset: str) -> dict:
    """The lever inputs for ``preset``: ``{param: {"type", "value", "min", ...}}`` at its values."""
    params = viz_params(preset, DEFAULT_COMPARE, DEFAULT_SEED)
    return {k: v for k, v in params.items() if isinstance(v, dict) and "type" in v}


@solara.component
def LeverPanel(setup: RunSetup):
    """The levers, starting at the preset's values; each move is recorded in ``setup``.

    The page mounts a fresh panel (``.key``) for every new setup, so the sliders always show what
    *Reset* will run.
    """
    inputs = solara.use_memo(lambda: lever_inputs(setup.preset), [setup.preset])
    with solara.Card("Levers", classes=["reformsim-levers"]):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"Starting from <b>{html.escape(setup.preset)}</b>. "
            "Move a lever, then press <b>Reset</b> to run with it."),
            style="font-size:12px;color:#555")
        group = None
        for name, spec in inputs.items():
            lever = LEVERS_BY_PARAM.get(name)
            if lever is not None and lever.group != group:
                group = lever.group
                solara.HTML(tag="div", unsafe_innerHTML=html.escape(group),
                            style="font-size:12px;font-weight:bold;margin-top:8px")

            def on_value(value, name=name):
                setup.move(name, value)

            if spec["type"] == "Checkbox":
                solara.Checkbox(label=spec["label"], value=spec["value"], on_value=on_value)
            else:
                slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
                slider(spec["label"], value=spec["value"], min=spec["min"], max=spec["max"],
                       step=spec["step"], on_value=on_value)


@solara.component
def LeverSidebar(setup: RunSetup, choice_key: str):
    """The lever panel in the sidebar, below Mesa's *Controls* (so Step and Play stay in view).

    Solara's sidebar shows the parts declared deeper in the page after those declared higher up
    (offset ``2**depth``; equal depths in the order they were added, which changes when SolaraViz
    is remounted). The ``Sidebar`` here is declared two levels deeper than SolaraViz's own, so the
    levers come last every time. (Were the order ever different, the page would still work: the
    levers would merely appear higher up.)
    """
    with (solara.Column(style="display:none"), solara.Column(), solara.Column(),
          solara.Sidebar()):
        LeverPanel(setup).key(f"levers-{choice_key}")


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
            "Choosing a preset loads its values into the <b>Levers</b> (further down) and "
            "starts again. Move a lever, then press <b>Reset</b> to run with it."),
            style="font-size:12px;color:#555")


@solara.component
def Dashboard():
    settings = solara.use_reactive(
        {"preset": DEFAULT_PRESET, "compare_with": DEFAULT_COMPARE, "seed": DEFAULT_SEED})
    s = settings.value
    world = solara.use_reactive(None)  # your municipalities (world_upload), or None: synthetic
    world_key = world.value.digest() if world.value is not None else "synthetic"
    choice = [s["preset"], s["compare_with"], s["seed"], world_key]
    # one setup per choice: the levers start at the preset's values, Reset builds the setup
    setup = solara.use_memo(lambda: RunSetup(s["preset"], s["compare_with"], s["seed"],
                                             world=world.value), choice)
    model = solara.use_memo(setup.build, choice)
    solara.use_effect(lambda: model.close, [model])  # a new choice, or the page is gone
    model_r = solara.use_reactive(model)
    key = f"{s['preset']}-{s['compare_with']}-{s['seed']}-{world_key}"
    # this session's renderer: draws the frames Play, Step and Reset ask for (stops with the page)
    solara.use_thread(frames.renderer, dependencies=[], intrusive_cancel=False)
    solara.Style(c.CSS)
    with solara.Sidebar():
        ScenarioPanel(settings)
        WorldUpload(world)
    # No model_params: the levers are ours (LeverSidebar), and Reset ignores Mesa's copy of them
    # (the model class is bound to ``setup``).
    SolaraViz(model_r, components=list(COMPONENTS), model_params={}, name=TITLE,
              play_interval=PLAY_INTERVAL_MS).key(f"viz-{key}")
    LeverSidebar(setup, key)


page = Dashboard()
Page = Dashboard
