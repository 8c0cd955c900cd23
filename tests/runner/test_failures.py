"""A run that fails is recorded with its error; the others go on; a new start retries it."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from sim.runner.execute import MAX_ATTEMPTS, run_specs
from sim.runner.executors import open_backend
from sim.runner.session import execute
from sim.runner.store import RunStore
from sim.simulate import simulate

BAD_SEED_FILE = "REFORMSIM_TEST_BAD_SEED"


def simulate_failing_for_one_seed(scenario, seed, **kwargs):
    """The real model, except that it raises for the seed named in the environment."""
    if str(seed) == os.environ.get(BAD_SEED_FILE):
        raise ValueError(f"deliberate failure for seed {seed}")
    return simulate(scenario, seed, **kwargs)


def simulate_dying_for_one_seed(scenario, seed, **kwargs):
    """The real model, except that the worker process dies for the seed in the environment."""
    if str(seed) == os.environ.get(BAD_SEED_FILE):
        os._exit(3)
    return simulate(scenario, seed, **kwargs)


@pytest.mark.parametrize("backend", ["serial", "local"])
def test_a_failing_run_is_recorded_and_the_others_are_stored(tmp_path, small_specs, backend,
                                                             monkeypatch):
    bad_seed = small_specs[1].seed  # replication 1: one run per scenario and point
    monkeypatch.setenv(BAD_SEED_FILE, str(bad_seed))
    store = RunStore(tmp_path)
    with open_backend(backend, workers=2) as b:
        summary = run_specs(small_specs, store, b, model=simulate_failing_for_one_seed,
                            progress=False)
    bad = {s.run_id for s in small_specs if s.seed == bad_seed}
    assert len(bad) == 4
    assert {f.run_id for f in summary.failures} == bad
    assert store.finished_ids() == {s.run_id for s in small_specs} - bad
    recorded = json.loads(store.failures_path.read_text())
    assert {r["run_id"] for r in recorded} == bad
    assert all("deliberate failure" in r["error"] and "Traceback" in r["traceback"]
               for r in recorded)

    monkeypatch.delenv(BAD_SEED_FILE)
    with open_backend("serial") as b:
        again = run_specs(small_specs, store, b, model=simulate_failing_for_one_seed,
                          progress=False)
    assert set(again.computed) == bad and again.skipped == 4 and again.complete
    assert not store.failures_path.exists()


def test_a_worker_process_that_dies_costs_only_its_own_run(tmp_path, small_specs, monkeypatch):
    specs = small_specs[:4]  # baseline: two points x two replications
    dying = specs[0]
    monkeypatch.setenv(BAD_SEED_FILE, str(dying.seed))
    store = RunStore(tmp_path)
    with open_backend("local", workers=2) as b:
        summary = run_specs(specs, store, b, model=simulate_dying_for_one_seed, progress=False)
    doomed = {s.run_id for s in specs if s.seed == dying.seed}
    assert {f.run_id for f in summary.failures} == doomed
    assert all("worker process died" in f.error for f in summary.failures)
    assert store.finished_ids() == {s.run_id for s in specs} - doomed
    assert MAX_ATTEMPTS >= 2


def test_the_command_ends_non_zero_and_lists_the_failures(tmp_path, small_specs, monkeypatch,
                                                          capsys):
    monkeypatch.setenv(BAD_SEED_FILE, str(small_specs[0].seed))
    args = argparse.Namespace(backend="serial", workers=1, scheduler=None, no_progress=True)
    outcome = execute(small_specs, RunStore(tmp_path).open(), args, label="test",
                      model=simulate_failing_for_one_seed)
    err = capsys.readouterr().err
    assert outcome.exit_code == 1
    assert "4 run(s) failed" in err and "deliberate failure" in err
    assert "failures.json" in err
    assert "4 runs computed" in err
