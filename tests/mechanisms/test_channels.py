"""A reform works only through the behaviour it changes: with its behavioural channel switched
off it moves neither quality nor sick leave, and cost only by its own bill (issue 12).

Every run here keeps the council from passing overspending on to next year's budget
(``deficit_recovery = 0``), so a reform's bill cannot reach staffing through the budget."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_model

NO_DEFICIT = {"deficit_recovery": 0.0}
YEARS = 3


def _outcomes(budget: dict | None = None, **sections):
    model = make_model(seed=31, years=YEARS, budget={**NO_DEFICIT, **(budget or {})}, **sections)
    model.run()
    frame = model.outcomes.national()
    return frame[frame.sector == "all"].reset_index(drop=True), model


@pytest.fixture(scope="module")
def baseline():
    return _outcomes()[0]


def _assert_only_cost_moves(reform, baseline):
    assert np.array_equal(reform.quality.to_numpy(), baseline.quality.to_numpy())
    assert np.array_equal(reform.sick_leave_pct.to_numpy(), baseline.sick_leave_pct.to_numpy())
    assert np.array_equal(reform.employees.to_numpy(), baseline.employees.to_numpy())
    extra = (reform.cost - baseline.cost).to_numpy()
    assert np.all(extra >= 0) and extra.sum() > 0


def test_targets_with_zero_manager_response_change_nothing_but_the_bill(baseline):
    """Commitments measured and paid for, but managers do not respond to stakes, get no budget
    discretion, no rewards move budgets, the council does not move budgets on the measured
    results, and nobody benchmarks: only the measurement bill and (here set to zero) the
    reporting paperwork remain."""
    off = {"enabled": True, "autonomy": 0.3, "reward": 0.0, "involvement": 0.0,
           "feedback_benchmark": 0.0, "reporting_paperwork": 0.0, "setup_load": 0.0}
    blind = {"monitored_judgement": 0.0}   # nor do they judge tried practices by the indicators
    reform, _ = _outcomes(commitments=off, management={"response": 0.0, **blind},
                          budget={"lag_support": 0.0})
    _assert_only_cost_moves(reform, _outcomes(management=blind)[0])


def test_the_same_targets_with_responding_managers_do_move_outcomes(baseline):
    off = {"enabled": True, "autonomy": 0.3, "reward": 0.02, "involvement": 0.0,
           "feedback_benchmark": 0.0, "reporting_paperwork": 0.0, "setup_load": 0.0}
    reform, _ = _outcomes(commitments=off)
    assert not np.array_equal(reform.quality.to_numpy(), baseline.quality.to_numpy())


def test_information_nobody_uses_changes_nothing_but_the_bill(baseline):
    """Surveys, indicators and comparison pages without managers who copy from peers, without
    a council that moves budgets on the measured results (and without voucher choice, so users
    cannot act on it either)."""
    levers = {"enabled": True, "quality_contracts": False, "surveys": True, "kpis": True,
              "comparison_pages": True, "accreditation": False, "welfare_technology": 0.0,
              "training": False, "shared_services": False, "deregulation": False,
              "kpi_paperwork": 0.0, "change_per_lever": 0.0}
    blind = {"monitored_judgement": 0.0}   # nor judge tried practices by the indicators
    reform, _ = _outcomes(danish_levers=levers, management={"copy_rate": 0.0, **blind},
                          budget={"lag_support": 0.0})
    _assert_only_cost_moves(reform, _outcomes(management=blind)[0])


def test_networks_without_imitation_or_targets_change_nothing_but_the_bill(baseline):
    off = {"enabled": True, "innovation": 0.0, "imitation": 0.0, "sick_leave_stakes": 0.0,
           "network_benchmark": 0.0, "project_load": 0.0}
    reform, _ = _outcomes(networks=off)
    _assert_only_cost_moves(reform, baseline)


def test_empowerment_without_involvement_changes_nothing_but_the_bill(baseline):
    reform, _ = _outcomes(empowerment={"enabled": True, "intensity": 0.0})
    _assert_only_cost_moves(reform, baseline)
