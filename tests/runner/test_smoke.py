"""experiments/smoke.toml, as CI runs it: local worker processes and Dask give the same table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke.toml"


def _sweep(out: Path, *options: str) -> pd.DataFrame:
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", str(SMOKE), "--out", str(out),
                           "--no-progress", *options], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "54 runs computed" in done.stderr
    return pd.read_parquet(out / "results.parquet")


@pytest.fixture(scope="module")
def local_table(tmp_path_factory) -> pd.DataFrame:
    return _sweep(tmp_path_factory.mktemp("smoke") / "A", "--workers", "2")


def test_smoke_sweep_keeps_scenario_seed_and_the_outcomes(local_table):
    assert {"scenario", "seed", "quality", "satisfaction", "cost_per_client",
            "sick_leave_pct"} <= set(local_table.columns)
    assert set(local_table["scenario"]) == {"baseline", "model_municipality"}
    assert local_table["run_id"].nunique() == 54


@pytest.mark.dask
def test_smoke_sweep_on_dask_gives_the_same_rows(local_table, tmp_path):
    dask_table = _sweep(tmp_path / "C", "--backend", "dask", "--workers", "2")
    pd.testing.assert_frame_equal(dask_table, local_table)
