"""The dashboard's *Your municipalities* upload: validated like --world, names in the views."""

from __future__ import annotations

from pathlib import Path

from sim.dashboard.components import municipality_options, units_table
from sim.dashboard.runs import DashboardModel, RunSetup
from sim.dashboard.world_upload import describe, parse_upload

EXAMPLE = Path(__file__).resolve().parents[2] / "worlds" / "example_region.csv"


def test_an_uploaded_file_builds_both_runs_from_it_and_the_views_name_its_municipalities():
    world, problem = parse_upload("region.csv", EXAMPLE.read_bytes())
    assert problem is None and world.source == "region.csv" and len(world) == 12
    assert "Havbyen" in describe(world) and "synthetic" in describe(None)
    setup = RunSetup("voucher_choice", "baseline", 4, world=world)
    dm = setup.build()
    assert dm.problems == [] and dm.world is world
    for run in (dm.mine, dm.other):
        assert run.municipality_names == world.names
    dm.step()
    options = municipality_options(dm)
    assert options[0] == "0: Havbyen" and any("Øyrane" in o for o in options)
    assert len(units_table(dm, options[0])) == sum(
        dm.mine.units_state.active[dm.mine.units_state.muni == 0])
    # Mesa's Reset rebuilds from the setup: the world stays
    again = setup.model_class()(preset="baseline", scenario=None)
    assert again.mine.municipality_names == world.names


def test_a_bad_upload_is_refused_with_the_one_line_of_the_command_line():
    broken = EXAMPLE.read_text(encoding="utf-8").replace("Storelva,512,", "Storelva,-3,")
    world, problem = parse_upload("mine.csv", broken.encode())
    assert world is None
    assert problem == ("mine.csv: row 3 (Storelva), column 'pop_0_5': must be a whole number at "
                       "least 0; found -3")
    assert parse_upload("notes.txt", b"x")[1].startswith("notes.txt: a municipalities file must be")
    assert parse_upload("big.csv", b"x" * (6 * 2**20))[1].startswith("big.csv: at most 5 MB")


def test_without_an_upload_the_dashboard_runs_the_synthetic_world():
    dm = DashboardModel(seed=3)
    assert dm.world is None and dm.mine.world_file is None
    assert municipality_options(dm)[0] == "Municipality 0"


def test_the_upload_card_offers_a_drop_zone_and_a_way_back_once_a_file_is_in():
    import ipyvuetify as v
    import solara
    from solara.components.file_drop import FileDropZone

    from sim.dashboard.world_upload import WorldUpload

    world = solara.Reactive(None)
    _, rc = solara.render(WorldUpload(world), handle_error=False)
    assert len(rc.find(FileDropZone).widgets) == 1
    back = rc.find(v.Btn, children=["Back to the synthetic world"])
    assert len(back.widgets) == 0
    world.set(parse_upload("r.csv", EXAMPLE.read_bytes())[0])
    assert len(rc.find(v.Btn, children=["Back to the synthetic world"]).widgets) == 1
    rc.find(v.Btn, children=["Back to the synthetic world"]).widget.click()
    assert world.value is None


def test_the_network_view_labels_your_municipalities_by_name():
    from sim.dashboard.components import network_figure

    world = parse_upload("r.csv", EXAMPLE.read_bytes())[0]
    dm = RunSetup("quality_network", "baseline", 4, world=world).build()
    labels = {t.get_text() for t in network_figure(dm).axes[0].texts}
    assert set(world.names) <= labels
