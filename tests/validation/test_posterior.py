"""``--posterior``: replications draw parameters from a posterior, the same draws in every
scenario, and reports separate stochastic from parameter uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.posterior import defaults_toml, draw_overrides, load_posterior, summary
from sim.cli import main
from sim.experiment import Experiment
from sim.report.uncertainty import decompose
from sim.runner.plan import plan_runs, resolve_scenarios

NAME = "health.short_hazard.school"


@pytest.fixture
def posterior_file(tmp_path):
    path = tmp_path / "posterior.parquet"
    pd.DataFrame({NAME: [0.05, 0.09, 0.13], "weight": [0.2, 0.5, 0.3]}).to_parquet(path)
    return path


def test_each_replication_uses_the_same_draw_in_every_scenario_and_point(posterior_file):
    experiment = Experiment(name="p", scenarios=["baseline", "voucher_choice"], replications=6,
                            years=1, parameters=[{"name": "budget.budget_level",
                                                  "values": [0.95, 1.05]}])
    draws = draw_overrides(load_posterior(posterior_file), 3, experiment.base_seed)
    assert draws == draw_overrides(load_posterior(posterior_file), 3, experiment.base_seed)
    specs = plan_runs(experiment, resolve_scenarios(experiment, "test"), draws)
    by_replication: dict[int, set[float]] = {}
    for spec in specs:
        by_replication.setdefault(spec.replication, set()).add(spec.overrides[NAME])
        assert spec.overrides[NAME] == draws[spec.replication % 3][NAME]
        assert "budget.budget_level" in spec.overrides
    assert all(len(values) == 1 for values in by_replication.values())
    plain = plan_runs(experiment, resolve_scenarios(experiment, "test"))
    assert not {s.run_id for s in plain} & {s.run_id for s in specs}


def test_the_decomposition_recovers_known_stochastic_and_parameter_variance():
    rng = np.random.default_rng(1)
    draws, seeds = 200, 4
    effect = rng.normal(0, 2.0, draws)          # parameter sd 2
    rows = [{"scenario": "a", "replication": s * draws + d, "y": effect[d] + rng.normal(0, 1.0)}
            for d in range(draws) for s in range(seeds)]  # stochastic sd 1
    table = decompose(pd.DataFrame(rows), ["y"], draws)
    row = table.iloc[0]
    assert row["sd_stochastic"] == pytest.approx(1.0, rel=0.1)
    assert row["sd_parameter"] == pytest.approx(2.0, rel=0.15)
    assert row["parameter_share"] == pytest.approx(0.8, abs=0.06)


def test_paired_differences_cancel_what_scenarios_share():
    rng = np.random.default_rng(2)
    draws = 50
    effect = rng.normal(0, 2.0, draws)
    rows = []
    for r in range(2 * draws):
        noise = rng.normal(0, 1.0)
        rows.append({"scenario": "base", "replication": r, "y": effect[r % draws] + noise})
        rows.append({"scenario": "reform", "replication": r,
                     "y": effect[r % draws] + noise - 0.5 + rng.normal(0, 0.1)})
    table = decompose(pd.DataFrame(rows), ["y"], draws, reference="base")
    diff = table[table["kind"] == "difference"].iloc[0]
    assert diff["mean"] == pytest.approx(-0.5, abs=0.05) and diff["sd_run"] < 0.2


def test_the_posterior_summary_becomes_a_defaults_file(posterior_file):
    medians = summary(load_posterior(posterior_file))
    assert medians[NAME] == pytest.approx(0.09, abs=0.03)
    import tomllib

    data = tomllib.loads(defaults_toml(load_posterior(posterior_file), "test"))
    assert data["health"]["short_hazard"]["school"] == pytest.approx(medians[NAME], rel=1e-5)


def test_compare_with_a_posterior_reports_both_kinds_of_uncertainty(posterior_file, tmp_path,
                                                                   capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "voucher_choice", "--posterior", str(posterior_file),
                 "--replications", "4", "--years", "1", "--backend", "serial",
                 "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "parameter uncertainty" in printed
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "include parameter uncertainty" in report and "stochastic sd" in report
    parts = pd.read_csv(out / "uncertainty.csv")
    assert set(parts["kind"]) == {"level", "difference"} and (parts["draws"] == 2).all()
    results = pd.read_parquet(out / "results.parquet")
    per_rep = results.groupby("replication")[NAME].nunique()
    assert (per_rep == 1).all()  # both scenarios ran replication r with the same draw


@pytest.mark.parametrize("args, message", [
    (["--draws", "2"], "--draws needs --posterior"),
    (["--posterior", "nope.parquet"], "no such posterior file"),
])
def test_bad_posterior_options_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert main(["compare", "baseline", "--replications", "2", "--out", str(tmp_path / "o"),
                 *args]) == 2
    assert message in capsys.readouterr().err


def test_a_calibrated_defaults_file_replaces_the_params_defaults_under_every_scenario(
        package_copy):
    show = ("from sim.scenario import load_scenario; "
            "print(load_scenario('baseline').health.short_hazard.school, "
            "load_scenario('voucher_choice').health.short_hazard.school)")
    before = package_copy.run(code=show)
    assert before.returncode == 0, before.stderr
    (package_copy.folder / "calibration").mkdir()
    (package_copy.folder / "calibration" / "defaults.toml").write_text(
        "[health]\nshort_hazard.school = 0.0777\n", encoding="utf-8")
    after = package_copy.run(code=show)
    assert after.stdout.split() == ["0.0777", "0.0777"] != before.stdout.split()
    (package_copy.folder / "calibration" / "defaults.toml").write_text(
        "[health]\nshort_hazard.school = 7.0\n", encoding="utf-8")
    bad = package_copy.run(code=show)
    assert bad.returncode != 0 and "defaults.toml" in bad.stderr
