"""Mesa's conventions: scenario + dotted keyword overrides, ``model.datacollector``, ``batch_run``.

The batch runner's rows must carry the same outcome numbers as ``reformsim run`` on the same seed,
bit for bit.
"""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from sim.agents import Unit
from sim.cli import main
from sim.model import ReformModel
from sim.outcomes import OUTCOMES
from sim.scenario import ScenarioError, load_scenario, with_overrides


def test_a_scenario_name_and_dotted_keyword_overrides_build_the_same_model_as_the_scenario_api():
    model = ReformModel(scenario="voucher_choice", seed=4, years=1, **{"vouchers.information": 0.6})
    assert model.params.vouchers.information == 0.6
    assert model.params.name == "voucher_choice"
    same = with_overrides(load_scenario("voucher_choice"), {"vouchers.information": 0.6})
    assert model.params == same
    # seed and Mesa's rng are the same thing
    a = ReformModel(scenario="baseline", rng=5, years=1)
    b = ReformModel(scenario="baseline", seed=5, years=1)
    a.run(), b.run()
    pd.testing.assert_frame_equal(a.outcomes.national(), b.outcomes.national())


def test_a_bad_override_raises_the_scenario_error_the_cli_shows():
    with pytest.raises(ScenarioError, match=r"unknown key 'vouchers.informaton'.*information"):
        ReformModel(scenario="voucher_choice", **{"vouchers.informaton": 0.6})
    with pytest.raises(ScenarioError, match=r"'vouchers.information' must be between 0.* found 7"):
        ReformModel(scenario="voucher_choice", **{"vouchers.information": 7})
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        ReformModel(scenario="nope")


def test_the_datacollector_reports_every_month_the_outcome_columns_of_the_national_table():
    model = ReformModel(scenario="baseline", seed=2, years=1)
    model.run()
    collected = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    national = model.outcomes.national()
    national = national[national.sector == "all"].reset_index(drop=True)
    assert list(collected.columns) == list(OUTCOMES)
    assert len(collected) == 12
    # the same bits, every month, every column
    assert (collected.to_numpy(dtype=float) == national[list(OUTCOMES)].to_numpy(dtype=float)).all()
    assert not model.datacollector.agenttype_reporters  # unit reporters only on request


def test_unit_reporters_on_request_give_quality_staff_and_sick_leave_per_unit_and_month():
    model = ReformModel(scenario="baseline", seed=2, years=1, unit_reporters=True)
    model.run(2)
    units = model.datacollector.get_agenttype_vars_dataframe(Unit)
    assert {"quality", "staff", "sick_leave_pct"} <= set(units.columns)
    assert len(units) == 2 * len(model.units_state)
    last = units.xs(units.index.get_level_values(0).max(), level=0)
    assert (last["staff"].to_numpy() == model.units_state.staff).all()


def test_batch_run_gives_rows_with_the_outcomes_of_reformsim_run_bit_for_bit(tmp_path, capsys):
    rows = mesa.batch_run(ReformModel, {"scenario": ["baseline", "voucher_choice"], "years": 1},
                          rng=[1, 2], max_steps=12, number_processes=2, display_progress=False)
    assert len(rows) == 4
    for row in rows:
        out = tmp_path / f"{row['scenario']}-{row['seed']}"
        assert main(["run", row["scenario"], "--seed", str(row["seed"]), "--years", "1",
                     "--out", str(out)]) == 0
        cli = pd.read_parquet(out / "monthly.parquet")
        last = cli[(cli.sector == "all") & (cli.month == 12)].iloc[0]
        for column in OUTCOMES:
            assert row[column] == last[column], (row["scenario"], row["seed"], column)
    assert {(r["scenario"], r["seed"]) for r in rows} == {
        (s, k) for s in ("baseline", "voucher_choice") for k in (1, 2)}
    capsys.readouterr()
