"""``reformsim run``: a table of every month with the outcome columns, reproducible by seed."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from sim.cli import main
from sim.outcomes import OUTCOMES


def test_run_writes_24_months_of_outcomes_in_range_and_the_same_seed_repeats_them(tmp_path, capsys):
    assert main(["run", "baseline", "--years", "2", "--seed", "7", "--out", str(tmp_path / "a")]) == 0
    assert main(["run", "baseline", "--years", "2", "--seed", "7", "--out", str(tmp_path / "b")]) == 0
    assert main(["run", "baseline", "--years", "2", "--seed", "8", "--out", str(tmp_path / "c")]) == 0
    a = pd.read_parquet(tmp_path / "a" / "monthly.parquet")
    assert a.month.nunique() == 24 and set(OUTCOMES) <= set(a.columns)
    assert a.quality.between(0, 100).all() and a.sick_leave_pct.between(0, 100).all()
    pd.testing.assert_frame_equal(a, pd.read_parquet(tmp_path / "b" / "monthly.parquet"))
    assert not a.equals(pd.read_parquet(tmp_path / "c" / "monthly.parquet"))
    assert (tmp_path / "a" / "monthly.csv").exists()
    assert (tmp_path / "a" / "monthly_by_municipality.parquet").exists()
    assert "sick_leave_pct" in capsys.readouterr().out


def test_a_bad_scenario_file_exits_2_with_one_message_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[vouchers_typo]\nenabled = true\n")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(bad) in done.stderr and "vouchers_typo" in done.stderr and "allowed here" in done.stderr
    assert not out.exists()


def test_scenarios_list_and_show(capsys):
    assert main(["scenarios", "list"]) == 0
    assert "baseline" in capsys.readouterr().out
    assert main(["scenarios", "show", "baseline"]) == 0
    assert 'name = "baseline"' in capsys.readouterr().out
