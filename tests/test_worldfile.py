"""Your own municipalities: a CSV or Parquet file becomes the model's world, or one clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import SECTORS
from sim.cli import main
from sim.model import ReformModel
from sim.worldfile import WorldError, load_world

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "worlds" / "example_region.csv"


@pytest.fixture(scope="module")
def region():
    return load_world(EXAMPLE)


def _frame() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, comment="#")


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "mine.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False) if name.endswith(".csv") else frame.to_parquet(path)
    return path


def test_the_world_has_the_files_municipalities_units_ownership_and_budgets(region):
    model = ReformModel("baseline", seed=3, years=1, world=region)
    frame = _frame()
    m, u = model.municipalities_state, model.units_state
    assert model.municipality_names == list(frame["name"]) and len(m) == len(frame)
    pop = frame[["pop_0_5", "pop_6_15", "pop_16_66", "pop_67_79", "pop_80_plus"]].sum(axis=1)
    assert (m.population == pop.to_numpy()).all()
    for s, sector in enumerate(SECTORS):
        operating = np.bincount(u.muni[u.active & (u.sector == s)], minlength=len(m))
        private = np.bincount(u.muni[u.active & u.private & (u.sector == s)], minlength=len(m))
        assert (operating == frame[f"{sector}_units"]).all(), sector
        assert (private == frame[f"{sector}_private"]).all(), sector
        cap = u.capacity[u.active & (u.sector == s)]
        size = frame[f"{sector}_size"].to_numpy()[u.muni[u.active & (u.sector == s)]]
        assert (cap >= size).all()
    model.run(1)  # the first budget year: exactly the file's budget
    np.testing.assert_allclose(m.budget, frame["budget_nok"].to_numpy(), rtol=1e-9)


def test_users_follow_the_age_groups_and_staff_the_users(region):
    model = ReformModel("baseline", seed=3, years=1, world=region)
    c, e, u = model.citizens_state, model.employees_state, model.units_state
    users = np.zeros((len(region), 4))
    np.add.at(users, (c.muni, c.sector), 1)
    expected = region.expected_users()
    big = expected > 400
    assert np.all(np.abs(users[big] - expected[big]) < 5 * np.sqrt(expected[big]))
    # the oldest municipality has the most nursing-home residents per inhabitant
    share = users[:, 0] / model.municipalities_state.population
    frame = _frame()
    oldest = int(np.argmax(frame["pop_80_plus"] / frame[[c for c in frame if c.startswith("pop_")]].sum(axis=1)))
    assert share[oldest] > np.median(share)
    assert (u.staff[u.active] > 0).all() and e.active.sum() > 0


def test_a_seed_fixes_the_world_and_the_run_and_another_seed_changes_them(region):
    a = ReformModel("voucher_choice", seed=5, years=1, world=region)
    b = ReformModel("voucher_choice", seed=5, years=1, world=EXAMPLE)
    c = ReformModel("voucher_choice", seed=6, years=1, world=region)
    for m in (a, b, c):
        m.run()
    pd.testing.assert_frame_equal(a.outcomes.national(), b.outcomes.national())
    assert not a.outcomes.national().equals(c.outcomes.national())


def test_parquet_is_read_like_csv(tmp_path, region):
    path = _write(tmp_path, _frame(), "region.parquet")
    assert load_world(path).rows == region.rows


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.assign(school_units=f.school_units.astype(object).where(f.index != 2, "four")),
     "row 3 (Storelva), column 'school_units': must be a whole number; found 'four'"),
    (lambda f: f.assign(kindergarten_private=f.kindergarten_units + 1),
     "row 1 (Havbyen), column 'kindergarten_private': must be between 0 and kindergarten_units (53); found 54"),
    (lambda f: f.assign(pop_80_plus=-1),
     "row 1 (Havbyen), column 'pop_80_plus': must be a whole number at least 0; found -1"),
    (lambda f: f.assign(home_care_units=0),
     "row 1 (Havbyen), column 'home_care_units': must be a whole number at least 1; found 0"),
    (lambda f: f.assign(budget_nok=f.budget_nok / 10),
     "row 1 (Havbyen), column 'budget_nok': must be between"),
    (lambda f: f.drop(columns="budget_nok"), "missing column 'budget_nok'; required columns: name,"),
    (lambda f: f.assign(colour="red"), "unknown column 'colour'; allowed: name,"),
    (lambda f: f.assign(name=["Havbyen"] * len(f)),
     "row 2, column 'name': must be unique; found 'Havbyen' again (first in row 1)"),
    (lambda f: f.drop(columns=["lat", "lon"]), None),  # no coordinates at all is fine
    (lambda f: f.assign(lat=f.lat.where(f.index != 4, np.nan)),
     "row 5 (Nordsund), column 'lat': must be given together with lon; found nothing"),
    (lambda f: f.iloc[0:0], "no municipalities"),
])
def test_a_bad_file_gets_one_line_naming_file_row_column_allowed_and_found(tmp_path, change, message):
    path = _write(tmp_path, change(_frame()))
    if message is None:
        assert len(load_world(path)) == 12
        return
    with pytest.raises(WorldError) as err:
        load_world(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_compare_with_a_world_names_the_municipalities_in_its_report_and_tables(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "voucher_choice", "--world", str(EXAMPLE),
                 "--replications", "2", "--years", "1", "--backend", "serial", "--no-progress",
                 "--out", str(out)]) == 0
    names = list(_frame()["name"])
    printed = capsys.readouterr().out
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "By municipality" in report
    table = pd.read_csv(out / "municipalities.csv")
    assert sorted(set(table["municipality"])) == sorted(names)
    assert set(table["scenario"]) == {"baseline", "voucher_choice"} and (table["runs"] == 2).all()
    for name in names:
        assert name in report and name in printed
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["municipality"]) == {"all", *names}
    # the national rows are the same numbers as a run of the world on the same seed
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == {"baseline", "voucher_choice"}


def test_a_broken_world_file_exits_2_with_one_line_and_writes_nothing(tmp_path):
    broken = _write(tmp_path, _frame().assign(school_size=-5), "broken.csv")
    for command in (["compare", "baseline", "voucher_choice"], ["run", "baseline"],
                    ["sweep", str(ROOT / "experiments" / "smoke.toml")]):
        out = tmp_path / f"out-{command[0]}"
        done = subprocess.run([sys.executable, "-m", "sim", *command, "--world", str(broken),
                               "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert lines == [f"reformsim: error: {broken}: row 1 (Havbyen), column 'school_size': "
                         "must be a number more than 0; found -5"]
        assert not out.exists()


def test_run_with_a_world_writes_the_names_in_the_municipal_table(tmp_path, capsys):
    assert main(["run", "baseline", "--years", "1", "--world", str(EXAMPLE), "--out",
                 str(tmp_path)]) == 0
    local = pd.read_csv(tmp_path / "monthly_by_municipality.csv")
    assert set(local["municipality_name"]) == set(_frame()["name"])
    assert "Havbyen" in capsys.readouterr().out


def test_sweep_with_a_world_runs_it_and_keys_the_runs_by_the_file(tmp_path, capsys):
    from sim.experiment import Experiment
    from sim.runner.plan import plan_runs
    from sim.scenario import load_scenario

    experiment = Experiment(name="w", scenarios=["baseline"], replications=2, years=1)
    plain = plan_runs(experiment, [load_scenario("baseline")])
    region = load_world(EXAMPLE)
    with_world = plan_runs(experiment, [load_scenario("baseline")], world=region,
                           by_municipality=False)
    assert {s.run_id for s in plain}.isdisjoint({s.run_id for s in with_world})
    assert [s.seed for s in plain] == [s.seed for s in with_world]
    file = tmp_path / "w.toml"
    file.write_text('name = "w"\nscenarios = ["baseline"]\nreplications = 1\nyears = 1\n')
    assert main(["sweep", str(file), "--world", str(EXAMPLE), "--backend", "serial",
                 "--no-progress", "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    import sim

    swept = pd.read_parquet(tmp_path / "o" / "results.parquet")
    direct = sim.run("baseline", seed=int(swept.seed.iloc[0]), years=1, world=EXAMPLE).national
    last = direct[(direct.sector == "all") & (direct.year == 1)]["quality"].mean()
    # the same monthly values, averaged by the runner and by pandas in different orders
    assert swept[swept.sector == "all"]["quality"].iloc[0] == pytest.approx(last, rel=1e-12)


def test_each_municipalitys_all_sector_row_is_the_exact_aggregate_of_its_sums(region):
    from sim.experiment import Experiment, Outputs
    from sim.outcomes import _SUMS
    from sim.runner.plan import plan_runs
    from sim.runner.worker import compute_run
    from sim.scenario import load_scenario

    experiment = Experiment(name="a", scenarios=["baseline"], replications=1, years=1,
                            outputs=Outputs(resolution="monthly",
                                            outcomes=["quality", "cost_per_client",
                                                      "sick_leave_pct", "clients"]))
    spec = plan_runs(experiment, [load_scenario("baseline")], world=region)[0]
    table = compute_run(spec).table
    local = table[table.municipality != "all"].set_index("municipality")
    assert set(local.index) == set(region.names)
    model = ReformModel("baseline", seed=spec.seed, years=1, world=region)
    model.run()
    sums = model.outcomes.data[:12].reshape(12, len(_SUMS), len(region), 4).sum(axis=3)
    i = {name: k for k, name in enumerate(_SUMS)}
    for m, name in enumerate(region.names):
        quality = (sums[:, i["q_sum"], m] / sums[:, i["clients"], m]).mean()
        cost = (12 * sums[:, i["cost"], m] / sums[:, i["clients"], m]).mean()
        sick = (100 * sums[:, i["days_lost"], m] / (sums[:, i["staff"], m] * 21.7)).mean()
        np.testing.assert_allclose(local.loc[name, ["quality", "cost_per_client", "sick_leave_pct"]]
                                   .to_numpy(dtype=float), [quality, cost, sick], rtol=1e-9)
        assert local.loc[name, "clients"] == sums[:, i["clients"], m].mean()
