"""The budget cycle: pressure on the budget shows up as staffing, and staffing as health."""

from __future__ import annotations

from tests.conftest import make_model


def _year3(level: float, seed: int):
    model = make_model(seed=seed, years=3, budget={"budget_level": level})
    model.run()
    frame = model.outcomes.national()
    return frame[(frame.year == 3) & (frame.sector == "all")].mean(numeric_only=True)


def test_a_budget_cut_lowers_staffing_and_raises_sick_leave():
    for seed in (1, 2):
        normal, cut = _year3(1.0, seed), _year3(0.88, seed)
        assert cut.employees < normal.employees * 0.95
        assert cut.sick_leave_pct > normal.sick_leave_pct + 0.5
        assert cut.cost_per_client < normal.cost_per_client


def test_units_are_staffed_to_what_their_budget_pays_for():
    model = make_model(seed=4, years=2)
    model.run()
    u = model.units_state
    ratio = u.staff[u.active].sum() / u.target_staff[u.active].sum()
    assert 0.9 < ratio <= 1.05


def test_spending_stays_within_the_financial_limit_and_vacancies_leave_a_little_unspent():
    for seed in (4, 5):
        model = make_model(seed=seed, years=2)
        model.run(12)
        m = model.municipalities_state
        assert 0.85 < m.spent.sum() / m.budget.sum() < 1.0
        assert (m.spent <= m.budget * 1.02).all()
