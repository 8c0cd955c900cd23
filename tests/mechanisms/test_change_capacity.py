"""Change has a cost: every reform draws on units' change capacity, and stacking them
overloads units, so all reforms at once achieve less than the sum of each alone (issue 12):
the capacity changes take comes first from managers' development time, then from the service
and staff support (002 'Prevent overload')."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms.shared import change_carry, change_overload
from sim.scenario import load_scenario
from tests.mechanisms.compare import national_means, run

REFORMS = ("commitments", "vouchers", "contracts", "empowerment", "networks", "danish_levers")
SEEDS, YEARS = (1, 2, 3), 4


def _sections(name: str) -> dict:
    return {name: {"enabled": True}}


@pytest.fixture(scope="module")
def effects():
    """Change in quality and sick leave (years 2-4, two worlds) of each reform alone and of all
    together, against the baseline."""
    base = national_means(SEEDS, YEARS, from_year=2)
    alone = {name: national_means(SEEDS, YEARS, from_year=2, **_sections(name)) - base
             for name in REFORMS}
    combined = load_scenario("combined")
    together = national_means(SEEDS, YEARS, from_year=2,
                              **{n: getattr(combined, n).model_dump() for n in REFORMS}) - base
    return alone, together


def test_combined_switches_on_exactly_these_reforms():
    combined = load_scenario("combined")
    assert all(getattr(combined, name).enabled for name in REFORMS)


def test_stacked_reforms_load_units_beyond_what_they_carry():
    one = run(1, 2, empowerment={"enabled": True})
    combined = load_scenario("combined")
    many = run(1, 2, **{n: getattr(combined, n).model_dump() for n in REFORMS})
    live = many.units_state.active & ~many.units_state.private
    assert many.units_state.change_load[live].mean() > one.units_state.change_load[live].mean()
    assert change_overload(many)[live].mean() > change_overload(one)[live].mean()


def test_all_reforms_together_do_worse_on_sick_leave_than_the_sum_of_each_alone(effects):
    """Overload is the price of stacking: together the reforms raise sick leave by more (or cut
    it by less) than their separate effects add up to."""
    alone, together = effects
    summed = sum(effect.sick_leave_pct for effect in alone.values())
    assert together.sick_leave_pct > summed


def test_all_reforms_together_raise_quality_by_less_than_the_sum_of_each_alone(effects):
    """Stacked changes take the development time in which managers copy what better peers do,
    and beyond what a unit carries they come on top of the service, so the quality effect of
    all reforms at once is smaller than their separate effects added up (although information,
    monitoring and discretion reinforce each other)."""
    alone, together = effects
    summed = sum(effect.quality for effect in alone.values())
    assert together.quality > 0
    assert together.quality < summed


def test_changes_under_way_take_development_time_first_and_the_service_beyond_what_units_carry():
    model = run(1, 1)
    management = model.mechanism("management")
    u = model.units_state
    live = np.flatnonzero(u.active & ~u.private)
    carry = change_carry(model)
    norm = management.allocate(u)
    u.change_load[live] = (0.5 * carry[live]).astype(np.float32)
    within = management.draw_change(model, norm)
    assert np.all(within[live, 2] < norm[live, 2])                    # development time goes
    np.testing.assert_allclose(within[live][:, [0, 1, 3]], norm[live][:, [0, 1, 3]])
    u.change_load[live] = (2.0 * carry[live]).astype(np.float32)
    beyond = management.draw_change(model, norm)
    assert np.all(beyond[live, 2] == 0)                                # no development time left
    assert np.all(beyond[live][:, [0, 1, 3]] < norm[live][:, [0, 1, 3]])  # the service pays
    np.testing.assert_allclose(beyond[live].sum(axis=1),
                               1 - management.p.change_time * 2.0, rtol=1e-6)


def test_stacked_reforms_leave_managers_less_development_time_than_one_reform():
    one = run(1, 2, commitments={"enabled": True})
    combined = load_scenario("combined")
    many = run(1, 2, **{n: getattr(combined, n).model_dump() for n in REFORMS})
    for model in (one, many):
        assert model.units_state.development[model.units_state.active].mean() < 0
    live = many.units_state.active & ~many.units_state.private
    assert many.units_state.development[live].mean() < one.units_state.development[live].mean()
