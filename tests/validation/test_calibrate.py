"""``reformsim calibrate``: a tiny ABC-SMC run, its files and report, resume, and bad files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.config import CalibrationError, load_calibration
from sim.cli import main

TINY = """
name = "tiny"
scenario = "baseline"
years = 2
burn_in = 1
seed = 5
[smc]
population = 50
generations = 8
[quick]
population = 6
generations = 2
years = 2
[[parameters]]
name = "health.short_hazard.school"
low = 0.02
high = 0.20
[[targets]]
name = "sick_leave_school"
outcome = "sick_leave_pct"
sectors = ["school"]
value = 7.0
low = 6.5
high = 7.5
source = "test figure"
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_a_small_calibration_writes_its_posterior_and_an_offline_report_and_resumes(
        tiny, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["calibrate", str(tiny), "--quick", "--backend", "serial", "--out", str(out)]
    assert main(args) == 0
    first = capsys.readouterr().out
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == ["health.short_hazard.school", "weight"]
    assert len(posterior) == 6 and np.isclose(posterior["weight"].sum(), 1.0)
    assert posterior["health.short_hazard.school"].between(0.02, 0.20).all()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "sick_leave_school" in report and "simulations (run count)" in report
    assert not re.search(r"(src|href)=['\"]https?:", report)  # nothing fetched from the net
    targets = pd.read_csv(out / "targets.csv")
    row = targets.iloc[0]
    assert row["inside"] == (row["low"] <= row["model_mean"] <= row["high"])
    assert ("every target inside" in first) == bool(row["inside"])
    runs = int(re.search(r"(\d+) simulations", first).group(1))
    assert runs >= 12  # two generations of six accepted particles at least

    # the same command again: both generations are in abc.db, none is sampled again
    assert main(args) == 0
    again = capsys.readouterr().out
    assert int(re.search(r"(\d+) simulations", again).group(1)) == runs


def test_priors_come_from_the_file_inside_the_declared_ranges_and_quick_is_smaller(tiny):
    calibration, priors = load_calibration(tiny)
    assert priors == {"health.short_hazard.school": (0.02, 0.20)}
    quick = calibration.quick_tier()
    assert (quick.smc.population, quick.smc.generations) == (6, 2)
    assert (calibration.smc.population, calibration.smc.generations) == (50, 8)


@pytest.mark.parametrize("edit, message", [
    (("health.short_hazard.school", "health.short_hazard.college"), "unknown parameter"),
    (("high = 0.20", "high = 1.5"), "declared range [0, 1]"),
    (('outcome = "sick_leave_pct"', 'outcome = "happiness"'), "unknown outcome"),
    (("value = 7.0", "value = 9.0"), "must lie in [low, high]"),
    (("seed = 5", "seed = 5\nspeed = 3"), "unknown key 'speed'"),
])
def test_a_bad_calibration_file_is_one_line_and_exit_2(tiny, tmp_path, capsys, edit, message):
    tiny.write_text(TINY.replace(*edit), encoding="utf-8")
    with pytest.raises(CalibrationError, match=re.escape(message)):
        load_calibration(tiny)
    assert main(["calibrate", str(tiny), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(tiny) in err and message in err
    assert not (tmp_path / "x").exists()  # nothing half-written


@pytest.mark.dask
def test_the_calibration_runs_on_the_dask_backend(tiny, tmp_path, capsys):
    tiny.write_text(TINY.replace("population = 6\ngenerations = 2", "population = 4\n"
                                 "generations = 1"), encoding="utf-8")
    out = tmp_path / "dask"
    assert main(["calibrate", str(tiny), "--quick", "--backend", "dask", "--workers", "2",
                 "--out", str(out)]) == 0
    assert "local Dask cluster" in capsys.readouterr().err
    assert len(pd.read_parquet(out / "posterior.parquet")) == 4
