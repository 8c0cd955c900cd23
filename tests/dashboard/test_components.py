"""The dashboard's parts in Python: levers, the two-run model, refusals, views, export, CLI."""

from __future__ import annotations

import argparse
import socket

import pytest

from sim.dashboard import levers as lv
from sim.dashboard.runs import DashboardModel, parse_seed, preset_names


def computed(m: DashboardModel) -> DashboardModel:
    """``m`` once its two runs have come back from the worker pool."""
    assert m.wait(180), m.problems
    return m


@pytest.fixture(scope="module")
def dm():
    m = computed(DashboardModel(seed=3))
    for _ in range(14):
        m.step()
    return m


# --------------------------------------------------------------------------- levers
def test_every_lever_is_traceable_and_plain():
    for lever in lv.LEVERS:
        assert lever.label and len(lever.label) <= 30, lever.key
        assert len(lever.explanation) > 30, lever.key
        assert any(f in lever.source for f in lv.SEEDS.values()), lever.key
        assert "'" in lever.source, f"{lever.key}: cite the heading of the passage"
        if lever.kind == "slider":
            assert lever.min < lever.max and lever.step > 0


def test_lever_keys_exist_for_every_mechanism_that_exists():
    from sim.scenario import scenario_class

    sections = set(scenario_class().model_fields)
    missing = [lever.key for lever in lv.LEVERS
               if lever.key.split(".")[0] in sections and not lv.field_bounds(lever.key)[0]]
    assert not missing, f"levers whose scenario key is not in the schema: {missing}"
    assert lv.available_levers(), "no lever is available"


def test_slider_ranges_stay_inside_the_schema():
    for lever in lv.available_levers():
        known, lo, hi = lv.field_bounds(lever.key)
        assert known
        if lever.kind == "slider":
            assert lo is None or lever.min >= lo
            assert hi is None or lever.max <= hi


def test_model_params_start_at_the_preset_values():
    for name in preset_names():
        scenario = __import__("sim.scenario", fromlist=["load_scenario"]).load_scenario(name)
        params = lv.model_params(scenario)
        for lever in lv.available_levers():
            p = params[lever.param_name]
            assert p["type"] in {"Checkbox", "SliderFloat", "SliderInt"}
            assert p["value"] == lv.snap(lever, lv.get_value(scenario, lever.key))
            if p["type"] != "Checkbox":
                assert p["min"] <= p["value"] <= p["max"]


@pytest.mark.parametrize("value", [float("nan"), "abc", None, -5, 99, [1]])
def test_check_value_refuses_bad_slider_values(value):
    lever = lv.available_levers()[0]
    assert lever.kind == "slider"
    assert lv.check_value(lever, value)


# --------------------------------------------------------------------------- the runs
def test_same_seed_same_preset_gives_identical_runs(dm):
    a, b = dm.national("mine"), dm.national("other")
    assert len(a) == 14
    assert a.drop(columns=[]).equals(b)


def test_a_lever_changes_only_your_run():
    m = computed(DashboardModel(seed=3, budget__budget_level=0.8))
    assert m.overrides == {"budget.budget_level": 0.8}
    assert not m.problems
    for _ in range(3):
        m.step()
    a, b = m.national("mine"), m.national("other")
    assert not a["cost_per_client"].equals(b["cost_per_client"])


@pytest.mark.parametrize("kwargs, fragment", [
    ({"budget__budget_level": 99}, "must be between"),
    ({"budget__budget_level": float("nan")}, "must be between"),
    ({"budget__budget_level": "lots"}, "must be a number"),
    ({"no_such_lever": 1}, "Unknown lever"),
    ({"seed": "x1"}, "seed must be a whole number"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"preset": "no_such_preset"}, "Unknown preset"),
    ({"compare_with": "nope"}, "Unknown comparison preset"),
])
def test_bad_values_are_refused_not_raised(kwargs, fragment):
    m = computed(DashboardModel(**kwargs))
    assert any(fragment in p for p in m.problems), m.problems
    assert m.running
    m.step()
    assert m.month == 1


def test_an_error_in_a_step_stops_the_run_and_is_shown(monkeypatch):
    """A run that fails in month 2 plays two months, then stops with the error on the page."""
    from sim.dashboard import compute
    from sim.model import ReformModel

    real_step = ReformModel.step

    def failing_step(self):
        if self.month == 2:
            raise RuntimeError("boom")
        real_step(self)

    monkeypatch.setattr(ReformModel, "step", failing_step)
    cache = compute.RunCache(workers=1)
    cache._executor = lambda: SerialPool()  # in this process, so the patch applies
    m = computed(DashboardModel(seed=1, cache=cache))
    m.step()
    assert m.month == 1 and m.running and not m.problems
    m.step()  # the last month computed: the page stops here and says why
    assert not m.running and m.month == 2
    assert any("boom" in p and "month 2" in p for p in m.problems), m.problems
    m.step()  # stepping a stopped run is a no-op, not an error
    assert m.month == 2


class SerialPool:
    """A stand-in for the process pool that runs each call at once, in this process."""

    def submit(self, fn, *args):
        from sim.runner.executors import SerialExecutor

        return SerialExecutor().submit(fn, *args)


def test_parse_seed():
    assert parse_seed("42") == (42, None)
    assert parse_seed(7) == (7, None)
    for bad in ("", "4.5", "abc", True, 2**40, None):
        assert parse_seed(bad)[0] is None


def test_mesa_reset_signature_works():
    """SolaraViz's Reset calls type(model)(**params, scenario=<mesa Scenario>)."""
    from mesa.experimental.scenarios import Scenario

    from sim.dashboard.app import initial_values, viz_params

    params = initial_values(viz_params("baseline", "baseline", 5))
    m = DashboardModel(**params, scenario=Scenario())
    assert not m.problems and m.seed_value == 5


def test_reset_runs_the_chosen_preset_with_the_moved_lever():
    """Reset builds the sidebar's setup, whatever (stale) parameters Mesa passes it."""
    from mesa.experimental.scenarios import Scenario

    from sim.dashboard.app import initial_values, viz_params
    from sim.dashboard.runs import RunSetup

    setup = RunSetup("voucher_choice", "baseline", 5)
    model = setup.build()
    model.close()
    assert model.preset == "voucher_choice" and not model.overrides and not model.problems
    setup.move("budget__budget_level", 0.9)
    # what Mesa's Reset may hold after a change of preset: the first preset's values, or only
    # the lever moved since
    for stale in (initial_values(viz_params("baseline", "baseline", 7)),
                  {"budget__budget_level": 0.9}, {}):
        m = type(model)(**stale, scenario=Scenario())
        m.close()
        assert isinstance(m, DashboardModel)
        assert (m.preset, m.compare_with, m.seed_value) == ("voucher_choice", "baseline", 5)
        assert m.overrides == {"budget.budget_level": 0.9}, m.overrides
        assert m.scenario_mine.vouchers.enabled is True
        assert m.label("mine") == "Your scenario: voucher_choice + 1 change"
        assert not m.problems


def test_reset_refuses_a_bad_moved_lever_on_the_page():
    from sim.dashboard.runs import RunSetup

    setup = RunSetup("voucher_choice", "baseline", 5)
    setup.move("budget__budget_level", 7)
    m = setup.build()
    assert m.preset == "voucher_choice" and m.overrides == {}
    assert any("Budget level" in p for p in m.problems)


def test_lever_inputs_start_at_the_preset_values():
    from sim.dashboard.app import lever_inputs

    for name in preset_names():
        inputs = lever_inputs(name)
        assert set(inputs) == {lever.param_name for lever in lv.available_levers()}
        scenario = __import__("sim.scenario", fromlist=["load_scenario"]).load_scenario(name)
        for lever in lv.available_levers():
            assert inputs[lever.param_name]["value"] == lv.snap(
                lever, lv.get_value(scenario, lever.key))
    assert lever_inputs("voucher_choice")["vouchers__enabled"]["value"] is True


# --------------------------------------------------------------------------- views
def test_outcome_chart_and_network_render_png_and_svg(dm):
    from sim.dashboard import components as c

    chart = c.outcome_svg(dm).decode()
    assert chart.startswith("<svg") and chart.count("<polyline") == 8  # 4 panels x 2 runs
    for _, title, unit, _ in c.OUTCOMES:
        assert title in chart and f"({unit})" in chart
    assert "Your scenario: baseline" in chart and "Comparison: baseline" in chart
    network = c.network_svg(dm).decode()
    assert network.count("<circle") == len(dm.mine.municipalities)

    png = c.figure_png(c.outcome_figure(dm))
    assert png[:4] == b"\x89PNG"
    fig = c.outcome_figure(dm)
    titles = [ax.get_title() for ax in fig.axes]
    for word in ("quality", "satisfaction", "Cost per client", "Sick leave"):
        assert any(word.lower() in t.lower() for t in titles), titles
    assert all("(" in t and ")" in t for t in titles), "every chart names its unit"
    assert c.figure_png(c.network_figure(dm))[:4] == b"\x89PNG"
    data = c.network_data(dm)
    assert len(data["nodes"]) == len(dm.mine.municipalities) == len(data["practices"])


def test_units_table_and_summary(dm):
    from sim.dashboard import components as c

    options = c.municipality_options(dm)
    assert len(options) == len(dm.mine.municipalities)
    table = c.units_table(dm, options[1])
    assert len(table) > 0 and {"Service", "Owner", "Quality (0-100)"} <= set(table.columns)
    summary = c.summary_table(dm)
    assert list(summary["Outcome"]) == [t for _, t, _, _ in c.OUTCOMES]
    assert all(d in ("+0.0", "-0.0") for d in summary["Difference"])


def test_export(dm):
    from sim.dashboard import components as c

    csv = c.export_csv(dm).decode()
    assert csv.startswith("# reformsim dashboard run")
    assert "mine" in csv and "comparison" in csv
    assert c.export_png(dm)[:4] == b"\x89PNG"


def test_lever_help_names_every_lever_and_source():
    from sim.dashboard import components as c

    text = c.lever_help_html()
    for lever in lv.available_levers():
        assert lever.label.replace("'", "&#x27;") in text


def test_app_builds_params_for_every_preset():
    from sim.dashboard.app import viz_params

    for name in preset_names():
        params = viz_params(name, "baseline", 7)
        assert params["preset"] == name and params["seed"] == 7


# --------------------------------------------------------------------------- command line / server
def test_dashboard_subcommand_defaults_to_loopback():
    from sim.commands.dashboard import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    args = parser.parse_args(["dashboard", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_offline_environment():
    from sim.dashboard.server import offline_environment

    env = offline_environment({})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1")
    assert offline_environment({"SOLARA_ASSETS_CDN": "x"})["SOLARA_ASSETS_CDN"] == "x"


def test_local_assets_are_installed():
    """The files the page asks for exist in the local copy that /_solara/cdn serves."""
    import solara.server.settings as s

    root = s.assets.proxy_cache_dir
    assert (root / "requirejs@2.3.6" / "require.js").exists()
    assert list(root.glob("@widgetti/solara-vuetify-app@*/dist/*.js"))
    assert (root / "font-awesome@4.5.0").exists()


def test_busy_port_is_refused_with_exit_code_2(capsys):
    from sim.dashboard.server import serve

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert serve("127.0.0.1", port) == 2
    assert "cannot listen" in capsys.readouterr().err
    assert serve("127.0.0.1", 70000) == 2


