"""The Python API gives the command line's numbers (bit for bit) and its error messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "worlds" / "example_region.csv"


def test_run_equals_reformsim_run_for_the_same_seed(tmp_path, capsys):
    assert main(["run", "voucher_choice", "--seed", "5", "--years", "1", "--out", str(tmp_path)]) == 0
    result = sim.run("voucher_choice", seed=5, years=1)
    pd.testing.assert_frame_equal(result.national, pd.read_parquet(tmp_path / "monthly.parquet"))
    pd.testing.assert_frame_equal(result.by_municipality,
                                  pd.read_parquet(tmp_path / "monthly_by_municipality.parquet"))
    stored = sim.read_results(tmp_path)
    assert {"monthly", "monthly_by_municipality"} <= set(stored.tables)
    pd.testing.assert_frame_equal(stored["monthly"], result.national)
    with pytest.raises(KeyError, match="no table 'summary'"):
        stored["summary"]
    capsys.readouterr()


def test_overrides_change_the_run_and_equal_an_overridden_scenario():
    low = sim.run("voucher_choice", seed=5, years=1, overrides={"vouchers.information": 0.0})
    same = sim.run(sim.override("voucher_choice", {"vouchers.information": 0.0}), seed=5, years=1)
    high = sim.run("voucher_choice", seed=5, years=1, overrides={"vouchers.information": 1.0})
    pd.testing.assert_frame_equal(low.national, same.national)
    assert not low.national.equals(high.national)


def test_compare_equals_reformsim_compare_summary_and_results(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["compare", "baseline", "voucher_choice", "--replications", "2", "--years", "1",
                 "--seed", "3", "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    comparison = sim.compare(["baseline", "voucher_choice"], replications=2, years=1, seed=3)
    cli_summary = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(comparison.summary, cli_summary, check_dtype=False)
    cli_results = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(comparison.results, cli_results, check_dtype=False)
    assert {"mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high"} <= set(comparison.summary)
    assert (comparison.summary.ci_low <= comparison.summary["mean"]).all()
    stored = sim.read_results(out)
    assert {"results", "summary"} <= set(stored.tables)
    capsys.readouterr()


def test_sweep_returns_the_table_reformsim_sweep_writes(tmp_path, capsys):
    experiment = tmp_path / "tiny.toml"
    experiment.write_text('name = "tiny"\nscenarios = ["baseline"]\nreplications = 2\nyears = 1\n'
                          '[[parameters]]\nname = "budget.budget_level"\nvalues = [0.95, 1.05]\n'
                          '[outputs]\nresolution = "final"\n')
    assert main(["sweep", str(experiment), "--workers", "1", "--no-progress",
                 "--out", str(tmp_path / "cli")]) == 0
    table = sim.sweep(experiment)
    pd.testing.assert_frame_equal(table, pd.read_parquet(tmp_path / "cli" / "results.parquet"),
                                  check_dtype=False)
    assert len(table) == 4
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nscenarios = ["baseline"]\nreplications = 0\n')
    with pytest.raises(sim.ExperimentError, match=r"bad.toml: key 'replications'"):
        sim.sweep(bad)
    capsys.readouterr()


def test_errors_are_the_scenario_errors_the_cli_prints(tmp_path):
    cli = subprocess.run([sys.executable, "-m", "sim", "run", "no_such_scenario", "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 2
    with pytest.raises(sim.ScenarioError) as err:
        sim.load("no_such_scenario")
    assert cli.stderr.strip() == f"reformsim: error: {err.value}"
    with pytest.raises(sim.ScenarioError, match="unknown key 'vouchers.nope'"):
        sim.override("voucher_choice", {"vouchers.nope": 1})
    with pytest.raises(FileNotFoundError, match="no such results folder"):
        sim.read_results(tmp_path / "missing")


def test_the_top_level_names_are_the_api():
    assert sim.run is sim.api.run and sim.ReformModel is sim.model.ReformModel
    assert set(sim.api.__all__) <= set(sim.__all__)
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018
