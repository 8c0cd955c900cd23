"""Municipalities use information in budget and contract decisions (issue 12, item 2): with the
information levers on, the council moves budget toward units whose measured quality lags and
credits a re-tendered incumbent with its measured record; without information, or when the
council does not respond to it, those decisions are what they were."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_model

INFORMATION = {"enabled": True, "quality_contracts": False, "surveys": True, "kpis": True,
               "comparison_pages": True, "accreditation": False, "welfare_technology": 0.0,
               "training": False, "shared_services": False, "deregulation": False}
NO_INFORMATION = {**INFORMATION, "surveys": False, "kpis": False, "comparison_pages": False}


def _after_first_budget_round(levers: dict, lag_support: float = 0.03):
    """A workshop model one month into its second budget year (the first round that can use a
    year's measurement)."""
    model = make_model(seed=5, years=2, danish_levers=levers,
                       budget={"lag_support": lag_support})
    model.run(13)
    return model


@pytest.fixture(scope="module")
def rounds():
    return {"informed": _after_first_budget_round(INFORMATION),
            "ignored": _after_first_budget_round(INFORMATION, lag_support=0.0),
            "blind": _after_first_budget_round(NO_INFORMATION),
            "blind_ignored": _after_first_budget_round(NO_INFORMATION, lag_support=0.0)}


def _public(model) -> np.ndarray:
    u = model.units_state
    return u.active & ~u.private


def test_with_information_budgets_move_toward_units_whose_measured_quality_lags(rounds):
    informed, ignored = rounds["informed"], rounds["ignored"]
    budget = informed.mechanism("budget")
    public = _public(informed) & ~np.isnan(budget.measured)
    assert public.sum() > 50
    u = informed.units_state
    mean = {s: np.average(budget.measured[public & (u.sector == s)],
                          weights=u.clients[public & (u.sector == s)]) for s in range(4)}
    gap = np.array([mean[s] for s in u.sector]) - budget.measured
    before = ignored.units_state.budget
    change = np.divide(informed.units_state.budget, before, out=np.ones_like(before),
                       where=before > 0) - 1
    assert np.corrcoef(gap[public], change[public])[0, 1] > 0.5
    assert np.abs(change[public]).max() <= informed.mechanism("budget").p.max_steer + 0.01


def test_without_information_the_budget_round_is_what_it_was(rounds):
    blind, ignored = rounds["blind"], rounds["blind_ignored"]
    assert np.isnan(blind.mechanism("budget").measured).all()
    assert np.all(blind.mechanism("budget").steer == 1.0)
    assert np.array_equal(blind.units_state.budget, ignored.units_state.budget)


def test_a_council_that_ignores_the_information_changes_nothing_but_the_bill(rounds):
    """Information measured and paid for, nobody in the council acts on it (and no manager
    copies peers or judges tried practices by the indicators): quality, staffing and sick leave
    are those of the blind council's world."""
    def run(levers, lag):
        model = make_model(seed=5, years=2, danish_levers=levers,
                           budget={"lag_support": lag, "deficit_recovery": 0.0},
                           management={"copy_rate": 0.0, "monitored_judgement": 0.0})
        model.run()
        frame = model.outcomes.national()
        return frame[frame.sector == "all"].reset_index(drop=True)

    ignored, blind = run({**INFORMATION, "kpi_paperwork": 0.0, "change_per_lever": 0.0}, 0.0), \
        run({**NO_INFORMATION, "change_per_lever": 0.0}, 0.03)
    for column in ("quality", "sick_leave_pct", "employees"):
        assert np.array_equal(ignored[column].to_numpy(), blind[column].to_numpy())
    assert (ignored.cost - blind.cost).sum() > 0


def test_a_reincumbent_is_credited_with_its_measured_record_only_where_it_is_measured():
    model = make_model(seed=6, years=2, contracts={"enabled": True},
                       danish_levers=INFORMATION)
    model.run(13)
    contracts, budget = model.mechanism("contracts"), model.mechanism("budget")
    lots = contracts.lots(model)
    measured = lots[~np.isnan(budget.measured[lots])]
    assert len(measured) > 0
    promised = budget.measured[measured] + 10.0          # promises above what was delivered
    credited = contracts.track_record(model, measured, promised)
    weight = contracts.p.record_weight * budget.accuracy[measured]
    np.testing.assert_allclose(credited, promised - 10.0 * weight)
    assert np.all(credited < promised)
    contracts.p = contracts.p.model_copy(update={"record_weight": 0.0})
    assert np.array_equal(contracts.track_record(model, measured, promised), promised)
    budget.measured[:] = np.nan                           # no information: promises only
    contracts.p = contracts.p.model_copy(update={"record_weight": 1.0})
    assert np.array_equal(contracts.track_record(model, measured, promised), promised)
