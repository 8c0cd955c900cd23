"""The dashboard's *Your municipalities* upload: validated like --world, computed in the worker
pool from the file's contents, bit for bit ``reformsim run --world``, names in the views."""

from __future__ import annotations

import concurrent.futures as cf
import html
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import SECTORS
from sim.cli import main
from sim.dashboard import compute
from sim.dashboard.components import (
    export_csv,
    municipality_options,
    network_figure,
    network_svg,
    units_table,
)
from sim.dashboard.runs import DashboardModel, RunSetup
from sim.dashboard.world_upload import describe, parse_upload

EXAMPLE = Path(__file__).resolve().parents[2] / "worlds" / "example_region.csv"
SEED = 4


def computed(m: DashboardModel) -> DashboardModel:
    """``m`` once its two runs have come back from the worker pool."""
    assert m.wait(180), m.problems
    return m


def uploaded(name: str = "region.csv", text: str | None = None):
    data = EXAMPLE.read_bytes() if text is None else text.encode()
    world, problem = parse_upload(name, data)
    assert problem is None, problem
    return world


@pytest.fixture(scope="module")
def world_dm():
    """A session with the example region uploaded, played to month 14."""
    dm = computed(RunSetup("voucher_choice", "baseline", SEED, world=uploaded()).build())
    for _ in range(14):
        dm.step()
    assert dm.month == 14 and not dm.problems
    return dm


class RecordingPool:
    """Hands back a finished future at once and keeps what was submitted (computes nothing)."""

    def __init__(self) -> None:
        self.submitted: list[tuple] = []

    def submit(self, fn, *args):
        self.submitted.append(args)
        future = cf.Future()
        future.set_result(object())
        return future


def test_an_uploaded_file_builds_both_runs_from_it_and_the_views_name_its_municipalities(world_dm):
    world = world_dm.world
    assert world.source == "region.csv" and len(world) == 12
    assert "Havbyen" in describe(world) and "synthetic" in describe(None)
    for run in (world_dm.mine, world_dm.other):
        assert run.world == "region.csv"
        assert run.node_labels == world.names
        assert run.municipalities == [f"{i}: {n}" for i, n in enumerate(world.names)]
    options = municipality_options(world_dm)
    assert options[0] == "0: Havbyen" and any("Øyrane" in o for o in options)
    assert world_dm.world_label() == "region.csv (12 municipalities)"
    assert "municipalities: region.csv (12 municipalities)" in \
        export_csv(world_dm).decode().splitlines()[0]


def test_mesa_reset_rebuilds_the_session_with_the_uploaded_world():
    world = uploaded()
    setup = RunSetup("voucher_choice", "baseline", SEED, world=world)
    again = setup.model_class()(preset="baseline", scenario=None)  # what Mesa's Reset calls
    assert again.world is world and again.preset == "voucher_choice"
    assert computed(again).mine.node_labels == world.names


def test_a_session_with_a_world_shows_bit_for_bit_what_reformsim_run_world_writes(tmp_path,
                                                                                   world_dm):
    assert main(["run", "voucher_choice", "--world", str(EXAMPLE), "--seed", str(SEED),
                 "--out", str(tmp_path)]) == 0
    written = pd.read_parquet(tmp_path / "monthly.parquet").drop(columns=["scenario", "seed"])
    pd.testing.assert_frame_equal(world_dm.mine.national, written, check_exact=True)
    shown = world_dm.national("mine", sector="kindergarten")
    expected = written[(written.month <= 14) & (written.sector == "kindergarten")]
    pd.testing.assert_frame_equal(shown, expected.reset_index(drop=True), check_exact=True)
    # the comparison run is the baseline on the same municipalities, not the synthetic world
    assert main(["run", "baseline", "--world", str(EXAMPLE), "--seed", str(SEED),
                 "--out", str(tmp_path / "b")]) == 0
    baseline = pd.read_parquet(tmp_path / "b" / "monthly.parquet")
    pd.testing.assert_frame_equal(world_dm.other.national,
                                  baseline.drop(columns=["scenario", "seed"]), check_exact=True)


def test_sessions_with_different_worlds_never_share_a_recording():
    from sim.scenario import load_scenario

    world = uploaded()
    same = uploaded("another-name.csv")                 # the same contents, another file name
    text = EXAMPLE.read_text(encoding="utf-8")
    first_row = next(line for line in text.splitlines() if line.startswith("Havbyen,"))
    changed = uploaded("edited.csv", text.replace(first_row, first_row.replace(
        "Havbyen,", "Havbyen sentrum,", 1), 1))          # one name changed

    baseline = load_scenario("baseline")
    keys = {compute.run_key(baseline, SEED, "workshop", w) for w in (None, world, changed)}
    assert len(keys) == 3
    assert compute.run_key(baseline, SEED, "workshop", world) == \
        compute.run_key(baseline, SEED, "workshop", same)

    cache = compute.RunCache(workers=1)
    pool = RecordingPool()
    cache._executor = lambda: pool
    a = DashboardModel(seed=SEED, world=world, cache=cache)
    b = DashboardModel(seed=SEED, cache=cache)
    c = DashboardModel(seed=SEED, world=changed, cache=cache)
    d = DashboardModel(seed=SEED, world=same, cache=cache)
    assert a.futures["mine"] is a.futures["other"]       # baseline vs baseline: one run
    assert a.futures["other"] is not b.futures["other"]
    assert c.futures["other"] is not a.futures["other"]
    assert d.futures["other"] is a.futures["other"]      # same contents: shared
    assert len(pool.submitted) == 3
    # what the worker gets: plain, picklable data that rebuilds the same world
    worlds = [args[3] for args in pool.submitted]
    assert worlds[1] is None
    for sent, expected in ((worlds[0], world), (worlds[2], changed)):
        rebuilt = type(world).from_data(pickle.loads(pickle.dumps(sent)))
        assert rebuilt.names == expected.names and rebuilt.digest() == expected.digest()


def test_the_units_table_shows_the_chosen_municipalitys_units_and_no_others(world_dm):
    """Each municipality's table holds exactly its own active units (checked against a model
    stepped here): the bug of comparing a unit owner's ``unique_id`` (counted from 1) with the
    chosen index also showed the units of the municipality before the chosen one."""
    from sim.model import ReformModel
    from sim.scenario import load_scenario

    model = ReformModel(scenario=load_scenario("voucher_choice"), seed=SEED,
                        world=world_dm.world)
    for _ in range(world_dm.month):
        model.step()
    u = model.units_state
    options = municipality_options(world_dm)
    assert len(options) == len(world_dm.world) == 12
    shown = 0
    for i, option in enumerate(options):
        table = units_table(world_dm, option)
        own = np.flatnonzero((u.muni == i) & u.active)
        assert len(own) > 0
        assert len(table) == len(own), option
        assert table["Service"].tolist() == [SECTORS[int(k)] for k in u.sector[own]]
        assert table["Clients"].tolist() == u.clients[own].astype(int).tolist()
        assert table["Staff"].tolist() == u.staff[own].astype(int).tolist()
        assert table["Owner"].tolist() == ["private" if p else "public" for p in u.private[own]]
        shown += len(table)
    assert shown == int(u.active.sum())                  # every unit in exactly one table


def test_the_network_view_labels_your_municipalities_by_name(world_dm):
    labels = {t.get_text() for t in network_figure(world_dm).axes[0].texts}
    assert set(world_dm.world.names) <= labels
    drawn = network_svg(world_dm).decode()
    assert all(f">{html.escape(name)}</text>" in drawn for name in world_dm.world.names)


def test_a_bad_upload_is_refused_with_the_one_line_of_the_command_line():
    broken = EXAMPLE.read_text(encoding="utf-8").replace("Storelva,512,", "Storelva,-3,")
    world, problem = parse_upload("mine.csv", broken.encode())
    assert world is None
    assert problem == ("mine.csv: row 3 (Storelva), column 'pop_0_5': must be a whole number at "
                       "least 0; found -3")
    assert parse_upload("notes.txt", b"x")[1].startswith("notes.txt: a municipalities file must be")
    assert parse_upload("big.csv", b"x" * (6 * 2**20))[1].startswith("big.csv: at most 5 MB")


def test_without_an_upload_the_dashboard_runs_the_synthetic_world():
    dm = computed(DashboardModel(seed=3))
    assert dm.world is None and dm.mine.world is None
    assert municipality_options(dm)[0] == "Municipality 0"
    n = len(dm.mine.municipalities)
    assert dm.mine.node_labels == [str(i) for i in range(n)]
    assert {t.get_text() for t in network_figure(dm).axes[0].texts} >= {"0", str(n - 1)}
    assert "synthetic world" in dm.world_label()


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
