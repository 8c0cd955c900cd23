"""Citizens: experience follows quality; satisfaction follows experience against expectation."""

from __future__ import annotations

import numpy as np

from tests.conftest import make_model


def test_satisfaction_rises_with_experienced_quality_and_falls_with_expectations():
    model = make_model(seed=3, years=1)
    model.step()
    citizens = model.mechanism("citizens")
    c = model.citizens_state
    model.units_state.quality[:] += 5
    expectation = c.expectation.copy()
    citizens.experience(model)
    better = c.satisfaction.copy()
    c.expectation[:] = expectation + 10
    model.units_state.quality[:] -= 5
    citizens.experience(model)
    assert better.mean() > c.satisfaction.mean() + 3
    assert ((0 <= c.satisfaction) & (c.satisfaction <= 100)).all()


def test_users_leave_and_new_users_take_their_place_with_the_same_provider():
    model = make_model(seed=3, years=1)
    c = model.citizens_state
    ids, units = c.person_id.copy(), c.unit.copy()
    model.run(6)
    renewed = c.person_id != ids
    assert 0.02 < renewed.mean() < 0.3
    assert (c.unit == units).all()           # baseline: nobody changes provider
    assert len(np.unique(c.person_id)) == len(c)
