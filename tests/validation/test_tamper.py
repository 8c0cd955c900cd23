"""``reproduce`` fails, with a readable diff, when a published table or a model coefficient is
changed behind its back."""

from __future__ import annotations

import shutil
import sys

import pandas as pd

from sim.cli import main
from sim.publication import DEFAULT_TOLERANCE
from sim.reproduce import find

NAME = "sick_leave_baseline"

PATCH_COEFFICIENT = """
import sys
from sim import scenario
from sim.mechanisms import registry

health = next(m for m in registry() if m.name == "health")
health.Params.model_fields["short_spell_days"].default = 6.0   # was 4.0 days per short spell
health.Params.model_rebuild(force=True)
scenario.scenario_class.cache_clear()
scenario._default_dump.cache_clear()
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_tampered_published_table_fails_with_the_published_and_the_rerun_value(tmp_path, capsys):
    published = find(NAME)
    shutil.copy(published.path, tmp_path / published.path.name)
    shutil.copytree(published.folder, tmp_path / NAME)
    table_path = tmp_path / NAME / "ci.csv"
    table = pd.read_csv(table_path)
    row = table.index[(table["sector"] == "kindergarten")][-1]
    original = table.loc[row, "sick_leave_pct"]
    table.loc[row, "sick_leave_pct"] = original + 0.5
    table.to_csv(table_path, index=False)

    code = main(["reproduce", str(tmp_path / f"{NAME}.toml"), "--tier", "ci", "--workers", "1",
                 "--out", str(tmp_path / "rerun")])
    out = capsys.readouterr().out
    assert code == 1
    assert "DIFFERS" in out and "1 number(s) outside tolerance" in out
    line = next(li for li in out.splitlines() if "sector=kindergarten" in li)
    published_value, rerun_value, tolerance, difference = map(float, line.split()[-4:])
    assert "sick_leave_pct" in line and abs(published_value - (original + 0.5)) < 1e-3
    assert abs(rerun_value - original) < 1e-3  # the rerun gives the untampered value back
    assert tolerance == DEFAULT_TOLERANCE["sick_leave_pct"] and abs(difference + 0.5) < 1e-3


def test_a_changed_model_coefficient_fails_reproduce_with_a_diff(tmp_path):
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", PATCH_COEFFICIENT, "reproduce", NAME, "--tier", "ci",
         "--workers", "1", "--out", str(tmp_path / "rerun")],
        capture_output=True, text=True, timeout=300, env={"MPLBACKEND": "Agg",
                                                           **__import__("os").environ})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DIFFERS" in result.stdout
    assert "outside tolerance" in result.stdout and "sick_leave_pct" in result.stdout
    # every sector's sick leave moved up: longer short spells mean more days lost
    table = [li for li in result.stdout.splitlines() if "sick_leave_pct" in li and "sector=" in li]
    assert len(table) >= 4
    assert all(float(li.split()[-1]) > 0 for li in table)
