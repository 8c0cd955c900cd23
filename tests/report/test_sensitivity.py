"""Sensitivity indices: SALib Sobol and Morris rank the parameters that matter first."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment import Experiment
from sim.report.sensitivity import SensitivityError, analyze, figure


def _experiment(kind: str, samples: int) -> Experiment:
    return Experiment(name="s", scenarios=["baseline"], replications=2, base_seed=3,
                      design={"kind": kind, "samples": samples},
                      parameters=[{"name": n, "low": 0.0, "high": 1.0} for n in ("a", "b", "c")],
                      outputs={"resolution": "final", "outcomes": ["quality"]})


def _final(experiment: Experiment) -> pd.DataFrame:
    """A known response: a matters most, b a little, c not at all (two replications)."""
    rows = []
    for p, x in enumerate(experiment.points()):
        for r in range(2):
            rows.append({"scenario": "baseline", "point": p, "replication": r, "seed": r,
                         "quality": 10 * x["a"] + 2 * x["b"] + 0 * x["c"]})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("kind", "samples", "column"), [("sobol", 256, "ST"),
                                                          ("morris", 20, "mu_star")])
def test_the_parameter_that_matters_most_ranks_first(kind, samples, column):
    experiment = _experiment(kind, samples)
    indices = analyze(experiment, _final(experiment)).set_index("parameter")
    assert indices.loc["a", column] > indices.loc["b", column] > indices.loc["c", column]
    assert indices.loc["c", column] == pytest.approx(0.0, abs=0.05)
    assert {f"{column}_conf"} <= set(indices.columns)
    assert figure(indices.reset_index(), kind).axes


def test_missing_design_points_are_reported_not_guessed():
    experiment = _experiment("morris", 4)
    final = _final(experiment)
    with pytest.raises(SensitivityError, match="design points have no result"):
        analyze(experiment, final[final["point"] != 3])


def test_a_morris_sweep_of_the_model_writes_indices_and_a_plot(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('name = "m"\nscenarios = ["baseline"]\nreplications = 1\nyears = 1\n'
                    'base_seed = 8\n[design]\nkind = "morris"\nsamples = 2\n'
                    '[[parameters]]\nname = "budget.budget_level"\nlow = 0.9\nhigh = 1.1\n'
                    '[[parameters]]\nname = "health.workload_demands"\nlow = 0.1\nhigh = 0.4\n'
                    '[outputs]\nresolution = "final"\n')
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--backend", "serial", "--out", str(out),
                 "--no-progress"]) == 0
    indices = pd.read_csv(out / "sensitivity.csv")
    assert set(indices["parameter"]) == {"budget.budget_level", "health.workload_demands"}
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(indices.columns)
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
