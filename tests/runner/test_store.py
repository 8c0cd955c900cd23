"""Storage: one file per finished run, written atomically; failures; the combined table."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.runner.executors import open_backend
from sim.runner.execute import run_specs
from sim.runner.store import Failure, RunStore


def test_each_finished_run_is_one_parquet_file_and_no_temporary_file_is_left(tmp_path, small_specs):
    store = RunStore(tmp_path)
    with open_backend("serial") as backend:
        summary = run_specs(small_specs[:3], store, backend, progress=False)
    assert summary.complete and len(summary.computed) == 3
    assert store.finished_ids() == {s.run_id for s in small_specs[:3]}
    assert [p.name for p in tmp_path.rglob(".*")] == []
    table = store.read_run(small_specs[0].run_id)
    assert {"scenario", "seed", "point", "replication", "budget.budget_level", "year", "sector",
            "quality", "satisfaction", "cost_per_client", "sick_leave_pct"} <= set(table.columns)
    assert (table["seed"] == small_specs[0].seed).all()


def test_a_half_written_file_from_a_crash_is_cleaned_up_and_not_counted(tmp_path):
    store = RunStore(tmp_path).open()
    stale = store.runs_dir / ".abc.parquet.tmp-123"
    stale.write_bytes(b"half a file")
    assert store.finished_ids() == set()
    store.open()
    assert not stale.exists()


def test_the_combined_table_follows_the_plan_order(tmp_path, small_specs):
    store = RunStore(tmp_path)
    with open_backend("serial") as backend:
        run_specs(list(reversed(small_specs)), store, backend, progress=False)
    store.combine(small_specs)
    results = pd.read_parquet(store.results_path)
    order = results[["scenario", "point", "replication"]].drop_duplicates()
    planned = [(s.scenario_name, s.point, s.replication) for s in small_specs]
    assert list(order.itertuples(index=False, name=None)) == planned


def test_failures_are_saved_and_removed_atomically(tmp_path, small_specs):
    store = RunStore(tmp_path).open()
    failure = Failure.of(small_specs[0], "ValueError: boom", "Traceback ...")
    store.save_failures({failure.run_id: failure})
    assert store.failures()[failure.run_id].error == "ValueError: boom"
    store.save_failures({})
    assert not store.failures_path.exists()


def test_write_frame_writes_csv_or_parquet_by_suffix(tmp_path):
    store = RunStore(tmp_path).open()
    frame = pd.DataFrame({"a": [1, 2]})
    store.write_frame("x.csv", frame)
    store.write_frame("x.parquet", frame)
    assert pd.read_csv(tmp_path / "x.csv").equals(frame)
    assert pd.read_parquet(tmp_path / "x.parquet").equals(frame)


def test_outcomes_are_kept_monthly_yearly_or_for_the_final_year(tmp_path, make_experiment, plan):
    tables = {}
    for resolution in ("monthly", "yearly", "final"):
        experiment = make_experiment(replications=1, years=2, scenarios=["baseline"], parameters=[],
                                     outputs={"resolution": resolution, "sectors": ["all", "school"]})
        specs = plan(experiment)
        store = RunStore(tmp_path / resolution)
        with open_backend("serial") as backend:
            run_specs(specs, store, backend, progress=False)
        tables[resolution] = store.read_run(specs[0].run_id)
    monthly, yearly, final = tables["monthly"], tables["yearly"], tables["final"]
    assert len(monthly) == 24 * 2 and len(yearly) == 2 * 2 and len(final) == 2
    assert "year" not in final.columns
    expected = monthly.groupby(["year", "sector"])["quality"].mean()
    got = yearly.set_index(["year", "sector"])["quality"]
    assert got.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())
    last_year = yearly[yearly["year"] == 2].set_index("sector")["quality"]
    assert final.set_index("sector")["quality"].to_dict() == pytest.approx(last_year.to_dict())
