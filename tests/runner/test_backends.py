"""A run's numbers depend only on its parameters and seed: serial, local worker processes and
Dask give the same table, row for row."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.runner.execute import run_specs
from sim.runner.executors import DaskBackend, open_backend
from sim.runner.store import RunStore
from sim.runner.worker import reduce_outcomes
from sim.scenario import load_scenario, with_overrides
from sim.simulate import simulate


def _sweep(specs, out, backend) -> pd.DataFrame:
    store = RunStore(out)
    with backend:
        summary = run_specs(specs, store, backend, progress=False)
    assert summary.complete and len(summary.computed) == len(specs)
    store.combine(specs)
    return pd.read_parquet(store.results_path)


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory, make_experiment, plan) -> pd.DataFrame:
    return _sweep(plan(make_experiment()), tmp_path_factory.mktemp("serial"),
                  open_backend("serial"))


def test_a_stored_run_is_the_model_run_with_that_scenario_and_seed(serial_table, small_specs):
    spec = small_specs[-1]
    scenario = with_overrides(load_scenario(spec.scenario_name), spec.overrides)
    direct = simulate(scenario, spec.seed, years=spec.years, scale=spec.scale)
    expected = reduce_outcomes(direct.national, spec.outputs)
    stored = serial_table[serial_table["run_id"] == spec.run_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored[expected.columns], expected, check_dtype=False)


def test_local_worker_processes_give_the_serial_numbers(serial_table, small_specs, tmp_path):
    table = _sweep(small_specs, tmp_path, open_backend("local", workers=2))
    pd.testing.assert_frame_equal(table, serial_table)


@pytest.mark.dask
def test_a_dask_cluster_gives_the_serial_numbers(serial_table, small_specs, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        table = _sweep(small_specs, tmp_path, DaskBackend(2, scheduler=cluster.scheduler_address))
    pd.testing.assert_frame_equal(table, serial_table)
