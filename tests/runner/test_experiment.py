"""Experiment files: designs, seeds (common random numbers), run keys and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiment import (Design, Experiment, ExperimentError, expected_points,
                            load_experiment, replication_seeds)
from sim.runner.plan import plan_runs, resolve_scenarios
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _experiment(kind: str = "grid", samples: int = 4, **extra) -> Experiment:
    if kind == "grid":
        params = [{"name": "budget.budget_level", "values": [0.95, 1.0, 1.05]},
                  {"name": "empowerment.intensity", "values": [0.2, 0.8]}]
    else:
        params = [{"name": "budget.budget_level", "low": 0.9, "high": 1.1},
                  {"name": "empowerment.intensity", "low": 0.0, "high": 1.0},
                  {"name": "health.workload_demands", "low": 0.1, "high": 0.4}]
    return Experiment(name="t", scenarios=["baseline", "model_municipality"], replications=3,
                      years=1, base_seed=5, parameters=params,
                      design={"kind": kind, "samples": samples, **extra})


@pytest.mark.parametrize(("kind", "extra", "expected"), [
    ("grid", {}, 3 * 2),
    ("latin", {}, 4),
    ("sobol", {}, 4 * (3 + 2)),
    ("sobol", {"second_order": True}, 4 * (2 * 3 + 2)),
    ("morris", {"levels": 4}, 4 * (3 + 1)),
])
def test_designs_produce_the_expected_number_of_points(kind, extra, expected):
    experiment = _experiment(kind, **extra)
    points = experiment.points()
    assert len(points) == expected
    if kind != "grid":
        assert expected_points(experiment.design, 3) == expected
    for point in points:
        assert set(point) == set(experiment.parameter_names)
        if kind != "grid":
            assert 0.9 <= point["budget.budget_level"] <= 1.1


def test_sampled_designs_are_the_same_every_time_for_a_base_seed():
    assert _experiment("latin").points() == _experiment("latin").points()
    other = _experiment("latin").model_copy(update={"base_seed": 6})
    assert other.points() != _experiment("latin").points()


def test_every_scenario_and_point_uses_the_same_replication_seeds():
    experiment = _experiment("grid")
    specs = plan_runs(experiment, resolve_scenarios(experiment, "test"))
    assert len(specs) == 2 * 6 * 3
    seeds_by_cell: dict[tuple[str, int], list[int]] = {}
    for spec in specs:
        seeds_by_cell.setdefault((spec.scenario_name, spec.point), []).append(spec.seed)
    expected = replication_seeds(5, 3)
    assert all(seeds == expected for seeds in seeds_by_cell.values())
    assert len(set(expected)) == 3


def test_replication_seeds_are_spawned_from_the_base_seed():
    children = np.random.SeedSequence(5).spawn(3)
    assert replication_seeds(5, 3) == [int(c.generate_state(1)[0]) for c in children]
    assert replication_seeds(5, 2) == replication_seeds(5, 3)[:2]  # more replications extend


def test_a_run_is_keyed_by_its_scenario_parameters_and_seed():
    experiment = _experiment("grid")
    scenarios = resolve_scenarios(experiment, "test")
    first, again = plan_runs(experiment, scenarios), plan_runs(experiment, scenarios)
    assert [s.run_id for s in first] == [s.run_id for s in again]
    assert len({s.run_id for s in first}) == len(first)
    longer = plan_runs(experiment.model_copy(update={"years": 2}), scenarios)
    assert not {s.run_id for s in longer} & {s.run_id for s in first}


def test_an_edited_scenario_is_not_mistaken_for_the_stored_one():
    experiment = _experiment("grid")
    scenario = load_scenario("baseline")
    edited = scenario.model_copy(update={"description": "edited"})
    ids = {s.run_id for s in plan_runs(experiment, [scenario])}
    assert not ids & {s.run_id for s in plan_runs(experiment, [edited])}


def test_the_shipped_experiment_files_are_valid():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        experiment = load_experiment(path)
        assert plan_runs(experiment, resolve_scenarios(experiment, path))


@pytest.mark.parametrize(("text", "words"), [
    ('name = "x"\nscenarios = ["baseline"]\nreplications = 2\ncolour = "red"\n',
     ["unknown key 'colour'", "allowed keys", "replications"]),
    ('name = "x"\nscenarios = ["baseline"]\nreplications = "two"\n',
     ["replications", "'two'"]),
    ('name = "x"\nscenarios = ["baseline"]\nreplications = 0\n',
     ["replications", "greater than or equal to 1", "found 0"]),
    ('name = "x"\nscenarios = ["baseline"]\nreplications = 2\n[design]\nkind = "fractal"\n',
     ["design.kind", "'grid'", "'morris'", "'fractal'"]),
    ('name = "x"\nscenarios = ["baseline"]\nreplications = 2\n[design]\nkind = "sobol"\n'
     'samples = 6\n[[parameters]]\nname = "budget.budget_level"\nlow = 0.9\nhigh = 1.1\n',
     ["power of 2", "6"]),
    ('name = "x"\nscenarios = ["baseline"]\nreplications = 2\nscale = "europe"\n',
     ["scale", "workshop", "'europe'"]),
    ('name = "x"\nscenarios = ["baseline"\n', ["not valid TOML"]),
    ('name = "x"\nreplications = = 2\n', ["not valid TOML", "line 2"]),
])
def test_a_bad_experiment_file_gets_one_clear_message(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    for word in words:
        assert word in message


def test_an_unknown_parameter_or_scenario_is_refused_before_anything_runs(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nscenarios = ["baseline"]\nreplications = 2\n'
                    '[[parameters]]\nname = "budget.level_of_budget"\nvalues = [1.0]\n')
    with pytest.raises(ExperimentError, match="level_of_budget"):
        experiment = load_experiment(path)
        resolve_scenarios(experiment, path)
    path.write_text('name = "x"\nscenarios = ["nowhere"]\nreplications = 2\n')
    with pytest.raises(ExperimentError, match="nowhere.*built-in scenarios"):
        resolve_scenarios(load_experiment(path), path)


def test_sweep_with_a_bad_file_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nscenarios = ["baseline"]\nreplications = 2\nyears = 500\n')
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "years" in err and "500" in err and str(path) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_design_rejects_a_grid_parameter_without_values():
    with pytest.raises(ValueError, match="needs 'values'"):
        Experiment(name="x", scenarios=["baseline"], replications=1,
                   parameters=[{"name": "budget.budget_level", "low": 0.9, "high": 1.1}])
    assert Design().kind == "grid"
